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

import multiprocessing
import sqlite3
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twei.economy import (
    FULL_WEIGHT,
    RELEASED_POST,
    DayActivity,
    DayWeights,
    capped_read,
    weigh_reads,
    DayResult,
    Dislike,
    Like,
    Lines,
    Plus,
    PoolRates,
    Read,
    level_for_xp,
    reader_read_cap,
    settle_day,
    settle_lines,
    xp_deltas,
)
from twei.errors import SettlementError
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
    accounts: dict[str, AccountState], day: DayActivity, result: DayResult, actors: set[str] = frozenset(),
    weights: DayWeights | None = None, lift: Mapping[str, int] | None = None,
) -> dict[str, AccountState]:
    """The accounts whose state the day changes, with their new state (cumulative += paid; XP by
    SPEC §3, never below zero; level from XP, or ``lift`` if higher). Untouched accounts are left out."""
    return advance_accounts_by(accounts, xp_deltas(day, weights), result, actors, lift)


def advance_accounts_by(
    accounts: Mapping[str, AccountState], deltas: Mapping[str, int], result: DayResult, actors: set[str] = frozenset(),
    lift: Mapping[str, int] | None = None,
) -> dict[str, AccountState]:
    """:func:`advance_accounts` from the day's XP deltas (:func:`twei.economy.xp_deltas` or
    :func:`day_gross_and_xp`'s, which agree). ``lift``: a level the account holds that day
    whatever its XP (:func:`twei.trust.level_lift`: full trust lifts to the comment level)."""
    changed: dict[str, AccountState] = {}
    blank = AccountState()
    lift = lift or {}
    for account in set(deltas) | set(result.paid) | set(actors) | set(lift):
        old = accounts.get(account, blank)
        xp = max(0, old.xp + deltas.get(account, 0))
        new = AccountState(old.cumulative + result.paid.get(account, 0), xp, max(level_for_xp(xp), lift.get(account, 0)))
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


def settle_stored_day(
    store: JobStore, epoch: int, rates: PoolRates = PoolRates(), weights: DayWeights | None = None,
    lift: Mapping[str, int] | None = None,
) -> DaySettlement:
    """Compute the epoch from the store (no writes)."""
    activity = day_activity(store, epoch)
    accounts = store.accounts()
    result = settle_day(activity, rates, levels_before(accounts), weights)
    changed = advance_accounts(accounts, activity, result, day_actors(store, epoch), weights, lift)
    return DaySettlement(epoch, activity, result, changed)


# ---------------------------------------------------------------------------- the SQL fast path
#
# The same day as day_activity() + twei.economy.settle_day(), without a Python object per read:
# SQLite groups the events into per-(account, post, category) counts and hands over the reads as
# plain rows; only the readers whose day could reach the daily cap go through the economy's
# ordered loop. tests/settlement/test_sql_path.py checks that both paths agree on random days.

_DAY_EVENTS = """
WITH likes AS (
    SELECT r.post_id, r.reactor, c.commenter, p.author, COALESCE(w.like_w, :unweighted) AS w,
        NOT EXISTS (SELECT 1 FROM reactions e WHERE e.comment_id = r.comment_id AND e.reaction = 0
            AND (e.block, e.log_index) < (r.block, r.log_index)) AS first
    FROM reactions r JOIN comments c ON c.comment_id = r.comment_id JOIN posts p ON p.post_id = r.post_id
    LEFT JOIN temp.day_weights w ON w.account = r.reactor
    WHERE r.ts >= :start AND r.ts < :end AND r.reaction = 0
), events (account, post_id, category, first, w) AS (
    SELECT p.author, v.post_id, :plus, 0, COALESCE(w.plus_w, :unweighted) FROM votes v
        JOIN posts p ON p.post_id = v.post_id LEFT JOIN temp.day_weights w ON w.account = v.voter
        WHERE v.ts >= :start AND v.ts < :end AND v.vote = 0
    UNION ALL SELECT reactor, post_id, :own, 0, w FROM likes
    UNION ALL SELECT commenter, post_id, :commenter, first, w FROM likes
    UNION ALL SELECT author, post_id, :author, 0, w FROM likes
    UNION ALL SELECT c.commenter, r.post_id, :dislike, 0, :full FROM reactions r JOIN comments c ON c.comment_id = r.comment_id
        WHERE r.ts >= :start AND r.ts < :end AND r.reaction = 1
)
SELECT account, post_id, category, SUM(w), SUM(first * w) FROM events GROUP BY account, post_id, category
"""

