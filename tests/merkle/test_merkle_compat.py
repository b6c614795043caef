"""twei.merkle is byte-for-byte the JS StandardMerkleTree: roots, proofs, leaf order and dumps."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twei.errors import MerkleError
from twei.merkle import (
    DISTRIBUTOR_LEAF_ENCODING,
    StandardMerkleTree,
    leaf_hash,
    node_hash,
    pack_flags,
    process_multi_proof,
    process_proof,
)

addresses = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())
leaves = st.tuples(addresses, st.integers(0, 2**256 - 1), st.integers(0, 2**16 - 1))
trees = st.lists(leaves, min_size=1, max_size=40, unique_by=lambda v: v[0])


@settings(max_examples=25)
@given(values=trees)
def test_merkle__random_trees_match_js(oz_merkle, values):
    ours = StandardMerkleTree.of(values, DISTRIBUTOR_LEAF_ENCODING)
    theirs = oz_merkle({"cmd": "build", "encoding": list(DISTRIBUTOR_LEAF_ENCODING), "values": ours.values})
    assert ours.root == theirs["root"]
    assert [ours.get_proof(i) for i in range(len(values))] == theirs["proofs"]
    assert ours.dump() == theirs["dump"]
    assert ours.dump_json() == json.dumps(theirs["dump"], separators=(",", ":"))


@settings(max_examples=10)
@given(values=trees)
def test_merkle__js_loads_python_dump_and_python_loads_js_dump(oz_merkle, values):
    ours = StandardMerkleTree.of(values, DISTRIBUTOR_LEAF_ENCODING)
    loaded_by_js = oz_merkle({"cmd": "load", "dump": json.loads(ours.dump_json())})
    assert loaded_by_js["root"] == ours.root
    reloaded = StandardMerkleTree.load(json.dumps(loaded_by_js["dump"]))
    assert reloaded.root == ours.root
    assert reloaded.dump() == ours.dump()


def test_merkle__other_leaf_types_match_js(oz_merkle):
    encoding = ["bytes32", "bool", "uint8", "string"]
    values = [["0x" + "ab" * 32, True, "7", "hello"], ["0x" + "01" * 32, False, "255", ""]]
    ours = StandardMerkleTree.of(values, encoding)
    theirs = oz_merkle({"cmd": "build", "encoding": encoding, "values": values})
    assert ours.root == theirs["root"]
    assert [ours.get_proof(i) for i in range(2)] == theirs["proofs"]


def test_merkle__single_leaf_tree_is_its_leaf(alice_address="0x" + "12" * 20):
    tree = StandardMerkleTree.of([(alice_address, 5, 1)], DISTRIBUTOR_LEAF_ENCODING)
    assert tree.root == "0x" + leaf_hash(DISTRIBUTOR_LEAF_ENCODING, [alice_address, 5, 1]).hex()
    assert tree.get_proof(0) == []


def test_merkle__leaves_sorted_ascending_stored_from_the_end():
    values = [("0x" + f"{i:040x}", i, 0) for i in range(1, 6)]
    tree = StandardMerkleTree.of(values, DISTRIBUTOR_LEAF_ENCODING)
    stored = tree.tree[len(tree.tree) - len(values):]
    assert stored == sorted(stored, reverse=True)


def test_merkle__proofs_verify_and_node_hash_is_commutative():
    values = [("0x" + f"{i:040x}", i * 10, i) for i in range(1, 12)]
    tree = StandardMerkleTree.of(values, DISTRIBUTOR_LEAF_ENCODING)
    a, b = tree.tree[1], tree.tree[2]
    assert node_hash(a, b) == node_hash(b, a) == tree.tree[0]
    for i, value in tree.entries():
        assert tree.verify(i, tree.get_proof(i))
        assert tree.leaf_lookup(value) == i
        assert "0x" + process_proof(tree.tree[tree.tree_indices[i]], tree.proof_nodes(i)).hex() == tree.root
    assert not tree.verify(values[0], tree.get_proof(1))


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d.update(format="standard-v2"), "unknown tree format"),
        (lambda d: d.pop("leafEncoding"), "no leafEncoding"),
        (lambda d: d["tree"].__setitem__(0, "0x" + "00" * 32), "does not hash its children"),
        (lambda d: d["values"][0].__setitem__("value", [d["values"][0]["value"][0], "999", "1"]), "is not the leaf"),
    ],
)
def test_merkle__load_rejects_bad_dumps(mutate, message):
    tree = StandardMerkleTree.of([("0x" + "12" * 20, 5, 1), ("0x" + "34" * 20, 6, 2)], DISTRIBUTOR_LEAF_ENCODING)
    data = json.loads(tree.dump_json())
    mutate(data)
    with pytest.raises(MerkleError, match=message):
        StandardMerkleTree.load(data)


@pytest.mark.parametrize(
    "value",
    [
        ("0x1234", 1, 1),
        ("0x" + "zz" * 20, 1, 1),
        ("0x" + "é1" * 20, 1, 1),  # 42 characters, not ASCII
        ("0x" + "12" * 20, -1, 1),
        ("0x" + "12" * 20, 2**256, 1),
        ("0x" + "12" * 20, 1, 2**16),
        ("0x" + "12" * 20, 1, -1),
        ("0x" + "12" * 20, 1),
        ("0x" + "12" * 20, 1, 1, 1),
    ],
)
def test_merkle__bad_leaves_raise(value):
    # Alone, and after a good leaf (the column-wise fast path must refuse it as well).
    good = ("0x" + "34" * 20, 5, 1)
    for values in ([value], [good, value]):
        with pytest.raises(MerkleError, match="is not a valid"):
            StandardMerkleTree.of(values, DISTRIBUTOR_LEAF_ENCODING)


def test_merkle__empty_tree_and_unknown_leaf_raise():
    with pytest.raises(MerkleError, match="at least one leaf"):
        StandardMerkleTree.of([], DISTRIBUTOR_LEAF_ENCODING)
    tree = StandardMerkleTree.of([("0x" + "12" * 20, 5, 1)], DISTRIBUTOR_LEAF_ENCODING)
    with pytest.raises(MerkleError, match="not in tree"):
        tree.leaf_lookup(("0x" + "12" * 20, 6, 1))
    with pytest.raises(MerkleError, match="out of bounds"):
        tree.get_proof(3)


@pytest.mark.parametrize("chunk", [3, 1 << 15])
def test_merkle__all_proofs_are_each_values_proof(monkeypatch, chunk):
    # Every size up to 70 (leaves at one depth or two) and a few around powers of two, with the
    # proofs assembled in small chunks and in the default ones.
    monkeypatch.setattr("twei.merkle._PROOF_CHUNK", chunk)
    for n in [*range(1, 71), 127, 128, 129, 1025]:
        values = [("0x" + f"{i + 1:040x}", i * 7, i % 5) for i in range(n)]
        tree = StandardMerkleTree.of(values, DISTRIBUTOR_LEAF_ENCODING)
        assert tree.all_proofs() == [tuple(tree.proof_nodes(i)) for i in range(n)]


def test_merkle__equal_leaves_match_js(oz_merkle):
    # Equal hashes tie on the sort key; both libraries keep them in input order (a stable sort).
    values = [["0x" + "11" * 20, "1", "1"]] * 3 + [["0x" + "22" * 20, "1", "1"], ["0x" + "11" * 20, "1", "1"]]
    ours = StandardMerkleTree.of(values, DISTRIBUTOR_LEAF_ENCODING)
    theirs = oz_merkle({"cmd": "build", "encoding": list(DISTRIBUTOR_LEAF_ENCODING), "values": values})
    assert ours.dump() == theirs["dump"]
    assert [ours.get_proof(i) for i in range(len(values))] == theirs["proofs"]


def bits_of(js_flags: list[bool]) -> list[int]:
    """The JS library's bool flags as the sweep's 256-bit words, packed here independently of
    `pack_flags`: the flags read as a binary number, first flag least significant."""
    number = int("".join("1" if f else "0" for f in reversed(js_flags)) or "0", 2)
    return [(number >> (256 * w)) & (2**256 - 1) for w in range((len(js_flags) + 255) // 256)]


def test_merkle__pack_flags_puts_flag_i_in_bit_i_mod_256_of_word_i_div_256():
    assert pack_flags([]) == []
    assert pack_flags([True, False, True]) == [0b101]
    flags = [False] * 300
    flags[0] = flags[255] = flags[256] = flags[299] = True
    assert pack_flags(flags) == [1 | 1 << 255, 1 | 1 << 43]
    assert pack_flags([False] * 257) == [0, 0]


def test_merkle__a_multiproof_of_more_than_256_flags_packs_as_the_js_flags(oz_merkle):
    values = [("0x" + f"{i + 1:040x}", i, i % 7) for i in range(700)]
    tree = StandardMerkleTree.of(values, DISTRIBUTOR_LEAF_ENCODING)
    indices = [i for i in range(700) if i % 7]  # 600 leaves: at least 599 flags, three words
    ours = tree.get_multi_proof(indices)
    js = oz_merkle({"cmd": "multiproof", "dump": tree.dump(), "indices": indices})["multiproof"]
    assert len(js["proofFlags"]) > 512 and js["proofFlags"] == ours.proof_flags
    assert ours.proof_flag_bits == bits_of(js["proofFlags"])


@settings(max_examples=20)
@given(values=trees, data=st.data())
def test_merkle__multiproofs_match_js_get_multi_proof_and_verify_there(oz_merkle, values, data):
    tree = StandardMerkleTree.of(values, DISTRIBUTOR_LEAF_ENCODING)
    indices = data.draw(st.lists(st.integers(0, len(values) - 1), unique=True, max_size=len(values)))
    ours = tree.get_multi_proof(indices)
    check = {"leaves": ours.values, "proof": ["0x" + p.hex() for p in ours.proof], "proofFlags": ours.proof_flags}
    js = oz_merkle({"cmd": "multiproof", "dump": tree.dump(), "indices": indices, "check": check})
    assert js["multiproof"] == check
    assert js["verified"] is True
    assert ours.proof_flag_bits == bits_of(js["multiproof"]["proofFlags"])
    assert "0x" + process_multi_proof(ours.leaves, ours.proof, ours.proof_flags).hex() == tree.root


def test_merkle__a_multiproof_with_a_changed_leaf_fails_in_js_and_here(oz_merkle):
    values = [("0x" + f"{i:040x}", i * 10, i % 7) for i in range(1, 40)]
    tree = StandardMerkleTree.of(values, DISTRIBUTOR_LEAF_ENCODING)
    ours = tree.get_multi_proof([3, 9, 10, 27])
    forged = [list(v) for v in ours.values]
    forged[1][1] = str(int(forged[1][1]) + 1)
    check = {"leaves": forged, "proof": ["0x" + p.hex() for p in ours.proof], "proofFlags": ours.proof_flags}
    assert oz_merkle({"cmd": "multiproof", "dump": tree.dump(), "indices": [], "check": check})["verified"] is False
    leaves = [leaf_hash(DISTRIBUTOR_LEAF_ENCODING, v) for v in forged]
    assert "0x" + process_multi_proof(leaves, ours.proof, ours.proof_flags).hex() != tree.root


def test_merkle__a_multiproof_refuses_duplicates_and_bad_sizes():
    tree = StandardMerkleTree.of([("0x" + f"{i:040x}", i, 0) for i in range(1, 9)], DISTRIBUTOR_LEAF_ENCODING)
    with pytest.raises(MerkleError, match="duplicated"):
        tree.get_multi_proof([2, 2])
    proof = tree.get_multi_proof([1, 5])
    with pytest.raises(MerkleError, match="flags"):
        process_multi_proof(proof.leaves, proof.proof[:-1], proof.proof_flags)
