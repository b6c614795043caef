"""The thirteen PnL categories (SPEC §5) and how to read the Engagement contract's ``Flow`` events.

The category numbers are shared by the chain (``Flow.category``, ``IEngagement.FlowCategory``),
the settlement job and the report, so they live in one place. Each category has the line name a
reader sees under a post and the side (profit or loss) it counts on.

A ``Flow`` carries no sign. The contract fixes the order instead: every paying action emits the
payer's Flow first (the whole fee) and then one Flow per receiver (the post's author for a
dislike share, the treasury for the rest), so within one transaction the first Flow is paid and
the others are received. :func:`net_by_account` applies that rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import Any

__all__ = [
    "Side",
    "FlowCategory",
    "ON_CHAIN_CATEGORIES",
    "FlowRecord",
    "net_by_account",
]


class Side(Enum):
    """Which subtotal of the post report a category adds to."""

    PROFIT = "profit"
    LOSS = "loss"


class FlowCategory(IntEnum):
    """A PnL category, numbered as on-chain; ``display_name`` and ``side`` as the report shows."""

    EARNED_FOR_PLUSES = 0
    COMMENT_REWARDS = 1
    LIKES_OWN = 2
    LIKES_COMMENTER = 3
    LIKES_AUTHOR = 4
    DISLIKES_AUTHOR = 5
    READ_REWARDS = 6
    SPENT_FOR_MINUSES = 7
    COMMENT_TRIBUTES = 8
    DISLIKES_OWN = 9
    DISLIKES_COMMENTER = 10
    POST_PUBLISH_TRIBUTE = 11
    PNL_REPORTS = 12

    @property
    def display_name(self) -> str:
        """The report line's name, as on the post page (SPEC §1)."""
        return _DISPLAY_NAMES[self]

    @property
    def side(self) -> Side:
        """Profit for 0–6, loss for 7–12."""
        return Side.PROFIT if self <= FlowCategory.READ_REWARDS else Side.LOSS


_DISPLAY_NAMES = {
    FlowCategory.EARNED_FOR_PLUSES: "Earned for Pluses",
    FlowCategory.COMMENT_REWARDS: "Comment Rewards",
    FlowCategory.LIKES_OWN: "Likes Own",
    FlowCategory.LIKES_COMMENTER: "Likes Commenter",
    FlowCategory.LIKES_AUTHOR: "Likes Author",
    FlowCategory.DISLIKES_AUTHOR: "Dislikes Author",
    FlowCategory.READ_REWARDS: "Read Rewards",
    FlowCategory.SPENT_FOR_MINUSES: "Spent for Minuses",
    FlowCategory.COMMENT_TRIBUTES: "Comment Tributes",
    FlowCategory.DISLIKES_OWN: "Dislikes Own",
    FlowCategory.DISLIKES_COMMENTER: "Dislikes Commenter",
    FlowCategory.POST_PUBLISH_TRIBUTE: "Post Publish Tribute",
    FlowCategory.PNL_REPORTS: "PnL Reports",
}

#: The categories the Engagement contract pays at action time; the rest come from the daily pool.
ON_CHAIN_CATEGORIES = frozenset(
    {
        FlowCategory.DISLIKES_AUTHOR,
        FlowCategory.SPENT_FOR_MINUSES,
        FlowCategory.COMMENT_TRIBUTES,
        FlowCategory.DISLIKES_OWN,
        FlowCategory.POST_PUBLISH_TRIBUTE,
        FlowCategory.PNL_REPORTS,
    }
)


@dataclass(frozen=True)
class FlowRecord:
    """One decoded ``Flow`` event with where it sits on the chain."""

    transaction_hash: str
    log_index: int
    post_id: int
    account: str
    category: FlowCategory
    amount: int

    @classmethod
    def from_log(cls, log: Any) -> FlowRecord:
        """From a decoded ``Flow`` log (an Ape ``ContractLog`` or anything with the same fields)."""
        return cls(
            transaction_hash=str(log.transaction_hash),
            log_index=int(log.log_index),
            post_id=int(log.postId),
            account=str(log.account),
            category=FlowCategory(log.category),
            amount=int(log.amount),
        )


def net_by_account(flows: Iterable[FlowRecord]) -> dict[str, int]:
    """Each account's net Twei change from ``flows``: the first Flow of a transaction is paid
    (negative), the later ones are received (positive)."""
    by_tx: dict[str, list[FlowRecord]] = defaultdict(list)
    for flow in flows:
        by_tx[flow.transaction_hash].append(flow)
    net: dict[str, int] = defaultdict(int)
    for tx_flows in by_tx.values():
        payment, *receipts = sorted(tx_flows, key=lambda f: f.log_index)
        net[payment.account] -= payment.amount
        for receipt in receipts:
            net[receipt.account] += receipt.amount
    return dict(net)
