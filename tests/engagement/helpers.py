"""Constants and small readers shared by the Engagement tests."""

from __future__ import annotations

from twei.params import ENGAGEMENT_DEFAULTS

CONTENT = b"\x11" * 32
WORDS = 1_190  # five minutes at 238 words per minute
COMMENT_LEVEL = ENGAGEMENT_DEFAULTS.comment_min_level
#: Each delayed setter's `IEngagement.Parameter` number.
PARAMETERS = {
    "setPublishTribute": 0,
    "setCommentTribute": 1,
    "setMinusFee": 2,
    "setDislikeFee": 3,
    "setDislikeAuthorShareBps": 4,
    "setReportPrice": 5,
    "setCommentMinLevel": 6,
    "setTreasury": 7,
    "setLevels": 8,
}
#: The parameters `applyParameterChange` switches; every other one takes effect by itself.
APPLIED = ("setTreasury", "setLevels")
DAY = 86_400
#: The vote and reaction that pay a fee, and so take the caller's `maxFee`.
PAYING_VOTES = ("minus", "dislike")


def act(engagement, action, target, *, sender):
    """`engagement.<action>(target)`, agreeing to any fee for the paying ones (`minus`,
    `dislike`): for tests about the vote or reaction itself, not the price."""
    from tests.helpers import ANY_FEE

    extra = (ANY_FEE,) if action in PAYING_VOTES else ()
    return getattr(engagement, action)(target, *extra, sender=sender)


def flows(tx) -> list[tuple[int, str, int, int]]:
    """The Flow events of `tx` as (postId, account, category, amount), in log order."""
    return [
        (log.postId, log.account, log.category, log.amount)
        for log in tx.events
        if log.event_name == "Flow"
    ]


def new_id(tx) -> int:
    """The id a publish, comment or report transaction gave (read from its event, which works
    on every chain, unlike return values that need a trace)."""
    for log in tx.events:
        if log.event_name == "PostPublished":
            return log.postId
        if log.event_name == "Commented":
            return log.commentId
        if log.event_name == "ReportPurchased":
            return log.reportId
    raise AssertionError(f"{tx.txn_hash} gave no id")
