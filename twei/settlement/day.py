"""One day's settlement: the stored events and reads -> DayActivity -> DayResult -> new account state.

The rules that need history live here as SQL over the job store, so they hold across days:

* a Like is the comment's *first* like (its Comment Reward) only if no earlier like of that
  comment exists in the whole stored history, whatever day it came on;
* one rewarded read per reader and post, ever (the store's ``reads`` table keeps only the first
  day that brought a pair);
* reads of one's own post are never rewarded (joined against the post's author from the chain);
* a read of a post the chain does not know is ignored.

Everything else (rates, caps, netting, pro-rata scaling, XP) is :mod:`twei.economy`'s pure
functions, so the job, the report and the hand-written tests agree to the wei.

Two paths compute a day. :func:`settle_stored_day` builds the :class:`DayActivity` (an object
per read) and hands it to :func:`twei.economy.settle_day`: the reference. The job runs
:func:`day_gross_and_xp` + :func:`twei.economy.settle_lines` (:func:`settle_stored_day_sql`):
the same gross lines and XP from SQL counts and one pass over plain rows, then the same netting
and scaling, about ten times faster on a million reads. A property test holds them equal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from twei.economy import (
    DayActivity,
    DayResult,
    Dislike,
    Like,
    Lines,
    Plus,
    PoolRates,
    Read,
    gross_lines,
    level_for_xp,
    reader_read_cap,
    settle_day,
    settle_lines,
    xp_deltas,
)
from twei.flows import FlowCategory
from twei.settlement.store import AccountState, JobStore

__all__ = [
    "DAY",
    "day_bounds",
    "day_activity",
    "event_counts",
    "day_gross_and_xp",
    "DaySettlement",
    "settle_stored_day",
    "settle_stored_day_sql",
    "advance_accounts",
    "advance_accounts_by",
]

DAY = 86_400


def day_bounds(epoch: int) -> tuple[int, int]:
    """The UTC day ``epoch`` as [start, end) unix seconds."""
    return epoch * DAY, (epoch + 1) * DAY


def day_activity(store: JobStore, epoch: int) -> DayActivity:
    """The epoch's pool-relevant activity, read from the job store, in chain order."""
    start, end = day_bounds(epoch)
    db = store.db
    reads = [
        Read(reader, post_id, credited_ms // 1000, qualified_ms)
        for reader, post_id, credited_ms, qualified_ms in db.execute(
            "SELECT r.reader, r.post_id, r.credited_ms, r.qualified_ms FROM reads r"
            " JOIN posts p ON p.post_id = r.post_id"
            " WHERE r.epoch = ? AND r.reader <> p.author ORDER BY r.qualified_ms, r.reader, r.post_id",
            (epoch,),
        )
    ]
    pluses = [
        Plus(post_id, voter, author)
        for post_id, voter, author in db.execute(
            "SELECT v.post_id, v.voter, p.author FROM votes v JOIN posts p ON p.post_id = v.post_id"
            " WHERE v.ts >= ? AND v.ts < ? AND v.vote = 0 ORDER BY v.block, v.log_index",
            (start, end),
        )
    ]
    likes = [
        Like(comment_id, post_id, reactor, commenter, author, bool(first))
        for comment_id, post_id, reactor, commenter, author, first in db.execute(
            "SELECT r.comment_id, r.post_id, r.reactor, c.commenter, p.author,"
            " NOT EXISTS (SELECT 1 FROM reactions e WHERE e.comment_id = r.comment_id AND e.reaction = 0"
            "   AND (e.block, e.log_index) < (r.block, r.log_index))"
            " FROM reactions r JOIN comments c ON c.comment_id = r.comment_id"
            " JOIN posts p ON p.post_id = r.post_id"
            " WHERE r.ts >= ? AND r.ts < ? AND r.reaction = 0 ORDER BY r.block, r.log_index",
            (start, end),
        )
    ]
    dislikes = [
        Dislike(comment_id, post_id, reactor, commenter)
        for comment_id, post_id, reactor, commenter in db.execute(
            "SELECT r.comment_id, r.post_id, r.reactor, c.commenter FROM reactions r"
            " JOIN comments c ON c.comment_id = r.comment_id"
            " WHERE r.ts >= ? AND r.ts < ? AND r.reaction = 1 ORDER BY r.block, r.log_index",
            (start, end),
        )
    ]
    return DayActivity(reads=reads, pluses=pluses, likes=likes, dislikes=dislikes)


def day_actors(store: JobStore, epoch: int) -> set[str]:
    """Every account that acted or was acted upon on the day (all get a leaf, from then on)."""
    start, end = day_bounds(epoch)
    rows = store.db.execute(
        "SELECT author FROM posts WHERE ts >= ?1 AND ts < ?2"
        " UNION SELECT commenter FROM comments WHERE ts >= ?1 AND ts < ?2"
        " UNION SELECT voter FROM votes WHERE ts >= ?1 AND ts < ?2"
        " UNION SELECT reactor FROM reactions WHERE ts >= ?1 AND ts < ?2",
        (start, end),
    )
    return {r[0] for r in rows}


def advance_accounts(
    accounts: dict[str, AccountState], day: DayActivity, result: DayResult, actors: set[str] = frozenset()
) -> dict[str, AccountState]:
    """The accounts whose state the day changes, with their new state (cumulative += paid; XP by
    SPEC §3, never below zero; level from XP). Untouched accounts are left out."""
    return advance_accounts_by(accounts, xp_deltas(day), result, actors)


def advance_accounts_by(
    accounts: Mapping[str, AccountState], deltas: Mapping[str, int], result: DayResult, actors: set[str] = frozenset()
) -> dict[str, AccountState]:
    """:func:`advance_accounts` from the day's XP deltas (:func:`twei.economy.xp_deltas` or
    :func:`day_xp_deltas`, which agree)."""
    changed: dict[str, AccountState] = {}
    blank = AccountState()
    for account in set(deltas) | set(result.paid) | set(actors):
        old = accounts.get(account, blank)
        xp = max(0, old.xp + deltas.get(account, 0))
        new = AccountState(old.cumulative + result.paid.get(account, 0), xp, level_for_xp(xp))
        if new != old or account not in accounts:
            changed[account] = new
    return changed


@dataclass
class DaySettlement:
    """A settled day: the economy's result and the accounts it changes."""

    epoch: int
    activity: DayActivity
    result: DayResult
    changed: dict[str, AccountState]


def levels_before(accounts: Mapping[str, AccountState]) -> Callable[[str], int]:
    """Each reader's level before the day, as the farm defence takes it (unknown: level 0)."""

    def level_of(account: str) -> int:
        state = accounts.get(account)
        return state.level if state is not None else 0

    return level_of


def settle_stored_day(store: JobStore, epoch: int, rates: PoolRates = PoolRates()) -> DaySettlement:
    """Compute the epoch from the store (no writes)."""
    activity = day_activity(store, epoch)
    accounts = store.accounts()
    result = settle_day(activity, rates, levels_before(accounts))
    changed = advance_accounts(accounts, activity, result, day_actors(store, epoch))
    return DaySettlement(epoch, activity, result, changed)


# ---------------------------------------------------------------------------- the SQL fast path
#
# The same day as day_activity() + twei.economy.settle_day(), without a Python object per read:
# SQLite groups the events into per-(account, post, category) counts and hands over the reads as
# plain rows; only the readers whose day could reach the daily cap go through the economy's
# ordered loop. tests/settlement/test_sql_path.py checks that both paths agree on random days.

_DAY_EVENTS = """
WITH likes AS (
    SELECT r.post_id, r.reactor, c.commenter, p.author,
        NOT EXISTS (SELECT 1 FROM reactions e WHERE e.comment_id = r.comment_id AND e.reaction = 0
            AND (e.block, e.log_index) < (r.block, r.log_index)) AS first
    FROM reactions r JOIN comments c ON c.comment_id = r.comment_id JOIN posts p ON p.post_id = r.post_id
    WHERE r.ts >= :start AND r.ts < :end AND r.reaction = 0
), events (account, post_id, category, first) AS (
    SELECT p.author, v.post_id, :plus, 0 FROM votes v JOIN posts p ON p.post_id = v.post_id
        WHERE v.ts >= :start AND v.ts < :end AND v.vote = 0
    UNION ALL SELECT reactor, post_id, :own, 0 FROM likes
    UNION ALL SELECT commenter, post_id, :commenter, first FROM likes
    UNION ALL SELECT author, post_id, :author, 0 FROM likes
    UNION ALL SELECT c.commenter, r.post_id, :dislike, 0 FROM reactions r JOIN comments c ON c.comment_id = r.comment_id
        WHERE r.ts >= :start AND r.ts < :end AND r.reaction = 1
)
SELECT account, post_id, category, COUNT(*), SUM(first) FROM events GROUP BY account, post_id, category
"""

_XP_WEIGHTS = {  # SPEC §3, as twei.economy.xp_deltas
    FlowCategory.EARNED_FOR_PLUSES: 5,
    FlowCategory.LIKES_OWN: 1,
    FlowCategory.LIKES_COMMENTER: 2,
    FlowCategory.DISLIKES_COMMENTER: -2,
}  # a like earns its post's author no XP (and no entry: presence matters to advance_accounts)


def event_counts(store: JobStore, epoch: int) -> list[tuple[str, int, int, int, int]]:
    """(account, post, category, events, first likes among them) for the day's non-read lines."""
    start, end = day_bounds(epoch)
    params = {
        "start": start, "end": end, "plus": int(FlowCategory.EARNED_FOR_PLUSES), "own": int(FlowCategory.LIKES_OWN),
        "commenter": int(FlowCategory.LIKES_COMMENTER), "author": int(FlowCategory.LIKES_AUTHOR),
        "dislike": int(FlowCategory.DISLIKES_COMMENTER),
    }
    return store.db.execute(_DAY_EVENTS, params).fetchall()


def day_gross_and_xp(
    store: JobStore, epoch: int, rates: PoolRates = PoolRates(), counts: list | None = None,
    level_of: Callable[[str], int] | None = None,
) -> tuple[dict[str, Lines], dict[str, int]]:
    """``gross_lines(day_activity(store, epoch), rates)`` and ``xp_deltas(day_activity(...))``,
    from SQL's per-(account, post, category) event counts and one pass over the day's reads.

    Reads arrive grouped by reader (the store's ``reads_day`` index is in that order). A reader
    whose credited seconds add up to at most cap·60/rate cannot reach the daily cap (the sum of
    floored amounts is at most the floor of the sum), so each of its reads is paid in full,
    whatever the order, as its own line ((reader, post) is unique). The others (rare) go through
    the economy's ordered loop: readers are independent of each other there.
    """
    lines: dict[str, Lines] = {}
    deltas: dict[str, int] = {}
    rate_of = {
        FlowCategory.EARNED_FOR_PLUSES: rates.plus_to_author,
        FlowCategory.LIKES_OWN: rates.like_to_liker,
        FlowCategory.LIKES_COMMENTER: rates.like_to_commenter,
        FlowCategory.LIKES_AUTHOR: rates.like_to_author,
        FlowCategory.DISLIKES_COMMENTER: rates.dislike_penalty,
    }
    comment_cat = FlowCategory.COMMENT_REWARDS
    for account, post_id, category, n, first in counts if counts is not None else event_counts(store, epoch):
        acc = lines.get(account)
        if acc is None:
            acc = lines[account] = {}
        acc[(post_id, FlowCategory(category))] = n * rate_of[category]
        if first:
            acc[(post_id, comment_cat)] = first * rates.comment_reward
        weight = _XP_WEIGHTS.get(category)
        if weight is not None:
            deltas[account] = deltas.get(account, 0) + n * weight

    rate, cap = rates.read_per_minute, rates.reader_daily_cap
    # No safe bound when the rate is not positive: then every reader goes through the ordered loop.
    # The bound is the smallest cap any reader may have (the farm defence's level 0): a reader
    # under it is paid in full whatever their level; the few above it go through the loop.
    lowest = reader_read_cap(0, rates) if level_of is not None else cap
    threshold = lowest * 60 // rate if rate > 0 else -1
    read_cat = FlowCategory.READ_REWARDS
    capped_readers: list[str] = []

    def finish(reader: str, xp: int, total: int, acc: dict) -> None:
        deltas[reader] = deltas.get(reader, 0) + xp
        if total > threshold:
            capped_readers.append(reader)  # its lines are dropped: the ordered loop decides them
        elif acc:
            known = lines.get(reader)
            if known is None:
                lines[reader] = acc
            else:
                known.update(acc)

    # The posts' authors in a dict rather than a join: a million index look-ups cost more than
    # loading every post (a few bytes each, far fewer than the accounts the job loads anyway).
    authors = dict(store.db.execute("SELECT post_id, author FROM posts"))
    author_of = authors.get
    # One pass, a few operations per read (this loop runs ten million times on a large day): the
    # reader's lines, XP and credited seconds are summed as its reads go by.
    current: str | None = None
    xp = total = 0
    acc: dict = {}
    for reader, post_id, credited_ms in store.db.execute(
        "SELECT reader, post_id, credited_ms FROM reads INDEXED BY reads_day"
        " WHERE epoch = ? ORDER BY reader",
        (epoch,),
    ):
        if author_of(post_id, reader) == reader:  # one's own post; a post the chain does not know
            continue
        if reader != current:
            if current is not None:
                finish(current, xp, total, acc)
            current, xp, total, acc = reader, 0, 0, {}
        seconds = credited_ms // 1000
        xp += seconds // 60
        if seconds > 0:
            total += seconds
            amount = seconds * rate // 60
            if amount > 0:
                acc[(post_id, read_cat)] = amount
    if current is not None:
        finish(current, xp, total, acc)
    capped: list[Read] = []
    for reader in capped_readers:  # rare: readers who may reach the daily cap
        capped.extend(
            Read(reader, post_id, credited_ms // 1000, qualified)
            for post_id, credited_ms, qualified in store.db.execute(
                "SELECT post_id, credited_ms, qualified_ms FROM reads WHERE reader = ? AND epoch = ?", (reader, epoch)
            )
            if author_of(post_id, reader) != reader
        )
    if capped:
        # day_activity's order: qualified_ms, reader, post_id (Python and SQLite compare str alike).
        capped.sort(key=lambda r: (r.qualified_at, r.reader, r.post_id))
        for reader, read_lines in gross_lines(DayActivity(reads=capped), rates, level_of).items():
            lines.setdefault(reader, {}).update(read_lines)
    return lines, deltas


def settle_stored_day_sql(
    store: JobStore, epoch: int, rates: PoolRates = PoolRates(), accounts: Mapping[str, AccountState] | None = None
) -> tuple[DayResult, dict[str, AccountState]]:
    """:func:`settle_stored_day`'s result and changed accounts by the SQL path (no writes)."""
    if accounts is None:
        accounts = store.accounts()
    gross, deltas = day_gross_and_xp(store, epoch, rates, level_of=levels_before(accounts))
    result = settle_lines(gross, rates)
    return result, advance_accounts_by(accounts, deltas, result, day_actors(store, epoch))
