"""The daily pool's rules (SPEC §2–§3) as pure functions: rates, caps, netting, scaling, XP, levels.

Everything here works in wei and whole numbers so that the settlement, the report and the tests
agree to the last wei. Inputs are plain records of one UTC day's activity; nothing here reads a
chain or a database.

Design choices where SPEC is silent, made as a user would expect:

* A comment earns its Comment Reward once, on the day of its first like (likes come from others
  only: the chain refuses self-reactions).
* Read rewards are 0.1 TWEI per credited minute, pro rata to the second, and a reader's reads of
  the day are paid in the order they qualified until the 50 TWEI daily cap is reached.
* Netting: an account's dislike penalties of a day are deducted from its rewards of that day, and
  never take it below zero; the penalty lines then show what was actually deducted.
* Weights (README, "The pool pays people, not keys"): with a :class:`DayWeights`, every pool
  line is scaled by the weight, in millionths, of the account whose action made it (the reader,
  the voter, the liker; penalties are not weighted), and the read rewards it holds back are
  counted in :attr:`DayWeights.unpaid` (the settlement holds them for the reader). Amounts are
  summed as weights and rounded down once per line, so both settlement paths agree to the wei;
  with no weights every line is as before.
* Pro-rata scaling, when the day's net sum exceeds the pool, rounds every line down (the pool is
  never exceeded); penalty lines absorb the rounding so that each account's lines add up to what
  it is paid.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from twei.flows import FlowCategory
from twei.units import twei

__all__ = [
    "PoolRates",
    "DayActivity",
    "Read",
    "Plus",
    "Like",
    "Dislike",
    "DayResult",
    "settle_day",
    "settle_lines",
    "level_for_xp",
    "reader_read_cap",
    "xp_deltas",
    "apply_xp",
    "gross_lines",
    "DayWeights",
    "FULL_WEIGHT",
    "RELEASED_POST",
]

#: A weight of 1 in millionths: the weights are whole numbers, so every machine gets the same wei.
FULL_WEIGHT = 1_000_000
#: The "post" of the line that pays held read rewards released (posts are numbered from 1).
RELEASED_POST = 0


@dataclass(frozen=True)
class PoolRates:
    """Off-chain pool parameters of SPEC §2, in wei."""

    read_per_minute: int = twei("0.1")
    plus_to_author: int = twei(2)
    like_to_liker: int = twei("0.2")
    like_to_commenter: int = twei(1)
    like_to_author: int = twei("0.5")
    comment_reward: int = twei(1)
    dislike_penalty: int = twei("0.5")
    reader_daily_cap: int = twei(50)
    daily_pool: int = twei(100_000)
    #: Farm defence (README, "Bot farms"): a reader's daily read cap grows with the level they
    #: had before the day, ``reader_daily_cap · (level + 1) / (read_cap_full_level + 1)``, and is
    #: whole from this level on (13: the level that may comment). 0 turns it off.
    read_cap_full_level: int = 13


@dataclass(frozen=True)
class Read:
    """A qualifying read: ``credited_seconds`` of reading ``post_id`` by ``reader``."""

    reader: str
    post_id: int
    credited_seconds: int
    qualified_at: int = 0


@dataclass(frozen=True)
class Plus:
    post_id: int
    voter: str
    author: str


@dataclass(frozen=True)
class Like:
    comment_id: int
    post_id: int
    liker: str
    commenter: str
    author: str
    first_like_of_comment: bool


@dataclass(frozen=True)
class Dislike:
    comment_id: int
    post_id: int
    disliker: str
    commenter: str


@dataclass
class DayActivity:
    """One UTC day's pool-relevant activity, in the order it happened."""

    reads: list[Read] = field(default_factory=list)
    pluses: list[Plus] = field(default_factory=list)
    likes: list[Like] = field(default_factory=list)
    dislikes: list[Dislike] = field(default_factory=list)


Lines = dict[tuple[int, int], int]  # (post_id, category) -> wei


