"""The sweep's hand-written multiproof loop (contracts/utils/MultiProofCalldata.sol) against
OpenZeppelin's `MerkleProof.processMultiProofCalldata` on the same inputs (OpenZeppelin's takes the
`bool` flags, ours the same flags packed as bits by `twei.merkle.pack_flags`): the same root for
every valid multiproof, and never a root where OpenZeppelin refuses; a malformed bitmap is refused.
Embedded chain only (view calls)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twei.merkle import DISTRIBUTOR_LEAF_ENCODING, StandardMerkleTree, leaf_hash, pack_flags


@pytest.fixture(scope="module")
def harness(project, deployer):
    return deployer.deploy(project.MultiProofHarness)


REFUSED = "MerkleProofInvalidMultiproof:"


def outcome(fn, *args):
    try:
        return "0x" + bytes(fn(*args)).hex()
    except Exception as error:  # a revert: which error
        return type(error).__name__ + ":" + str(getattr(error, "message", ""))[:40]


addresses = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())
entries = st.lists(st.tuples(addresses, st.integers(0, 2**64), st.integers(0, 99)), min_size=1, max_size=24, unique_by=lambda v: v[0])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=entries, data=st.data())
def test_multiproof_loop__matches_openzeppelin_on_valid_and_broken_multiproofs(harness, values, data):
    tree = StandardMerkleTree.of(values, DISTRIBUTOR_LEAF_ENCODING)
    indices = data.draw(st.lists(st.integers(0, len(values) - 1), unique=True, min_size=1))
    mp = tree.get_multi_proof(indices)
    leaves, proof, flags = list(mp.leaves), list(mp.proof), list(mp.proof_flags)
    bits = pack_flags(flags)
    assert outcome(harness.distributors, leaves, proof, bits) == outcome(harness.openZeppelin, leaves, proof, flags) == tree.root
    # Broken: flip a flag, drop or add a node, swap two leaves, drop a leaf.
    mutation = data.draw(st.sampled_from(["flip", "drop_node", "add_node", "swap", "drop_leaf"]))
    if mutation == "flip" and flags:
        i = data.draw(st.integers(0, len(flags) - 1))
        flags[i] = not flags[i]
    elif mutation == "drop_node" and proof:
        proof.pop(data.draw(st.integers(0, len(proof) - 1)))
    elif mutation == "add_node":
        proof.append(leaf_hash(DISTRIBUTOR_LEAF_ENCODING, values[0]))
    elif mutation == "swap" and len(leaves) > 1:
        leaves[0], leaves[-1] = leaves[-1], leaves[0]
    elif mutation == "drop_leaf" and len(leaves) > 1:
        leaves.pop()
    bits = pack_flags(flags)
    if data.draw(st.booleans()):  # and sometimes break the bitmap itself
        bits = data.draw(st.sampled_from([bits + [0], bits[:-1], [*bits[:-1], (bits or [0])[-1] | 1 << 255]]))
    ours = outcome(harness.distributors, leaves, proof, bits)
    # The bitmap does not carry its flag count (`leaves + proof - 1`): the flags it stands for
    # are read back from it, and OpenZeppelin is given exactly those.
    meant = unpack(bits, len(leaves) + len(proof) - 1)
    if meant is None:
        assert ours.startswith(REFUSED)
        return
    theirs = outcome(harness.openZeppelin, leaves, proof, meant)
    # Ours is never looser: it gives OpenZeppelin's root or refuses; a broken multiproof reaches
    # the tree's root only for the very same leaves (two sibling leaves swapped hash the same).
    assert ours == theirs or ours.startswith(REFUSED)
    assert ours != tree.root or sorted(leaves) == sorted(mp.leaves)


def unpack(bits: list[int], count: int) -> list[bool] | None:
    """The `count` flags a bitmap stands for, or None if it is malformed (not exactly the words
    the flags need, a bit set past the last flag, or no step at all to count)."""
    if count < 0 or len(bits) != (count + 255) // 256:
        return None
    number = sum(word << (256 * i) for i, word in enumerate(bits))
    if number >> count:
        return None
    return [bool(number >> i & 1) for i in range(count)]


def test_multiproof_loop__refuses_a_malformed_flag_bitmap(harness):
    values = [("0x" + f"{i + 1:040x}", i, i % 5) for i in range(300)]
    tree = StandardMerkleTree.of(values, DISTRIBUTOR_LEAF_ENCODING)
    # 280 leaves of 300: 299 flags in two words (the second one's bits 43..255 unused).
    mp = tree.get_multi_proof(range(280))
    leaves, proof, bits = list(mp.leaves), list(mp.proof), pack_flags(mp.proof_flags)
    assert len(mp.proof_flags) == 299 and len(bits) == 2
    assert outcome(harness.distributors, leaves, proof, bits) == tree.root
    for broken in (bits[:1], bits + [0], [bits[0], bits[1] | 1 << 43], [bits[0], bits[1] | 1 << 255]):
        assert outcome(harness.distributors, leaves, proof, broken).startswith(REFUSED)
    # The first flag flipped: a bit that counts.
    assert outcome(harness.distributors, leaves, proof, [bits[0] ^ 1, bits[1]]) != tree.root
