"""The oracle's storage interface: the few operations the service and the settlement need.

Kept small and SQL-portable on purpose so that a PostgreSQL store can replace the embedded SQLite
one: plain rows in three tables (posts, sessions, heartbeats), integers for times (epoch
milliseconds, UTC) and booleans (0/1), no engine-specific types. The service keeps the live
state of open sessions in memory and hands the store one batch of changes per transaction
(:meth:`OracleStore.commit_batch`); a store must make the whole batch durable before returning.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol, runtime_checkable

__all__ = [
    "PostRecord",
    "SessionRecord",
    "HeartbeatRecord",
    "QualifyingRead",
    "Batch",
    "OracleStore",
    "utc_day",
]


def utc_day(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a UTC day, as :meth:`OracleStore.qualifying_reads` takes them."""
    start = datetime.combine(day, time(0), tzinfo=UTC)
    return start, start + timedelta(days=1)


@dataclass(frozen=True, slots=True)
class PostRecord:
    """A post as the oracle knows it (registered by the platform backend)."""

    post_id: int
    author: str
    word_count: int
    title: str
    body: str
    created_ms: int


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """One reading session with the rules' running state (see :class:`twei.oracle.rules.ReadState`).

    ``rewarded`` marks the one session per reader and post whose read earns (never the author's).
    """

    session_id: str
    post_id: int
    reader: str
    started_ms: int
    clock_offset_ms: int
    time_to_read_ms: int
    last_seq: int = 0
    last_received_ms: int | None = None
    last_client_ms: int | None = None
    last_visible: bool = False
    last_focused: bool = False
    last_scroll_pct: float = 0.0
    last_idle_ms: int | None = None
    credited_ms: int = 0
    max_scroll_pct: float = 0.0
    qualified_at_ms: int | None = None
    rewarded: bool = False
    finished_ms: int | None = None


@dataclass(frozen=True, slots=True)
class HeartbeatRecord:
    """One accepted heartbeat, kept verbatim for audit and re-computation."""

    session_id: str
    seq: int
    received_ms: int
    client_ms: int
    visible: bool
    focused: bool
    scroll_pct: float
    idle_ms: int | None
    credited_ms: int


@dataclass(frozen=True, slots=True)
class QualifyingRead:
    """What the daily settlement needs of one rewarded read."""

    reader: str
    post_id: int
    credited_ms: int
    qualified_at: datetime
    session_id: str

    @property
    def credited_seconds(self) -> int:
        """Whole credited seconds, as ``twei.economy.Read`` takes them (pro rata to the second)."""
        return self.credited_ms // 1000

    @property
    def qualified_at_s(self) -> int:
        """Qualification time in whole seconds since the epoch (``twei.economy.Read``)."""
        return int(self.qualified_at.timestamp())


@dataclass(slots=True)
class Batch:
    """The changes of one transaction: new posts, new or changed sessions, new heartbeats."""

    posts: list[PostRecord]
    sessions: dict[str, SessionRecord]
    heartbeats: list[HeartbeatRecord]

    @classmethod
    def empty(cls) -> Batch:
        return cls(posts=[], sessions={}, heartbeats=[])

    def __bool__(self) -> bool:
        return bool(self.posts or self.sessions or self.heartbeats)


@runtime_checkable
class OracleStore(Protocol):
    """Durable storage of posts, sessions and heartbeats. Thread-safe; one writer at a time."""

    def commit_batch(self, batch: Batch) -> None:
        """Insert the posts and heartbeats, upsert the sessions, all in one durable transaction."""

    def get_post(self, post_id: int) -> PostRecord | None:
        """The post, or None."""

    def get_session(self, session_id: str) -> SessionRecord | None:
        """The session, or None."""

    def reader_sessions(self, reader: str, post_id: int) -> list[SessionRecord]:
        """Every session of this reader on this post, oldest first."""

    def rewarded_session(self, reader: str, post_id: int) -> SessionRecord | None:
        """The reader's one rewarded session on the post, if any."""

    def qualifying_reads(self, start: datetime, end: datetime) -> list[QualifyingRead]:
        """Rewarded reads whose qualification time falls in [start, end) (aware datetimes)."""

    def qualifying_read_pages(
        self, start: datetime, end: datetime, page_size: int = 100_000
    ) -> Iterator[list[tuple[str, int, int, int]]]:
        """:meth:`qualifying_reads` for the settlement of a big day: pages of at most
        ``page_size`` plain tuples ``(reader, post_id, credited_ms, qualified_ms)``, ordered by
        (reader, post_id), without an object per read (ten million reads a day must stream)."""

    def count_heartbeats(self) -> int:
        """How many heartbeats are stored (for checks and benchmarks)."""

    def close(self) -> None:
        """Release the connection(s)."""
