"""Rings of wallets grafted onto a random honest graph: whatever the ring's shape, its trust, its
weight and its take stay within what reaches it from outside (twei.trust, README "The pool pays
people, not keys"); the pool's invariants hold with weights."""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import event, given, settings
from hypothesis import strategies as st

from twei.economy import FULL_WEIGHT, DayActivity, DayWeights, Like, Plus, PoolRates, Read, settle_day
from twei.flows import FlowCategory
from twei.trust import TrustParams, personalised_pagerank, tau, trust_day, weights_from_edges

PARAMS = TrustParams()
ALPHA = PARAMS.alpha


@st.composite
def grafted(draw):
    """An honest graph (the first ``seeds`` accounts are seeds), a ring of fresh accounts with
    any internal edges, a few edges from honest accounts into the ring (bought or earned), and
    maybe edges from the ring out to honest accounts (camouflage)."""
    n_honest = draw(st.integers(3, 12))
    seeds = draw(st.integers(1, n_honest))
    n_ring = draw(st.integers(1, 15))
    honest = [f"h{i:02d}" for i in range(n_honest)]
    ring = [f"r{i:02d}" for i in range(n_ring)]
    pair = lambda xs, ys: st.tuples(st.sampled_from(xs), st.sampled_from(ys), st.integers(1, 10))  # noqa: E731
    honest_edges = draw(st.lists(pair(honest, honest), max_size=30))
    inbound = draw(st.lists(pair(honest, ring), max_size=4))
    internal = draw(st.lists(pair(ring, ring), max_size=60))
    outbound = draw(st.lists(pair(ring, honest), max_size=10))
    return honest, honest[:seeds], ring, honest_edges, inbound, internal, outbound


def _trust(edges, seeds):
    """Trust of every account of ``edges`` and ``seeds`` (dict), as twei.trust computes it."""
    summed = Counter()
    for a, b, w in edges:
        if a != b:
            summed[(a, b)] += w
    names = sorted(set(seeds) | {a for a, _ in summed} | {b for _, b in summed})
    index = {a: i for i, a in enumerate(names)}
    src = np.array([index[a] for a, _ in summed], dtype=np.int64)
    dst = np.array([index[b] for _, b in summed], dtype=np.int64)
    w = np.array(list(summed.values()), dtype=float)
    t = personalised_pagerank(len(names), src, dst, w, np.array(sorted(index[s] for s in seeds)), ALPHA)
    return dict(zip(names, t)), summed


def _inflow(trust, summed, ring):
    """What reaches the ring from outside in one step: Σ t_u · (u's edge weight into the ring / u's out-weight)."""
    out = Counter()
    for (a, _), w in summed.items():
        out[a] += w
    return sum(trust[a] * w / out[a] for (a, b), w in summed.items() if a not in ring and b in ring)


@settings(max_examples=100, deadline=None)
@given(grafted())
def test_ring_trust__at_most_alpha_over_one_minus_alpha_times_what_reaches_it_from_outside(g):
    honest, seeds, ring, honest_edges, inbound, internal, outbound = g
    trust, summed = _trust(honest_edges + inbound + internal + outbound, seeds)
    ring_set = set(ring)
    total = sum(trust.get(r, 0.0) for r in ring)
    bound = ALPHA / (1 - ALPHA) * _inflow(trust, summed, ring_set)
    event("nothing from outside" if not inbound else "bought or earned edges in")
    event("ring links out" if outbound else "ring closed")
    assert total <= bound + 1e-12
    if not inbound:
        assert total <= 1e-12  # a ring nobody outside trusts gets nothing
    # weights: the ring's total weight is at most its trust over tau (each wallet at most 1)
    weights = weights_from_edges(summed, seeds, PARAMS)
    assert sum(weights.get(r, 0) for r in ring) <= total / tau(len(seeds), PARAMS) * FULL_WEIGHT + len(ring)
    assert all(weights[s] == FULL_WEIGHT for s in seeds)


@settings(max_examples=100, deadline=None)
@given(grafted(), st.integers(1, 40), st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60), st.integers(1, 10)), max_size=80))
def test_ring_trust__more_wallets_and_internal_edges_never_raise_it_past_the_closed_ring_bound(g, extra, more):
    """The bound of the ring as first grafted (edges in from outside, none out) is never passed
    by adding wallets and edges among them, whatever the shape."""
    honest, seeds, ring, honest_edges, inbound, internal, _ = g
    trust0, summed0 = _trust(honest_edges + inbound + internal, seeds)
    bound0 = ALPHA / (1 - ALPHA) * _inflow(trust0, summed0, set(ring))
    bigger = ring + [f"x{i:02d}" for i in range(extra)]
    grown = internal + [(bigger[a % len(bigger)], bigger[b % len(bigger)], w) for a, b, w in more]
    trust1, _ = _trust(honest_edges + inbound + grown, seeds)
    event(f"ring grown to {len(bigger) // 10 * 10}+ wallets")
    assert sum(trust1.get(r, 0.0) for r in bigger) <= bound0 + 1e-12


