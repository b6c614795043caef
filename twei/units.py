"""Twei amounts: the token has 18 decimals, like ether."""

from __future__ import annotations

from decimal import Decimal

__all__ = ["DECIMALS", "WEI_PER_TWEI", "twei", "format_twei"]

DECIMALS = 18
WEI_PER_TWEI = 10**DECIMALS


def twei(amount: int | str | Decimal) -> int:
    """Whole or fractional Twei (``"0.1"``) to wei, exactly; fractions of a wei are refused."""
    wei = Decimal(str(amount)) * WEI_PER_TWEI
    if wei != wei.to_integral_value():
        raise ValueError(f"{amount} TWEI is not a whole number of wei")
    return int(wei)


def format_twei(wei: int, places: int = 4) -> str:
    """Wei to a human string such as ``12.5`` (trailing zeros dropped)."""
    text = f"{Decimal(wei) / WEI_PER_TWEI:.{places}f}".rstrip("0").rstrip(".")
    return text or "0"
