"""The C library (twei/native: keccak_batch.c, abi_words.c) hashes keccak-256 and parses leaf
text exactly, and trees built with it are the trees built without it."""

from __future__ import annotations

import shutil

import numpy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sha3 import keccak_256

from twei.merkle import DISTRIBUTOR_LEAF_ENCODING, StandardMerkleTree
from twei.native import native_library

native = native_library()
needs_native = pytest.mark.skipif(native is None, reason="no C compiler on this machine")


def test_native__is_built_wherever_a_c_compiler_is():
    # `make setup` builds it; a machine without a compiler hashes in Python (slower, same trees).
    assert native is not None or not (shutil.which("cc") or shutil.which("gcc"))


@needs_native
@settings(max_examples=60)
@given(length=st.integers(1, 135), count=st.integers(1, 8), data=st.data())
def test_native__keccak_of_every_single_block_length_matches_pysha3(length, count, data):
    messages = [data.draw(st.binary(min_size=length, max_size=length)) for _ in range(count)]
    expected = b"".join(keccak_256(m).digest() for m in messages)
    assert native.keccak_many(b"".join(messages), length).tobytes() == expected


@needs_native
def test_native__leaf_hashes_are_double_keccak_and_nodes_hash_sorted_pairs():
    bodies = [bytes([i]) * 96 for i in range(5)]
    inner = [keccak_256(keccak_256(b).digest()).digest() for b in bodies]
    assert native.leaf_hashes(b"".join(bodies), 96).tobytes() == b"".join(inner)
    # A 3-leaf heap: nodes 0 and 1 internal, leaf order[i] at node 4-i (order 2, 1, 0 puts
    # inner[0], inner[1], inner[2] at nodes 2, 3, 4).
    heap = native.build_heap(b"".join(inner[:3]), [2, 1, 0]).tobytes()
    assert heap[64:] == b"".join(inner[:3])

    def pair(a, b):
        return keccak_256(min(a, b) + max(a, b)).digest()

    node1 = pair(inner[1], inner[2])  # node 1 has children 3 and 4
    assert heap[32:64] == node1
    assert heap[:32] == pair(node1, inner[0])  # the root: children 1 and 2


@needs_native
def test_native__refuses_messages_longer_than_one_block_and_bad_heap_orders():
    with pytest.raises(ValueError):
        native.keccak_many(b"x" * 136, 136)
    with pytest.raises(ValueError):
        native.leaf_hashes(b"x" * 97, 96)
    with pytest.raises(ValueError, match="permutation"):
        native.build_heap(b"x" * 64, [0, 0])
    with pytest.raises(ValueError, match="one order position"):
        native.build_heap(b"x" * 64, [0])


addresses = st.one_of(
    st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex()),
    st.binary(min_size=20, max_size=20).map(lambda b: "0X" + b.hex().upper()),
    st.binary(min_size=20, max_size=20),
)
# Decimal strings as a tree file holds them (parsed in C), with leading zeros now and then (not
# canonical: the per-leaf loop normalises them), and Python ints small and big.
amounts = st.one_of(
    st.integers(0, 2**256 - 1),
    st.integers(0, 2**63 - 1),
    st.integers(0, 2**256 - 1).map(str),
    st.integers(0, 10**6).map(lambda v: "0" + str(v)),
)
levels = st.one_of(st.integers(0, 2**16 - 1), st.integers(0, 2**16 - 1).map(str))
leaves = st.tuples(addresses, amounts, levels)


@needs_native
@settings(max_examples=40)
@given(values=st.lists(leaves, min_size=1, max_size=70))
def test_native__tree_equals_the_pure_python_tree(values):
    import twei.merkle

    ours = StandardMerkleTree.of(values, DISTRIBUTOR_LEAF_ENCODING)
    saved, twei.merkle.native_library = twei.merkle.native_library, lambda: None
    try:
        pure = StandardMerkleTree.of(values, DISTRIBUTOR_LEAF_ENCODING)
    finally:
        twei.merkle.native_library = saved
    assert ours.root == pure.root
    assert ours.dump_json() == pure.dump_json()  # from the C heap's buffer, and from the list
    assert [ours.get_proof(i) for i in range(len(values))] == [pure.get_proof(i) for i in range(len(values))]
    assert ours.tree == pure.tree
    assert ours.values == pure.values
    assert ours.tree_indices == pure.tree_indices


