"""Constants and small helpers shared by the tests."""

from __future__ import annotations

from twei.units import twei

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
ONE = twei(1)
#: The `maxFee` of a caller who agrees to any fee the contract may charge (`Engagement.MAX_FEE`):
#: for tests about something else than the agreed price.
ANY_FEE = twei(1_000)
MAX_UINT256 = 2**256 - 1

#: Fixed oracle keys, so failures reproduce; never used outside tests.
ORACLE_KEYS = [
    "0x" + "11" * 32,
    "0x" + "22" * 32,
    "0x" + "33" * 32,
    "0x" + "44" * 32,
    "0x" + "55" * 32,
]
DAILY_CAP = twei(1_000_000)
CHALLENGE_PERIOD = 3600
