"""Parameters: SPEC §2 defaults at deployment, each settable only by the admin, each change an
event, bounds checked; every change announced a day before it takes effect, fees at their
instant by themselves; allowance payers never pay above the `maxFee` they agreed to."""

import ape
import pytest

from tests.engagement.helpers import CONTENT, DAY, PARAMETERS, WORDS, flows, new_id
from tests.helpers import ANY_FEE, ONE, ZERO_ADDRESS
from twei.params import ENGAGEMENT_DEFAULTS, EngagementParams

pytestmark = pytest.mark.chain

MAX_FEE = 1_000 * 10**18  # Engagement.MAX_FEE: 1,000 TWEI

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


DELAYED = {**FEES, **SMALL}


@pytest.mark.parametrize("setter", list(DELAYED))
def test_fee_change__is_announced_and_takes_effect_at_its_instant_by_itself(
    engagement, deployer, outsider, chain, setter
):
    getter, _, value = DELAYED[setter]
    before = getattr(engagement, getter)()
    tx = getattr(engagement, setter)(value, sender=deployer)
    effective_at = tx.timestamp + DAY
    assert tx.events == [engagement.ParameterChangeScheduled(PARAMETERS[setter], value, effective_at)]
    assert engagement.pendingParameterChange(PARAMETERS[setter]) == (value, effective_at)
    assert getattr(engagement, getter)() == before
    chain.mine(timestamp=effective_at - 1)
    assert getattr(engagement, getter)() == before
    chain.mine(timestamp=effective_at)  # no transaction: the clock alone
    assert getattr(engagement, getter)() == value
    assert engagement.pendingParameterChange(PARAMETERS[setter]) == (0, 0)
    # Nothing waits for anyone to apply it, so nobody can choose its moment.
    with ape.reverts(engagement.NoParameterChange, parameter=PARAMETERS[setter]):
        engagement.applyParameterChange(PARAMETERS[setter], sender=outsider)


def test_fee_change__rescheduled_restarts_the_delay(engagement, deployer, chain):
    first = engagement.setReportPrice(5 * ONE, sender=deployer)
    chain.mine(timestamp=first.timestamp + DAY - 60)
    tx = engagement.setReportPrice(9 * ONE, sender=deployer)
    chain.mine(timestamp=first.timestamp + DAY + 60)  # the first instant has passed
    assert engagement.reportPrice() == ENGAGEMENT_DEFAULTS.report_price
    chain.mine(timestamp=tx.timestamp + DAY)
    assert engagement.reportPrice() == 9 * ONE


def test_fee_change__scheduled_after_one_took_effect_keeps_it_until_the_next_instant(
    engagement, deployer, chain
):
    first = engagement.setMinusFee(3 * ONE, sender=deployer)
    chain.mine(timestamp=first.timestamp + DAY + 10)
    tx = engagement.setMinusFee(4 * ONE, sender=deployer)
    assert engagement.minusFee() == 3 * ONE  # the value in effect is kept as "before"
    chain.mine(timestamp=tx.timestamp + DAY)
    assert engagement.minusFee() == 4 * ONE


def test_fee_change__a_payer_pays_the_announced_fee_until_its_instant_then_the_new_one(
    engagement, token, payer, deployer, alice, chain, post_id
):
    """An allowance holder is never charged more than the fee shown: a raise scheduled in the
    block before theirs changes nothing for a day, then applies exactly at its instant."""
    payer(alice, amount=100 * ONE)
    tx = engagement.setReportPrice(5 * ONE, sender=deployer)
    effective_at = tx.timestamp + DAY
    paid = engagement.buyReport(post_id, ANY_FEE, sender=alice)
    assert flows(paid)[0][3] == ENGAGEMENT_DEFAULTS.report_price
    chain.mine(timestamp=effective_at - 2)
    paid = engagement.buyReport(post_id, ANY_FEE, sender=alice)
    assert paid.timestamp < effective_at
    assert flows(paid)[0][3] == ENGAGEMENT_DEFAULTS.report_price
    chain.mine(timestamp=effective_at)
    paid = engagement.buyReport(post_id, ANY_FEE, sender=alice)
    assert flows(paid)[0][3] == 5 * ONE


