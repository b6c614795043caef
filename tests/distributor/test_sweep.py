"""sweep: many accounts of one root claimed with one OpenZeppelin multiproof (the project's tree
makes it, the JS library agrees: tests/merkle/test_merkle_compat.py), paid by one token
`transferBatch`. It follows claim's rules: the difference is paid, levels are recorded with the
root's epoch, the previous root is accepted, pause stops it, a due root is activated."""

import ape
import pytest
from ape.exceptions import VirtualMachineError
from tests.distributor.conftest import claim_args, make_tree
from tests.helpers import ONE, ZERO_ADDRESS

from twei.merkle import pack_flags

pytestmark = pytest.mark.chain

OTHERS = ["0x" + f"{i + 1:040x}" for i in range(13)]


def sweep_args(tree, indices):
    proof = tree.get_multi_proof(indices)
    return [(a, int(v), int(lv)) for a, v, lv in proof.values], proof.proof, proof.proof_flag_bits


@pytest.fixture
def day1(alice, bob, carol):
    return make_tree([(alice, 10 * ONE, 13), (bob, 3 * ONE, 2), (carol, 0, 20)] + [(a, i, i) for i, a in enumerate(OTHERS)])


@pytest.fixture
def day2(alice, bob, carol):
    return make_tree([(alice, 15 * ONE, 14), (bob, 3 * ONE, 3), (carol, ONE, 20)] + [(a, 2 * i, i) for i, a in enumerate(OTHERS)])


@pytest.fixture
def active_day1(distributor, publish_active, day1, outsider):
    publish_active(distributor, 1, day1)
    distributor.activatePendingRoot(sender=outsider)
    return day1


def test_sweep__pays_every_leaf_and_records_levels_in_one_token_call(
    distributor, token, active_day1, alice, bob, carol, outsider
):
    indices = [0, 1, 2, 5, 9, 14]
    tx = distributor.sweep(*sweep_args(active_day1, indices), sender=outsider)
    accounts = [active_day1.values[i][0] for i in indices]
    amounts = {account: int(active_day1.values[i][1]) for i, account in zip(indices, accounts)}
    assert amounts[alice.address] == 10 * ONE and amounts[carol.address] == 0
    for account in accounts:
        assert token.balanceOf(account) == amounts[account]
        assert distributor.claimed(account) == amounts[account]
    assert [distributor.currentLevelOf(a) for a in (alice, bob, carol)] == [(13, True), (2, True), (20, True)]
    claimed = tx.decode_logs(distributor.Claimed)
    assert sorted((c.account.lower(), c.amount) for c in claimed) == sorted((a.lower(), v) for a, v in amounts.items())
    transfers = tx.decode_logs(token.Transfer)
    assert sorted((t.to.lower(), t.value) for t in transfers) == sorted((a.lower(), v) for a, v in amounts.items() if v)
    assert {t["from"] for t in transfers} == {distributor.address}
    assert len([log for log in tx.logs if log["address"] == token.address]) == len(transfers)
    assert token.balanceOf(distributor) == sum(int(v[1]) for v in active_day1.values) - sum(amounts.values())


def test_sweep__again_pays_nothing_and_a_claim_after_it_neither(distributor, token, active_day1, alice, outsider):
    distributor.sweep(*sweep_args(active_day1, [0, 3, 4]), sender=outsider)
    tx = distributor.sweep(*sweep_args(active_day1, [0, 3, 4]), sender=outsider)
    assert tx.decode_logs(token.Transfer) == []
    assert [c.amount for c in tx.decode_logs(distributor.Claimed)] == [0, 0, 0]
    distributor.claim(*claim_args(active_day1, 0), sender=outsider)
    assert token.balanceOf(alice) == 10 * ONE


def test_sweep__next_day_pays_the_difference_and_yesterdays_multiproof_still_sweeps(
    distributor, token, active_day1, day2, publish_active, alice, bob, outsider
):
    distributor.claim(*claim_args(active_day1, 0), sender=outsider)
    publish_active(distributor, 2, day2)
    distributor.activatePendingRoot(sender=outsider)
    # Yesterday's multiproof: bob gets day 1's amount with day 1's level; alice's record is today's
    # after her sweep below, and an old multiproof cannot make it stale.
    distributor.sweep(*sweep_args(day2, [0]), sender=outsider)
    distributor.sweep(*sweep_args(active_day1, [0, 1]), sender=outsider)
    assert token.balanceOf(alice) == 15 * ONE
    assert distributor.currentLevelOf(alice) == (14, True)
    assert token.balanceOf(bob) == 3 * ONE
    assert distributor.currentLevelOf(bob) == (2, False)


