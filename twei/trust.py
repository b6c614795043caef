"""Trust weights: the daily pool pays people, not keys (README, "The pool pays people, not keys").

Keys are free, so a pool that pays per key pays whoever holds the most. Here every pool line is
weighted by the trust of the account whose action made it, and trust comes only from accounts
that already have it:

1. **The trust graph**: every plus (voter -> the post's author, weight ``plus_edge``) and every
   like (liker -> the comment's author, weight ``like_edge``) of the last ``window_days`` days,
   the settled day included. Reads are not edges: heartbeats cost a farm nothing.
2. **Trust** is the personalised PageRank of that graph from the **seeds**, the accounts of the
   genesis root (published: the genesis tree file): each day, ``1 − alpha`` of all trust restarts
   at the seeds, evenly, and ``alpha`` of each account's trust flows along its out-edges in
   proportion to their weights (an account with none sends it back to the seeds). Computed with
   :mod:`scipy.sparse` power iteration. Total trust is 1. A set of accounts no seed is in keeps
   at most ``alpha / (1 − alpha)`` times the trust its members receive from outside it, whatever
   its size or its edges inside (each step passes on only ``alpha`` of what it holds): a ring
   nobody outside trusts gets nothing, and adding wallets or pluses inside never raises that bound.
3. **Weight** = min(1, trust / tau) with tau = ``threshold`` · (1 − alpha) / seeds, in millionths
   (whole numbers, so every machine pays the same wei). A seed always has full weight (its
   restart share alone is 1 / ``threshold`` times tau).
4. **Budgets**: a plus pays its author 2 TWEI times the voter's weight, times
   min(1, ``plus_budget`` / pluses the voter gave that day) (likes alike, ``like_budget``), so an
   account's weight cannot be spent on a thousand pluses a day.
5. **Held reads**: what weight holds back of a reader's read rewards is held for it, at most
   ``held_cap`` in all; each day a reader of weight w is paid w of what it holds (a line on "post"
   :data:`twei.economy.RELEASED_POST`). So an honest newcomer's first week of reading is paid once
   others' pluses give it weight, and a wallet that only reads is paid nothing.
6. **Levels**: XP is weighted the same way (heartbeats of an untrusted wallet, pluses and likes
   from a ring, give no XP), and an account at full weight holds at least ``lift_level`` (13, the
   level that may comment) unless it is a seed (a seed's weight is given, not earned: its level is
   the genesis root's and its XP's): a newcomer whose posts established accounts plus may comment.

Everything here is computed from public data: the chain's events (the graph, the day's budgets),
the genesis tree file (the seeds) and the previous day's breakdown file (the held amounts). The
weights and held amounts are published in the day's breakdown (under its signed dataHash).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy import sparse

from twei.economy import FULL_WEIGHT, DayWeights
from twei.units import twei

__all__ = [
    "TrustParams",
    "personalised_pagerank",
    "weights_from_edges",
    "TrustDay",
    "trust_day",
    "budget_weights",
    "held_after",
    "level_lift",
]


@dataclass(frozen=True)
class TrustParams:
    """The trust rule's parameters (published with every day's weights)."""

    #: Share of trust passed along edges each step; the rest restarts at the seeds.
    alpha: float = 0.5
    plus_edge: int = 5  # SPEC §3's XP for a plus received
    like_edge: int = 2  # SPEC §3's XP for a like received
    window_days: int = 30
    #: Full weight at this fraction of a seed's restart share.
    threshold: float = 0.05
    plus_budget: int = 10
    like_budget: int = 20
    held_cap: int = twei(50)
    lift_level: int = 13
    tolerance: float = 1e-13
    max_iterations: int = 200

    def to_json(self) -> dict[str, object]:
        return {k: (str(v) if isinstance(v, int) and v > 2**53 else v) for k, v in asdict(self).items()}


def personalised_pagerank(
    n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray, seeds: np.ndarray,
    alpha: float, tolerance: float = 1e-13, max_iterations: int = 200,
) -> np.ndarray:
    """Trust of ``n`` accounts: t = (1 − alpha)·s + alpha·(Pᵀt + dangling mass·s), with s even
    over ``seeds`` and P the out-edges normalised by each source's total weight. Sums to 1."""
    t = np.zeros(n)
    if len(seeds) == 0 or n == 0:
        return t
    s = np.zeros(n)
    s[seeds] = 1.0 / len(seeds)
    out = np.bincount(src, weights=weight, minlength=n).astype(float)
    values = weight / out[src] if len(src) else np.zeros(0)
    flow = sparse.csr_matrix((values, (dst, src)), shape=(n, n))  # flow @ t: what each receives
    dangling = out == 0
    t = s.copy()
    for _ in range(max_iterations):
        new = alpha * (flow @ t) + (alpha * t[dangling].sum() + (1.0 - alpha)) * s
        done = np.abs(new - t).sum() < tolerance
        t = new
        if done:
            break
    return t


