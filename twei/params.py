"""The economy's default on-chain parameters (SPEC §2), in wei where they are amounts."""

from __future__ import annotations

from twei.units import twei

__all__ = ["TOKEN_SUPPLY_CAP"]

#: The most Twei that can ever exist: ten thousand days of the on-chain daily reward cap.
TOKEN_SUPPLY_CAP = twei(10_000_000_000)