def test_sweep__a_forged_leaf_reverts_with_the_zero_account(distributor, active_day1, outsider):
    leaves, proof, flags = sweep_args(active_day1, [0, 1, 2])
    leaves[1] = (leaves[1][0], leaves[1][1] + 1, leaves[1][2])
    with ape.reverts(distributor.InvalidProof, account=ZERO_ADDRESS):
        distributor.sweep(leaves, proof, flags, sender=outsider)


def test_sweep__a_malformed_multiproof_reverts(distributor, active_day1, outsider):
    leaves, proof, flags = sweep_args(active_day1, [0, 1, 2])
    steps = len(leaves) + len(proof) - 1
    assert len(flags) == 1 and flags[0] >> steps == 0
    malformed = {
        "a node short": (leaves, proof[:-1], flags),
        "a node left over": (leaves, proof + [proof[0]], [flags[0] | 1 << steps]),
        "a leaf left over": (leaves + [leaves[0]], proof, flags),
        "a flag word too many": (leaves, proof, flags + [0]),
        "no flag word": (leaves, proof, []),
        "a bit set past the last flag": (leaves, proof, [flags[0] | 1 << steps]),
        "nothing at all": ([], [], []),
    }
    for name, args in malformed.items():
        with ape.reverts(distributor.MerkleProofInvalidMultiproof):
            distributor.sweep(*args, sender=outsider)
        assert distributor.claimed(leaves[0][0]) == 0, name
    # A well-formed multiproof with one more node hashed on top leads to another root.
    with ape.reverts(distributor.InvalidProof, account=ZERO_ADDRESS):
        distributor.sweep(leaves, proof + [proof[0]], flags, sender=outsider)


def test_sweep__a_dirty_address_or_level_word_reverts_as_the_abi_decoder_would(distributor, active_day1, outsider):
    leaves, proof, flags = sweep_args(active_day1, [0, 1, 2])
    data = bytes(distributor.sweep.encode_input(leaves, proof, flags))
    account_word = bytes(12) + bytes.fromhex(leaves[1][0][2:])
    level_word = leaves[1][2].to_bytes(32, "big")
    at = data.index(account_word)
    assert data[at + 64 : at + 96] == level_word
    for dirty_at in (at, at + 64 + 29):  # a bit above the address's 160, above the level's 16
        dirty = bytearray(data)
        dirty[dirty_at] |= 1
        # Empty revert data: a ContractLogicError, or on Ganache the VM error it is a kind of.
        with pytest.raises(VirtualMachineError):
            outsider.transfer(distributor, 0, data=bytes(dirty))
    assert [distributor.claimed(a) for a, _, _ in leaves] == [0, 0, 0]
    outsider.transfer(distributor, 0, data=data)  # the clean bytes sweep
    assert [distributor.claimed(a) for a, _, _ in leaves] == [v for _, v, _ in leaves]


def test_sweep__is_paused_with_claims(distributor, active_day1, guardian, outsider):
    distributor.pause(sender=guardian)
    with ape.reverts(distributor.ClaimsArePaused):
        distributor.sweep(*sweep_args(active_day1, [0]), sender=outsider)


def test_sweep__activates_the_due_root(distributor, token, publish_active, day1, alice, outsider):
    publish_active(distributor, 1, day1)
    tx = distributor.sweep(*sweep_args(day1, [0]), sender=outsider)
    assert len(tx.decode_logs(distributor.RootActivated)) == 1
    assert token.balanceOf(alice) == 10 * ONE


def test_sweep__takes_the_js_librarys_multiproof(distributor, token, active_day1, oz_merkle, outsider):
    js = oz_merkle({"cmd": "multiproof", "dump": active_day1.dump(), "indices": [1, 4, 7, 8]})["multiproof"]
    leaves = [(a, int(v), int(lv)) for a, v, lv in js["leaves"]]
    distributor.sweep(leaves, js["proof"], pack_flags(js["proofFlags"]), sender=outsider)
    assert [distributor.claimed(a) for a, _, _ in leaves] == [v for _, v, _ in leaves]


def test_transfer_batch__lengths_must_match_and_the_balance_suffice(token, fund, alice, bob):
    fund(alice, 5)
    with ape.reverts(token.BatchLengthMismatch, recipients=2, values=1):
        token.transferBatch([bob, alice], [1], sender=alice)
    with ape.reverts(token.ERC20InsufficientBalance):
        token.transferBatch([bob, bob], [3, 3], sender=alice)
    with ape.reverts(token.ERC20InvalidReceiver):
        token.transferBatch([ZERO_ADDRESS], [1], sender=alice)
    tx = token.transferBatch([bob, bob], [2, 3], sender=alice)
    assert token.balanceOf(bob) == 5 and token.balanceOf(alice) == 0
    assert len(tx.decode_logs(token.Transfer)) == 2
