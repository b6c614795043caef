"""Deploying the Twei contracts with Ape."""

from __future__ import annotations

from typing import Any

from twei.params import TOKEN_SUPPLY_CAP

__all__ = ["deploy_token"]


def deploy_token(project: Any, deployer: Any, *, admin: Any = None, cap: int = TOKEN_SUPPLY_CAP):
    """Deploy a `TweiToken` whose `DEFAULT_ADMIN_ROLE` goes to ``admin`` (default: the deployer)."""
    return deployer.deploy(project.TweiToken, admin or deployer, cap)
