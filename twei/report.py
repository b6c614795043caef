"""The PnL report of one account on one post (SPEC §1): every line, two subtotals and the total.

On-chain lines (tributes, fees, the author's dislike share) come from the Engagement contract's
`Flow` events; pool lines (pluses, likes, comment and read rewards, dislike penalties) come from
the published daily breakdown files, whose numbers the Merkle roots commit to. Nothing else is
trusted, so the report agrees with the chain to the wei.

Two cases that would otherwise print a wrong report: without the breakdown file of the
distributor's active root the pool lines would read zero, so `published_breakdowns` refuses; and
the treasury receives fees under the payer's (loss) category, so its receipts are counted apart
(`received`), never as losses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twei.addresses import checksum

from twei.breakdown import Breakdown, breakdown_path, iter_breakdowns
from twei.economy import FULL_WEIGHT, RELEASED_POST
from twei.errors import ConfigError
from twei.flows import FlowCategory, FlowRecord, Side
from twei.units import format_twei

__all__ = [
    "PostReport",
    "build_report",
    "buy_report",
    "published_breakdowns",
    "fetch_flows",
    "render_png",
    "render_text",
    "report_bought",
]


@dataclass(frozen=True)
class PostReport:
    account: str
    post_id: int
    lines: dict[FlowCategory, int]
    #: Fees the account received as the treasury (not a PnL line: a receipt is never a loss).
    received: int = 0
    #: Why the pool lines are what they are: the account's trust weight (:func:`weight_note`).
    weight_note: str = ""

    def side(self, side: Side) -> list[tuple[FlowCategory, int]]:
        return [(c, self.lines.get(c, 0)) for c in FlowCategory if c.side is side]

    @property
    def profit_subtotal(self) -> int:
        return sum(amount for _, amount in self.side(Side.PROFIT))

    @property
    def loss_subtotal(self) -> int:
        return sum(amount for _, amount in self.side(Side.LOSS))

    @property
    def total(self) -> int:
        """Total Twei Earned: profit − loss (negative when the post cost the account)."""
        return self.profit_subtotal - self.loss_subtotal

    def to_json(self) -> dict[str, Any]:
        """Machine form: amounts as decimal strings of wei."""

        def lines(side: Side) -> list[dict[str, Any]]:
            return [
                {"category": int(c), "name": c.display_name, "amount": str(a)}
                for c, a in self.side(side)
            ]

        return {
            "account": self.account,
            "post_id": self.post_id,
            "profit": lines(Side.PROFIT),
            "loss": lines(Side.LOSS),
            "profit_subtotal": str(self.profit_subtotal),
            "loss_subtotal": str(self.loss_subtotal),
            "total": str(self.total),
            "received_as_treasury": str(self.received),
            "weight_note": self.weight_note,
        }


def build_report(
    account: str,
    post_id: int,
    flows: Iterable[FlowRecord],
    breakdowns: Iterable[Breakdown],
    *,
    treasury: str | None = None,
) -> PostReport:
    """Sum the account's flows on the post and its pool lines on the post, per category.

    If the account is the ``treasury``, its loss-category flows are fees it received (each
    action emits the payer's Flow first, then the treasury's): in a transaction where it has two
    such flows of one category it paid the first itself, and every other one is a receipt."""
    account = checksum(account)
    is_treasury = treasury is not None and checksum(treasury) == account
    lines: dict[FlowCategory, int] = {}
    received = 0
    seen: set[tuple[str, FlowCategory]] = set()
    mine = [f for f in flows if f.post_id == post_id and checksum(f.account) == account]
    for flow in sorted(mine, key=lambda f: (f.transaction_hash, f.log_index)):
        if is_treasury and flow.category.side is Side.LOSS:
            key = (flow.transaction_hash, flow.category)
            pair = sum(1 for f in mine if (f.transaction_hash, f.category) == key) > 1
            if not pair or key in seen:
                received += flow.amount
                continue
            seen.add(key)
        lines[flow.category] = lines.get(flow.category, 0) + flow.amount
    breakdowns = list(breakdowns)  # read twice: the lines, then the weight note
    for day in breakdowns:
        for (post, category), amount in day.lines.get(account, {}).items():
            if post == post_id:
                cat = FlowCategory(category)
                lines[cat] = lines.get(cat, 0) + amount
    return PostReport(account, post_id, lines, received, weight_note(account, breakdowns))


def weight_note(account: str, breakdowns: Iterable[Breakdown]) -> str:
    """A sentence for beside the 13 lines: the account's trust weight on the last settled day
    whose breakdown carries weights (README, "The pool pays people, not keys"), what it holds of
    its reading, and what held reading it has been paid (a line of no post). Empty when no
    breakdown is weighted."""
    account = checksum(account)
    last = None
    released = 0
    for day in breakdowns:
        if day.trust is None:
            continue
        last = day
        released += day.lines.get(account, {}).get((RELEASED_POST, FlowCategory.READ_REWARDS), 0)
    if last is None:
        return ""
    weight, held = last.trust["accounts"].get(account, (0, 0))
    note = (
        f"Pool lines are weighted by trust from established accounts: this account's weight on day"
        f" {last.epoch} was {weight / FULL_WEIGHT:.1%}"
    )
    if weight < FULL_WEIGHT:
        note += " (pluses and likes it receives from trusted accounts raise it)"
    note += "."
    if held:
        note += f" Reading held until it is trusted: {_amount(held)} {UNIT}."
    if released:
        note += f" Held reading paid so far: {_amount(released)} {UNIT} (on no post's lines)."
    return note


def published_breakdowns(settlements: Path, chain_id: int, active_epoch: int) -> list[Breakdown]:
    """Every breakdown file of the chain; :class:`ConfigError` when the one of the distributor's
    active root (``active_epoch``, 0: none yet) is not there, since the pool lines would then
    read zero instead of what was paid."""
    if active_epoch and not breakdown_path(settlements, chain_id, active_epoch).exists():
        raise ConfigError(
            f"no breakdown file for epoch {active_epoch} (the distributor's active root) in"
            f" {Path(settlements) / str(chain_id)}: point --root at the folder holding the published"
            " settlements/, or the pool lines would read zero"
        )
    return list(iter_breakdowns(settlements, chain_id))


def fetch_flows(engagement: Any, *, post_id: int, account: str, start_block: int = 0) -> list[FlowRecord]:
    """The account's `Flow` events on the post, filtered by the indexed topics on the node."""
    logs = engagement.Flow.range(
        start_block,
        search_topics={"postId": post_id, "account": account},
    )
    return [
        FlowRecord(
            transaction_hash=str(log.transaction_hash),
            log_index=log.log_index,
            post_id=log.postId,
            account=log.account,
            category=FlowCategory(log.category),
            amount=log.amount,
        )
        for log in logs
    ]


