"""Levels follow the active root (SPEC §5): the comment gate uses the active root's level of every
account from the moment the root is active, whether or not the account has claimed since.

The fast path is the level a claim recorded under the active root; `commentWithLevel` carries the
account's leaf and proof for anyone else, so a promoted account comments at once and a demoted one
cannot use its old level."""

import ape
import pytest
from hexbytes import HexBytes

from tests.distributor.conftest import claim_args, make_tree
from tests.helpers import ANY_FEE, ONE
from twei.params import ENGAGEMENT_DEFAULTS
from twei.permit import sign_permit

pytestmark = pytest.mark.chain

CONTENT = b"\x11" * 32
WORDS = 1_190
GATE = ENGAGEMENT_DEFAULTS.comment_min_level  # 13


@pytest.fixture
def engagement(project, deployer, token, treasury, distributor):
    """The engagement contract reading levels from the real distributor."""
    return deployer.deploy(
        project.Engagement, token, deployer, treasury, distributor, ENGAGEMENT_DEFAULTS.as_struct()
    )


@pytest.fixture
def post(engagement, fund, token, dave):
    fund(dave, 10 * ONE)
    token.approve(engagement, 10 * ONE, sender=dave)
    tx = engagement.publishPost(CONTENT, WORDS, ANY_FEE, sender=dave)
    return tx.decode_logs(engagement.PostPublished)[0].postId


@pytest.fixture
def commenters(engagement, fund, token, alice, bob, carol):
    for account in (alice, bob, carol):
        fund(account, 10 * ONE)
        token.approve(engagement, 10 * ONE, sender=account)
    return alice, bob, carol


@pytest.fixture
def day1(alice, bob, carol):
    """Alice is LVL 13, Bob LVL 20, Carol LVL 2."""
    return make_tree([(alice, ONE, GATE), (bob, 2 * ONE, 20), (carol, 0, 2)])


@pytest.fixture
def day2(alice, bob, carol):
    """Alice demoted to LVL 5, Carol promoted to LVL 14, Bob unchanged."""
    return make_tree([(alice, ONE, 5), (bob, 2 * ONE, 20), (carol, ONE, 14)])


def leaf(tree, index):
    """`commentWithLevel`'s LevelProof of the tree's value `index`."""
    _, amount, level, proof = claim_args(tree, index)
    return (amount, level, proof)


def test_current_level__before_any_root_everyone_is_level_zero_and_current(distributor, alice):
    assert distributor.currentLevelOf(alice) == (0, True)


def test_current_level__a_claim_records_the_active_roots_level(distributor, publish_active, day1, alice, outsider):
    publish_active(distributor, 1, day1)
    assert distributor.currentLevelOf(alice) == (0, False)
    distributor.activatePendingRoot(sender=outsider)
    distributor.claim(*claim_args(day1, 0), sender=outsider)
    assert distributor.currentLevelOf(alice) == (GATE, True)


def test_current_level__a_new_root_makes_every_record_stale(
    distributor, publish_active, day1, day2, alice, outsider
):
    publish_active(distributor, 1, day1)
    distributor.claim(*claim_args(day1, 0), sender=outsider)
    publish_active(distributor, 2, day2)
    # Due is active: the record from day 1 no longer counts, before anyone activates day 2.
    assert distributor.currentLevelOf(alice) == (GATE, False)
    assert distributor.levelOf(alice) == GATE


def test_is_active_leaf__only_the_active_roots_leaves(distributor, publish_root, publish_active, pass_challenge, day1, day2, alice):
    assert not distributor.isActiveLeaf(*claim_args(day1, 0))
    publish_root(distributor, 1, day1)
    assert not distributor.isActiveLeaf(*claim_args(day1, 0))  # pending
    pass_challenge()
    assert distributor.isActiveLeaf(*claim_args(day1, 0))  # due, not yet activated
    publish_active(distributor, 2, day2)
    assert not distributor.isActiveLeaf(*claim_args(day1, 0))
    assert distributor.isActiveLeaf(*claim_args(day2, 0))
    account, amount, level, proof = claim_args(day2, 0)
    assert not distributor.isActiveLeaf(account, amount, GATE, proof)  # a forged level


def test_levels__while_paused_no_level_counts_and_unpause_restores_them(
    distributor, publish_active, guardian, deployer, day1, bob, outsider
):
    """The guardian pauses because it distrusts the active root: what the root grants, Twei and
    levels alike, waits for the admin's unpause."""
    publish_active(distributor, 1, day1)
    distributor.claim(*claim_args(day1, 1), sender=outsider)
    assert distributor.currentLevelOf(bob) == (20, True)
    distributor.pause(sender=guardian)
    assert not distributor.isActiveLeaf(*claim_args(day1, 1))
    assert distributor.currentLevelOf(bob) == (20, False)
    distributor.unpause(sender=deployer)
    assert distributor.isActiveLeaf(*claim_args(day1, 1))
    assert distributor.currentLevelOf(bob) == (20, True)


def test_comment__while_claims_are_paused_a_level_gate_refuses_both_forms(
    engagement, distributor, publish_active, post, commenters, guardian, deployer, day1, bob, outsider
):
    publish_active(distributor, 1, day1)
    distributor.claim(*claim_args(day1, 1), sender=outsider)
    engagement.comment(post, CONTENT, ANY_FEE, sender=bob)
    distributor.pause(sender=guardian)
    with ape.reverts(engagement.LevelNotCurrent, account=bob.address):
        engagement.comment(post, CONTENT, ANY_FEE, sender=bob)
    with ape.reverts(engagement.InvalidLevelProof, account=bob.address):
        engagement.commentWithLevel(post, CONTENT, leaf(day1, 1), ANY_FEE, sender=bob)
    distributor.unpause(sender=deployer)
    engagement.comment(post, CONTENT, ANY_FEE, sender=bob)


