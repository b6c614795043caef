"""Likes and dislikes: one reaction per account per comment, never on one's own; a dislike's fee
is split between the post's author and the treasury."""

import ape
import pytest

from tests.engagement.helpers import CONTENT, act, flows, new_id
from tests.helpers import ANY_FEE, ONE
from twei.flows import FlowCategory
from twei.params import EngagementParams

pytestmark = pytest.mark.chain

LIKE, DISLIKE = 0, 1
HALF = ONE // 2


def test_like__is_free_and_emits_reacted(engagement, token, post_id, comment_id, carol):
    tx = engagement.like(comment_id, sender=carol)  # carol holds no Twei and no allowance
    assert tx.events == [engagement.Reacted(comment_id, post_id, carol, LIKE)]
    assert engagement.hasReacted(comment_id, carol)
    assert token.balanceOf(carol) == 0


def test_dislike__splits_the_fee_between_author_and_treasury(
    engagement, token, payer, post_id, comment_id, alice, carol, treasury
):
    payer(carol, 3 * ONE)
    author_before, treasury_before = token.balanceOf(alice), token.balanceOf(treasury)
    tx = engagement.dislike(comment_id, ANY_FEE, sender=carol)
    assert token.balanceOf(carol) == 2 * ONE
    assert token.balanceOf(alice) == author_before + HALF
    assert token.balanceOf(treasury) == treasury_before + HALF
    assert tx.decode_logs(engagement.Reacted) == [
        engagement.Reacted(comment_id, post_id, carol, DISLIKE)
    ]
    assert flows(tx) == [
        (post_id, carol, FlowCategory.DISLIKES_OWN, ONE),
        (post_id, alice, FlowCategory.DISLIKES_AUTHOR, HALF),
        (post_id, treasury, FlowCategory.DISLIKES_OWN, HALF),
    ]


@pytest.mark.parametrize(
    "fee, share_bps, author_part",
    [
        (ONE, 0, 0),  # all to the treasury: no author Flow
        (ONE, 10_000, ONE),  # all to the author: no treasury Flow
        (ONE, 2_500, ONE // 4),
        (3, 5_000, 1),  # rounding favours the treasury, never creates wei
        (1, 9_999, 0),
    ],
)
def test_dislike__split_follows_the_share(
    create_engagement, token, fund, set_level, alice, bob, carol, treasury,
    fee, share_bps, author_part,
):
    engagement = create_engagement(params=EngagementParams(0, 0, 0, fee, share_bps, 0, 13))
    post_id = new_id(engagement.publishPost(CONTENT, 10, ANY_FEE, sender=alice))
    set_level(bob)
    comment_id = new_id(engagement.comment(post_id, CONTENT, ANY_FEE, sender=bob))
    fund(carol, fee)
    token.approve(engagement, fee, sender=carol)
    before = {who: token.balanceOf(who) for who in (alice, treasury, carol)}
    tx = engagement.dislike(comment_id, ANY_FEE, sender=carol)
    treasury_part = fee - author_part
    expected = [(post_id, carol, FlowCategory.DISLIKES_OWN, fee)]
    if author_part:
        expected.append((post_id, alice, FlowCategory.DISLIKES_AUTHOR, author_part))
    if treasury_part:
        expected.append((post_id, treasury, FlowCategory.DISLIKES_OWN, treasury_part))
    assert flows(tx) == expected
    assert token.balanceOf(alice) == before[alice] + author_part
    assert token.balanceOf(treasury) == before[treasury] + treasury_part
    assert token.balanceOf(carol) == before[carol] - fee


def test_dislike__when_free_moves_nothing(create_engagement, token, set_level, alice, bob, carol):
    engagement = create_engagement(params=EngagementParams(0, 0, 0, 0, 5_000, 0, 13))
    post_id = new_id(engagement.publishPost(CONTENT, 10, ANY_FEE, sender=alice))
    set_level(bob)
    comment_id = new_id(engagement.comment(post_id, CONTENT, ANY_FEE, sender=bob))
    tx = engagement.dislike(comment_id, ANY_FEE, sender=carol)
    assert flows(tx) == []
    assert tx.decode_logs(engagement.Reacted) == [
        engagement.Reacted(comment_id, post_id, carol, DISLIKE)
    ]


def test_dislike__by_the_post_author_pays_and_receives_the_share(
    engagement, token, post_id, comment_id, alice, treasury
):
    before = token.balanceOf(alice)  # alice keeps 5 TWEI and allowance after publishing
    tx = engagement.dislike(comment_id, ANY_FEE, sender=alice)
    assert token.balanceOf(alice) == before - HALF
    assert flows(tx) == [
        (post_id, alice, FlowCategory.DISLIKES_OWN, ONE),
        (post_id, alice, FlowCategory.DISLIKES_AUTHOR, HALF),
        (post_id, treasury, FlowCategory.DISLIKES_OWN, HALF),
    ]


@pytest.mark.parametrize("action", ["like", "dislike"])
def test_reaction__to_own_comment_reverts(engagement, comment_id, bob, action):
    with ape.reverts(engagement.ReactionToOwnComment, commentId=comment_id):
        act(engagement, action, comment_id, sender=bob)


@pytest.mark.parametrize(
    "first, second",
    [("like", "like"), ("dislike", "dislike"), ("like", "dislike"), ("dislike", "like")],
)
def test_reaction__second_by_the_same_account_reverts(
    engagement, token, payer, comment_id, carol, first, second
):
    payer(carol, 3 * ONE)
    act(engagement, first, comment_id, sender=carol)
    paid = token.balanceOf(carol)
    with ape.reverts(engagement.AlreadyReacted, commentId=comment_id, reactor=carol):
        act(engagement, second, comment_id, sender=carol)
    assert token.balanceOf(carol) == paid


@pytest.mark.parametrize("action", ["like", "dislike"])
def test_reaction__to_a_missing_comment_reverts(engagement, payer, comment_id, carol, action):
    payer(carol)
    for missing in (0, comment_id + 1):
        with ape.reverts(engagement.CommentNotFound, commentId=missing):
            act(engagement, action, missing, sender=carol)


@pytest.mark.parametrize("action", ["like", "dislike"])
def test_reaction__to_a_post_id_reverts(engagement, payer, post_id, carol, action):
    payer(carol)
    with ape.reverts(engagement.CommentNotFound, commentId=post_id):
        act(engagement, action, post_id, sender=carol)


def test_reaction__vote_and_reaction_are_separate_targets(
    engagement, post_id, comment_id, carol
):
    engagement.plus(post_id, sender=carol)
    engagement.like(comment_id, sender=carol)
    assert engagement.hasVoted(post_id, carol) and engagement.hasReacted(comment_id, carol)
    assert not engagement.hasReacted(post_id, carol)  # a vote, not a reaction


def test_dislike__without_allowance_reverts_and_records_nothing(
    engagement, token, payer, comment_id, carol
):
    payer(carol, 3 * ONE, allowance=ONE - 1)
    with ape.reverts(token.ERC20InsufficientAllowance):
        engagement.dislike(comment_id, ANY_FEE, sender=carol)
    assert not engagement.hasReacted(comment_id, carol)
    assert token.balanceOf(carol) == 3 * ONE