@dataclass
class DayWeights:
    """The day's weights (:mod:`twei.trust`), in millionths of :data:`FULL_WEIGHT`; an account
    absent from a mapping weighs 0.

    ``read``: a reader's weight on its read rewards (and reading XP). ``plus`` / ``like``: the
    weight of each plus / like the account gives that day (its weight times its daily budget
    share), on every line and XP point the plus or like makes. ``release``: held read rewards paid
    today (wei), as a line on post :data:`RELEASED_POST`. ``unpaid`` is filled in: the read
    rewards the weights held back today, per reader (wei)."""

    read: Mapping[str, int] = field(default_factory=dict)
    plus: Mapping[str, int] = field(default_factory=dict)
    like: Mapping[str, int] = field(default_factory=dict)
    release: Mapping[str, int] = field(default_factory=dict)
    unpaid: dict[str, int] = field(default_factory=dict)


@dataclass
class DayResult:
    """What the day pays: per account, its lines and the total it is paid."""

    lines: dict[str, Lines]
    paid: dict[str, int]
    scaled: bool

    @property
    def total(self) -> int:
        return sum(self.paid.values())


def reader_read_cap(level: int, rates: PoolRates) -> int:
    """The most read rewards a reader of ``level`` earns in a day (the farm defence: a fresh
    wallet earns 1/14 of the cap, 3.57 TWEI, until reading and others' pluses and likes raise
    its level)."""
    full = rates.read_cap_full_level
    if full <= 0 or level >= full:
        return rates.reader_daily_cap
    return rates.reader_daily_cap * (max(level, 0) + 1) // (full + 1)


#: A reader's level before the day (None: levels unknown, every reader gets the whole cap).
LevelOf = Callable[[str], int]


