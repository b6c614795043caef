"""The daily job pays by trust weight (twei.trust), publishes the weights in the day's breakdown,
and anyone recomputes the weights, the breakdown and the root from the chain's events and the
published files alone."""

from __future__ import annotations

from collections import Counter

import pytest
from eth_utils import to_checksum_address

from tests.settlement.helpers import EPOCH, A, B, C, D, E, Script
from twei.breakdown import Breakdown, breakdown_path
from twei.economy import FULL_WEIGHT, RELEASED_POST, DayWeights, PoolRates, settle_day
from twei.flows import FlowCategory as F
from twei.merkle import DISTRIBUTOR_LEAF_ENCODING, StandardMerkleTree
from twei.settlement.day import day_activity
from twei.settlement.files import load_day, tree_path
from twei.settlement.job import SettlementJob
from twei.settlement.store import JobStore
from twei.trust import TrustParams, budget_weights, held_after, weights_from_edges
from twei.units import twei

CHAIN = 1337
RULES = PoolRates(read_cap_full_level=0)
N = to_checksum_address(f"0x{0x1111:040x}")  # an honest newcomer
R1, R2, R3 = (to_checksum_address(f"0x{0xF00 + n:040x}") for n in range(3))  # a ring


@pytest.fixture
def store(tmp_path):
    s = JobStore(tmp_path / "job.db")
    yield s
    s.close()


@pytest.fixture
def script(store):
    return Script(store)


@pytest.fixture
def job(store, script, tmp_path):
    j = SettlementJob(chain_id=CHAIN, store=store, settlements=tmp_path / "s", reads=script, rates=RULES,
                      trust=TrustParams())  # fmt: skip
    j.build_genesis(EPOCH - 1, {A: 13, B: 13, C: 13, D: 2})  # the seeds
    return j


def three_days(s: Script) -> None:
    """Day 1: seeds A, B, C post and read; the newcomer N reads; the ring R1..R3 reads, publishes
    and pluses itself. Day 2: N publishes and A, B plus it. Day 3: N reads again."""
    s.post(EPOCH, 1, A)
    s.post(EPOCH, 2, B)
    s.post(EPOCH, 3, R1)
    s.vote(EPOCH, 1, B)
    s.vote(EPOCH, 2, C)
    s.vote(EPOCH, 3, R2)
    s.vote(EPOCH, 3, R3)
    s.comment(EPOCH, 10, 1, R2)
    s.react(EPOCH, 10, 1, R3)  # a like inside the ring
    s.read(EPOCH, C, 1, 600)  # 1 TWEI
    s.read(EPOCH, D, 2, 60)  # a seed at LVL 2: full weight, but its level stays its own
    s.read(EPOCH, N, 1, 1_800)  # 3 TWEI, held: nobody trusts N yet
    s.read(EPOCH, R2, 2, 3_000)  # 5 TWEI, held
    s.end_day(EPOCH)
    s.post(EPOCH + 1, 4, N)
    s.vote(EPOCH + 1, 4, A)
    s.vote(EPOCH + 1, 4, B)
    s.read(EPOCH + 1, N, 2, 600)
    s.end_day(EPOCH + 1)
    s.read(EPOCH + 2, N, 3, 600)
    s.read(EPOCH + 2, A, 4, 600)
    s.end_day(EPOCH + 2)


def test_weighted_day__a_ring_nobody_trusts_is_paid_nothing_and_its_reads_are_held(job, script):
    three_days(script)
    job.build(EPOCH)
    day = load_day(job.settlements, CHAIN, EPOCH)
    lines, trust = day.breakdown.lines, day.breakdown.trust
    assert lines[A] == {(1, F.EARNED_FOR_PLUSES): twei(2)}  # a seed's plus: full weight
    assert lines[C][(1, F.READ_REWARDS)] == twei(1)
    assert lines[B][(2, F.EARNED_FOR_PLUSES)] == twei(2)
    for ring in (R1, R2, R3):  # its pluses, like and reads weigh nothing
        assert day.breakdown.paid.get(ring, 0) == 0
    assert N not in day.breakdown.paid
    assert trust["accounts"][A] == (FULL_WEIGHT, 0)
    assert trust["accounts"][N] == (0, twei(3))  # held for it
    assert trust["accounts"][R2] == (0, twei(5))
    assert trust["params"]["alpha"] == TrustParams().alpha and trust["params"]["seeds"] == 4
    levels = {a: int(lvl) for a, _, lvl in StandardMerkleTree.load(tree_path(job.settlements, CHAIN, EPOCH)).values}
    assert levels[R1] == levels[R2] == levels[R3] == 0  # in-ring pluses and likes give no XP


def test_newcomer__held_reads_are_paid_once_seeds_plus_its_post_and_it_may_comment(job, script, store):
    three_days(script)
    job.build(EPOCH + 2)
    day2 = load_day(job.settlements, CHAIN, EPOCH + 1).breakdown
    weight, held = day2.trust["accounts"][N]
    assert weight == FULL_WEIGHT  # two seeds' pluses
    assert day2.lines[N][(RELEASED_POST, F.READ_REWARDS)] == twei(3)  # the first day's reading
    assert day2.lines[N][(2, F.READ_REWARDS)] == twei(1)
    assert day2.lines[N][(4, F.EARNED_FOR_PLUSES)] == twei(4)
    assert held == 0
    assert store.accounts()[N].level == 13  # full weight: may comment
    assert store.accounts()[R2].level == 0
    assert store.accounts()[D].level == 2  # a seed's full weight is given, not earned: no lift