def test_max_fee__the_audit_exploit_stops_at_the_agreed_price(
    engagement, token, payer, deployer, alice, bob, chain, post_id
):
    """The audit's exploit: a standing allowance, a minus sent while the fee reads 1 TWEI, the
    fee raised to the maximum just before it lands. The user agreed to 1 TWEI: nothing is paid."""
    payer(bob, amount=2_000 * ONE, allowance=2**256 - 1)
    tx = engagement.setMinusFee(MAX_FEE, sender=deployer)
    chain.mine(timestamp=tx.timestamp + DAY)
    before = token.balanceOf(bob)
    with ape.reverts(engagement.FeeAboveAgreed, fee=MAX_FEE, maxFee=ONE):
        engagement.minus(post_id, ONE, sender=bob)
    assert token.balanceOf(bob) == before
    assert not engagement.hasVoted(post_id, bob)
    engagement.minus(post_id, MAX_FEE, sender=bob)  # agreeing to the new price, it goes through
    assert token.balanceOf(bob) == before - MAX_FEE


@pytest.fixture
def agreed_actions(engagement, payer, set_level, post_id, comment_id, alice, carol):
    """Each allowance form, as f(maxFee), sent by `carol` (funded, level 13) on alice's post.
    (`commentWithLevel` needs a real root: tests/distributor/test_levels.py.)"""
    payer(carol, amount=100 * ONE)
    set_level(carol)
    return {
        "publishPost": lambda fee: engagement.publishPost(CONTENT, WORDS, fee, sender=carol),
        "comment": lambda fee: engagement.comment(post_id, CONTENT, fee, sender=carol),
        "minus": lambda fee: engagement.minus(post_id, fee, sender=carol),
        "dislike": lambda fee: engagement.dislike(comment_id, fee, sender=carol),
        "buyReport": lambda fee: engagement.buyReport(post_id, fee, sender=carol),
    }


AGREED_FEES = {
    "publishPost": "publishTribute",
    "comment": "commentTribute",
    "minus": "minusFee",
    "dislike": "dislikeFee",
    "buyReport": "reportPrice",
}


@pytest.mark.parametrize("action", list(AGREED_FEES))
def test_max_fee__every_allowance_form_refuses_a_fee_above_the_agreed_one(
    engagement, token, agreed_actions, carol, action
):
    fee = getattr(engagement, AGREED_FEES[action])()
    before = token.balanceOf(carol)
    with ape.reverts(engagement.FeeAboveAgreed, fee=fee, maxFee=fee - 1):
        agreed_actions[action](fee - 1)
    assert token.balanceOf(carol) == before
    agreed_actions[action](fee)  # exactly the fee is enough
    assert token.balanceOf(carol) == before - fee


def test_comment_min_level__waits_a_day(engagement, deployer, chain):
    tx = engagement.setCommentMinLevel(20, sender=deployer)
    assert engagement.commentMinLevel() == ENGAGEMENT_DEFAULTS.comment_min_level
    chain.mine(timestamp=tx.timestamp + DAY)
    assert engagement.commentMinLevel() == 20


@pytest.mark.parametrize("setter", [*FEES, *SMALL, "setTreasury", "setLevels"])
def test_setter__by_anyone_else_reverts(engagement, outsider, treasury, setter):
    value = outsider.address if setter in ("setTreasury", "setLevels") else 1
    with ape.reverts(
        engagement.AccessControlUnauthorizedAccount,
        account=outsider,
        neededRole=engagement.DEFAULT_ADMIN_ROLE(),
    ):
        getattr(engagement, setter)(value, sender=outsider)


