"""Commenting: gated by level, pays the comment tribute, needs an existing post."""

import ape
import pytest

from tests.engagement.helpers import COMMENT_LEVEL, CONTENT, flows, new_id
from tests.helpers import ANY_FEE, ONE
from twei.flows import FlowCategory
from twei.params import ENGAGEMENT_DEFAULTS

pytestmark = pytest.mark.chain

TRIBUTE = ENGAGEMENT_DEFAULTS.comment_tribute


def test_comment__pays_the_tribute_and_emits_commented(
    engagement, token, payer, set_level, post_id, bob, treasury
):
    payer(bob, 10 * ONE)
    set_level(bob)
    before = token.balanceOf(treasury)
    tx = engagement.comment(post_id, CONTENT, ANY_FEE, sender=bob)
    comment_id = new_id(tx)
    assert token.balanceOf(bob) == 10 * ONE - TRIBUTE
    assert token.balanceOf(treasury) == before + TRIBUTE
    assert tx.decode_logs(engagement.Commented)[0].event_arguments == {
        "commentId": comment_id,
        "postId": post_id,
        "commenter": bob.address,
        "contentHash": CONTENT,
    }
    assert flows(tx) == [
        (post_id, bob, FlowCategory.COMMENT_TRIBUTES, TRIBUTE),
        (post_id, treasury, FlowCategory.COMMENT_TRIBUTES, TRIBUTE),
    ]
    stored = engagement.getComment(comment_id)
    assert (stored.commenter, stored.postId) == (bob, post_id)


def test_comment__below_the_level_reverts(engagement, token, payer, set_level, post_id, bob):
    payer(bob)
    set_level(bob, COMMENT_LEVEL - 1)
    with ape.reverts(
        engagement.LevelTooLow, account=bob, level=COMMENT_LEVEL - 1, required=COMMENT_LEVEL
    ):
        engagement.comment(post_id, CONTENT, ANY_FEE, sender=bob)
    assert token.balanceOf(bob) == 10 * ONE


def test_comment__with_no_level_recorded_reverts(engagement, payer, post_id, carol):
    payer(carol)
    with ape.reverts(engagement.LevelTooLow, account=carol, level=0, required=COMMENT_LEVEL):
        engagement.comment(post_id, CONTENT, ANY_FEE, sender=carol)


def test_comment__above_the_level_is_allowed(engagement, payer, set_level, post_id, bob):
    payer(bob)
    set_level(bob, COMMENT_LEVEL + 20)
    engagement.comment(post_id, CONTENT, ANY_FEE, sender=bob)
    assert engagement.lastId() == post_id + 1


def test_comment__on_a_missing_post_reverts(engagement, payer, set_level, post_id, bob):
    payer(bob)
    set_level(bob)
    with ape.reverts(engagement.PostNotFound, postId=post_id + 1):
        engagement.comment(post_id + 1, CONTENT, ANY_FEE, sender=bob)


def test_comment__on_a_comment_id_reverts(engagement, payer, set_level, comment_id, carol):
    payer(carol)
    set_level(carol)
    with ape.reverts(engagement.PostNotFound, postId=comment_id):
        engagement.comment(comment_id, CONTENT, ANY_FEE, sender=carol)


def test_comment__by_the_author_on_their_own_post_is_allowed(
    engagement, set_level, post_id, alice
):
    set_level(alice)  # alice keeps 5 TWEI and allowance after publishing
    tx = engagement.comment(post_id, CONTENT, ANY_FEE, sender=alice)
    assert engagement.getComment(new_id(tx)).commenter == alice


def test_comment__level_gate_follows_the_admin_setting(
    engagement, payer, set_level, set_parameter, post_id, bob
):
    payer(bob)
    set_level(bob, 5)
    set_parameter("setCommentMinLevel", 5)
    engagement.comment(post_id, CONTENT, ANY_FEE, sender=bob)
    set_parameter("setCommentMinLevel", 6)
    with ape.reverts(engagement.LevelTooLow, account=bob, level=5, required=6):
        engagement.comment(post_id, CONTENT, ANY_FEE, sender=bob)
