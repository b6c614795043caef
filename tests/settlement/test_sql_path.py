"""The job's SQL path (day.settle_stored_day_sql) settles every day exactly as the pure
functions do (day_activity + economy.settle_day + advance_accounts): same lines, payouts,
scaling and account states, on random stores with history, odd rates and the reader cap."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.settlement.helpers import EPOCH, A, B, C, D, E
from twei.economy import FULL_WEIGHT, DayWeights, PoolRates
from twei.settlement.day import DAY, settle_stored_day, settle_stored_day_sql
from twei.settlement.store import AccountState, JobStore

people = st.sampled_from([A, B, C, D, E])
post_ids = st.integers(1, 5)  # post 5 is never stored: activity on it is ignored
comment_ids = st.integers(10, 14)  # comment 14 is never stored
days = st.sampled_from([EPOCH - 1, EPOCH, EPOCH + 1])  # history, the day, a later day

events = st.lists(
    st.one_of(
        st.tuples(st.just("vote"), days, post_ids, people, st.integers(0, 1)),
        st.tuples(st.just("react"), days, comment_ids, post_ids, people, st.integers(0, 1)),
    ),
    max_size=25,
)
reads = st.lists(
    st.tuples(days, people, post_ids, st.integers(0, 40_000_000), st.integers(0, DAY * 1000 - 1)),
    max_size=25,
)
rates = st.builds(
    PoolRates,
    read_per_minute=st.sampled_from([10**17, 0, 7, 10**18 + 3]),
    reader_daily_cap=st.sampled_from([50 * 10**18, 0, 10**17, 123_456_789_012_345_678]),
    dislike_penalty=st.sampled_from([5 * 10**17, 0, 3 * 10**18]),
    daily_pool=st.integers(0, 10**22),
)
# Levels before the day vary: the farm defence's cap is the reader's own (its ordered loop runs
# inside the one pass over the reads).
accounts = st.dictionaries(people, st.builds(AccountState, st.integers(0, 10**20), st.integers(0, 5000), st.integers(0, 15)), max_size=3)
ppm = st.integers(0, FULL_WEIGHT)
weight_args = st.one_of(
    st.none(),
    st.tuples(*(st.dictionaries(people, ppm, max_size=5) for _ in range(3)),
              st.dictionaries(people, st.integers(0, 10**20), max_size=2), st.dictionaries(people, st.integers(0, 20), max_size=3)),
)  # fmt: skip


def _store(authors, commenters, events, reads, accounts) -> JobStore:
    store = JobStore(":memory:")
    with store.transaction() as db:
        posts = [(pid, author, 1, EPOCH * DAY - 100) for pid, author in zip(range(1, 5), authors)]
        comments = [(cid, 1 + cid % 4, who, 1, EPOCH * DAY - 50) for cid, who in zip(range(10, 14), commenters)]
        votes, reactions = [], []
        for block, event in enumerate(events, start=2):
            ts = event[1] * DAY + block
            if event[0] == "vote":
                votes.append((block, 0, ts, event[2], event[3], event[4]))
            else:
                reactions.append((block, 0, ts, event[2], event[3], event[4], event[5]))
        store.add_events(db, posts=posts, comments=comments, votes=votes, reactions=reactions)
        for epoch, reader, post, ms, at in reads:
            store.add_reads(db, epoch, [(reader, post, ms, epoch * DAY * 1000 + at)])
        store.save_accounts(db, accounts)
    return store


@settings(deadline=None)
@given(
    authors=st.lists(people, min_size=4, max_size=4),
    commenters=st.lists(people, min_size=4, max_size=4),
    events=events,
    reads=reads,
    rates=rates,
    accounts=accounts,
    weights=weight_args,
)
def test_sql_path__settles_every_day_as_the_pure_functions(authors, commenters, events, reads, rates, accounts, weights):
    """With or without trust weights (twei.trust: per-reader, per-plus, per-like weights, held
    reading released, a level lift), the same lines, payouts, held reading and account states."""
    store = _store(authors, commenters, events, reads, accounts)

    def fresh():  # each path fills in its own held reading
        return None if weights is None else DayWeights(*weights[:4])

    lift = None if weights is None else weights[4]
    try:
        for epoch in (EPOCH - 1, EPOCH, EPOCH + 1):
            pure_w, sql_w = fresh(), fresh()
            pure = settle_stored_day(store, epoch, rates, weights=pure_w, lift=lift)
            result, changed = settle_stored_day_sql(store, epoch, rates, weights=sql_w, lift=lift)
            assert result.lines == pure.result.lines
            assert result.paid == pure.result.paid
            assert result.scaled == pure.result.scaled
            assert changed == pure.changed
            if weights is not None:
                assert sql_w.unpaid == pure_w.unpaid
    finally:
        store.close()


def test_sql_path__capped_reader_is_paid_in_qualified_order():
    """E reads 400 minutes then 200 (50 TWEI cap): the first read pays 40, the second 10."""
    store = _store([A, A, A, A], [B, B, B, B], [], [(EPOCH, E, 2, 200 * 60_000, 5), (EPOCH, E, 1, 400 * 60_000, 4)], {})
    try:
        # (the farm defence off: E is a fresh account; with it, see test_day_rules.py)
        result, changed = settle_stored_day_sql(store, EPOCH, PoolRates(read_cap_full_level=0))
        assert result.lines == {E: {(1, 6): 40 * 10**18, (2, 6): 10 * 10**18}}
        assert changed == {E: AccountState(50 * 10**18, 600, 7)}
    finally:
        store.close()
