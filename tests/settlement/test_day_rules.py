"""The settlement's rules over stored events, with every amount written out by hand."""

from __future__ import annotations

import pytest

from tests.settlement.helpers import EPOCH, A, B, C, D, E, Script
from twei.economy import PoolRates
from twei.flows import FlowCategory as F
from twei.settlement.files import load_day
from twei.settlement.job import SettlementJob, genesis_xp
from twei.settlement.store import AccountState, JobStore
from twei.units import twei

CHAIN = 1337


@pytest.fixture
def store(tmp_path):
    s = JobStore(tmp_path / "job.db")
    yield s
    s.close()


@pytest.fixture
def script(store):
    return Script(store)


#: The rules below, figured by hand for fresh accounts, with the farm defence off (its own tests
#: are at the end: with it, a level-0 reader's day stops at 50/14 TWEI).
RULES = PoolRates(read_cap_full_level=0)


@pytest.fixture
def job(store, script, tmp_path):
    return SettlementJob(chain_id=CHAIN, store=store, settlements=tmp_path / "settlements", reads=script,
                         rates=RULES)  # fmt: skip


def day_one(s: Script) -> None:
    """A writes posts 1 (short) and 2 (long); B and C comment on 1; votes, reactions and reads."""
    s.post(EPOCH, 1, A)
    s.post(EPOCH, 2, A)
    s.comment(EPOCH, 10, 1, B)
    s.comment(EPOCH, 11, 1, C)
    s.vote(EPOCH, 1, C)
    s.vote(EPOCH, 1, D)
    s.vote(EPOCH, 1, E, minus=True)  # paid on-chain; nothing from the pool
    s.react(EPOCH, 10, 1, C)  # first like of 10
    s.react(EPOCH, 10, 1, D)
    s.react(EPOCH, 10, 1, E, dislike=True)
    s.react(EPOCH, 11, 1, B)  # first like of 11
    s.react(EPOCH, 11, 1, E, dislike=True)
    s.react(EPOCH, 11, 1, D, dislike=True)
    s.read(EPOCH, C, 1, 300, at=1000)  # 5 minutes: 0.5
    s.read(EPOCH, A, 1, 300, at=1001)  # own post: nothing
    s.read(EPOCH, D, 2, 15_000, at=1002)  # 250 minutes: 25
    s.read(EPOCH, E, 2, 40_000, at=1003)  # 66.67 TWEI, capped at 50
    s.read(EPOCH, E, 1, 120, at=1004)  # after the cap: nothing
    s.end_day(EPOCH)


DAY_ONE_LINES = {
    A: {(1, F.EARNED_FOR_PLUSES): twei(4), (1, F.LIKES_AUTHOR): twei("1.5")},
    B: {
        (1, F.COMMENT_REWARDS): twei(1),
        (1, F.LIKES_OWN): twei("0.2"),
        (1, F.LIKES_COMMENTER): twei(2),
        (1, F.DISLIKES_COMMENTER): twei("0.5"),
    },
    C: {
        (1, F.LIKES_OWN): twei("0.2"),
        (1, F.LIKES_COMMENTER): twei(1),
        (1, F.COMMENT_REWARDS): twei(1),
        (1, F.DISLIKES_COMMENTER): twei(1),
        (1, F.READ_REWARDS): twei("0.5"),
    },
    D: {(1, F.LIKES_OWN): twei("0.2"), (2, F.READ_REWARDS): twei(25)},
    E: {(2, F.READ_REWARDS): twei(50)},
}
DAY_ONE_PAID = {A: twei("5.5"), B: twei("2.7"), C: twei("1.7"), D: twei("25.2"), E: twei(50)}
# XP: A 2 pluses; B 2 likes received, 1 given, 1 dislike; C 1 given, 1 received, 2 dislikes, 5 min;
# D 1 given, 250 min; E 666 + 2 min (XP counts every credited minute, even past the Twei cap).
DAY_ONE_XP = {A: 10, B: 3, C: 4, D: 251, E: 668}
DAY_ONE_LEVEL = {A: 1, B: 0, C: 0, D: 5, E: 8}


def test_day__every_account_per_category(job, script, store):
    day_one(script)
    job.build(EPOCH)
    files = load_day(job.settlements, CHAIN, EPOCH)
    assert files.breakdown.lines == DAY_ONE_LINES
    assert files.breakdown.paid == DAY_ONE_PAID
    assert files.total == twei("85.1")
    assert {a: (s.cumulative, s.xp, s.level) for a, s in store.accounts().items()} == {
        a: (DAY_ONE_PAID[a], DAY_ONE_XP[a], DAY_ONE_LEVEL[a]) for a in (A, B, C, D, E)
    }
    assert sorted(tuple(v) for v in files.tree.values) == sorted(
        (a, str(DAY_ONE_PAID[a]), str(DAY_ONE_LEVEL[a])) for a in (A, B, C, D, E)
    )