_XP_WEIGHTS = {  # SPEC §3, as twei.economy.xp_deltas
    FlowCategory.EARNED_FOR_PLUSES: 5,
    FlowCategory.LIKES_OWN: 1,
    FlowCategory.LIKES_COMMENTER: 2,
    FlowCategory.DISLIKES_COMMENTER: -2,
}  # a like earns its post's author no XP (and no entry: presence matters to advance_accounts)


def _load_weights(store: JobStore, weights: DayWeights | None) -> None:
    """The day's per-plus and per-like weights as a temporary table the events query joins."""
    db = store.db
    db.execute(
        "CREATE TEMP TABLE IF NOT EXISTS day_weights (account TEXT PRIMARY KEY, plus_w INTEGER, like_w INTEGER)"
        " WITHOUT ROWID"
    )
    db.execute("DELETE FROM temp.day_weights")
    if weights is not None:
        givers = set(weights.plus) | set(weights.like)
        db.executemany(
            "INSERT INTO temp.day_weights VALUES (?, ?, ?)",
            ((a, weights.plus.get(a, 0), weights.like.get(a, 0)) for a in givers),
        )


def event_counts(
    store: JobStore, epoch: int, weights: DayWeights | None = None
) -> list[tuple[str, int, int, int, int]]:
    """(account, post, category, summed weight of its events, summed weight of the first likes
    among them) for the day's non-read lines; weights in millionths (unweighted: a million each)."""
    start, end = day_bounds(epoch)
    _load_weights(store, weights)
    params = {
        "start": start, "end": end, "plus": int(FlowCategory.EARNED_FOR_PLUSES), "own": int(FlowCategory.LIKES_OWN),
        "commenter": int(FlowCategory.LIKES_COMMENTER), "author": int(FlowCategory.LIKES_AUTHOR),
        "dislike": int(FlowCategory.DISLIKES_COMMENTER), "full": FULL_WEIGHT,
        "unweighted": FULL_WEIGHT if weights is None else 0,
    }
    return store.db.execute(_DAY_EVENTS, params).fetchall()


