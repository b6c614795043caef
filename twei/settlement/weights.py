"""The day's trust weights (:mod:`twei.trust`) from what the job stores and publishes.

The seeds are the genesis root's accounts (its tree file is published), the graph is the chain's
plus and like events of the window, the budgets are the day's events, and what each reader holds
is the previous day's published breakdown: so anyone with the chain and the published files
computes the same weights (tests/settlement/test_weights_published.py does).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from twei.breakdown import Breakdown, breakdown_path
from twei.settlement.day import DAY, day_bounds
from twei.settlement.store import JobStore
from twei.trust import TrustDay, TrustParams, trust_day, weights_from_edges

__all__ = ["genesis_seeds", "trust_edges", "given_counts", "held_from_breakdown", "stored_trust_day"]

_EDGES = """
SELECT src, dst, SUM(w) FROM (
    SELECT v.voter AS src, p.author AS dst, :plus AS w FROM votes v JOIN posts p ON p.post_id = v.post_id
        WHERE v.ts >= :start AND v.ts < :end AND v.vote = 0
    UNION ALL SELECT r.reactor, c.commenter, :like FROM reactions r JOIN comments c ON c.comment_id = r.comment_id
        WHERE r.ts >= :start AND r.ts < :end AND r.reaction = 0
) WHERE src <> dst GROUP BY src, dst
"""


def genesis_seeds(store: JobStore) -> list[str]:
    """The accounts the genesis root created (none without a genesis)."""
    rows = store.db.execute(
        "SELECT address FROM account_undo WHERE epoch = (SELECT MIN(epoch) FROM epochs WHERE genesis = 1)"
        " AND existed = 0 ORDER BY address"
    )
    return [r[0] for r in rows]


def trust_edges(store: JobStore, epoch: int, params: TrustParams) -> list[tuple[str, str, int]]:
    """The trust graph of the window ending with ``epoch``: (source, target, summed weight)."""
    start, end = day_bounds(epoch)
    start -= (params.window_days - 1) * DAY
    return store.db.execute(
        _EDGES, {"start": start, "end": end, "plus": params.plus_edge, "like": params.like_edge}
    ).fetchall()


def given_counts(store: JobStore, epoch: int) -> tuple[dict[str, int], dict[str, int]]:
    """Pluses and likes each account gave on the day (the budgets' denominators)."""
    start, end = day_bounds(epoch)
    pluses = dict(store.db.execute(
        "SELECT voter, COUNT(*) FROM votes WHERE ts >= ? AND ts < ? AND vote = 0 GROUP BY voter", (start, end)
    ))
    likes = dict(store.db.execute(
        "SELECT reactor, COUNT(*) FROM reactions WHERE ts >= ? AND ts < ? AND reaction = 0 GROUP BY reactor",
        (start, end),
    ))
    return pluses, likes


def held_from_breakdown(settlements: Path, chain_id: int, epoch: int | None) -> dict[str, int]:
    """What each reader held after ``epoch``, from its published breakdown (none: nothing held)."""
    if epoch is None:
        return {}
    path = breakdown_path(settlements, chain_id, epoch)
    if not path.exists():
        return {}
    trust = Breakdown.read(path).trust
    if not trust:
        return {}
    return {a: held for a, (_, held) in trust["accounts"].items() if held}


def weights_of(edges: Iterable[tuple[str, str, int]], seeds: list[str], params: TrustParams) -> dict[str, int]:
    """Each account's weight in millionths from the graph's rows (:func:`twei.trust.weights_from_edges`)."""
    return weights_from_edges(edges, seeds, params)


def stored_trust_day(
    store: JobStore, epoch: int, params: TrustParams, held_before: dict[str, int], seeds: list[str] | None = None
) -> TrustDay | None:
    """The epoch's :class:`TrustDay`; None when there is no seed (no genesis: the pool is unweighted)."""
    seeds = genesis_seeds(store) if seeds is None else seeds
    if not seeds:
        return None
    weight = weights_of(trust_edges(store, epoch, params), seeds, params)
    pluses, likes = given_counts(store, epoch)
    return trust_day(weight, len(set(seeds)), pluses, likes, held_before, params, seeds)