def test_day__first_like_and_rewarded_read_carry_across_days(job, script, store):
    day_one(script)
    job.build(EPOCH)
    day2 = EPOCH + 1
    script.react(day2, 10, 1, A)  # not the first like of 10: no Comment Reward for B
    script.read(day2, C, 1, 300)  # C's read of post 1 was rewarded yesterday: never again
    script.read(day2, B, 1, 60)  # 1 minute: 0.1
    script.end_day(day2)
    job.build(day2)
    files = load_day(job.settlements, CHAIN, day2, previous_epoch=EPOCH)
    assert files.breakdown.lines == {
        A: {(1, F.LIKES_OWN): twei("0.2"), (1, F.LIKES_AUTHOR): twei("0.5")},
        B: {(1, F.LIKES_COMMENTER): twei(1), (1, F.READ_REWARDS): twei("0.1")},
    }
    accounts = store.accounts()
    assert accounts[A].cumulative == twei("6.2")
    assert accounts[B].cumulative == twei("3.8")
    assert accounts[C].cumulative == twei("1.7")
    assert accounts[B].xp == 3 + 2 + 1


def test_day__missed_days_are_built_in_order(job, script):
    day_one(script)
    script.end_day(EPOCH + 2)
    assert job.build(EPOCH + 2) == [EPOCH, EPOCH + 1, EPOCH + 2]
    assert load_day(job.settlements, CHAIN, EPOCH + 2, previous_epoch=EPOCH + 1).total == twei("85.1")


def test_build__twice_builds_nothing_more(job, script, store):
    day_one(script)
    job.build(EPOCH)
    before = store.accounts()
    job.build(EPOCH)
    assert store.accounts() == before
    assert [e.epoch for e in store.epochs()] == [EPOCH]


def test_build__crash_before_commit_leaves_nothing_then_rebuilds_the_same(job, script, store):
    day_one(script)

    def crash(step):
        if step == "build":
            raise KeyboardInterrupt

    job.checkpoint = crash
    with pytest.raises(KeyboardInterrupt):
        job.build(EPOCH)
    assert store.accounts() == {} and store.epoch(EPOCH) is None
    job.checkpoint = lambda _: None
    job.build(EPOCH)
    assert load_day(job.settlements, CHAIN, EPOCH).breakdown.paid == DAY_ONE_PAID


def test_build__pro_rata_when_the_day_exceeds_the_pool(store, script, tmp_path):
    pool = twei(10)
    job = SettlementJob(
        chain_id=CHAIN, store=store, settlements=tmp_path, reads=script,
        rates=PoolRates(daily_pool=pool, read_cap_full_level=0),
    )
    day_one(script)
    job.build(EPOCH)
    files = load_day(tmp_path, CHAIN, EPOCH)
    assert files.breakdown.scaled
    # Each line is scaled by pool / day total (85.1 TWEI) and rounded down; an account with
    # penalties is paid floor(net · pool / total), the penalty lines taking up the rest.
    assert files.breakdown.paid == {
        A: 646_298_472_385_428_907,  # 5.5 · 10 / 85.1
        B: 317_273_795_534_665_099,  # 2.7 · 10 / 85.1
        C: 199_764_982_373_678_025,  # 1.7 · 10 / 85.1
        D: 2_961_222_091_656_874_264,  # 0.2·10/85.1 + 25·10/85.1, each rounded down
        E: 5_875_440_658_049_353_701,  # 50 · 10 / 85.1
    }
    assert files.total <= pool


def test_build__day_before_its_end_is_not_due(job, script):
    from twei.errors import StepNotDue

    day_one(script)
    with pytest.raises(StepNotDue):
        job.build(EPOCH + 1)


def test_genesis__levels_as_zero_leaves_and_xp(job, store):
    record = job.build_genesis(EPOCH - 1, {B: 13, D: 12})
    files = load_day(job.settlements, CHAIN, EPOCH - 1)
    assert files.total == 0 and record.genesis
    assert sorted(tuple(v) for v in files.tree.values) == [(B, "0", "13"), (D, "0", "12")]
    assert store.accounts() == {B: AccountState(0, 1690, 13), D: AccountState(0, genesis_xp(12), 12)}


def test_genesis__level_13_commenter_crosses_with_xp(job, script, store):
    job.build_genesis(EPOCH - 1, {D: 12})
    day_one(script)  # D gains 251 XP: 1440 + 251 = 1691 ≥ 1690
    job.build(EPOCH)
    assert store.accounts()[D] == AccountState(DAY_ONE_PAID[D], 1691, 13)


def test_tree__loads_in_the_js_library_with_the_same_root(job, script, oz_merkle):
    day_one(script)
    job.build(EPOCH)
    files = load_day(job.settlements, CHAIN, EPOCH)
    answer = oz_merkle({"cmd": "load", "dump": files.tree.dump()})
    assert answer["root"] == files.root


def test_plan_batches__fit_the_gas_budget():
    from twei.settlement.job import claim_gas, plan_batches

    claims = [(A, 1, 0, ["0x" + "00" * 32] * 4)] * 5
    batches = plan_batches(claims, gas_budget=30_000 + 2 * claim_gas(4))
    assert [len(b) for b in batches] == [2, 2, 1]


