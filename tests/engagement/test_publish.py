"""Publishing a post: the tribute goes to the treasury and both sides of it are Flows."""

import ape
import pytest

from tests.engagement.helpers import CONTENT, WORDS, flows, new_id
from tests.helpers import ANY_FEE, ONE
from twei.flows import FlowCategory
from twei.params import ENGAGEMENT_DEFAULTS, EngagementParams

pytestmark = pytest.mark.chain

TRIBUTE = ENGAGEMENT_DEFAULTS.publish_tribute


def test_publish__pays_the_tribute_to_the_treasury(engagement, token, payer, alice, treasury):
    payer(alice, 10 * ONE)
    tx = engagement.publishPost(CONTENT, WORDS, ANY_FEE, sender=alice)
    assert token.balanceOf(alice) == 10 * ONE - TRIBUTE
    assert token.balanceOf(treasury) == TRIBUTE
    assert token.allowance(alice, engagement) == 10 * ONE - TRIBUTE
    post_id = new_id(tx)
    assert flows(tx) == [
        (post_id, alice, FlowCategory.POST_PUBLISH_TRIBUTE, TRIBUTE),
        (post_id, treasury, FlowCategory.POST_PUBLISH_TRIBUTE, TRIBUTE),
    ]


def test_publish__emits_post_published_and_stores_the_post(engagement, payer, alice):
    payer(alice)
    tx = engagement.publishPost(CONTENT, WORDS, ANY_FEE, sender=alice)
    assert tx.decode_logs(engagement.PostPublished)[0].event_arguments == {
        "postId": 1,
        "author": alice.address,
        "contentHash": CONTENT,
        "wordCount": WORDS,
    }
    post = engagement.getPost(1)
    assert (post.author, post.wordCount, post.pluses, post.minuses) == (alice, WORDS, 0, 0)
    assert engagement.lastId() == 1


def test_publish__ids_come_from_one_counter_shared_with_comments(
    engagement, payer, set_level, alice, bob
):
    payer(alice)
    payer(bob)
    set_level(bob)
    first = new_id(engagement.publishPost(CONTENT, WORDS, ANY_FEE, sender=alice))
    comment = new_id(engagement.comment(first, CONTENT, ANY_FEE, sender=bob))
    second = new_id(engagement.publishPost(CONTENT, WORDS, ANY_FEE, sender=alice))
    assert (first, comment, second) == (1, 2, 3)
    assert engagement.lastId() == 3


def test_publish__with_no_words_reverts(engagement, payer, alice, token):
    payer(alice)
    with ape.reverts(engagement.EmptyPost):
        engagement.publishPost(CONTENT, 0, ANY_FEE, sender=alice)
    assert token.balanceOf(alice) == 10 * ONE


def test_publish__without_allowance_reverts_and_pays_nothing(engagement, token, payer, alice):
    payer(alice, 10 * ONE, allowance=TRIBUTE - 1)
    with ape.reverts(token.ERC20InsufficientAllowance):
        engagement.publishPost(CONTENT, WORDS, ANY_FEE, sender=alice)
    assert token.balanceOf(alice) == 10 * ONE
    assert engagement.lastId() == 0


def test_publish__without_balance_reverts(engagement, token, payer, alice):
    payer(alice, TRIBUTE - 1, allowance=TRIBUTE)
    with ape.reverts(token.ERC20InsufficientBalance):
        engagement.publishPost(CONTENT, WORDS, ANY_FEE, sender=alice)
    assert engagement.lastId() == 0


def test_publish__when_free_moves_nothing_and_emits_no_flow(create_engagement, token, alice):
    free = create_engagement(params=EngagementParams(0, ONE, ONE, ONE, 5_000, ONE, 13))
    tx = free.publishPost(CONTENT, WORDS, ANY_FEE, sender=alice)  # no Twei, no allowance
    assert flows(tx) == []
    assert free.getPost(new_id(tx)).author == alice