def test_comment__a_promoted_account_comments_at_once_with_its_leaf(
    engagement, distributor, publish_active, post, commenters, day1, day2, carol
):
    publish_active(distributor, 1, day1)
    publish_active(distributor, 2, day2)
    with ape.reverts(engagement.LevelNotCurrent, account=carol.address):
        engagement.comment(post, CONTENT, ANY_FEE, sender=carol)
    tx = engagement.commentWithLevel(post, CONTENT, leaf(day2, 2), ANY_FEE, sender=carol)
    assert tx.decode_logs(engagement.Commented)[0].commenter == carol.address
    assert distributor.claimed(carol) == 0  # no claim was needed


def test_comment__a_demoted_account_that_never_claims_is_refused(
    engagement, distributor, publish_active, post, commenters, day1, day2, alice, outsider
):
    publish_active(distributor, 1, day1)
    distributor.claim(*claim_args(day1, 0), sender=outsider)
    engagement.comment(post, CONTENT, ANY_FEE, sender=alice)  # LVL 13 under day 1
    publish_active(distributor, 2, day2)
    with ape.reverts(engagement.LevelNotCurrent, account=alice.address):
        engagement.comment(post, CONTENT, ANY_FEE, sender=alice)
    with ape.reverts(engagement.InvalidLevelProof, account=alice.address):
        engagement.commentWithLevel(post, CONTENT, leaf(day1, 0), ANY_FEE, sender=alice)  # the old leaf
    with ape.reverts(engagement.LevelTooLow, account=alice.address, level=5, required=GATE):
        engagement.commentWithLevel(post, CONTENT, leaf(day2, 0), ANY_FEE, sender=alice)


def test_comment__a_forged_or_borrowed_leaf_is_refused(
    engagement, distributor, publish_active, post, commenters, day1, carol
):
    publish_active(distributor, 1, day1)
    amount, _, proof = leaf(day1, 2)
    with ape.reverts(engagement.InvalidLevelProof, account=carol.address):
        engagement.commentWithLevel(post, CONTENT, (amount, 20, proof), ANY_FEE, sender=carol)
    with ape.reverts(engagement.InvalidLevelProof, account=carol.address):
        engagement.commentWithLevel(post, CONTENT, leaf(day1, 1), ANY_FEE, sender=carol)  # Bob's leaf


def test_comment__after_a_claim_under_the_active_root_needs_no_proof(
    engagement, distributor, publish_active, post, commenters, day1, bob, outsider
):
    publish_active(distributor, 1, day1)
    distributor.claim(*claim_args(day1, 1), sender=outsider)
    tx = engagement.comment(post, CONTENT, ANY_FEE, sender=bob)
    assert tx.decode_logs(engagement.Commented)[0].commenter == bob.address


def test_comment__with_level_and_permit(
    engagement, distributor, publish_active, post, fund, token, day1, chain, eve
):
    tree = make_tree([(eve, 0, GATE)])
    publish_active(distributor, 1, tree)
    fund(eve, ONE)
    permit = sign_permit(
        eve.private_key,
        token_name=token.name(),
        token_address=token.address,
        chain_id=chain.chain_id,
        spender=engagement.address,
        value=ONE,
        nonce=token.nonces(eve),
        deadline=chain.pending_timestamp + 3600,
    )
    engagement.commentWithLevelAndPermit(
        post, CONTENT, leaf(tree, 0), permit.deadline, permit.v, permit.r, permit.s, sender=eve
    )
    assert token.balanceOf(eve) == 0


def test_comment__with_level_on_a_missing_post_reverts(engagement, distributor, publish_active, commenters, day1, bob):
    publish_active(distributor, 1, day1)
    with ape.reverts(engagement.PostNotFound, postId=999):
        engagement.commentWithLevel(999, CONTENT, leaf(day1, 1), ANY_FEE, sender=bob)


def test_comment__with_no_level_required_anyone_comments(
    engagement, distributor, publish_active, pass_challenge, post, commenters, day1, deployer, carol
):
    publish_active(distributor, 1, day1)
    engagement.setCommentMinLevel(0, sender=deployer)
    pass_challenge(engagement.PARAMETER_DELAY())  # the level takes effect by itself a day later
    engagement.comment(post, CONTENT, ANY_FEE, sender=carol)  # stale record, and no level needed
    assert HexBytes(engagement.getComment(engagement.lastId()).commenter) == HexBytes(carol.address)


def test_comment__with_level_refuses_a_tribute_above_the_agreed_one(
    engagement, token, distributor, publish_active, post, commenters, day1, bob
):
    publish_active(distributor, 1, day1)
    fee = engagement.commentTribute()
    before = token.balanceOf(bob)
    with ape.reverts(engagement.FeeAboveAgreed, fee=fee, maxFee=fee - 1):
        engagement.commentWithLevel(post, CONTENT, leaf(day1, 1), fee - 1, sender=bob)
    assert token.balanceOf(bob) == before
    engagement.commentWithLevel(post, CONTENT, leaf(day1, 1), fee, sender=bob)
    assert token.balanceOf(bob) == before - fee