def test_build__reads_straight_from_the_oracles_sqlite_store(store, script, tmp_path):
    """The SQL fast path (ATTACH the oracle's file) reads the same day as `qualifying_reads`."""
    from twei.oracle.store.base import Batch, PostRecord, SessionRecord
    from twei.oracle.store.sqlite import SQLiteStore

    day_one(script)
    oracle = SQLiteStore(tmp_path / "oracle.db")
    batch = Batch.empty()
    batch.posts = [PostRecord(p, A, 1000, "", "", 0) for p in (1, 2)]
    for i, read in enumerate(script.reads):
        at = int(read.qualified_at.timestamp() * 1000)
        batch.sessions[f"s{i}"] = SessionRecord(
            f"s{i}", read.post_id, read.reader, at - 1000, 0, 300_000,
            credited_ms=read.credited_ms, qualified_at_ms=at, rewarded=True,
        )
    batch.sessions["late"] = SessionRecord(  # qualified the next day: not today's
        "late", 1, B, 0, 0, 300_000, credited_ms=60_000, qualified_at_ms=(EPOCH + 1) * 86_400_000, rewarded=True
    )
    oracle.commit_batch(batch)
    job = SettlementJob(chain_id=CHAIN, store=store, settlements=tmp_path / "s", reads=oracle, rates=RULES)
    job.build(EPOCH)
    assert load_day(tmp_path / "s", CHAIN, EPOCH).breakdown.lines == DAY_ONE_LINES
    oracle.close()


def test_run__a_day_before_the_first_settled_one_is_refused(job, script):
    from twei.errors import SettlementError

    day_one(script)
    job.build(EPOCH)
    job.fetch = lambda: 0  # no chain here
    with pytest.raises(SettlementError, match="before the first day"):
        job.run(EPOCH - 5)


# -- the farm defence: read rewards capped by the reader's level before the day ---------------


def test_farm_defence__a_fresh_readers_day_stops_at_a_fourteenth_of_the_cap(store, script, tmp_path):
    job = SettlementJob(chain_id=CHAIN, store=store, settlements=tmp_path, reads=script)  # defaults
    day_one(script)
    job.build(EPOCH)
    paid = load_day(tmp_path, CHAIN, EPOCH).breakdown.lines
    fresh_cap = twei(50) // 14  # level 0 before the day: 3.571428571428571428 TWEI
    assert paid[D][(2, F.READ_REWARDS)] == fresh_cap  # 25 TWEI of reading, paid 3.57
    assert paid[E][(2, F.READ_REWARDS)] == fresh_cap  # 66.67 TWEI of reading, paid 3.57
    assert paid[C][(1, F.READ_REWARDS)] == twei("0.5")  # under the cap: untouched
    # XP still counts every credited minute: the levels rise as if nothing had been cut
    assert {a: store.accounts()[a].level for a in (D, E)} == {D: 5, E: 8}


@pytest.mark.parametrize("level,cap", [(0, twei(50) // 14), (5, twei(50) * 6 // 14),
                                       (12, twei(50) * 13 // 14), (13, twei(50)), (40, twei(50))])  # fmt: skip
def test_farm_defence__the_cap_grows_with_the_level_to_the_whole_cap_at_13(level, cap):
    from twei.economy import reader_read_cap

    assert reader_read_cap(level, PoolRates()) == cap
    assert reader_read_cap(level, PoolRates(read_cap_full_level=0)) == twei(50)


def test_farm_defence__a_reader_at_level_13_before_the_day_earns_the_whole_cap(store, script, tmp_path):
    from twei.economy import DayActivity, Read, settle_day

    day = DayActivity(reads=[Read(E, 2, 40_000, 1)])
    assert settle_day(day, PoolRates(), lambda a: 13).paid[E] == twei(50)
    assert settle_day(day, PoolRates(), lambda a: 0).paid[E] == twei(50) // 14
    assert settle_day(day, PoolRates()).paid[E] == twei(50)  # levels unknown: the whole cap


def test_plan_sweeps__cover_every_leaf_once_within_the_gas_budget():
    from twei.merkle import DISTRIBUTOR_LEAF_ENCODING, StandardMerkleTree, process_multi_proof
    from twei.settlement.job import plan_sweeps, sweep_gas

    tree = StandardMerkleTree.of([("0x" + f"{i + 1:040x}", i, i % 9) for i in range(300)], DISTRIBUTOR_LEAF_ENCODING)
    wanted = list(range(0, 300, 3))
    budget = 1_000_000
    sweeps = plan_sweeps(tree, wanted, budget)
    assert len(sweeps) > 1
    swept = [tuple(v) for s in sweeps for v in s.values]
    assert sorted(swept) == sorted(tuple(tree.values[i]) for i in wanted)
    for s in sweeps:
        assert sweep_gas(len(s.values), len(s.proof), len(s.proof_flags)) <= budget
        assert "0x" + process_multi_proof(s.leaves, s.proof, s.proof_flags).hex() == tree.root