def test_max_fee__is_an_economic_bound_of_1000_twei(engagement):
    assert engagement.MAX_FEE() == MAX_FEE == 1_000 * ONE


@pytest.mark.parametrize("setter", list(FEES))
def test_fee__up_to_the_maximum_is_accepted(engagement, set_parameter, setter):
    set_parameter(setter, MAX_FEE)
    assert getattr(engagement, FEES[setter][0])() == MAX_FEE


@pytest.mark.parametrize("setter", list(FEES))
def test_fee__above_the_maximum_reverts(engagement, deployer, setter):
    with ape.reverts(engagement.FeeTooHigh, fee=MAX_FEE + 1, maxFee=MAX_FEE):
        getattr(engagement, setter)(MAX_FEE + 1, sender=deployer)
    assert engagement.pendingParameterChange(PARAMETERS[setter]) == (0, 0)


def test_author_share__up_to_all_is_accepted_and_above_reverts(engagement, deployer, set_parameter):
    set_parameter("setDislikeAuthorShareBps", 10_000)
    with ape.reverts(engagement.AuthorShareTooHigh, shareBps=10_001):
        engagement.setDislikeAuthorShareBps(10_001, sender=deployer)
    assert engagement.dislikeAuthorShareBps() == 10_000


@pytest.mark.parametrize("setter, getter", [("setTreasury", "treasury"), ("setLevels", "levels")])
def test_address_change__waits_a_day_then_anyone_applies_it_once(
    engagement, deployer, outsider, chain, dave, setter, getter
):
    before = getattr(engagement, getter)()
    tx = getattr(engagement, setter)(dave, sender=deployer)
    effective_at = tx.timestamp + DAY
    parameter = PARAMETERS[setter]
    assert tx.events == [engagement.ParameterChangeScheduled(parameter, int(dave.address, 16), effective_at)]
    assert engagement.pendingParameterChange(parameter) == (int(dave.address, 16), effective_at)
    chain.mine(timestamp=effective_at - 100)
    with ape.reverts(engagement.ParameterChangeNotDue, parameter=parameter, effectiveAt=effective_at):
        engagement.applyParameterChange(parameter, sender=outsider)
    assert getattr(engagement, getter)() == before
    chain.mine(timestamp=effective_at)
    tx = engagement.applyParameterChange(parameter, sender=outsider)
    event = "TreasurySet" if setter == "setTreasury" else "LevelsSet"
    assert tx.events == [getattr(engagement, event)(dave)]
    assert getattr(engagement, getter)() == dave.address
    assert engagement.pendingParameterChange(parameter) == (0, 0)
    with ape.reverts(engagement.NoParameterChange, parameter=parameter):
        engagement.applyParameterChange(parameter, sender=outsider)


def test_treasury__change_redirects_fees(engagement, token, payer, set_parameter, alice, dave):
    tx = set_parameter("setTreasury", dave)
    payer(alice)
    tx = engagement.publishPost(CONTENT, WORDS, ANY_FEE, sender=alice)
    assert token.balanceOf(dave) == ENGAGEMENT_DEFAULTS.publish_tribute
    assert flows(tx)[1][1] == dave


@pytest.mark.parametrize("setter", ["setTreasury", "setLevels"])
def test_address__zero_reverts(engagement, deployer, setter):
    with ape.reverts(engagement.ZeroAddress):
        getattr(engagement, setter)(ZERO_ADDRESS, sender=deployer)


def test_levels__change_switches_the_comment_gate(
    engagement, create_levels, payer, set_level, set_parameter, post_id, carol
):
    payer(carol)
    set_level(carol)  # on the old level source
    other = create_levels()
    set_parameter("setLevels", other)
    with ape.reverts(engagement.LevelTooLow, account=carol, level=0, required=13):
        engagement.comment(post_id, CONTENT, ANY_FEE, sender=carol)
    set_level(carol, 13, source=other)
    assert new_id(engagement.comment(post_id, CONTENT, ANY_FEE, sender=carol)) > post_id


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