def weights_from_edges(
    edges: Mapping[tuple[str, str], int] | Iterable[tuple[str, str, int]], seeds: Iterable[str], params: TrustParams
) -> dict[str, int]:
    """Each account's weight in millionths (accounts of weight 0 left out), from the trust
    graph's edges ((source, target) -> summed edge weight; self-edges ignored) and the seeds."""
    items = edges.items() if isinstance(edges, Mapping) else (((e[0], e[1]), e[2]) for e in edges)
    triples = [(a, b, w) for (a, b), w in items if a != b and w > 0]
    seed_set = set(seeds)
    names = sorted(seed_set | {a for a, _, _ in triples} | {b for _, b, _ in triples})
    index = {a: i for i, a in enumerate(names)}
    src = np.fromiter((index[a] for a, _, _ in triples), dtype=np.int64, count=len(triples))
    dst = np.fromiter((index[b] for _, b, _ in triples), dtype=np.int64, count=len(triples))
    weight = np.fromiter((w for _, _, w in triples), dtype=float, count=len(triples))
    seed_idx = np.array(sorted(index[a] for a in seed_set), dtype=np.int64)
    t = personalised_pagerank(len(names), src, dst, weight, seed_idx, params.alpha, params.tolerance, params.max_iterations)
    return weights_from_trust(names, t, len(seed_set), params)


def tau(seeds: int, params: TrustParams) -> float:
    """The trust at which an account has full weight."""
    return params.threshold * (1.0 - params.alpha) / max(1, seeds)


def weights_from_trust(names: list[str], t: np.ndarray, seeds: int, params: TrustParams) -> dict[str, int]:
    ppm = np.minimum(FULL_WEIGHT, np.floor(t / tau(seeds, params) * FULL_WEIGHT)).astype(np.int64)
    nonzero = np.flatnonzero(ppm > 0)
    return {names[i]: int(ppm[i]) for i in nonzero}


def budget_weights(weight: Mapping[str, int], given: Mapping[str, int], budget: int) -> dict[str, int]:
    """Per-event weight of each giver: its weight × min(1, budget / events it gave that day)."""
    out = {}
    for account, n in given.items():
        w = weight.get(account, 0)
        if w and n > 0:
            out[account] = w * min(n, budget) // n
    return out


@dataclass
class TrustDay:
    """One day's weights: what the settlement pays by and publishes."""

    params: TrustParams
    seeds: int
    weight: dict[str, int]
    held_before: dict[str, int]
    weights: DayWeights = field(default_factory=DayWeights)
    #: The seeds themselves: their full weight is given, not earned, so it lifts no level.
    seed_accounts: frozenset[str] = frozenset()

    def held_after(self) -> dict[str, int]:
        return held_after(self.held_before, self.weights, self.params)

    def lift(self) -> dict[str, int]:
        return level_lift(self.weight, self.params, self.seed_accounts)

    def section(self) -> dict[str, object]:
        """What the breakdown publishes: the parameters and, per account of non-zero weight or
        held amount, [weight in millionths, held wei after the day]."""
        held = self.held_after()
        accounts = {a: (self.weight.get(a, 0), held.get(a, 0)) for a in set(self.weight) | set(held)}
        params = self.params.to_json() | {"seeds": self.seeds, "tau": repr(tau(self.seeds, self.params))}
        return {"params": params, "accounts": accounts}


def trust_day(
    weight: Mapping[str, int], seeds: int, pluses_given: Mapping[str, int], likes_given: Mapping[str, int],
    held_before: Mapping[str, int], params: TrustParams, seed_accounts: Iterable[str] = (),
) -> TrustDay:
    """The day's :class:`DayWeights` from the accounts' weights, what each gave that day and
    what each holds: read weight, budgeted plus and like weights, and the held amounts released."""
    release = {a: h * weight.get(a, 0) // FULL_WEIGHT for a, h in held_before.items()}
    weights = DayWeights(
        read=dict(weight),
        plus=budget_weights(weight, pluses_given, params.plus_budget),
        like=budget_weights(weight, likes_given, params.like_budget),
        release={a: r for a, r in release.items() if r > 0},
    )
    held = {a: h for a, h in held_before.items() if h > 0}
    return TrustDay(params, seeds, dict(weight), held, weights, frozenset(seed_accounts))


def held_after(held_before: Mapping[str, int], weights: DayWeights, params: TrustParams) -> dict[str, int]:
    """What each reader holds after the day: what it held, less what was released, plus what the
    day held back (``weights.unpaid``), at most ``held_cap``."""
    out = {}
    for account in set(held_before) | set(weights.unpaid):
        held = held_before.get(account, 0) - weights.release.get(account, 0) + weights.unpaid.get(account, 0)
        held = min(params.held_cap, held)
        if held > 0:
            out[account] = held
    return out


def level_lift(weight: Mapping[str, int], params: TrustParams, seeds: Iterable[str] = ()) -> dict[str, int]:
    """Accounts at full weight hold at least ``lift_level`` that day, but the seeds: their weight
    is given (their levels are the genesis root's and their XP's), not earned from others."""
    exempt = set(seeds)
    return {a: params.lift_level for a, w in weight.items() if w >= FULL_WEIGHT and a not in exempt}
