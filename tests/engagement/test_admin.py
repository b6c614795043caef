"""Parameters: SPEC §2 defaults at deployment, each settable only by the admin, each change an
event, bounds checked; fee changes announced a day before they may apply."""

import ape
import pytest

from tests.engagement.helpers import CONTENT, DAY, PARAMETERS, WORDS, flows, new_id
from tests.helpers import ONE, ZERO_ADDRESS
from twei.params import ENGAGEMENT_DEFAULTS, EngagementParams

pytestmark = pytest.mark.chain

MAX_FEE = 2**80 - 1

# setter -> (getter, event, a new valid value)
FEES = {
    "setPublishTribute": ("publishTribute", "PublishTributeSet", 7 * ONE),
    "setCommentTribute": ("commentTribute", "CommentTributeSet", 2 * ONE),
    "setMinusFee": ("minusFee", "MinusFeeSet", 3 * ONE),
    "setDislikeFee": ("dislikeFee", "DislikeFeeSet", 4 * ONE),
    "setReportPrice": ("reportPrice", "ReportPriceSet", 5 * ONE),
}
SMALL = {
    "setDislikeAuthorShareBps": ("dislikeAuthorShareBps", "DislikeAuthorShareSet", 7_500),
    "setCommentMinLevel": ("commentMinLevel", "CommentMinLevelSet", 20),
}


def test_deploy__has_the_spec_defaults(engagement, token, treasury, levels, deployer):
    d = ENGAGEMENT_DEFAULTS
    assert engagement.publishTribute() == d.publish_tribute == 5 * ONE
    assert engagement.commentTribute() == d.comment_tribute == ONE
    assert engagement.minusFee() == d.minus_fee == ONE
    assert engagement.dislikeFee() == d.dislike_fee == ONE
    assert engagement.dislikeAuthorShareBps() == d.dislike_author_share_bps == 5_000
    assert engagement.reportPrice() == d.report_price == ONE
    assert engagement.commentMinLevel() == d.comment_min_level == 13
    assert engagement.token() == token.address
    assert engagement.treasury() == treasury.address
    assert engagement.levels() == levels.address
    assert engagement.hasRole(engagement.DEFAULT_ADMIN_ROLE(), deployer)
    assert engagement.lastId() == 0
    assert engagement.MAX_FEE() == MAX_FEE


def test_deploy__emits_every_parameter(create_engagement, treasury, levels):
    contract = create_engagement()
    receipt = contract.creation_metadata.receipt
    d = ENGAGEMENT_DEFAULTS
    expected = [
        contract.TreasurySet(treasury),
        contract.LevelsSet(levels),
        contract.PublishTributeSet(d.publish_tribute),
        contract.CommentTributeSet(d.comment_tribute),
        contract.MinusFeeSet(d.minus_fee),
        contract.DislikeFeeSet(d.dislike_fee),
        contract.DislikeAuthorShareSet(d.dislike_author_share_bps),
        contract.ReportPriceSet(d.report_price),
        contract.CommentMinLevelSet(d.comment_min_level),
    ]
    logs = [log for log in receipt.events if log.event_name != "RoleGranted"]
    assert logs == expected


DELAYED = {**FEES, "setDislikeAuthorShareBps": SMALL["setDislikeAuthorShareBps"]}


@pytest.mark.parametrize("setter", list(DELAYED))
def test_fee_change__is_announced_and_waits_a_day(engagement, deployer, outsider, chain, setter):
    getter, event, value = DELAYED[setter]
    before = getattr(engagement, getter)()
    tx = getattr(engagement, setter)(value, sender=deployer)
    effective_at = tx.timestamp + DAY
    assert tx.events == [engagement.ParameterChangeScheduled(PARAMETERS[setter], value, effective_at)]
    assert engagement.pendingParameterChange(PARAMETERS[setter]) == (value, effective_at)
    assert getattr(engagement, getter)() == before
    chain.mine(timestamp=effective_at - 100)  # the next block is a few seconds later at most
    with ape.reverts(engagement.ParameterChangeNotDue, parameter=PARAMETERS[setter], effectiveAt=effective_at):
        engagement.applyParameterChange(PARAMETERS[setter], sender=outsider)
    assert getattr(engagement, getter)() == before
    chain.mine(timestamp=effective_at)
    tx = engagement.applyParameterChange(PARAMETERS[setter], sender=outsider)
    assert tx.events == [getattr(engagement, event)(value)]
    assert getattr(engagement, getter)() == value
    assert engagement.pendingParameterChange(PARAMETERS[setter]) == (0, 0)


@pytest.mark.parametrize("setter", list(DELAYED))
def test_fee_change__applied_twice_reverts(engagement, set_parameter, outsider, setter):
    set_parameter(setter, DELAYED[setter][2])
    with ape.reverts(engagement.NoParameterChange, parameter=PARAMETERS[setter]):
        engagement.applyParameterChange(PARAMETERS[setter], sender=outsider)


def test_fee_change__rescheduled_restarts_the_delay(engagement, deployer, outsider, chain):
    engagement.setReportPrice(5 * ONE, sender=deployer)
    chain.mine(timestamp=chain.pending_timestamp + DAY - 60)
    tx = engagement.setReportPrice(9 * ONE, sender=deployer)
    chain.mine(timestamp=tx.timestamp + 120)
    with ape.reverts(engagement.ParameterChangeNotDue, parameter=PARAMETERS["setReportPrice"]):
        engagement.applyParameterChange(PARAMETERS["setReportPrice"], sender=outsider)
    assert engagement.reportPrice() == ENGAGEMENT_DEFAULTS.report_price


