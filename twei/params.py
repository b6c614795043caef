"""The economy's default on-chain parameters (SPEC §2), in wei where they are amounts."""

from __future__ import annotations

from dataclasses import astuple, dataclass

from twei.units import twei

__all__ = ["TOKEN_SUPPLY_CAP", "EngagementParams", "ENGAGEMENT_DEFAULTS"]

#: The most Twei that can ever exist: ten thousand days of the on-chain daily reward cap.
TOKEN_SUPPLY_CAP = twei(10_000_000_000)


@dataclass(frozen=True)
class EngagementParams:
    """The Engagement contract's settable economy, in the order of its ``Parameters`` struct.

    The deploy script passes :meth:`as_struct` to the constructor; the admin may change each
    value later (every change is an event on-chain).
    """

    publish_tribute: int
    comment_tribute: int
    minus_fee: int
    dislike_fee: int
    dislike_author_share_bps: int
    report_price: int
    comment_min_level: int

    def as_struct(self) -> tuple[int, ...]:
        """The values as the ABI tuple ``IEngagement.Parameters``."""
        return astuple(self)


#: SPEC §2: publish 5 TWEI; comment 1; minus 1; dislike 1 with 50 % to the author; report 1;
#: commenting from level 13.
ENGAGEMENT_DEFAULTS = EngagementParams(
    publish_tribute=twei(5),
    comment_tribute=twei(1),
    minus_fee=twei(1),
    dislike_fee=twei(1),
    dislike_author_share_bps=5_000,
    report_price=twei(1),
    comment_min_level=13,
)
