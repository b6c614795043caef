"""twei.addresses.checksum is EIP-55 exactly as eth-utils computes it, only faster."""

from __future__ import annotations

import pytest
from eth_utils import to_checksum_address
from hypothesis import given
from hypothesis import strategies as st

from twei.addresses import checksum


@given(st.binary(min_size=20, max_size=20), st.sampled_from([str.lower, str.upper, lambda s: s]))
def test_checksum__is_eth_utils_eip55(raw, case):
    address = "0x" + case(raw.hex())
    assert checksum(address) == to_checksum_address(address)
    assert checksum(checksum(address)) == checksum(address)


@pytest.mark.parametrize("address", ["0x" + "00" * 20, "0x" + "ff" * 20, "0X" + "AB" * 20, "0x" + "fB6916095ca1df60bB79Ce92cE3Ea74c37c5d359".lower()])
def test_checksum__edge_addresses(address):
    assert checksum(address) == to_checksum_address(address)


def test_checksum__other_input_is_left_to_eth_utils():
    with pytest.raises(ValueError):
        checksum("0x" + "zz" * 20)
    with pytest.raises(ValueError):
        checksum("0x1234")
