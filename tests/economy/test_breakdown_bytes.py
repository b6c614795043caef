"""Breakdown.fast_bytes (what the job writes and hashes) is byte for byte Breakdown.to_bytes
(the canonical json.dumps form), whatever the breakdown."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from twei.breakdown import Breakdown
from twei.flows import FlowCategory

addresses = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex()) | st.sampled_from(
    ["0x" + "ab" * 20, "0x" + "AB" * 20, "0x000000000000000000000000000000000000000a"]
)
keys = st.tuples(st.integers(0, 2**64), st.sampled_from(list(FlowCategory)) | st.integers(0, 12))
amounts = st.integers(0, 10**30)
breakdowns = st.builds(
    Breakdown,
    chain_id=st.integers(1, 2**40),
    epoch=st.integers(0, 10**6),
    scaled=st.booleans(),
    pool=amounts,
    lines=st.dictionaries(addresses, st.dictionaries(keys, amounts, max_size=6), max_size=6),
    paid=st.dictionaries(addresses, amounts, max_size=6),
)


@given(breakdown=breakdowns)
def test_fast_bytes__are_the_canonical_bytes(breakdown):
    assert breakdown.fast_bytes() == breakdown.to_bytes()


def test_fast_bytes__of_an_empty_day():
    empty = Breakdown(1337, 20_000, False, 10**23, {}, {})
    assert empty.fast_bytes() == empty.to_bytes()