def day_gross_and_xp(
    store: JobStore, epoch: int, rates: PoolRates = PoolRates(), counts: list | None = None,
    level_of: Callable[[str], int] | None = None, weights: DayWeights | None = None,
    workers: int = 1, min_reads: int | None = None,
) -> tuple[dict[str, Lines], dict[str, int]]:
    """``gross_lines(day_activity(store, epoch), rates, level_of, weights)`` and
    ``xp_deltas(day_activity(...), weights)``, from SQL's per-(account, post, category) sums and
    one pass over the day's reads.

    Reads arrive grouped by reader (the store's ``reads_day`` index is in that order, and covers
    the columns read). A reader whose credited seconds add up to at most its cap·60/rate cannot
    reach its daily cap (the sum of floored amounts is at most the floor of the sum), so each of
    its reads is paid in full, whatever the order. The others (with the farm defence's level cap,
    most fresh readers) have their few reads sorted in the order they qualified, right there, and
    paid until the cap: no second query per reader (that was 153 s of a 1M-account day).

    ``workers`` > 1 (a store in a file): the readers are cut in that many ranges of about equal
    reads, each passed in its own process and merged in reader order (:func:`_reads_pass_parallel`),
    when the day has at least ``min_reads`` (:data:`PARALLEL_MIN_READS`) reads a range. The result
    is the same, key for key and in the same order.
    """
    lines: dict[str, Lines] = {}
    ppm: dict[str, int] = {}  # XP in millionths, rounded down once per account at the end
    full = FULL_WEIGHT
    rate_of = {
        FlowCategory.EARNED_FOR_PLUSES: rates.plus_to_author,
        FlowCategory.LIKES_OWN: rates.like_to_liker,
        FlowCategory.LIKES_COMMENTER: rates.like_to_commenter,
        FlowCategory.LIKES_AUTHOR: rates.like_to_author,
        FlowCategory.DISLIKES_COMMENTER: rates.dislike_penalty,
    }
    comment_cat = FlowCategory.COMMENT_REWARDS
    rows = counts if counts is not None else event_counts(store, epoch, weights)
    for account, post_id, category, wsum, wfirst in rows:
        acc = lines.get(account)
        if acc is None:
            acc = lines[account] = {}
        acc[(post_id, FlowCategory(category))] = rate_of[category] * wsum // full
        if wfirst:
            acc[(post_id, comment_cat)] = rates.comment_reward * wfirst // full
        weight = _XP_WEIGHTS.get(category)
        if weight is not None:
            ppm[account] = ppm.get(account, 0) + wsum * weight

    unpaid = None if weights is None else weights.unpaid
    read_weight = None if weights is None else weights.read
    if workers > 1 and store.path != Path(":memory:"):
        min_reads = PARALLEL_MIN_READS if min_reads is None else min_reads
        _reads_pass_parallel(store, epoch, rates, level_of, read_weight, lines, ppm, unpaid, workers, min_reads)
    else:
        _reads_pass(store.db, epoch, rates, level_of, read_weight, lines, ppm, unpaid)
    if weights is not None:
        key = (RELEASED_POST, FlowCategory.READ_REWARDS)
        for account, amount in weights.release.items():
            if amount > 0:
                acc = lines.setdefault(account, {})
                acc[key] = acc.get(key, 0) + amount
    return lines, {account: value // full for account, value in ppm.items()}


def _reads_pass(
    db: sqlite3.Connection, epoch: int, rates: PoolRates, level_of: Callable[[str], int] | None,
    read_weight: Mapping[str, int] | None, lines: dict[str, Lines], ppm: dict[str, int],
    unpaid: dict[str, int] | None, lo: str | None = None, hi: str | None = None,
) -> None:
    """The day's reads of the readers in [``lo``, ``hi``) (None: unbounded) into ``lines``,
    ``ppm`` (XP in millionths) and ``unpaid`` (held back by a read weight), reader after reader
    in the order of their addresses, as :func:`day_gross_and_xp` describes."""
    full = FULL_WEIGHT
    rate, full_cap = rates.read_per_minute, rates.reader_daily_cap
    caps: dict[int, tuple[int, int]] = {}  # level -> (cap, the seconds under which it cannot bind)

    def cap_of(reader: str) -> tuple[int, int]:
        level = level_of(reader) if level_of is not None else rates.read_cap_full_level
        known = caps.get(level)
        if known is None:
            cap = reader_read_cap(level, rates) if level_of is not None else full_cap
            # No safe bound when the rate is not positive: then every read goes through the cap.
            known = caps[level] = (cap, cap * 60 // rate if rate > 0 else -1)
        return known

    weight_of = None if read_weight is None else read_weight.get
    read_cat = FlowCategory.READ_REWARDS

    def finish(reader: str, xp: int, total: int, reads: list) -> None:
        # weigh_reads (economy), inlined: this runs once per reader, a million times on a large day.
        w = full if weight_of is None else weight_of(reader, 0)
        ppm[reader] = ppm.get(reader, 0) + xp * w
        if not reads:
            return
        cap, threshold = cap_of(reader)
        amounts: list[tuple[int, int]] = []
        if total <= threshold:
            for _, post_id, seconds in reads:
                amount = seconds * rate // 60
                if amount > 0:
                    amounts.append((post_id, amount))
        else:  # the economy's ordered cap (capped_read): in the order the reads qualified, then post id
            paid = 0
            for _, post_id, seconds in sorted(reads):
                amount = seconds * rate // 60
                room = cap - paid
                if amount > room:
                    if room <= 0:
                        break  # nothing later is paid either
                    amount = room
                if amount > 0:
                    paid += amount
                    amounts.append((post_id, amount))
        if not amounts:
            return
        acc = lines.get(reader)
        if acc is None:
            acc = lines[reader] = {}
        if w == full:
            for post_id, amount in amounts:
                key = (post_id, read_cat)
                acc[key] = acc.get(key, 0) + amount
            return
        held = 0
        for post_id, amount in amounts:
            paid = amount * w // full
            held += amount - paid
            key = (post_id, read_cat)
            acc[key] = acc.get(key, 0) + paid
        if held:
            unpaid[reader] = unpaid.get(reader, 0) + held  # type: ignore[index]

    # The posts' authors in a dict rather than a join: a million index look-ups cost more than
    # loading every post (a few bytes each, far fewer than the accounts the job loads anyway).
    authors = dict(db.execute("SELECT post_id, author FROM posts"))
    author_of = authors.get
    bounds = "" if lo is None else " AND reader >= :lo"
    bounds += "" if hi is None else " AND reader < :hi"
    # One pass, a few operations per read (this loop runs ten million times on a large day): the
    # reader's reads, XP and credited seconds are gathered as its reads go by.
    current: str | None = None
    xp = total = 0
    reads: list = []
    append = reads.append
    for reader, post_id, credited_ms, qualified_ms in db.execute(
        "SELECT reader, post_id, credited_ms, qualified_ms FROM reads INDEXED BY reads_day"
        f" WHERE epoch = :epoch{bounds} ORDER BY reader",
        {"epoch": epoch, "lo": lo, "hi": hi},
    ):
        if author_of(post_id, reader) == reader:  # one's own post; a post the chain does not know
            continue
        if reader != current:
            if current is not None:
                finish(current, xp, total, reads)
            current, xp, total, reads = reader, 0, 0, []
            append = reads.append
        seconds = credited_ms // 1000
        xp += seconds // 60
        if seconds > 0:
            total += seconds
            append((qualified_ms, post_id, seconds))
    if current is not None:
        finish(current, xp, total, reads)


#: A day with fewer reads than this runs its reads pass in one process (forking costs more).
PARALLEL_MIN_READS = 200_000
#: How long the reads pass's other processes may take before the build fails (a large day's pass
#: takes well under a minute; a child that never answers must not hold the job for ever).
PARALLEL_DEADLINE_S = 1_800.0

# The inputs of the reads pass, for the forked workers (they inherit this process's memory, so the
# accounts' levels and the weights are not pickled); set just before the pool forks.
_FORKED: dict[str, Any] = {}


def _reads_pass_child(lo: str | None, hi: str | None) -> tuple[dict, dict, dict | None]:
    """A forked worker's share: its readers' lines, XP and held reading, in reader order."""
    args = _FORKED
    db = sqlite3.connect(f"file:{args['path']}?mode=ro", uri=True)
    try:
        db.execute("PRAGMA cache_size=-65536")
        lines: dict[str, Lines] = {}
        ppm: dict[str, int] = {}
        unpaid: dict[str, int] | None = None if args["read_weight"] is None else {}
        _reads_pass(db, args["epoch"], args["rates"], args["level_of"], args["read_weight"], lines, ppm, unpaid, lo, hi)
        return lines, ppm, unpaid
    finally:
        db.close()


def reader_splits(db: sqlite3.Connection, epoch: int, parts: int, min_reads: int) -> list[str]:
    """Readers that cut the day's reads into ``parts`` runs of about equal length (fewer cuts,
    or none, when the day has under ``min_reads`` reads a part)."""
    count = db.execute("SELECT COUNT(*) FROM reads INDEXED BY reads_day WHERE epoch = ?", (epoch,)).fetchone()[0]
    parts = max(1, min(parts, count // max(1, min_reads)))
    cuts: list[str] = []
    for i in range(1, parts):
        row = db.execute(
            "SELECT reader FROM reads INDEXED BY reads_day WHERE epoch = ? ORDER BY reader LIMIT 1 OFFSET ?",
            (epoch, count * i // parts),
        ).fetchone()
        if row is not None and (not cuts or row[0] > cuts[-1]):
            cuts.append(row[0])
    return cuts


def _reads_pass_parallel(
    store: JobStore, epoch: int, rates: PoolRates, level_of: Callable[[str], int] | None,
    read_weight: Mapping[str, int] | None, lines: dict[str, Lines], ppm: dict[str, int],
    unpaid: dict[str, int] | None, workers: int, min_reads: int,
) -> None:
    """:func:`_reads_pass` over the readers cut in ``workers`` ranges: this process takes the
    first, forked workers the others (each opens the store read-only: the day's reads are
    committed by then), and their parts are merged in reader order, so ``lines``, ``ppm`` and
    ``unpaid`` come out exactly as one pass leaves them (the same keys in the same order). A
    worker that fails or outlives :data:`PARALLEL_DEADLINE_S` fails the build with one line."""
    cuts = reader_splits(store.db, epoch, workers, min_reads)
    if not cuts:
        _reads_pass(store.db, epoch, rates, level_of, read_weight, lines, ppm, unpaid)
        return
    ranges = list(zip([None, *cuts], [*cuts, None]))
    _FORKED.update(path=str(store.path), epoch=epoch, rates=rates, level_of=level_of, read_weight=read_weight)
    pool = ProcessPoolExecutor(max_workers=len(ranges) - 1, mp_context=multiprocessing.get_context("fork"))
    try:
        futures = [pool.submit(_reads_pass_child, lo, hi) for lo, hi in ranges[1:]]
        _reads_pass(store.db, epoch, rates, level_of, read_weight, lines, ppm, unpaid, *ranges[0])
        deadline = time.monotonic() + PARALLEL_DEADLINE_S
        for (lo, _), future in zip(ranges[1:], futures):
            try:
                part_lines, part_ppm, part_unpaid = future.result(timeout=max(0.0, deadline - time.monotonic()))
            except FuturesTimeout:
                raise SettlementError(
                    f"epoch {epoch}: the reads pass from reader {lo} took over {PARALLEL_DEADLINE_S:.0f} s; stopped it"
                ) from None
            except Exception as err:  # the worker's own exception, or BrokenProcessPool if it died
                raise SettlementError(f"epoch {epoch}: the reads pass from reader {lo} failed: {err!r}") from err
            # Each reader is in one range, and a read line's key is never an event line's, so
            # adding a part is appending its readers (or their read lines) in order.
            for reader, acc in part_lines.items():
                mine = lines.get(reader)
                if mine is None:
                    lines[reader] = acc
                else:
                    mine.update(acc)
            for reader, value in part_ppm.items():
                ppm[reader] = ppm.get(reader, 0) + value
            if unpaid is not None and part_unpaid:
                for reader, value in part_unpaid.items():
                    unpaid[reader] = unpaid.get(reader, 0) + value
    finally:
        _FORKED.clear()
        for process in list((pool._processes or {}).values()):  # a worker past its deadline: end it
            if process.is_alive():
                process.kill()
        pool.shutdown(wait=True, cancel_futures=True)


def settle_stored_day_sql(
    store: JobStore, epoch: int, rates: PoolRates = PoolRates(), accounts: Mapping[str, AccountState] | None = None,
    weights: DayWeights | None = None, lift: Mapping[str, int] | None = None,
) -> tuple[DayResult, dict[str, AccountState]]:
    """:func:`settle_stored_day`'s result and changed accounts by the SQL path (no writes)."""
    if accounts is None:
        accounts = store.accounts()
    gross, deltas = day_gross_and_xp(store, epoch, rates, level_of=levels_before(accounts), weights=weights)
    result = settle_lines(gross, rates)
    return result, advance_accounts_by(accounts, deltas, result, day_actors(store, epoch), lift)