def test_recompute__weights_breakdown_and_root_from_events_and_published_files(job, script, store):
    """What a third party does: seeds from the genesis tree file, the graph and budgets from the
    chain's events, held amounts from the previous breakdown, then the economy's object path
    (not the job's SQL path) gives the same weights, lines, dataHash and root."""
    three_days(script)
    job.build(EPOCH + 2)
    params = TrustParams()
    seeds = [a for a, _, _ in StandardMerkleTree.load(tree_path(job.settlements, CHAIN, EPOCH - 1)).values]
    previous_tree = StandardMerkleTree.load(tree_path(job.settlements, CHAIN, EPOCH - 1))
    held: dict[str, int] = {}
    for epoch in range(EPOCH, EPOCH + 3):
        activity = day_activity(store, epoch)  # the chain's events and the day's reads
        window = [day_activity(store, e) for e in range(max(EPOCH, epoch - params.window_days + 1), epoch + 1)]
        edges: Counter = Counter()
        for d in window:
            for p in d.pluses:
                edges[(p.voter, p.author)] += params.plus_edge
            for lk in d.likes:
                edges[(lk.liker, lk.commenter)] += params.like_edge
        weight = weights_from_edges(edges, seeds, params)
        published = Breakdown.read(breakdown_path(job.settlements, CHAIN, epoch))
        assert {a: w for a, (w, _) in published.trust["accounts"].items() if w} == weight
        release = {a: h * weight.get(a, 0) // FULL_WEIGHT for a, h in held.items()}
        weights = DayWeights(
            read=weight,
            plus=budget_weights(weight, Counter(p.voter for p in activity.pluses), params.plus_budget),
            like=budget_weights(weight, Counter(lk.liker for lk in activity.likes), params.like_budget),
            release={a: r for a, r in release.items() if r},
        )
        levels = {a: int(lvl) for a, _, lvl in previous_tree.values}
        result = settle_day(activity, RULES, lambda a: levels.get(a, 0), weights)
        recomputed = Breakdown(CHAIN, epoch, result.scaled, RULES.daily_pool, result.lines, result.paid, published.trust)
        assert recomputed.data_hash() == load_day(job.settlements, CHAIN, epoch).data_hash
        # what each reader holds after the day: from what it held, the release and the day's unpaid reads
        published_held = {a: h for a, (_, h) in published.trust["accounts"].items() if h}
        assert held_after(held, weights, params) == published_held
        held = published_held
        # the tree: yesterday's cumulative amounts plus what the breakdown pays; levels as stored
        before = {a: int(v) for a, v, _ in previous_tree.values}
        tree = StandardMerkleTree.load(tree_path(job.settlements, CHAIN, epoch))
        for a, amount, _ in tree.values:
            assert int(amount) == before.get(a, 0) + result.paid.get(a, 0)
        rebuilt = StandardMerkleTree.of([tuple(v) for v in tree.values], DISTRIBUTOR_LEAF_ENCODING)
        assert rebuilt.root == load_day(job.settlements, CHAIN, epoch).root
        previous_tree = tree


def test_weighted_sql_path_equals_the_object_path_on_the_published_weights(job, script, store):
    from twei.settlement.day import settle_stored_day, settle_stored_day_sql

    three_days(script)
    job.build(EPOCH)  # N and R2 now hold reads
    published = Breakdown.read(breakdown_path(job.settlements, CHAIN, EPOCH)).trust
    held = {a: h for a, (_, h) in published["accounts"].items() if h}
    from twei.settlement.weights import stored_trust_day

    sql = stored_trust_day(store, EPOCH + 1, TrustParams(), held)
    pure = stored_trust_day(store, EPOCH + 1, TrustParams(), held)
    result, changed = settle_stored_day_sql(store, EPOCH + 1, RULES, weights=sql.weights, lift=sql.lift())
    reference = settle_stored_day(store, EPOCH + 1, RULES, weights=pure.weights, lift=pure.lift())
    assert result.lines == reference.result.lines and result.paid == reference.result.paid
    assert changed == reference.changed
    assert sql.weights.unpaid == pure.weights.unpaid


def test_report__the_weight_is_a_note_beside_the_13_lines_not_a_line(job, script):
    from twei.breakdown import iter_breakdowns
    from twei.flows import FlowCategory
    from twei.report import build_report, render_text

    three_days(script)
    job.build(EPOCH + 2)
    newcomer = build_report(N, 4, [], iter_breakdowns(job.settlements, CHAIN))
    assert newcomer.lines == {F.EARNED_FOR_PLUSES: twei(4)}  # the two seeds' pluses, full weight
    assert f"day {EPOCH + 2} was 100.0%" in newcomer.weight_note
    assert "Held reading paid so far: 3 Twei" in newcomer.weight_note
    ring = build_report(R1, 3, [], iter_breakdowns(job.settlements, CHAIN))
    assert ring.lines == {} and ring.total == 0  # two ring pluses, weight 0
    assert "was 0.0%" in ring.weight_note
    reader = build_report(R2, 2, [], iter_breakdowns(job.settlements, CHAIN))
    assert "Reading held until it is trusted: 5 Twei" in reader.weight_note
    text = render_text(newcomer)
    assert newcomer.weight_note in text
    assert sum(1 for c in FlowCategory if c.display_name in text) == len(FlowCategory) == 13
