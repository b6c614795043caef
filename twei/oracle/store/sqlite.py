"""The embedded default store: SQLite in WAL mode with ``synchronous=FULL``.

With WAL and FULL, a COMMIT returns only after the log is fsynced, so a heartbeat the service
has acknowledged (it acknowledges after :meth:`SQLiteStore.commit_batch` returns) survives a kill
of the process or a power cut. The service batches many heartbeats into one transaction (group
commit), which is what makes FULL affordable.

One connection is shared under a lock: the service has a single writer thread and reads are
rare (page views, read-backs, the settlement), so a pool would buy nothing here. A write
transaction is ``BEGIN IMMEDIATE``: it holds SQLite's one write lock from its first statement,
so the session state it reads cannot change under it, even from another process on the same file.

The schema comes from the versioned SQL files of :mod:`twei.oracle.store.migrate`.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from twei.errors import OracleUnavailable
from twei.oracle.store.base import (
    Batch,
    HeartbeatRecord,
    PostRecord,
    QualifyingRead,
    ReadPage,
    SessionRecord,
)
from twei.oracle.store.migrate import MIGRATIONS_TABLE, migrations

__all__ = ["SQLiteStore", "migrate_sqlite"]

_SESSION_COLUMNS = (
    "session_id, post_id, reader, started_ms, clock_offset_ms, time_to_read_ms, last_seq, "
    "last_received_ms, last_client_ms, last_visible, last_focused, last_scroll_pct, "
    "last_idle_ms, credited_ms, max_scroll_pct, qualified_at_ms, rewarded, finished_ms"
)
#: What an upsert of a session changes (both engines' SQL; the PostgreSQL store reuses it).
_SESSION_ON_CONFLICT = (
    " ON CONFLICT (session_id) DO UPDATE SET last_seq = excluded.last_seq, "
    "last_received_ms = excluded.last_received_ms, last_client_ms = excluded.last_client_ms, "
    "last_visible = excluded.last_visible, last_focused = excluded.last_focused, "
    "last_scroll_pct = excluded.last_scroll_pct, last_idle_ms = excluded.last_idle_ms, "
    "credited_ms = excluded.credited_ms, max_scroll_pct = excluded.max_scroll_pct, "
    "qualified_at_ms = excluded.qualified_at_ms, rewarded = excluded.rewarded, "
    "finished_ms = excluded.finished_ms"
)
_SESSION_UPSERT = (
    f"INSERT INTO sessions ({_SESSION_COLUMNS}) VALUES ({', '.join('?' * 18)})" + _SESSION_ON_CONFLICT
)
_HEARTBEAT_INSERT = (
    "INSERT INTO heartbeats (session_id, seq, received_ms, client_ms, visible, focused, "
    "scroll_pct, idle_ms, credited_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

#: Both engines' SQL: a reader row, created at the reader's first session; the watermark only
#: moves forward.
_READER_INSERT = (
    "INSERT INTO readers (reader, credited_until_ms) VALUES (?, 0) ON CONFLICT (reader) DO NOTHING"
)
_READER_MARK = "UPDATE readers SET credited_until_ms = MAX(credited_until_ms, ?) WHERE reader = ?"


def _session_row(s: SessionRecord) -> tuple:
    return (
        s.session_id, str(s.post_id), s.reader, s.started_ms, s.clock_offset_ms,
        s.time_to_read_ms, s.last_seq, s.last_received_ms, s.last_client_ms,
        int(s.last_visible), int(s.last_focused), s.last_scroll_pct, s.last_idle_ms,
        s.credited_ms, s.max_scroll_pct, s.qualified_at_ms, int(s.rewarded), s.finished_ms,
    )  # fmt: skip


def _session(row: tuple) -> SessionRecord:
    return SessionRecord(
        session_id=row[0], post_id=int(row[1]), reader=row[2], started_ms=row[3],
        clock_offset_ms=row[4], time_to_read_ms=row[5], last_seq=row[6],
        last_received_ms=row[7], last_client_ms=row[8], last_visible=bool(row[9]),
        last_focused=bool(row[10]), last_scroll_pct=row[11], last_idle_ms=row[12],
        credited_ms=row[13], max_scroll_pct=row[14], qualified_at_ms=row[15],
        rewarded=bool(row[16]), finished_ms=row[17],
    )  # fmt: skip


def _heartbeat_row(h: HeartbeatRecord) -> tuple:
    return (
        h.session_id, h.seq, h.received_ms, h.client_ms, int(h.visible), int(h.focused),
        h.scroll_pct, h.idle_ms, h.credited_ms,
    )  # fmt: skip


def _post(r: tuple) -> PostRecord:
    return PostRecord(int(r[0]), r[1], r[2], r[3], r[4], r[5])


_POST_COLUMNS = "post_id, author, word_count, title, body, created_ms"


def migrate_sqlite(db: sqlite3.Connection, folder: Path | None = None) -> list[int]:
    """Apply the versions this database lacks, each in one transaction; returns them."""
    db.execute(MIGRATIONS_TABLE)
    done: list[int] = []
    for migration in migrations("sqlite", folder):
        applied = {v for (v,) in db.execute("SELECT version FROM schema_migrations")}
        if migration.version in applied:
            continue
        try:
            # One script: the version row first, so a process racing us on the same file fails
            # on its primary key instead of running the migration twice.
            db.executescript(
                "BEGIN IMMEDIATE;\n"
                f"INSERT INTO schema_migrations VALUES ({migration.version}, "
                f"'{migration.name}', {int(time.time() * 1000)});\n"
                f"{migration.sql}\nCOMMIT;"
            )
        except sqlite3.Error:
            if db.in_transaction:
                db.execute("ROLLBACK")
            if migration.version in {v for (v,) in db.execute("SELECT version FROM schema_migrations")}:
                continue  # another process applied it meanwhile
            raise
        done.append(migration.version)
    return done


class _SQLiteTx:
    """A write transaction on the store's connection (the store's lock is held throughout)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._readers: set[str] = set()  # reader rows known to exist (readers_for_update)

    def sessions_for_update(self, session_ids: Collection[str]) -> dict[str, SessionRecord]:
        ids = list(session_ids)
        found: dict[str, SessionRecord] = {}
        for i in range(0, len(ids), 500):  # under SQLite's bound-parameter limit
            chunk = ids[i : i + 500]
            rows = self._db.execute(
                f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE session_id IN"
                f" ({', '.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
            for row in rows:
                found[row[0]] = _session(row)
        return found

    def readers_for_update(self, readers: Collection[str]) -> dict[str, int]:
        # BEGIN IMMEDIATE holds the file's one write lock: the rows cannot change under us.
        ids = sorted(readers)
        found: dict[str, int] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            found.update(
                self._db.execute(
                    "SELECT reader, credited_until_ms FROM readers WHERE reader IN"
                    f" ({', '.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
            )
        self._readers.update(found)
        return found

    def reward_taken(self, reader: str, post_id: int) -> bool:
        # BEGIN IMMEDIATE already excludes every other writer: a plain read is enough.
        return (
            self._db.execute(
                "SELECT 1 FROM sessions WHERE reader = ? AND post_id = ? AND rewarded = 1",
                (reader, str(post_id)),
            ).fetchone()
            is not None
        )

    def get_post(self, post_id: int) -> PostRecord | None:
        row = self._db.execute(
            f"SELECT {_POST_COLUMNS} FROM posts WHERE post_id = ?", (str(post_id),)
        ).fetchone()
        return _post(row) if row else None

    def write(self, batch: Batch) -> None:
        cur = self._db.cursor()
        if batch.posts:
            cur.executemany(
                f"INSERT INTO posts ({_POST_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (str(p.post_id), p.author, p.word_count, p.title, p.body, p.created_ms)
                    for p in batch.posts
                ],
            )
        if batch.sessions:
            cur.executemany(_SESSION_UPSERT, [_session_row(s) for s in batch.sessions.values()])
        # Reader rows for new readers only (a heartbeat's reader was read under the lock).
        readers = ({s.reader for s in batch.sessions.values()} | batch.readers.keys()) - self._readers
        if readers:
            cur.executemany(_READER_INSERT, [(r,) for r in sorted(readers)])
        if batch.readers:
            cur.executemany(_READER_MARK, [(m, r) for r, m in sorted(batch.readers.items())])
        if batch.heartbeats:
            cur.executemany(_HEARTBEAT_INSERT, [_heartbeat_row(h) for h in batch.heartbeats])


def _ms(when: datetime) -> int:
    if when.tzinfo is None:
        raise ValueError("qualifying_reads needs timezone-aware datetimes (UTC)")
    return int(when.timestamp() * 1000)


class _SqlReads:
    """The read-backs both stores answer with the same SQL. ``_P`` is the driver's placeholder,
    ``_COLLATE_ID`` makes session ids sort byte-wise (PostgreSQL's default collation does not)."""

    _P = "?"
    _COLLATE_ID = ""

    def _all(self, sql: str, args: tuple = ()) -> list[tuple]:
        raise NotImplementedError

    def get_post(self, post_id: int) -> PostRecord | None:
        rows = self._all(f"SELECT {_POST_COLUMNS} FROM posts WHERE post_id = {self._P}", (str(post_id),))
        return _post(rows[0]) if rows else None

    def get_session(self, session_id: str) -> SessionRecord | None:
        rows = self._all(
            f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE session_id = {self._P}", (session_id,)
        )
        return _session(rows[0]) if rows else None

    def reader_sessions(self, reader: str, post_id: int) -> list[SessionRecord]:
        rows = self._all(
            f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE reader = {self._P} AND post_id = {self._P}"
            f" ORDER BY started_ms, session_id{self._COLLATE_ID}",
            (reader, str(post_id)),
        )
        return [_session(r) for r in rows]

    def rewarded_session(self, reader: str, post_id: int) -> SessionRecord | None:
        rows = self._all(
            f"SELECT {_SESSION_COLUMNS} FROM sessions"
            f" WHERE reader = {self._P} AND post_id = {self._P} AND rewarded = 1",
            (reader, str(post_id)),
        )
        return _session(rows[0]) if rows else None

    def qualifying_reads(self, start: datetime, end: datetime) -> list[QualifyingRead]:
        rows = self._all(
            "SELECT reader, post_id, credited_ms, qualified_at_ms, session_id FROM sessions"
            f" WHERE rewarded = 1 AND qualified_at_ms >= {self._P} AND qualified_at_ms < {self._P}"
            f" ORDER BY qualified_at_ms, session_id{self._COLLATE_ID}",
            (_ms(start), _ms(end)),
        )
        return [
            QualifyingRead(
                reader=r[0],
                post_id=int(r[1]),
                credited_ms=r[2],
                qualified_at=datetime.fromtimestamp(r[3] / 1000, tz=UTC),
                session_id=r[4],
            )
            for r in rows
        ]


class SQLiteStore(_SqlReads):
    """:class:`~twei.oracle.store.base.OracleStore` on one SQLite file."""

    def __init__(self, path: str | Path, synchronous: str = "FULL") -> None:
        if synchronous.upper() not in {"FULL", "NORMAL", "EXTRA"}:
            raise ValueError(f"synchronous must be FULL, NORMAL or EXTRA, not {synchronous!r}")
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={synchronous.upper()}")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.execute("PRAGMA busy_timeout=5000")
        with self._lock:
            migrate_sqlite(self._db)

    # -- writes ---------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[_SQLiteTx]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield _SQLiteTx(self._db)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            try:
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    def commit_batch(self, batch: Batch) -> None:
        with self.transaction() as tx:
            tx.write(batch)

    # -- reads ----------------------------------------------------------------------------
    def _all(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def qualifying_read_pages(
        self, start: datetime, end: datetime, page_size: int = 100_000
    ) -> Iterator[ReadPage]:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        sql = (
            "SELECT reader, CAST(post_id AS INTEGER) AS post, credited_ms, qualified_at_ms"
            " FROM sessions INDEXED BY sessions_rewarded_day"
            " WHERE rewarded = 1 AND qualified_at_ms >= ? AND qualified_at_ms < ?"
            " ORDER BY reader, post"
        )
        args = (_ms(start), _ms(end))
        if self.path == ":memory:":  # one connection only: read it all under the lock
            rows = self._all(sql, args)
            for i in range(0, len(rows), page_size):
                yield rows[i : i + page_size]
            return
        # A connection of its own (WAL: a consistent snapshot, and the service keeps writing).
        reader = sqlite3.connect(
            Path(self.path).resolve().as_uri() + "?mode=ro", uri=True, check_same_thread=False
        )
        try:
            cursor = reader.execute(sql, args)
            while page := cursor.fetchmany(page_size):
                yield page
        finally:
            reader.close()

    def issue_nonce(self, nonce: str, issued_ms: int, ttl_ms: int) -> None:
        with self.transaction():
            self._db.execute("DELETE FROM sign_in_nonces WHERE issued_ms < ?", (issued_ms - ttl_ms,))
            self._db.execute("INSERT INTO sign_in_nonces VALUES (?, ?, NULL)", (nonce, issued_ms))

    def use_nonce(self, nonce: str, now_ms: int, ttl_ms: int) -> bool:
        with self.transaction():
            cur = self._db.execute(
                "UPDATE sign_in_nonces SET used_ms = ?"
                " WHERE nonce = ? AND used_ms IS NULL AND issued_ms >= ?",
                (now_ms, nonce, now_ms - ttl_ms),
            )
            return cur.rowcount == 1

    def is_data_error(self, err: BaseException) -> bool:
        return isinstance(
            err, (OverflowError, sqlite3.IntegrityError, sqlite3.DataError, sqlite3.InterfaceError)
        )

    def is_transient(self, err: BaseException) -> bool:
        return False  # BEGIN IMMEDIATE: writers queue for the lock (busy_timeout), never deadlock

    def ping(self) -> None:
        try:
            self._all("SELECT 1")
        except sqlite3.Error as err:
            raise OracleUnavailable(f"storage unavailable: {err}") from err

    def schema_version(self) -> int:
        return self._all("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")[0][0]

    def count_heartbeats(self) -> int:
        return self._all("SELECT COUNT(*) FROM heartbeats")[0][0]

    def close(self) -> None:
        with self._lock:
            self._db.close()