def report_bought(engagement: Any, *, post_id: int, account: str, start_block: int = 0) -> bool:
    """Whether the account has bought a report instance of the post (a `ReportPurchased` log)."""
    logs = engagement.ReportPurchased.range(
        start_block, search_topics={"postId": post_id, "buyer": account}
    )
    return any(True for _ in logs)


def buy_report(engagement: Any, token: Any, buyer: Any, post_id: int) -> Any:
    """Buy one report instance (SPEC §1: 1 TWEI), approving the price first if needed; the
    price read here is the most the purchase may cost (`maxFee`), whatever changes meanwhile."""
    price = engagement.reportPrice()
    if token.allowance(buyer.address, engagement.address) < price:
        token.approve(engagement.address, price, sender=buyer)
    return engagement.buyReport(post_id, price, sender=buyer)


UNIT = "Twei"  # the token's name, as the post page writes amounts ("1 Twei")


def _amount(wei: int) -> str:
    """The one rounding of the table, the picture's labels and its title (4 decimals)."""
    return ("-" if wei < 0 else "") + format_twei(abs(wei))


def render_text(report: PostReport, price: int | None = None) -> str:
    """The report as a terminal table, laid out like the post page; ``price`` (wei) adds the
    page's "Price for report instance" line."""
    width = max(len(c.display_name) for c in FlowCategory) + 2
    out = [f"Post #{report.post_id} — {report.account}", ""]
    for title, side in (("Post Profit", Side.PROFIT), ("Post Loss", Side.LOSS)):
        out.append(title)
        out.extend(f"  {c.display_name:<{width}}{_amount(a):>14} {UNIT}" for c, a in report.side(side))
        out.append("")
    out.append(f"  {'Profit Subtotal':<{width}}{_amount(report.profit_subtotal):>14} {UNIT}")
    out.append(f"  {'Loss Subtotal':<{width}}{_amount(report.loss_subtotal):>14} {UNIT}")
    out.append(f"  {'Total Twei Earned':<{width}}{_amount(report.total):>14} {UNIT}")
    if price is not None:
        out.append("")
        out.append(f"  Price for report instance: {_amount(int(price))} {UNIT}")
    if report.received:
        out.append("")
        out.append(f"  Fees received as the treasury: {_amount(report.received)} {UNIT} (receipts, not a PnL line)")
    if report.weight_note:
        out.append("")
        out.append(f"  {report.weight_note}")
    return "\n".join(out)


