"""claim and claimMany: pay the account the difference, record its level, only under the active root
(or the previous one: tests/distributor/test_previous_root.py)."""

import ape
import pytest
from hexbytes import HexBytes

from twei.merkle import keccak, process_proof

from tests.distributor.conftest import claim_args, make_tree
from tests.helpers import ONE

pytestmark = pytest.mark.chain


@pytest.fixture
def day1(alice, bob, carol):
    return make_tree([(alice, 10 * ONE, 13), (bob, 3 * ONE, 2), (carol, 0, 20)])


@pytest.fixture
def active_day1(distributor, publish_active, day1):
    publish_active(distributor, 1, day1)
    return day1


def test_claim__pays_the_account_and_records_level(distributor, token, active_day1, alice, outsider):
    assert distributor.claim.call(*claim_args(active_day1, 0), sender=alice) == 10 * ONE
    tx = distributor.claim(*claim_args(active_day1, 0), sender=alice)
    assert token.balanceOf(alice) == 10 * ONE
    assert distributor.claimed(alice) == 10 * ONE
    assert distributor.levelOf(alice) == 13
    assert tx.decode_logs(distributor.Claimed) == [distributor.Claimed(account=alice, amount=10 * ONE, level=13)]


def test_claim__first_claim_activates_due_root_and_mints_the_total(
    distributor, token, active_day1, alice
):
    tx = distributor.claim(*claim_args(active_day1, 0), sender=alice)
    assert tx.decode_logs(distributor.RootActivated) == [
        distributor.RootActivated(epoch=1, root=active_day1.root, total=13 * ONE, minted=13 * ONE)
    ]
    assert token.balanceOf(distributor) == 3 * ONE


def test_claim__by_third_party_pays_the_account(distributor, token, active_day1, bob, outsider):
    distributor.claim(*claim_args(active_day1, 1), sender=outsider)
    assert token.balanceOf(bob) == 3 * ONE
    assert token.balanceOf(outsider) == 0


def test_claim__twice_pays_nothing_more(distributor, token, active_day1, alice):
    distributor.claim(*claim_args(active_day1, 0), sender=alice)
    tx = distributor.claim(*claim_args(active_day1, 0), sender=alice)
    assert token.balanceOf(alice) == 10 * ONE
    assert tx.decode_logs(distributor.Claimed) == [distributor.Claimed(account=alice, amount=0, level=13)]


def test_claim__zero_amount_genesis_leaf_records_level(distributor, token, active_day1, carol):
    distributor.claim(*claim_args(active_day1, 2), sender=carol)
    assert distributor.levelOf(carol) == 20
    assert token.balanceOf(carol) == 0


def test_claim__next_day_pays_only_the_increment(
    distributor, token, active_day1, publish_active, alice, bob, carol
):
    distributor.claim(*claim_args(active_day1, 0), sender=alice)
    day2 = make_tree([(alice, 15 * ONE, 14), (bob, 3 * ONE, 2), (carol, 0, 20)])
    publish_active(distributor, 2, day2)
    tx = distributor.claim(*claim_args(day2, 0), sender=alice)
    assert tx.decode_logs(distributor.Claimed) == [distributor.Claimed(account=alice, amount=5 * ONE, level=14)]
    assert token.balanceOf(alice) == 15 * ONE
    assert distributor.levelOf(alice) == 14


def test_claim__leaf_two_roots_old_reverts(distributor, active_day1, publish_active, alice, bob):
    distributor.claim(*claim_args(active_day1, 1), sender=bob)  # activates day 1
    day2 = make_tree([(alice, 11 * ONE, 13), (bob, 4 * ONE, 2)])
    publish_active(distributor, 2, day2)
    distributor.claim(*claim_args(day2, 1), sender=bob)  # activates day 2: day 1 is the previous root
    day3 = make_tree([(alice, 12 * ONE, 13), (bob, 5 * ONE, 2)])
    publish_active(distributor, 3, day3)
    distributor.claim(*claim_args(day3, 1), sender=bob)  # activates day 3: day 1 is out of reach
    with ape.reverts(distributor.InvalidProof, account=alice.address):
        distributor.claim(*claim_args(active_day1, 0), sender=alice)


def test_claim__pending_root_is_not_claimable(distributor, publish_root, day1, alice):
    publish_root(distributor, 1, day1)
    with ape.reverts(distributor.InvalidProof, account=alice.address):
        distributor.claim(*claim_args(day1, 0), sender=alice)