@needs_native
@pytest.mark.parametrize("threads", ["1", "2", "3"])
def test_native__trees_split_over_threads_equal_the_pure_python_tree(monkeypatch, threads):
    # 40,000 leaves: enough for the C batch to split the leaves and the deep levels of the heap
    # over the threads (chunks of at least 4,096), uneven with 3.
    import random

    import twei.merkle

    rng = random.Random(int(threads))
    values = [("0x" + rng.randbytes(20).hex(), rng.randrange(10**24), rng.randrange(60)) for _ in range(40_000)]
    monkeypatch.setenv("TWEI_NATIVE_THREADS", threads)
    ours = StandardMerkleTree.of(values, DISTRIBUTOR_LEAF_ENCODING)
    monkeypatch.setattr(twei.merkle, "native_library", lambda: None)
    pure = StandardMerkleTree.of(values, DISTRIBUTOR_LEAF_ENCODING)
    assert ours.tree == pure.tree


@needs_native
@pytest.mark.parametrize(
    ("text", "bits", "word"),
    [
        ("0", 256, 0),
        ("65535", 16, 0xFFFF),
        ("1234567890123456789012345678901234567890", 256, 1234567890123456789012345678901234567890),
        (str(2**256 - 1), 256, 2**256 - 1),
    ],
)
def test_decimal_words__writes_big_endian_words_at_the_offset(text, bits, word):
    out = numpy.full((2, 40), 0xAA, dtype=numpy.uint8)
    assert native.decimal_words(["7", text], bits, out, 5)
    assert out[1, 5:37].tobytes() == word.to_bytes(32, "big")
    assert out[0, 5:37].tobytes() == (7).to_bytes(32, "big")
    assert (out[:, :5] == 0xAA).all() and (out[:, 37:] == 0xAA).all()  # nothing outside the word


@needs_native
@pytest.mark.parametrize(
    ("text", "bits"),
    [("", 256), ("01", 256), ("-1", 256), ("+1", 256), (" 1", 256), ("1a", 256), ("\u0661", 256),
     (str(2**256), 256), ("9" * 79, 256), ("65536", 16)],
)
def test_decimal_words__refuses_what_str_of_an_int_would_not_write_or_what_is_too_big(text, bits):
    out = numpy.zeros((2, 32), dtype=numpy.uint8)
    assert not native.decimal_words(["1", text], bits, out, 0)


@needs_native
def test_address_words__writes_20_bytes_of_either_case_at_the_offset():
    out = numpy.full((2, 24), 0xAA, dtype=numpy.uint8)
    assert native.address_words(["0x" + "0f" * 20, "0X" + "Ab" * 20], out, 2)
    assert out[0, 2:22].tobytes() == b"\x0f" * 20
    assert out[1, 2:22].tobytes() == b"\xab" * 20
    assert (out[:, :2] == 0xAA).all() and (out[:, 22:] == 0xAA).all()


@needs_native
@pytest.mark.parametrize(
    "bad",
    [
        ["0x" + "0" * 39, "a0x" + "0" * 40],  # 41 and 43 characters: 84 in all, cut as 42 + 42
        ["1x" + "0" * 40],
        ["0y" + "0" * 40],
        ["0x" + "g" + "0" * 39],
        ["0x" + " " * 40],
        ["0x" + "\u0661" + "0" * 39],
    ],
)
def test_address_words__refuses_anything_but_0x_and_40_hex_digits(bad):
    out = numpy.zeros((len(bad), 20), dtype=numpy.uint8)
    assert not native.address_words(bad, out, 0)


def test_native__a_failing_compiler_leaves_the_python_path(monkeypatch, tmp_path):
    import twei.native

    monkeypatch.setattr(twei.native, "LIBRARY", tmp_path / "_twei_native.so")
    assert twei.native.build(compiler="false") is None
    assert not (tmp_path / "_twei_native.so").exists()


@pytest.mark.skipif(not (shutil.which("cc") or shutil.which("gcc")), reason="no C compiler on this machine")
def test_native__build_compiles_a_library_that_hashes(monkeypatch, tmp_path):
    import ctypes

    import twei.native

    monkeypatch.setattr(twei.native, "LIBRARY", tmp_path / "_twei_native.so")
    built = twei.native.build()
    assert built == tmp_path / "_twei_native.so"
    fresh = twei.native.NativeLibrary(ctypes.CDLL(str(built)))
    assert fresh.keccak_many(b"abc", 3).tobytes() == keccak_256(b"abc").digest()


def test_split32__keeps_nodes_whole_even_ending_in_zero_bytes():
    from twei.merkle import _split32

    blob = b"\x01" * 32 + b"\xff" + b"\x00" * 31 + b"\x00" * 32
    assert _split32(blob) == [b"\x01" * 32, b"\xff" + b"\x00" * 31, b"\x00" * 32]
    assert all(type(node) is bytes for node in _split32(blob))
