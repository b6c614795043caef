"""Every paying action in one transaction with an EIP-2612 permit, including when someone has
already submitted the permit (front-running) and the allowance is in place."""

import ape
import pytest

from tests.engagement.helpers import CONTENT, WORDS, flows
from tests.helpers import ONE
from twei.params import ENGAGEMENT_DEFAULTS as P

pytestmark = pytest.mark.chain

FUNDS = 10 * ONE

# action name -> (fee, call of the permit form given the fixtures and a signed permit)
ACTIONS = {
    "publishPost": (
        P.publish_tribute,
        lambda e, ids, permit, sender: e.publishPostWithPermit(
            CONTENT, WORDS, permit.deadline, permit.v, permit.r, permit.s, sender=sender
        ),
    ),
    "comment": (
        P.comment_tribute,
        lambda e, ids, permit, sender: e.commentWithPermit(
            ids["post"], CONTENT, permit.deadline, permit.v, permit.r, permit.s, sender=sender
        ),
    ),
    "minus": (
        P.minus_fee,
        lambda e, ids, permit, sender: e.minusWithPermit(
            ids["post"], permit.deadline, permit.v, permit.r, permit.s, sender=sender
        ),
    ),
    "dislike": (
        P.dislike_fee,
        lambda e, ids, permit, sender: e.dislikeWithPermit(
            ids["comment"], permit.deadline, permit.v, permit.r, permit.s, sender=sender
        ),
    ),
    "buyReport": (
        P.report_price,
        lambda e, ids, permit, sender: e.buyReportWithPermit(
            ids["post"], permit.deadline, permit.v, permit.r, permit.s, sender=sender
        ),
    ),
}


@pytest.fixture(params=list(ACTIONS))
def action(request):
    """Each of the five permit forms."""
    return request.param


@pytest.fixture(params=["publishPost", "dislike"])
def path(request):
    """One permit form per payment path (whole fee to the treasury; dislike split), for the
    cases that only exercise the shared permit handling."""
    return request.param


@pytest.fixture
def ids(post_id, comment_id):
    return {"post": post_id, "comment": comment_id}


@pytest.fixture
def carol_funded(fund, set_level, carol):
    """carol holds 3 TWEI, may comment, and has approved nothing."""
    fund(carol, FUNDS)
    set_level(carol)
    return carol


def test_permit__pays_in_one_transaction_without_approval(
    engagement, token, ids, permit_for, carol_funded, action
):
    fee, call = ACTIONS[action]
    tx = call(engagement, ids, permit_for(carol_funded, fee), carol_funded)
    assert token.balanceOf(carol_funded) == FUNDS - fee
    assert token.allowance(carol_funded, engagement) == 0
    assert token.nonces(carol_funded) == 1
    assert flows(tx)[0][1:] == (carol_funded, flows(tx)[0][2], fee)


def test_permit__expired_reverts_with_the_tokens_error(
    engagement, token, ids, permit_for, chain, carol_funded, action
):
    fee, call = ACTIONS[action]
    deadline = chain.pending_timestamp - 1
    with ape.reverts(token.ERC2612ExpiredSignature, deadline=deadline):
        call(engagement, ids, permit_for(carol_funded, fee, deadline=deadline), carol_funded)
    assert token.balanceOf(carol_funded) == FUNDS


def test_permit__signed_by_someone_else_reverts(
    engagement, token, ids, permit_for, carol_funded, dave, action
):
    fee, call = ACTIONS[action]
    permit = permit_for(carol_funded, fee, signer=dave)
    with ape.reverts(token.ERC2612InvalidSigner, signer=dave, owner=carol_funded):
        call(engagement, ids, permit, carol_funded)
    assert token.balanceOf(carol_funded) == FUNDS


def test_permit__for_less_than_the_fee_reverts(
    engagement, token, ids, permit_for, carol_funded, path
):
    # The contract asks the token for a permit of exactly the fee; one signed for less does not
    # match, so the token rejects it and no allowance covers the fee.
    fee, call = ACTIONS[path]
    with ape.reverts(token.ERC2612InvalidSigner):
        call(engagement, ids, permit_for(carol_funded, fee - 1), carol_funded)
    assert token.balanceOf(carol_funded) == FUNDS


def test_permit__already_used_by_a_front_runner_still_works(
    engagement, token, ids, permit_for, carol_funded, outsider, action
):
    fee, call = ACTIONS[action]
    permit = permit_for(carol_funded, fee)
    token.permit(*permit.args(), sender=outsider)  # seen in the mempool, submitted first
    tx = call(engagement, ids, permit, carol_funded)
    assert token.balanceOf(carol_funded) == FUNDS - fee
    assert flows(tx)[0][3] == fee


def test_permit__replayed_after_its_allowance_is_spent_reverts(
    engagement, token, ids, permit_for, carol_funded, path
):
    fee, call = ACTIONS[path]
    permit = permit_for(carol_funded, fee)
    token.permit(*permit.args(), sender=carol_funded)
    token.approve(engagement, 0, sender=carol_funded)
    with ape.reverts(token.ERC2612InvalidSigner):
        call(engagement, ids, permit, carol_funded)
    assert token.balanceOf(carol_funded) == FUNDS


def test_permit__with_an_invalid_signature_but_enough_allowance_works(
    engagement, token, ids, permit_for, carol_funded, dave, path
):
    fee, call = ACTIONS[path]
    token.approve(engagement, fee, sender=carol_funded)
    call(engagement, ids, permit_for(carol_funded, fee, signer=dave), carol_funded)
    assert token.balanceOf(carol_funded) == FUNDS - fee


def test_permit__when_the_fee_is_zero_is_not_used(
    engagement, token, ids, permit_for, carol_funded, set_parameter, chain, path
):
    setter = {
        "publishPost": "setPublishTribute",
        "comment": "setCommentTribute",
        "minus": "setMinusFee",
        "dislike": "setDislikeFee",
        "buyReport": "setReportPrice",
    }[path]
    set_parameter(setter, 0)
    _, call = ACTIONS[path]
    expired = permit_for(carol_funded, 0, deadline=chain.pending_timestamp - 1)
    tx = call(engagement, ids, expired, carol_funded)
    assert flows(tx) == []
    assert token.nonces(carol_funded) == 0
