"""The reading-time rules of SPEC §4, as pure functions over plain values.

Nothing here touches a clock, a database or the network: the service feeds in the server's
receive times and the client's reports, and stores what comes out. That keeps the rules easy to
test on their own and identical wherever they run (the HTTP service, a replay, the settlement).

Times are integer milliseconds so that sums are exact and portable to any SQL store.

Time source (a design decision the spec leaves open): the **server's receive time** of each
heartbeat is what credits reading time. The client's clock is only checked for plausibility: it
must not run ahead of the server by more than ``max_clock_skew_ms`` (after removing the offset
measured when the session started, so a reader whose clock is simply set wrong is not locked out)
and must not go backwards between heartbeats. A client therefore cannot earn time by lying about
its clock; at worst it can be refused.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from twei.errors import ClientTimeBackwards, ClientTimeInFuture
from twei.units import twei

__all__ = [
    "Rules",
    "DEFAULT_RULES",
    "Beat",
    "ReadState",
    "time_to_read_ms",
    "is_engaged",
    "interval_credit_ms",
    "cap_ms",
    "qualifies",
    "check_client_time",
    "apply_beat",
    "read_reward_wei",
    "READ_RATE_WEI_PER_MINUTE",
]

#: Pool rate for reading (SPEC §2): 0.1 TWEI per credited minute.
READ_RATE_WEI_PER_MINUTE = twei("0.1")


@dataclass(frozen=True, slots=True)
class Rules:
    """The thresholds of SPEC §4; the defaults are the spec's, tests may shrink them."""

    words_per_minute: int = 238
    max_gap_ms: int = 30_000
    active_window_ms: int = 60_000
    cap_factor: float = 1.5
    qualify_time_fraction: float = 0.5
    qualify_scroll_pct: float = 75.0
    max_clock_skew_ms: int = 5_000


DEFAULT_RULES = Rules()


@dataclass(frozen=True, slots=True)
class Beat:
    """One heartbeat as the rules see it.

    ``received_ms`` is the server's receive time; ``idle_ms`` is the time since the reader's
    last scroll/key/pointer/touch input, ``None`` when there has been no input at all.
    """

    received_ms: int
    visible: bool
    focused: bool
    scroll_pct: float
    idle_ms: int | None


@dataclass(frozen=True, slots=True)
class ReadState:
    """What the rules remember of one reading session between heartbeats."""

    time_to_read_ms: int
    credited_ms: int = 0
    max_scroll_pct: float = 0.0
    last: Beat | None = None
    qualified_at_ms: int | None = None

    @property
    def qualified(self) -> bool:
        return self.qualified_at_ms is not None


def time_to_read_ms(word_count: int, rules: Rules = DEFAULT_RULES) -> int:
    """*Time to Read*: word_count / 238 words per minute, in whole milliseconds (rounded)."""
    if word_count < 0:
        raise ValueError("word count must not be negative")
    return (word_count * 60_000 + rules.words_per_minute // 2) // rules.words_per_minute


def is_engaged(beat: Beat, rules: Rules = DEFAULT_RULES) -> bool:
    """Page visible and focused, and the reader gave some input within the active window."""
    return (
        beat.visible
        and beat.focused
        and beat.idle_ms is not None
        and beat.idle_ms <= rules.active_window_ms
    )


def interval_credit_ms(prev: Beat, cur: Beat, rules: Rules = DEFAULT_RULES) -> int:
    """Credit for the wall time between two consecutive heartbeats (before the cap).

    Counts only when the gap is at most ``max_gap_ms`` and both ends are engaged.
    """
    gap = cur.received_ms - prev.received_ms
    if gap <= 0 or gap > rules.max_gap_ms:
        return 0
    if not (is_engaged(prev, rules) and is_engaged(cur, rules)):
        return 0
    return gap


def cap_ms(ttr_ms: int, rules: Rules = DEFAULT_RULES) -> int:
    """Most credit one read can earn: 1.5 × Time to Read."""
    return int(ttr_ms * rules.cap_factor)


def qualifies(
    credited_ms: int, max_scroll_pct: float, ttr_ms: int, rules: Rules = DEFAULT_RULES
) -> bool:
    """Credited time ≥ 50 % of Time to Read and the deepest scroll ≥ 75 %."""
    return (
        credited_ms >= ttr_ms * rules.qualify_time_fraction
        and max_scroll_pct >= rules.qualify_scroll_pct
    )


def check_client_time(
    client_ms: int,
    server_ms: int,
    offset_ms: int,
    previous_client_ms: int | None,
    rules: Rules = DEFAULT_RULES,
) -> None:
    """Plausibility of the client's clock; raises :class:`~twei.errors.ClientTimeInFuture`
    or :class:`~twei.errors.ClientTimeBackwards`.

    ``offset_ms`` is client minus server time as measured at session start.
    """
    ahead = client_ms - offset_ms - server_ms
    if ahead > rules.max_clock_skew_ms:
        raise ClientTimeInFuture(
            f"client_time is {ahead} ms in the future (allowed skew {rules.max_clock_skew_ms} ms)"
        )
    if previous_client_ms is not None and client_ms < previous_client_ms:
        raise ClientTimeBackwards(
            f"client_time went backwards by {previous_client_ms - client_ms} ms"
        )


def apply_beat(
    state: ReadState, beat: Beat, rules: Rules = DEFAULT_RULES, not_before_ms: int | None = None
) -> ReadState:
    """The session's state after one more heartbeat.

    A server receive time earlier than the previous one (two requests of one session racing)
    counts as the same instant: it credits nothing and does not move time backwards.

    ``not_before_ms`` is the reader's focus watermark (SPEC §4, one focus per reader): the
    instant up to which another session of the same reader was credited already. Only the part
    of the interval after it is credited, so twenty tabs "focused" at once earn what one does.
    """
    if state.last is not None and beat.received_ms < state.last.received_ms:
        beat = replace(beat, received_ms=state.last.received_ms)
    credited = state.credited_ms
    if state.last is not None:
        gain = interval_credit_ms(state.last, beat, rules)
        if gain and not_before_ms is not None and not_before_ms > state.last.received_ms:
            gain = max(0, beat.received_ms - not_before_ms)
        credited = min(credited + gain, max(cap_ms(state.time_to_read_ms, rules), credited))
    max_scroll = max(state.max_scroll_pct, beat.scroll_pct)
    qualified_at = state.qualified_at_ms
    if qualified_at is None and qualifies(credited, max_scroll, state.time_to_read_ms, rules):
        qualified_at = beat.received_ms
    return ReadState(
        time_to_read_ms=state.time_to_read_ms,
        credited_ms=credited,
        max_scroll_pct=max_scroll,
        last=beat,
        qualified_at_ms=qualified_at,
    )


def read_reward_wei(credited_ms: int, rate_wei_per_minute: int = READ_RATE_WEI_PER_MINUTE) -> int:
    """Pool reward for a read before the day's caps: 0.1 TWEI per credited minute, for whole
    credited seconds, rounded down to the wei: exactly what the settlement pays for the read
    (``twei.economy``: ``credited_seconds · rate // 60``) unless the day's caps cut it.

    (It once counted the milliseconds too: 14.137 s showed 0.023562 TWEI pending while the
    settlement paid 0.023333, 1 % less, for the same read.)
    """
    return (credited_ms // 1000) * rate_wei_per_minute // 60
