"""What a wallet needs to show Twei: a Uniswap token list and EIP-747 `wallet_watchAsset` params.

Both follow the published formats as they are (token lists: uniswap/token-lists schema 1.x;
EIP-747: ``{"type": "ERC20", "options": {...}}``), so any wallet or dApp can take them unchanged.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from eth_utils import to_checksum_address

__all__ = ["token_list", "watch_asset_params"]

TOKEN_NAME = "Twei"
TOKEN_SYMBOL = "TWEI"
TOKEN_DECIMALS = 18


def token_list(
    tokens: dict[int, str], *, version: tuple[int, int, int] = (1, 0, 0), now: datetime | None = None
) -> dict[str, Any]:
    """A token list naming the Twei token on each chain of ``tokens`` (chain id -> address)."""
    major, minor, patch = version
    return {
        "name": "Twei",
        "timestamp": (now or datetime.now(timezone.utc)).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "version": {"major": major, "minor": minor, "patch": patch},
        "keywords": ["twei", "read-to-earn"],
        "tokens": [
            {
                "chainId": chain_id,
                "address": to_checksum_address(address),
                "name": TOKEN_NAME,
                "symbol": TOKEN_SYMBOL,
                "decimals": TOKEN_DECIMALS,
            }
            for chain_id, address in sorted(tokens.items())
        ],
    }


def watch_asset_params(address: str) -> dict[str, Any]:
    """The params of ``wallet_watchAsset`` (EIP-747) that add Twei to a wallet."""
    return {
        "type": "ERC20",
        "options": {
            "address": to_checksum_address(address),
            "symbol": TOKEN_SYMBOL,
            "decimals": TOKEN_DECIMALS,
        },
    }
