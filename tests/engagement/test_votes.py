"""Pluses and minuses: one vote per account per post, never on one's own, minus pays a fee."""

import ape
import pytest

from tests.engagement.helpers import CONTENT, act, flows, new_id
from tests.helpers import ANY_FEE, ONE
from twei.flows import FlowCategory
from twei.params import ENGAGEMENT_DEFAULTS

pytestmark = pytest.mark.chain

PLUS, MINUS = 0, 1
FEE = ENGAGEMENT_DEFAULTS.minus_fee


def test_plus__is_free_and_emits_voted(engagement, token, post_id, carol):
    tx = engagement.plus(post_id, sender=carol)  # carol holds no Twei and no allowance
    assert tx.events == [engagement.Voted(post_id, carol, PLUS)]
    assert engagement.getPost(post_id).pluses == 1
    assert engagement.hasVoted(post_id, carol)
    assert token.balanceOf(carol) == 0


def test_minus__pays_the_fee_to_the_treasury(engagement, token, payer, post_id, carol, treasury):
    payer(carol, 3 * ONE)
    before = token.balanceOf(treasury)
    tx = engagement.minus(post_id, ANY_FEE, sender=carol)
    assert token.balanceOf(carol) == 3 * ONE - FEE
    assert token.balanceOf(treasury) == before + FEE
    assert tx.decode_logs(engagement.Voted) == [engagement.Voted(post_id, carol, MINUS)]
    assert flows(tx) == [
        (post_id, carol, FlowCategory.SPENT_FOR_MINUSES, FEE),
        (post_id, treasury, FlowCategory.SPENT_FOR_MINUSES, FEE),
    ]
    assert engagement.getPost(post_id).minuses == 1


def test_votes__count_per_post(engagement, payer, post_id, bob, carol, dave):
    payer(dave)
    engagement.plus(post_id, sender=bob)
    engagement.plus(post_id, sender=carol)
    engagement.minus(post_id, ANY_FEE, sender=dave)
    post = engagement.getPost(post_id)
    assert (post.pluses, post.minuses) == (2, 1)


@pytest.mark.parametrize("action", ["plus", "minus"])
def test_vote__on_own_post_reverts(engagement, post_id, alice, action):
    with ape.reverts(engagement.VoteOnOwnPost, postId=post_id):
        act(engagement, action, post_id, sender=alice)


@pytest.mark.parametrize(
    "first, second",
    [("plus", "plus"), ("minus", "minus"), ("plus", "minus"), ("minus", "plus")],
)
def test_vote__second_by_the_same_account_reverts(
    engagement, token, payer, post_id, carol, first, second
):
    payer(carol, 3 * ONE)
    act(engagement, first, post_id, sender=carol)
    paid = token.balanceOf(carol)
    with ape.reverts(engagement.AlreadyVoted, postId=post_id, voter=carol):
        act(engagement, second, post_id, sender=carol)
    assert token.balanceOf(carol) == paid


@pytest.mark.parametrize("action", ["plus", "minus"])
def test_vote__on_a_missing_post_reverts(engagement, payer, post_id, carol, action):
    payer(carol)
    for missing in (0, post_id + 1):
        with ape.reverts(engagement.PostNotFound, postId=missing):
            act(engagement, action, missing, sender=carol)


@pytest.mark.parametrize("action", ["plus", "minus"])
def test_vote__on_a_comment_id_reverts(engagement, payer, comment_id, carol, action):
    payer(carol)
    with ape.reverts(engagement.PostNotFound, postId=comment_id):
        act(engagement, action, comment_id, sender=carol)


def test_vote__on_another_post_is_a_new_vote(engagement, post_id, alice, carol):
    second = new_id(engagement.publishPost(CONTENT, 10, ANY_FEE, sender=alice))
    engagement.plus(post_id, sender=carol)
    engagement.plus(second, sender=carol)
    assert engagement.hasVoted(second, carol)


def test_has_voted__is_false_for_others_and_for_comments(
    engagement, post_id, comment_id, bob, carol
):
    engagement.like(comment_id, sender=carol)
    assert not engagement.hasVoted(post_id, bob)
    assert not engagement.hasVoted(comment_id, carol)  # a reaction, not a vote


def test_minus__without_allowance_reverts_and_records_no_vote(
    engagement, token, payer, post_id, carol
):
    payer(carol, 3 * ONE, allowance=0)
    with ape.reverts(token.ERC20InsufficientAllowance):
        engagement.minus(post_id, ANY_FEE, sender=carol)
    assert not engagement.hasVoted(post_id, carol)
    assert token.balanceOf(carol) == 3 * ONE
