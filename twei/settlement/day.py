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
"""

from __future__ import annotations

from dataclasses import dataclass

from twei.economy import DayActivity, DayResult, Dislike, Like, Plus, PoolRates, Read, level_for_xp, settle_day, xp_deltas
from twei.settlement.store import AccountState, JobStore

__all__ = ["DAY", "day_bounds", "day_activity", "DaySettlement", "settle_stored_day", "advance_accounts"]

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
    changed: dict[str, AccountState] = {}
    deltas = xp_deltas(day)
    for account in set(deltas) | set(result.paid) | set(actors):
        old = accounts.get(account, AccountState())
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


def settle_stored_day(store: JobStore, epoch: int, rates: PoolRates = PoolRates()) -> DaySettlement:
    """Compute the epoch from the store (no writes)."""
    activity = day_activity(store, epoch)
    result = settle_day(activity, rates)
    changed = advance_accounts(store.accounts(), activity, result, day_actors(store, epoch))
    return DaySettlement(epoch, activity, result, changed)
