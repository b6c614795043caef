"""The oracle's storage interface: the few operations the service and the settlement need.

Kept small and SQL-portable on purpose: the embedded SQLite store and the PostgreSQL store
implement the same protocol and pass the same contract tests (tests/oracle/test_store.py).
Plain rows in three tables (posts, sessions, heartbeats), integers for times (epoch
milliseconds, UTC) and booleans (0/1), no engine-specific types.

The service applies the rules in batches (group commit): it opens one write transaction
(:meth:`OracleStore.transaction`), reads the current state of the sessions the batch touches
*locked against other writers* (:meth:`StoreTransaction.sessions_for_update`), applies the
operations, writes the result (:meth:`StoreTransaction.write`) and commits. Because the session
state is always read under that lock, several service processes (replicas) can share one
database: two writers touching the same session take turns, and neither works from a stale copy.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol, runtime_checkable

__all__ = [
    "PostRecord",
    "SessionRecord",
    "HeartbeatRecord",
    "QualifyingRead",
    "Batch",
    "OracleStore",
    "StoreTransaction",
    "ReadPage",
    "utc_day",
]

#: One page of :meth:`OracleStore.qualifying_read_pages`: (reader, post_id, credited_ms,
#: qualified_ms) rows.
ReadPage = list[tuple[str, int, int, int]]


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
    """The changes of one transaction: new posts, new or changed sessions, new heartbeats, and
    readers' moved focus watermarks (``reader -> credited_until_ms``; a reader row is created
    for every reader of the batch's sessions)."""

    posts: list[PostRecord]
    sessions: dict[str, SessionRecord]
    heartbeats: list[HeartbeatRecord]
    readers: dict[str, int] = field(default_factory=dict)

    @classmethod
    def empty(cls) -> Batch:
        return cls(posts=[], sessions={}, heartbeats=[])

    def __bool__(self) -> bool:
        return bool(self.posts or self.sessions or self.heartbeats or self.readers)


class StoreTransaction(Protocol):
    """One write transaction of the service (see the module's docstring)."""

    def sessions_for_update(self, session_ids: Collection[str]) -> dict[str, SessionRecord]:
        """The committed state of these sessions (unknown ids left out), locked against every
        other writer until this transaction ends."""

    def readers_for_update(self, readers: Collection[str]) -> dict[str, int]:
        """Each known reader's focus watermark (``credited_until_ms``), the rows locked against
        every other writer until this transaction ends, taken in one (sorted) order. Called
        after :meth:`sessions_for_update`, never before: every writer locks sessions, then
        readers, so two writers never wait on each other in a cycle."""

    def reward_taken(self, reader: str, post_id: int) -> bool:
        """Whether a session of ``reader`` on ``post_id`` already holds the reward. Serialised
        with other writers asking about the same pair: the answer stays true until commit."""

    def get_post(self, post_id: int) -> PostRecord | None:
        """The post, as this transaction sees it."""

    def write(self, batch: Batch) -> None:
        """Insert the posts and heartbeats, upsert the sessions (committed when the transaction
        ends without an exception)."""


@runtime_checkable
class OracleStore(Protocol):
    """Durable storage of posts, sessions and heartbeats. Thread-safe."""

    def transaction(self) -> AbstractContextManager[StoreTransaction]:
        """A write transaction: committed, durably, when the block ends; rolled back if it
        raises. The service acknowledges nothing before the commit returns."""

    def commit_batch(self, batch: Batch) -> None:
        """``write(batch)`` in a transaction of its own."""

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
    ) -> Iterator[ReadPage]:
        """The same reads as :meth:`qualifying_reads` as ``(reader, post_id, credited_ms,
        qualified_ms)`` rows, in pages of at most ``page_size``, ordered by (reader, post_id),
        streamed (a server-side cursor) so that a day of millions of reads fits in memory."""

    def issue_nonce(self, nonce: str, issued_ms: int, ttl_ms: int) -> None:
        """Record a sign-in nonce the oracle hands out, and forget those older than ``ttl_ms``
        (used or not: they can sign nobody in any more), in a transaction of its own."""

    def use_nonce(self, nonce: str, now_ms: int, ttl_ms: int) -> bool:
        """Mark the nonce used; False if it was never issued, is used already, or is older than
        ``ttl_ms``. Atomic: of two sign-ins with one nonce, on any replica, one wins."""

    def is_data_error(self, err: BaseException) -> bool:
        """Whether a write failed because of the data it was given (a value out of the
        column's range, a constraint), not because the database is away."""

    def is_transient(self, err: BaseException) -> bool:
        """Whether a failed transaction may simply be run again (a deadlock, a serialisation
        failure between replicas)."""

    def ping(self) -> None:
        """Raise :class:`~twei.errors.OracleUnavailable` if the database cannot be reached."""

    def schema_version(self) -> int:
        """The highest migration applied (``schema_migrations``)."""

    def count_heartbeats(self) -> int:
        """How many heartbeats are stored (for checks and benchmarks)."""

    def close(self) -> None:
        """Release the connection(s)."""