def render_png(report: PostReport, path: Path) -> Path:
    """A waterfall: each profit line steps up, then the profit subtotal; each loss line steps
    down, then the loss subtotal; then the total. A zero line is drawn as a flat mark labelled 0,
    and every label and the title use the table's rounding."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names, bottoms, heights, colors, labels = [], [], [], [], []

    def bar(name: str, bottom_wei: int, height_wei: int, color: str, label: str) -> None:
        names.append(name)
        bottoms.append(bottom_wei / 10**18)
        heights.append(height_wei / 10**18)
        colors.append(color)
        labels.append(label)

    level = 0
    for c, a in report.side(Side.PROFIT):
        bar(c.display_name, level, a, "#2e9d5b", f"+{_amount(a)}" if a else "0")
        level += a
    bar("Profit Subtotal", 0, report.profit_subtotal, "#7cc49a", _amount(report.profit_subtotal))
    for c, a in report.side(Side.LOSS):
        bar(c.display_name, level - a, a, "#d1495b", f"-{_amount(a)}" if a else "0")
        level -= a
    bar("Loss Subtotal", 0, -report.loss_subtotal, "#e8909b", f"-{_amount(report.loss_subtotal)}" if report.loss_subtotal else "0")
    bar("Total Twei Earned", 0, report.total, "#3a6ea5", _amount(report.total))

    fig, ax = plt.subplots(figsize=(12, 5.5), dpi=110)
    xs = range(len(names))
    ax.bar(xs, heights, bottom=bottoms, color=colors, width=0.7)
    for x, bottom, height in zip(xs, bottoms, heights):
        if height == 0:  # a zero line: a flat mark at its level, so the column is not blank
            ax.plot([x - 0.35, x + 0.35], [bottom, bottom], color="#888", linewidth=1.5)
    ax.axhline(0, color="#444", linewidth=0.8)
    ax.set_xticks(list(xs), names, rotation=40, ha="right", fontsize=9)
    ax.set_ylabel(UNIT)
    ax.set_title(
        f"Post #{report.post_id} PnL of {report.account[:10]}…  "
        f"profit {_amount(report.profit_subtotal)} − loss {_amount(report.loss_subtotal)}"
        f" = {_amount(report.total)} {UNIT}"
    )
    low, high = ax.get_ylim()
    span = (high - low) or 1.0
    ax.set_ylim(low - span * 0.05, high + span * 0.1)  # room for the labels
    for x, bottom, height, label in zip(xs, bottoms, heights, labels):
        top = max(bottom, bottom + height)
        ax.annotate(label, (x, top), xytext=(0, 2), textcoords="offset points", ha="center", va="bottom", fontsize=8)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
