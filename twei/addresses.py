"""EIP-55 checksummed addresses, fast: the settlement checksums up to millions of addresses a day.

eth-utils' ``to_checksum_address`` costs ~0.3 ms a call through its validation layers and
pycryptodome's keccak; this one uses safe-pysha3's C keccak and remembers the answer per
address (a day repeats the same ~100k accounts many times), for the same result.
"""

from __future__ import annotations

from functools import lru_cache

from sha3 import keccak_256

from eth_utils import to_checksum_address

__all__ = ["checksum"]


@lru_cache(maxsize=1 << 21)
def checksum(address: str) -> str:
    """The EIP-55 form of a 0x-prefixed 40-hex-digit address (other input: eth-utils decides)."""
    if len(address) != 42 or address[:2] not in ("0x", "0X"):
        return to_checksum_address(address)
    body = address[2:].lower()
    try:
        int(body, 16)
    except ValueError:
        return to_checksum_address(address)  # raises its own clear error
    digest = keccak_256(body.encode()).hexdigest()
    return "0x" + "".join(c.upper() if d in "89abcdef" else c for c, d in zip(body, digest))
