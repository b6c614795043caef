"""SPEC §4's rules as pure functions: Time to Read, credit, cap, qualification, clock checks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from twei.errors import ClientTimeBackwards, ClientTimeInFuture
from twei.oracle.rules import (
    DEFAULT_RULES,
    Beat,
    ReadState,
    apply_beat,
    cap_ms,
    check_client_time,
    interval_credit_ms,
    is_engaged,
    qualifies,
    read_reward_wei,
    time_to_read_ms,
)
from twei.units import twei


def beat(t_ms: int, *, visible=True, focused=True, scroll=0.0, idle_ms: int | None = 1_000):
    return Beat(t_ms, visible, focused, scroll, idle_ms)


def run(ttr_ms: int, beats: list[Beat]) -> ReadState:
    state = ReadState(time_to_read_ms=ttr_ms)
    for b in beats:
        state = apply_beat(state, b)
    return state


def test_time_to_read__is_word_count_over_238_wpm():
    assert time_to_read_ms(238) == 60_000
    assert time_to_read_ms(476) == 120_000
    assert time_to_read_ms(119) == 30_000
    assert time_to_read_ms(1) == 252  # 60000/238 = 252.1 ms, rounded
    assert time_to_read_ms(0) == 0


def test_time_to_read__refuses_negative_word_count():
    with pytest.raises(ValueError, match="negative"):
        time_to_read_ms(-1)


def test_engaged__needs_visible_focused_and_recent_input():
    assert is_engaged(beat(0))
    assert not is_engaged(beat(0, visible=False))
    assert not is_engaged(beat(0, focused=False))
    assert not is_engaged(beat(0, idle_ms=None))  # no input at all yet
    assert is_engaged(beat(0, idle_ms=60_000))  # active within the previous 60 s, inclusive
    assert not is_engaged(beat(0, idle_ms=60_001))


def test_interval__counts_wall_time_up_to_30_s_apart():
    assert interval_credit_ms(beat(0), beat(15_000)) == 15_000
    assert interval_credit_ms(beat(0), beat(30_000)) == 30_000
    assert interval_credit_ms(beat(0), beat(30_001)) == 0


@pytest.mark.parametrize(
    "prev,cur",
    [
        (beat(0, visible=False), beat(15_000)),
        (beat(0), beat(15_000, visible=False)),
        (beat(0, focused=False), beat(15_000)),
        (beat(0), beat(15_000, focused=False)),
        (beat(0, idle_ms=61_000), beat(15_000)),
        (beat(0), beat(15_000, idle_ms=None)),
    ],
)
def test_interval__needs_both_ends_engaged(prev, cur):
    assert interval_credit_ms(prev, cur) == 0


def test_interval__same_or_earlier_time_credits_nothing():
    assert interval_credit_ms(beat(5_000), beat(5_000)) == 0
    assert interval_credit_ms(beat(5_000), beat(4_000)) == 0


def test_cap__is_one_and_a_half_times_time_to_read():
    assert cap_ms(60_000) == 90_000


def test_read__credit_is_capped_at_one_and_a_half_ttr():
    ttr = time_to_read_ms(119)  # 30 s
    state = run(ttr, [beat(t * 15_000, scroll=100) for t in range(10)])  # 135 s engaged
    assert state.credited_ms == 45_000


def test_read__tab_left_open_earns_nothing_after_the_active_window():
    # Last input at t=0; beats every 15 s report a growing idle time.
    state = run(600_000, [beat(t, idle_ms=t) for t in range(0, 150_001, 15_000)])
    # Intervals count while both ends have idle <= 60 s: 0-15, 15-30, 30-45, 45-60 s.
    assert state.credited_ms == 60_000


def test_read__hidden_stretch_between_two_visible_beats_is_not_credited():
    state = run(600_000, [beat(0), beat(15_000), beat(20_000, visible=False), beat(25_000)])
    assert state.credited_ms == 15_000


def test_read__gap_over_30_s_breaks_the_chain_but_later_beats_count_again():
    state = run(600_000, [beat(0), beat(15_000), beat(50_000), beat(65_000)])
    assert state.credited_ms == 30_000


def test_qualifies__at_half_the_time_and_three_quarters_scroll():
    assert qualifies(30_000, 75.0, 60_000)
    assert not qualifies(29_999, 100.0, 60_000)
    assert not qualifies(60_000, 74.99, 60_000)


def test_read__qualifies_at_the_beat_that_crosses_both_thresholds():
    ttr = 60_000
    beats = [beat(0, scroll=10), beat(15_000, scroll=40), beat(30_000, scroll=80), beat(45_000)]
    state = ReadState(time_to_read_ms=ttr)
    seen = []
    for b in beats:
        state = apply_beat(state, b)
        seen.append(state.qualified_at_ms)
    assert seen == [None, None, 30_000, 30_000]
    assert state.max_scroll_pct == 80


def test_read__deepest_scroll_is_kept_when_the_reader_scrolls_back():
    state = run(60_000, [beat(0, scroll=90), beat(15_000, scroll=20)])
    assert state.max_scroll_pct == 90


def test_read__receive_time_going_back_is_held_at_the_last_time():
    state = run(600_000, [beat(10_000), beat(9_000), beat(20_000)])
    assert state.last is not None and state.last.received_ms == 20_000
    assert state.credited_ms == 10_000


def test_client_time__within_skew_is_fine():
    check_client_time(
        client_ms=1_005_000, server_ms=1_000_000, offset_ms=0, previous_client_ms=None
    )


def test_client_time__in_the_future_beyond_skew_is_refused():
    with pytest.raises(ClientTimeInFuture, match="5001 ms in the future"):
        check_client_time(1_005_001, 1_000_000, 0, None)


def test_client_time__offset_measured_at_start_is_allowed_for():
    # The reader's clock runs ten minutes fast, consistently: accepted.
    check_client_time(1_600_000, 1_000_000, offset_ms=600_000, previous_client_ms=1_590_000)


def test_client_time__going_backwards_is_refused():
    with pytest.raises(ClientTimeBackwards, match="backwards by 1 ms"):
        check_client_time(999_999, 1_000_000, 0, previous_client_ms=1_000_000)


def test_read_reward__is_one_tenth_twei_per_credited_minute_to_the_millisecond():
    assert read_reward_wei(60_000) == twei("0.1")
    assert read_reward_wei(4_614) == 6_666_666_666_666_666  # 4 whole seconds, as the settlement pays
    assert read_reward_wei(90_999) == 150_000_000_000_000_000
    assert read_reward_wei(999) == 0  # under a second pays nothing
    # The walk's read: 14.137 s credited is 0.023333 TWEI pending, what the settlement pays for
    # it (it once showed 0.023562, 1 % more), for any number of milliseconds.
    from twei.economy import DayActivity, Read, settle_day

    for ms in (14_137, 4_614, 90_999, 61_001, 999):
        paid = settle_day(DayActivity(reads=[Read("0x" + "b2" * 20, 1, ms // 1000)])).paid
        assert read_reward_wei(ms) == sum(paid.values()), ms


def test_one_focus__an_interval_credits_only_after_the_readers_watermark():
    ttr = 600_000
    state = apply_beat(ReadState(ttr), Beat(0, True, True, 0.0, 0))
    # another session of the reader was credited up to 10 s: of 0–15 s only 10–15 s counts
    after = apply_beat(state, Beat(15_000, True, True, 0.0, 0), not_before_ms=10_000)
    assert after.credited_ms == 5_000
    # a watermark at or past the beat: nothing; before the interval: the whole interval
    assert apply_beat(state, Beat(15_000, True, True, 0.0, 0), not_before_ms=15_000).credited_ms == 0
    assert apply_beat(state, Beat(15_000, True, True, 0.0, 0), not_before_ms=0).credited_ms == 15_000


@given(
    ttr=st.integers(1, 600_000),
    steps=st.lists(
        st.tuples(
            st.integers(0, 40_000),
            st.booleans(),
            st.booleans(),
            st.floats(0, 100),
            st.one_of(st.none(), st.integers(0, 120_000)),
        ),
        max_size=40,
    ),
)
def test_read__credit_never_exceeds_cap_nor_wall_time(ttr, steps):
    t, state = 0, ReadState(time_to_read_ms=ttr)
    for gap, visible, focused, scroll, idle in steps:
        t += gap
        before = state.credited_ms
        state = apply_beat(state, Beat(t, visible, focused, scroll, idle))
        assert before <= state.credited_ms <= cap_ms(ttr)
    assert state.credited_ms <= t
    if state.qualified:
        assert state.credited_ms >= ttr * DEFAULT_RULES.qualify_time_fraction