def level_for_xp(xp: int) -> int:
    """The largest L with 10·L² ≤ XP (SPEC §3): LVL 13 needs 1,690 XP."""
    if xp < 0:
        raise ValueError("XP is never negative")
    level = math.isqrt(xp // 10)
    # isqrt(xp // 10) is exact: 10·L² ≤ xp ⇔ L² ≤ xp // 10 for whole L.
    return level


def xp_deltas(day: DayActivity, weights: DayWeights | None = None) -> dict[str, int]:
    """XP each account gains (or loses) from the day: SPEC §3's weights, each event's XP scaled by
    the weight of the account that acted (:class:`DayWeights`; penalties in full), summed in
    millionths and rounded down once per account."""
    full = FULL_WEIGHT
    read_w = (lambda a: full) if weights is None else (lambda a: weights.read.get(a, 0))
    plus_w = (lambda a: full) if weights is None else (lambda a: weights.plus.get(a, 0))
    like_w = (lambda a: full) if weights is None else (lambda a: weights.like.get(a, 0))
    delta: dict[str, int] = defaultdict(int)
    for read in day.reads:
        delta[read.reader] += (read.credited_seconds // 60) * read_w(read.reader)
    for plus in day.pluses:
        delta[plus.author] += 5 * plus_w(plus.voter)
    for like in day.likes:
        w = like_w(like.liker)
        delta[like.commenter] += 2 * w
        delta[like.liker] += 1 * w
    for dislike in day.dislikes:
        delta[dislike.commenter] -= 2 * full
    return {account: ppm // full for account, ppm in delta.items()}


def apply_xp(xp: Mapping[str, int], day: DayActivity, weights: DayWeights | None = None) -> dict[str, int]:
    """Cumulative XP after the day, never below zero."""
    out = dict(xp)
    for account, change in xp_deltas(day, weights).items():
        out[account] = max(0, out.get(account, 0) + change)
    return out


def capped_read(amount: int, paid_so_far: int, cap: int) -> int:
    """What a read of ``amount`` is paid when the reader has ``paid_so_far`` of its ``cap``."""
    return max(0, min(amount, cap - paid_so_far))


def weigh_reads(reader: str, amounts: Mapping[int, int], weights: DayWeights | None, lines: dict) -> None:
    """Add a reader's capped read amounts (post -> wei) to its lines, weighted; count what the
    weight holds back in ``weights.unpaid``."""
    acc = lines[reader] if reader in lines else lines.setdefault(reader, {})
    read_cat = FlowCategory.READ_REWARDS
    if weights is None:
        for post, amount in amounts.items():
            if amount > 0:
                key = (post, read_cat)
                acc[key] = acc.get(key, 0) + amount
        return
    w = weights.read.get(reader, 0)
    held = 0
    for post, amount in amounts.items():
        if amount > 0:
            paid = amount * w // FULL_WEIGHT
            held += amount - paid
            key = (post, read_cat)
            acc[key] = acc.get(key, 0) + paid
    if held:
        weights.unpaid[reader] = weights.unpaid.get(reader, 0) + held


def gross_lines(
    day: DayActivity, rates: PoolRates, level_of: LevelOf | None = None, weights: DayWeights | None = None
) -> dict[str, Lines]:
    """Every account's pool lines for the day before netting and scaling. ``level_of`` gives a
    reader's level for the farm defence (:func:`reader_read_cap`); without it, the whole cap.
    ``weights`` (:class:`DayWeights`) scale each line by the weight of whoever acted."""
    lines: dict[str, Lines] = defaultdict(dict)

    read_paid: dict[str, int] = defaultdict(int)
    caps: dict[str, int] = {}
    amounts: dict[str, dict[int, int]] = defaultdict(dict)
    for read in sorted(day.reads, key=lambda r: r.qualified_at):
        cap = caps.get(read.reader)
        if cap is None:
            level = level_of(read.reader) if level_of is not None else rates.read_cap_full_level
            cap = caps[read.reader] = reader_read_cap(level, rates)
        amount = capped_read(read.credited_seconds * rates.read_per_minute // 60, read_paid[read.reader], cap)
        if amount > 0:
            read_paid[read.reader] += amount
            mine = amounts[read.reader]
            mine[read.post_id] = mine.get(read.post_id, 0) + amount
    for reader, posts in amounts.items():
        weigh_reads(reader, posts, weights, lines)

    full = FULL_WEIGHT
    plus_w = (lambda a: full) if weights is None else (lambda a: weights.plus.get(a, 0))
    like_w = (lambda a: full) if weights is None else (lambda a: weights.like.get(a, 0))
    summed: dict[tuple[str, int, int], int] = defaultdict(int)  # weights summed per line, then rated
    for plus in day.pluses:
        summed[(plus.author, plus.post_id, FlowCategory.EARNED_FOR_PLUSES)] += plus_w(plus.voter)
    for like in day.likes:
        w = like_w(like.liker)
        summed[(like.liker, like.post_id, FlowCategory.LIKES_OWN)] += w
        summed[(like.commenter, like.post_id, FlowCategory.LIKES_COMMENTER)] += w
        summed[(like.author, like.post_id, FlowCategory.LIKES_AUTHOR)] += w
        if like.first_like_of_comment:
            summed[(like.commenter, like.post_id, FlowCategory.COMMENT_REWARDS)] += w
    for dislike in day.dislikes:
        summed[(dislike.commenter, dislike.post_id, FlowCategory.DISLIKES_COMMENTER)] += full
    rate_of = _rates_by_category(rates)
    for (account, post, category), wsum in summed.items():
        key = (post, category)
        lines[account][key] = lines[account].get(key, 0) + rate_of[category] * wsum // full

    if weights is not None:
        for account, amount in weights.release.items():
            if amount > 0:
                key = (RELEASED_POST, FlowCategory.READ_REWARDS)
                lines[account][key] = lines[account].get(key, 0) + amount

    return {account: dict(acc_lines) for account, acc_lines in lines.items()}


def _rates_by_category(rates: PoolRates) -> dict[int, int]:
    return {
        FlowCategory.EARNED_FOR_PLUSES: rates.plus_to_author,
        FlowCategory.LIKES_OWN: rates.like_to_liker,
        FlowCategory.LIKES_COMMENTER: rates.like_to_commenter,
        FlowCategory.LIKES_AUTHOR: rates.like_to_author,
        FlowCategory.COMMENT_REWARDS: rates.comment_reward,
        FlowCategory.DISLIKES_COMMENTER: rates.dislike_penalty,
    }


def _split(amount: int, weights: Mapping[tuple[int, int], int]) -> Lines:
    """Split ``amount`` over keys in proportion to ``weights``, exactly (largest remainder)."""
    total = sum(weights.values())
    if total == 0:
        return {key: 0 for key in weights}
    shares = {key: amount * w // total for key, w in weights.items()}
    left = amount - sum(shares.values())
    by_remainder = sorted(weights, key=lambda k: (-(amount * weights[k] % total), k))
    for key in by_remainder[:left]:
        shares[key] += 1
    return shares


def _net(lines: Lines) -> Lines:
    """Cap the account's penalties at its rewards: the day never takes it below zero."""
    profit = {k: v for k, v in lines.items() if k[1] != FlowCategory.DISLIKES_COMMENTER}
    penalty = {k: v for k, v in lines.items() if k[1] == FlowCategory.DISLIKES_COMMENTER}
    deducted = min(sum(penalty.values()), sum(profit.values()))
    return {**profit, **_split(deducted, penalty)}


def _paid(lines: Lines) -> int:
    return sum(-v if k[1] == FlowCategory.DISLIKES_COMMENTER else v for k, v in lines.items())


def _scale(lines: Lines, pool: int, total: int) -> Lines:
    """Scale an account's netted lines by pool/total, rounding down.

    The account is paid floor(net · pool / total), so the day never exceeds the pool; profit
    lines round down each, and the penalty lines take up the difference (split by weight) so the
    lines still add up to what is paid.
    """
    target = _paid(lines) * pool // total
    profit = {k: v * pool // total for k, v in lines.items() if k[1] != FlowCategory.DISLIKES_COMMENTER}
    penalty = {k: v for k, v in lines.items() if k[1] == FlowCategory.DISLIKES_COMMENTER}
    room = sum(profit.values())
    # room > target only when there are penalties: with none, a sum of floors ≤ floor of the sum.
    return {**profit, **_split(room - min(target, room), penalty)}


def settle_day(
    day: DayActivity, rates: PoolRates = PoolRates(), level_of: LevelOf | None = None,
    weights: DayWeights | None = None,
) -> DayResult:
    """The day's per-account lines and payouts: gross, netted per account, scaled to the pool."""
    return settle_lines(gross_lines(day, rates, level_of, weights), rates)


def settle_lines(gross: Mapping[str, Lines], rates: PoolRates = PoolRates()) -> DayResult:
    """The second half of :func:`settle_day`: gross lines (as :func:`gross_lines` makes them)
    netted per account and scaled to the pool. The settlement job computes the gross lines in
    SQL over its store and hands them here, so both paths share these rules."""
    # Most accounts have no penalty line: for them netting changes nothing, scaling rounds each
    # line down, and what is paid is the sum of the lines (fast paths with the same results).
    penalty_cat = FlowCategory.DISLIKES_COMMENTER
    netted: dict[str, Lines] = {}
    penalised: set[str] = set()
    total = 0
    for account, lines in gross.items():
        if any(k[1] == penalty_cat for k in lines):
            netted[account] = net = _net(lines)
            penalised.add(account)
            total += _paid(net)
        else:
            netted[account] = lines
            total += sum(lines.values())
    scaled = total > rates.daily_pool
    pool = rates.daily_pool
    result_lines: dict[str, Lines] = {}
    paid: dict[str, int] = {}
    for account, lines in netted.items():
        if account in penalised:
            final = {k: v for k, v in (_scale(lines, pool, total) if scaled else lines).items() if v}
            amount = _paid(final)
        else:
            if scaled:
                final = {k: w for k, v in lines.items() if (w := v * pool // total)}
            else:
                final = {k: v for k, v in lines.items() if v}
            amount = sum(final.values())
        if final:
            result_lines[account] = final
            if amount:
                paid[account] = amount
    return DayResult(lines=result_lines, paid=paid, scaled=scaled)
