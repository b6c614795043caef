"""Constants and small helpers shared by the tests."""

from __future__ import annotations

from twei.units import twei

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
ONE = twei(1)
MAX_UINT256 = 2**256 - 1
