"""Whatever the day, the pool is never exceeded, nobody is paid below zero, lines add up."""

from hypothesis import given
from hypothesis import strategies as st

from twei.flows import FlowCategory
from twei.economy import DayActivity, Dislike, Like, Plus, PoolRates, Read, settle_day

people = st.sampled_from(["a", "b", "c", "d"])
posts = st.integers(min_value=1, max_value=3)
days = st.builds(
    DayActivity,
    reads=st.lists(st.builds(Read, people, posts, st.integers(0, 10_000), st.integers(0, 100)), max_size=8),
    pluses=st.lists(st.builds(Plus, posts, people, people), max_size=8),
    likes=st.lists(st.builds(Like, st.integers(1, 5), posts, people, people, people, st.booleans()), max_size=8),
    dislikes=st.lists(st.builds(Dislike, st.integers(1, 5), posts, people, people), max_size=8),
)
pools = st.integers(min_value=0, max_value=10**20)


@given(day=days, pool=pools)
def test_settle_day__never_exceeds_pool_never_negative_and_lines_add_up(day, pool):
    rates = PoolRates(daily_pool=pool)
    result = settle_day(day, rates)
    assert result.total <= pool
    for account, lines in result.lines.items():
        assert all(v > 0 for v in lines.values())
        signed = sum(-v if k[1] == FlowCategory.DISLIKES_COMMENTER else v for k, v in lines.items())
        assert signed == result.paid.get(account, 0) >= 0


@given(day=days)
def test_settle_day__unscaled_reads_respect_the_reader_daily_cap(day):
    result = settle_day(day, PoolRates(daily_pool=10**30))
    for lines in result.lines.values():
        reads = sum(v for k, v in lines.items() if k[1] == FlowCategory.READ_REWARDS)
        assert reads <= PoolRates().reader_daily_cap