def test_claim__active_root_still_pays_while_next_is_pending(
    distributor, token, active_day1, publish_root, alice, bob
):
    day2 = make_tree([(alice, 20 * ONE, 13), (bob, 3 * ONE, 2)])
    publish_root(distributor, 2, day2)  # activates day 1 on the way
    distributor.claim(*claim_args(active_day1, 0), sender=alice)
    assert token.balanceOf(alice) == 10 * ONE
    with ape.reverts(distributor.InvalidProof, account=alice.address):
        distributor.claim(*claim_args(day2, 0), sender=alice)


def test_claim__wrong_amount_level_account_or_proof_reverts(distributor, active_day1, alice, bob):
    account, amount, level, proof = claim_args(active_day1, 0)
    distributor.claim(*claim_args(active_day1, 1), sender=bob)  # activate
    with ape.reverts(distributor.InvalidProof, account=alice.address):
        distributor.claim(account, amount + 1, level, proof, sender=alice)
    with ape.reverts(distributor.InvalidProof, account=alice.address):
        distributor.claim(account, amount, level + 1, proof, sender=alice)
    with ape.reverts(distributor.InvalidProof, account=bob.address):
        distributor.claim(bob, amount, level, proof, sender=alice)
    with ape.reverts(distributor.InvalidProof, account=alice.address):
        distributor.claim(account, amount, level, proof[:-1], sender=alice)


def test_claim__proofs_of_every_length_verify(chain, distributor, token, publish_active, alice):
    # The proof loop takes an odd level alone, then two levels a turn: lengths 0 to 5, 20 and 21 all
    # verify and pay, and the same proof one sibling short does not. A proof is lengthened with
    # siblings above the one-leaf tree's root (the contract cannot tell). On a node (a day's root
    # costs seconds there) one odd, one even and the longest: the loop is the same bytecode.
    lengths = [0, 1, 2, 3, 4, 5, 20, 21] if chain.provider.name == "test" else [1, 2, 21]
    for epoch, length in enumerate(lengths, start=1):
        amount = epoch * ONE
        leaf = bytes.fromhex(make_tree([(alice, amount, 3)]).root[2:])
        siblings = [keccak(bytes([length, i])) for i in range(length)]
        publish_active(distributor, epoch, process_proof(leaf, siblings), total=amount)
        if length:
            with ape.reverts(distributor.InvalidProof, account=alice.address):
                distributor.claim(alice, amount, 3, siblings[:-1], sender=alice)
        tx = distributor.claim(alice, amount, 3, siblings, sender=alice)
        assert tx.decode_logs(distributor.Claimed) == [distributor.Claimed(account=alice, amount=ONE, level=3)]
    assert token.balanceOf(alice) == len(lengths) * ONE


def test_claim__before_any_root_reverts(distributor, day1, alice):
    with ape.reverts(distributor.InvalidProof, account=alice.address):
        distributor.claim(*claim_args(day1, 0), sender=alice)


def test_claim__amount_beyond_record_width_reverts(distributor, publish_active, alice, bob):
    huge = 2**208  # the record keeps 208 bits of claimed amount (epoch and level above)
    tree = make_tree([(alice, huge, 1), (bob, 0, 1)])
    publish_active(distributor, 1, tree, total=0)
    with ape.reverts(distributor.AmountTooLarge, account=alice.address, cumulativeAmount=huge):
        distributor.claim(*claim_args(tree, 0), sender=alice)


def test_claim__never_pays_past_the_active_total(distributor, token, publish_active, alice, bob):
    # A bad tree whose leaves sum to more than its total: the balance stops the excess.
    tree = make_tree([(alice, 6 * ONE, 1), (bob, 6 * ONE, 1)])
    publish_active(distributor, 1, tree, total=10 * ONE)
    distributor.claim(*claim_args(tree, 0), sender=alice)
    with ape.reverts(token.ERC20InsufficientBalance):
        distributor.claim(*claim_args(tree, 1), sender=bob)
    assert token.balanceOf(alice) + token.balanceOf(bob) == 6 * ONE


