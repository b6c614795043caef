"""Buying a PnL report instance: the price goes to the treasury; each purchase has its own id."""

import ape
import pytest

from tests.engagement.helpers import flows, new_id
from tests.helpers import ANY_FEE, ONE
from twei.flows import FlowCategory
from twei.params import ENGAGEMENT_DEFAULTS

pytestmark = pytest.mark.chain

PRICE = ENGAGEMENT_DEFAULTS.report_price


def test_buy_report__pays_the_price_and_emits_report_purchased(
    engagement, token, payer, post_id, carol, treasury
):
    payer(carol, 3 * ONE)
    before = token.balanceOf(treasury)
    tx = engagement.buyReport(post_id, ANY_FEE, sender=carol)
    report_id = new_id(tx)
    assert report_id == post_id + 1
    assert token.balanceOf(carol) == 3 * ONE - PRICE
    assert token.balanceOf(treasury) == before + PRICE
    assert tx.decode_logs(engagement.ReportPurchased) == [
        engagement.ReportPurchased(report_id, post_id, carol)
    ]
    assert flows(tx) == [
        (post_id, carol, FlowCategory.PNL_REPORTS, PRICE),
        (post_id, treasury, FlowCategory.PNL_REPORTS, PRICE),
    ]


def test_buy_report__twice_gives_two_instances(engagement, payer, post_id, carol):
    payer(carol, 3 * ONE)
    first = new_id(engagement.buyReport(post_id, ANY_FEE, sender=carol))
    second = new_id(engagement.buyReport(post_id, ANY_FEE, sender=carol))
    assert second == first + 1


def test_buy_report__by_the_author_is_allowed(engagement, post_id, alice, token):
    before = token.balanceOf(alice)
    engagement.buyReport(post_id, ANY_FEE, sender=alice)
    assert token.balanceOf(alice) == before - PRICE


def test_buy_report__on_a_missing_post_reverts(engagement, token, payer, post_id, carol):
    payer(carol, 3 * ONE)
    with ape.reverts(engagement.PostNotFound, postId=post_id + 1):
        engagement.buyReport(post_id + 1, ANY_FEE, sender=carol)
    assert token.balanceOf(carol) == 3 * ONE


def test_buy_report__on_a_comment_id_reverts(engagement, payer, comment_id, carol):
    payer(carol)
    with ape.reverts(engagement.PostNotFound, postId=comment_id):
        engagement.buyReport(comment_id, ANY_FEE, sender=carol)