def _ring_day(ring, honest, inbound_pluses, inbound_likes, internal_pluses, internal_likes, reads):
    """One day: the ring pluses and likes itself and reads; honest accounts plus and like it a little."""
    pluses = [Plus(100 + i % 3, ring[a % len(ring)], ring[b % len(ring)]) for i, (a, b) in enumerate(internal_pluses)]
    pluses += [Plus(200 + i, honest[i % len(honest)], ring[r % len(ring)]) for i, r in enumerate(inbound_pluses)]
    likes = [Like(300 + i % 5, 100, ring[a % len(ring)], ring[b % len(ring)], ring[0], i < 5)
             for i, (a, b) in enumerate(internal_likes)]  # fmt: skip
    likes += [Like(400 + i, 100, honest[i % len(honest)], ring[r % len(ring)], ring[0], True) for i, r in enumerate(inbound_likes)]
    pluses = [p for p in pluses if p.voter != p.author]
    likes = [lk for lk in likes if lk.liker != lk.commenter]
    return DayActivity(reads=[Read(ring[r % len(ring)], 500 + i, s, i) for i, (r, s) in enumerate(reads)], pluses=pluses, likes=likes)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(2, 30), st.integers(2, 8),
    st.lists(st.integers(0, 29), max_size=3), st.lists(st.integers(0, 29), max_size=3),
    st.lists(st.tuples(st.integers(0, 29), st.integers(0, 29)), max_size=200),
    st.lists(st.tuples(st.integers(0, 29), st.integers(0, 29)), max_size=200),
    st.lists(st.tuples(st.integers(0, 29), st.integers(0, 36_000)), max_size=60),
    st.dictionaries(st.integers(0, 29), st.integers(0, 10**20), max_size=10),
)
def test_ring_take__within_its_weight_times_a_days_most_plus_what_honest_accounts_give_it(
    k, n_honest, inbound_pluses, inbound_likes, internal_pluses, internal_likes, reads, held
):
    honest = [f"h{i}" for i in range(n_honest)]
    ring = [f"r{i:02d}" for i in range(k)]
    day = _ring_day(ring, honest, inbound_pluses, inbound_likes, internal_pluses, internal_likes, reads)
    honest_edges = [(honest[i], honest[(i + 1) % n_honest], 5) for i in range(n_honest)]
    edges = Counter()
    for a, b, w in honest_edges:
        edges[(a, b)] += w
    for p in day.pluses:
        edges[(p.voter, p.author)] += PARAMS.plus_edge
    for lk in day.likes:
        edges[(lk.liker, lk.commenter)] += PARAMS.like_edge
    weight = weights_from_edges(edges, honest, PARAMS)
    held_before = {ring[r % k]: min(h, PARAMS.held_cap) for r, h in held.items()}
    td = trust_day(weight, n_honest, Counter(p.voter for p in day.pluses), Counter(lk.liker for lk in day.likes), held_before, PARAMS)
    rates = PoolRates(read_cap_full_level=0, daily_pool=10**30)
    result = settle_day(day, rates, weights=td.weights)
    take = sum(result.paid.get(r, 0) for r in ring)
    ring_weight = sum(weight.get(r, 0) for r in ring)
    per_unit = (
        rates.reader_daily_cap + PARAMS.held_cap + PARAMS.plus_budget * rates.plus_to_author
        + PARAMS.like_budget * (rates.like_to_liker + rates.like_to_commenter + rates.like_to_author + rates.comment_reward)
    )
    honest_given = len(inbound_pluses) * rates.plus_to_author + len(inbound_likes) * (
        rates.like_to_commenter + rates.comment_reward + rates.like_to_author)
    event("ring has weight" if ring_weight else "ring weighs nothing")
    assert take <= ring_weight * per_unit // FULL_WEIGHT + honest_given + k  # + k: rounding, a wei a wallet
    if not inbound_pluses and not inbound_likes:
        assert take == 0


people = st.sampled_from(["a", "b", "c", "d"])
posts = st.integers(min_value=1, max_value=3)
days = st.builds(
    DayActivity,
    reads=st.lists(st.builds(Read, people, posts, st.integers(0, 10_000), st.integers(0, 100)), max_size=8),
    pluses=st.lists(st.builds(Plus, posts, people, people), max_size=8),
    likes=st.lists(st.builds(Like, st.integers(1, 5), posts, people, people, people, st.booleans()), max_size=8),
)
ppm = st.integers(0, FULL_WEIGHT)
weight_maps = st.dictionaries(people, ppm, max_size=4)


@given(days, weight_maps, weight_maps, weight_maps, st.dictionaries(people, st.integers(0, 10**19), max_size=4),
       st.integers(0, 10**20))  # fmt: skip
def test_weighted_day__never_above_the_pool_lines_add_up_and_reads_paid_plus_held_are_the_unweighted_reads(
    day, read_w, plus_w, like_w, release, pool
):
    rates = PoolRates(daily_pool=pool, read_cap_full_level=0)
    weights = DayWeights(read=read_w, plus=plus_w, like=like_w, release=release)
    result = settle_day(day, rates, weights=weights)
    assert result.total <= pool
    for account, lines in result.lines.items():
        assert all(v > 0 for v in lines.values())
        signed = sum(-v if k[1] == FlowCategory.DISLIKES_COMMENTER else v for k, v in lines.items())
        assert signed == result.paid.get(account, 0) >= 0
    unweighted = settle_day(day, PoolRates(daily_pool=10**40, read_cap_full_level=0))
    check = DayWeights(read=read_w)
    weighted = settle_day(day, PoolRates(daily_pool=10**40, read_cap_full_level=0), weights=check)
    for reader in {r.reader for r in day.reads}:
        paid = sum(v for (p, c), v in weighted.lines.get(reader, {}).items() if c == FlowCategory.READ_REWARDS)
        full = sum(v for (p, c), v in unweighted.lines.get(reader, {}).items() if c == FlowCategory.READ_REWARDS)
        assert paid + check.unpaid.get(reader, 0) == full
        assert paid <= full * read_w.get(reader, 0) // FULL_WEIGHT + len(day.reads)