def test_claim__paused_reverts_and_unpause_resumes(distributor, token, active_day1, guardian, deployer, alice):
    distributor.pause(sender=guardian)
    with ape.reverts(distributor.ClaimsArePaused):
        distributor.claim(*claim_args(active_day1, 0), sender=alice)
    distributor.unpause(sender=deployer)
    distributor.claim(*claim_args(active_day1, 0), sender=alice)
    assert token.balanceOf(alice) == 10 * ONE


def test_claim__root_activated_while_paused_pays_after_unpause(
    distributor, token, publish_root, pass_challenge, day1, guardian, deployer, alice
):
    publish_root(distributor, 1, day1)
    distributor.pause(sender=guardian)
    pass_challenge()
    assert distributor.activeRoot()[0] == HexBytes(day1.root)
    with ape.reverts(distributor.ClaimsArePaused):
        distributor.claim(*claim_args(day1, 0), sender=alice)
    distributor.unpause(sender=deployer)
    distributor.claim(*claim_args(day1, 0), sender=alice)
    assert token.balanceOf(alice) == 10 * ONE


def test_claim_many__pays_each_account(distributor, token, active_day1, alice, bob, carol, outsider):
    claims = [claim_args(active_day1, i) for i in range(3)]
    tx = distributor.claimMany(claims, sender=outsider)
    assert tx.decode_logs(distributor.Claimed) == [
        distributor.Claimed(account=alice, amount=10 * ONE, level=13),
        distributor.Claimed(account=bob, amount=3 * ONE, level=2),
        distributor.Claimed(account=carol, amount=0, level=20),
    ]
    assert (token.balanceOf(alice), token.balanceOf(bob), token.balanceOf(carol)) == (10 * ONE, 3 * ONE, 0)
    assert [distributor.levelOf(a) for a in (alice, bob, carol)] == [13, 2, 20]


def test_claim_many__one_bad_proof_reverts_all(distributor, token, active_day1, alice, bob, outsider):
    good = claim_args(active_day1, 0)
    account, amount, level, proof = claim_args(active_day1, 1)
    with ape.reverts(distributor.InvalidProof, account=bob.address):
        distributor.claimMany([good, (account, amount + 1, level, proof)], sender=outsider)
    assert token.balanceOf(alice) == 0


def test_claim_many__activates_a_due_root_mid_batch(
    distributor, token, active_day1, publish_active, alice, bob, carol, outsider
):
    distributor.claim(*claim_args(active_day1, 2), sender=carol)  # activates day 1
    day2 = make_tree([(alice, 12 * ONE, 14), (bob, 3 * ONE, 2), (carol, ONE, 20)])
    publish_active(distributor, 2, day2)
    # bob under day 1 (open), alice under day 2 (activates it), carol under day 2 (now open).
    claims = [claim_args(active_day1, 1), claim_args(day2, 0), claim_args(day2, 2)]
    tx = distributor.claimMany(claims, sender=outsider)
    assert tx.decode_logs(distributor.RootActivated) == [
        distributor.RootActivated(epoch=2, root=day2.root, total=16 * ONE, minted=3 * ONE)
    ]
    assert tx.decode_logs(distributor.Claimed) == [
        distributor.Claimed(account=bob, amount=3 * ONE, level=2),
        distributor.Claimed(account=alice, amount=12 * ONE, level=14),
        distributor.Claimed(account=carol, amount=ONE, level=20),
    ]
    assert (token.balanceOf(alice), token.balanceOf(bob), token.balanceOf(carol)) == (12 * ONE, 3 * ONE, ONE)


def test_claim_many__the_old_root_is_the_previous_one_after_the_batch_activates_the_next(
    distributor, token, active_day1, publish_active, alice, bob, carol, outsider
):
    distributor.claim(*claim_args(active_day1, 2), sender=carol)  # activates day 1
    day2 = make_tree([(alice, 12 * ONE, 14), (bob, 4 * ONE, 2)])
    publish_active(distributor, 2, day2)
    distributor.claimMany([claim_args(day2, 0), claim_args(active_day1, 1)], sender=outsider)
    assert token.balanceOf(bob) == 3 * ONE  # day 1's amount, from the previous root
    assert distributor.currentLevelOf(bob) == (2, False)
    assert distributor.currentLevelOf(alice) == (14, True)


def test_claim_many__empty_does_nothing(distributor, active_day1, outsider):
    tx = distributor.claimMany([], sender=outsider)
    assert tx.decode_logs(distributor.Claimed) == []
