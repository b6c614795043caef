"""The platform's day on a chain, narrated: the body of `ape run demo`.

It grows with the platform; today it deploys the token and shows what a wallet would see.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twei.deploy import deploy_token
from twei.units import format_twei

__all__ = ["run_demo"]


def run_demo(project: Any, deployer: Any, say: Callable[[str], None] = print) -> dict[str, Any]:
    """Deploy the token with ``deployer`` and narrate its facts; return them for callers and tests."""
    token = deploy_token(project, deployer)
    facts = {
        "address": token.address,
        "name": token.name(),
        "symbol": token.symbol(),
        "decimals": token.decimals(),
        "cap": token.cap(),
        "deployer_balance": token.balanceOf(deployer),
    }
    say(f"TweiToken deployed at {facts['address']}")
    say(f"  name {facts['name']}, symbol {facts['symbol']}, {facts['decimals']} decimals")
    say(f"  supply cap {format_twei(facts['cap'])} TWEI")
    say(f"  deployer {deployer.address} holds {format_twei(facts['deployer_balance'])} TWEI")
    return facts