def test_fee_change__a_payer_pays_the_announced_fee_until_it_applies(
    engagement, token, payer, deployer, alice, chain, post_id, outsider
):
    """An allowance holder is never charged more than the fee shown: a raise scheduled in the
    block before theirs changes nothing for a day."""
    payer(alice, amount=100 * ONE)
    engagement.setReportPrice(50 * ONE, sender=deployer)
    tx = engagement.buyReport(post_id, sender=alice)
    assert flows(tx)[0][3] == ENGAGEMENT_DEFAULTS.report_price
    chain.mine(timestamp=chain.pending_timestamp + DAY - 30)
    tx = engagement.buyReport(post_id, sender=alice)
    assert flows(tx)[0][3] == ENGAGEMENT_DEFAULTS.report_price


def test_comment_min_level__by_the_admin_changes_at_once(engagement, deployer):
    tx = engagement.setCommentMinLevel(20, sender=deployer)
    assert engagement.commentMinLevel() == 20
    assert tx.events == [engagement.CommentMinLevelSet(20)]


@pytest.mark.parametrize("setter", [*FEES, *SMALL, "setTreasury", "setLevels"])
def test_setter__by_anyone_else_reverts(engagement, outsider, treasury, setter):
    value = outsider.address if setter in ("setTreasury", "setLevels") else 1
    with ape.reverts(
        engagement.AccessControlUnauthorizedAccount,
        account=outsider,
        neededRole=engagement.DEFAULT_ADMIN_ROLE(),
    ):
        getattr(engagement, setter)(value, sender=outsider)


@pytest.mark.parametrize("setter", list(FEES))
def test_fee__up_to_the_maximum_is_accepted(engagement, set_parameter, setter):
    set_parameter(setter, MAX_FEE)
    assert getattr(engagement, FEES[setter][0])() == MAX_FEE


@pytest.mark.parametrize("setter", list(FEES))
def test_fee__above_the_maximum_reverts(engagement, deployer, setter):
    with ape.reverts(engagement.FeeTooHigh, fee=MAX_FEE + 1, maxFee=MAX_FEE):
        getattr(engagement, setter)(MAX_FEE + 1, sender=deployer)


def test_author_share__up_to_all_is_accepted_and_above_reverts(engagement, deployer, set_parameter):
    set_parameter("setDislikeAuthorShareBps", 10_000)
    with ape.reverts(engagement.AuthorShareTooHigh, shareBps=10_001):
        engagement.setDislikeAuthorShareBps(10_001, sender=deployer)
    assert engagement.dislikeAuthorShareBps() == 10_000


def test_treasury__change_redirects_fees(engagement, token, payer, deployer, alice, dave):
    tx = engagement.setTreasury(dave, sender=deployer)
    assert tx.events == [engagement.TreasurySet(dave)]
    payer(alice)
    tx = engagement.publishPost(CONTENT, WORDS, sender=alice)
    assert token.balanceOf(dave) == ENGAGEMENT_DEFAULTS.publish_tribute
    assert flows(tx)[1][1] == dave


@pytest.mark.parametrize("setter", ["setTreasury", "setLevels"])
def test_address__zero_reverts(engagement, deployer, setter):
    with ape.reverts(engagement.ZeroAddress):
        getattr(engagement, setter)(ZERO_ADDRESS, sender=deployer)


def test_levels__change_switches_the_comment_gate(
    engagement, create_levels, payer, set_level, post_id, deployer, carol
):
    payer(carol)
    set_level(carol)  # on the old level source
    other = create_levels()
    tx = engagement.setLevels(other, sender=deployer)
    assert tx.events == [engagement.LevelsSet(other)]
    with ape.reverts(engagement.LevelTooLow, account=carol, level=0, required=13):
        engagement.comment(post_id, CONTENT, sender=carol)
    set_level(carol, 13, source=other)
    assert new_id(engagement.comment(post_id, CONTENT, sender=carol)) > post_id


@pytest.mark.parametrize("argument", ["token_", "admin", "treasury_", "levels_"])
def test_deploy__with_a_zero_address_reverts(project, deployer, token, treasury, levels, argument):
    args = {"token_": token, "admin": deployer, "treasury_": treasury, "levels_": levels}
    args[argument] = ZERO_ADDRESS
    with ape.reverts(project.Engagement.ZeroAddress):
        deployer.deploy(
            project.Engagement,
            args["token_"],
            args["admin"],
            args["treasury_"],
            args["levels_"],
            ENGAGEMENT_DEFAULTS.as_struct(),
        )


@pytest.mark.parametrize(
    "params, error, arguments",
    [
        (EngagementParams(MAX_FEE + 1, 0, 0, 0, 0, 0, 0), "FeeTooHigh", {"fee": MAX_FEE + 1}),
        (EngagementParams(0, 0, 0, MAX_FEE + 1, 0, 0, 0), "FeeTooHigh", {"fee": MAX_FEE + 1}),
        (EngagementParams(0, 0, 0, 0, 10_001, 0, 0), "AuthorShareTooHigh", {"shareBps": 10_001}),
    ],
)
def test_deploy__out_of_bounds_parameters_revert(project, create_engagement, params, error, arguments):
    with ape.reverts(getattr(project.Engagement, error), **arguments):
        create_engagement(params=params)
