"""The production store: PostgreSQL through psycopg 3 and a connection pool.

Several oracle processes (replicas behind a load balancer) share one database. What keeps them
correct is in the write transaction the service runs per batch (group commit):

* ``sessions_for_update`` locks the rows of every session the batch touches
  (``SELECT … FOR UPDATE``, in ``session_id`` order so two replicas never lock in opposite
  orders and deadlock) and returns their committed state. A heartbeat of the same session
  arriving at another replica waits for this commit, then sees its result: ``seq`` checks,
  credited intervals and the cap always work from the latest state, never from a stale copy.
* ``reward_taken`` takes a transaction-scoped advisory lock on (reader, post) before looking
  for a rewarded session, so two sessions of one reader qualifying at once on two replicas
  cannot both be rewarded (the partial unique index ``sessions_one_reward`` backs this up).
* The heartbeats of the batch go in with one ``COPY``; the sessions with one ``UPDATE … FROM
  unnest(…)`` (new ones with one ``INSERT … SELECT FROM unnest``); the COMMIT (``synchronous_commit`` on: WAL flushed) comes before
  any answer.

When the server is away (restarted, connections killed), the pool's connection fails or cannot
be had within ``timeout`` seconds: the store raises :class:`~twei.errors.OracleUnavailable`,
which the service answers 503 with ``Retry-After``. After such a failure the pool's idle
connections are tested and broken ones replaced (and the pool reconnects in the background),
so the service recovers by itself when the server is back. A
commit whose connection dies mid-COMMIT is unknown to the client (503): its retry either
succeeds or is refused as a replay because the first one did land — never stored twice.

Times are BIGINT milliseconds and ids TEXT, exactly as in SQLite (same migration files); text
is ordered ``COLLATE "C"`` (byte order, as SQLite's BINARY) and post ids as numbers, so both
stores list rows alike.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from twei.errors import OracleUnavailable
from twei.oracle.store.base import (
    Batch,
    PostRecord,
    ReadPage,
    SessionRecord,
)
from twei.oracle.store.migrate import MIGRATIONS_TABLE, migrations
from twei.oracle.store.sqlite import (
    _POST_COLUMNS,
    _SESSION_COLUMNS,
    _SESSION_ON_CONFLICT,
    _heartbeat_row,
    _ms,
    _post,
    _session,
    _session_row,
    _SqlReads,
)

__all__ = ["PostgresStore", "migrate_postgres"]

log = logging.getLogger(__name__)

#: Key of the advisory lock that serialises migrations of replicas starting together.
_MIGRATION_LOCK = 0x7477_6569_6D69_6772  # "tweimigr"
#: What a lost or unreachable server looks like to psycopg and its pool.
_UNAVAILABLE = (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout)

# The batch's sessions in ONE statement: a column array per field, unnest()ed into rows (one
# round trip and one plan, instead of a statement per row).
_SESSION_TYPES = (
    "text", "text", "text", "bigint", "bigint", "bigint", "bigint", "bigint", "bigint", "int",
    "int", "float8", "bigint", "bigint", "float8", "bigint", "int", "bigint",
)  # fmt: skip
_SESSION_UPSERT_MANY = (
    f"INSERT INTO sessions ({_SESSION_COLUMNS}) SELECT * FROM unnest("
    + ", ".join(f"%s::{t}[]" for t in _SESSION_TYPES)
    + ")"
    + _SESSION_ON_CONFLICT
)
# Sessions this transaction locked exist already: a plain UPDATE of the fields that change.
_SESSION_UPDATE_MANY = (
    "UPDATE sessions AS s SET last_seq = u.last_seq, last_received_ms = u.lr,"
    " last_client_ms = u.lc, last_visible = u.lv, last_focused = u.lf, last_scroll_pct = u.ls,"
    " last_idle_ms = u.li, credited_ms = u.cr, max_scroll_pct = u.ms, qualified_at_ms = u.q,"
    " rewarded = u.rw, finished_ms = u.f"
    " FROM unnest(%s::text[], %s::bigint[], %s::bigint[], %s::bigint[], %s::int[], %s::int[],"
    " %s::float8[], %s::bigint[], %s::bigint[], %s::float8[], %s::bigint[], %s::int[],"
    " %s::bigint[]) AS u(id, last_seq, lr, lc, lv, lf, ls, li, cr, ms, q, rw, f)"
    " WHERE s.session_id = u.id"
)
_READER_INSERT_MANY = (
    "INSERT INTO readers (reader, credited_until_ms) SELECT r, 0 FROM unnest(%s::text[]) AS r"
    " ON CONFLICT (reader) DO NOTHING"
)
_READER_MARK_MANY = (
    "UPDATE readers AS r SET credited_until_ms = GREATEST(r.credited_until_ms, u.m)"
    " FROM unnest(%s::text[], %s::bigint[]) AS u(reader, m) WHERE r.reader = u.reader"
)
_HEARTBEAT_COPY = (
    "COPY heartbeats (session_id, seq, received_ms, client_ms, visible, focused, scroll_pct,"
    " idle_ms, credited_ms) FROM STDIN"
)


def migrate_postgres(conn: psycopg.Connection, folder: Path | None = None) -> list[int]:
    """Apply the versions this database lacks, in one transaction under an advisory lock."""
    done: list[int] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        conn.execute(MIGRATIONS_TABLE)
        applied = {v for (v,) in conn.execute("SELECT version FROM schema_migrations")}
        for migration in migrations("postgresql", folder):
            if migration.version in applied:
                continue
            conn.execute(migration.sql.encode(), prepare=False)  # several statements, no params
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_ms) VALUES (%s, %s, %s)",
                (migration.version, migration.name, int(time.time() * 1000)),
            )
            done.append(migration.version)
    return done


class _PgTx:
    """A write transaction on one pooled connection."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn
        self._locked: set[str] = set()
        self._readers: set[str] = set()

    def sessions_for_update(self, session_ids: Collection[str]) -> dict[str, SessionRecord]:
        if not session_ids:
            return {}
        rows = self._conn.execute(
            f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE session_id = ANY(%s)"
            ' ORDER BY session_id COLLATE "C" FOR UPDATE',
            (list(session_ids),),
        ).fetchall()
        self._locked.update(row[0] for row in rows)
        return {row[0]: _session(row) for row in rows}

    def readers_for_update(self, readers: Collection[str]) -> dict[str, int]:
        if not readers:
            return {}
        rows = self._conn.execute(
            "SELECT reader, credited_until_ms FROM readers WHERE reader = ANY(%s)"
            ' ORDER BY reader COLLATE "C" FOR UPDATE',
            (sorted(readers),),
        ).fetchall()
        self._readers.update(r for r, _ in rows)
        return dict(rows)

    def reward_taken(self, reader: str, post_id: int) -> bool:
        # The batch holds this reader's row lock (readers_for_update) already, so the advisory
        # lock never waits on another batch; it still guards callers that did not lock readers.
        self._conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"{reader}:{post_id}",)
        )
        # READ COMMITTED: this statement's snapshot is taken after the lock is granted, so it
        # sees a claim committed by whoever held the lock before us.
        row = self._conn.execute(
            "SELECT 1 FROM sessions WHERE reader = %s AND post_id = %s AND rewarded = 1",
            (reader, str(post_id)),
        ).fetchone()
        return row is not None

    def get_post(self, post_id: int) -> PostRecord | None:
        row = self._conn.execute(
            f"SELECT {_POST_COLUMNS} FROM posts WHERE post_id = %s", (str(post_id),)
        ).fetchone()
        return _post(row) if row else None

    def write(self, batch: Batch) -> None:
        with self._conn.cursor() as cur:
            if batch.posts:
                cur.executemany(
                    f"INSERT INTO posts ({_POST_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s)",
                    [
                        (str(p.post_id), p.author, p.word_count, p.title, p.body, p.created_ms)
                        for p in batch.posts
                    ],
                )
            changed = [_session_row(s) for s in batch.sessions.values()]
            known = [r for r in changed if r[0] in self._locked]
            other = [r for r in changed if r[0] not in self._locked]
            if known:
                columns = zip(*((r[0], *r[6:]) for r in known))
                cur.execute(_SESSION_UPDATE_MANY, [list(c) for c in columns])
            if other:
                cur.execute(_SESSION_UPSERT_MANY, [list(c) for c in zip(*other)])
            # New reader rows in one sorted order, never touching a row another batch has
            # locked (DO NOTHING), then the watermarks of the rows this one locked.
            readers = {s.reader for s in batch.sessions.values()} | batch.readers.keys()
            new = sorted(readers - self._readers)
            if new:
                cur.execute(_READER_INSERT_MANY, (new,))
            if batch.readers:
                marks = sorted(batch.readers.items())
                cur.execute(_READER_MARK_MANY, ([r for r, _ in marks], [m for _, m in marks]))
            if batch.heartbeats:
                with cur.copy(_HEARTBEAT_COPY) as copy:
                    for h in batch.heartbeats:
                        copy.write_row(_heartbeat_row(h))


class PostgresStore(_SqlReads):
    """:class:`~twei.oracle.store.base.OracleStore` on a PostgreSQL database (``url``).

    ``timeout``: seconds a request waits for a connection before the store gives up (503).
    """

    _P = "%s"
    _COLLATE_ID = ' COLLATE "C"'

    def __init__(
        self,
        url: str,
        *,
        min_size: int = 2,
        max_size: int = 8,
        timeout: float = 2.0,
        reconnect_timeout: float = 5.0,
        migrate: bool = True,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self._pool = ConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            reconnect_timeout=reconnect_timeout,
            kwargs={"connect_timeout": max(2, int(timeout))},
            name="twei-oracle",
            open=False,
        )
        self._pool.open(wait=False)
        if migrate:
            try:
                with self._pool.connection() as conn:
                    migrate_postgres(conn)
            except _UNAVAILABLE as err:
                self._pool.close()
                raise OracleUnavailable(
                    f"database unavailable at start: {_first_line(err)}"
                ) from err
            except BaseException:
                self._pool.close()
                raise

    # -- writes ---------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[_PgTx]:
        try:
            with self._pool.connection() as conn:  # commits at the end, or rolls back
                yield _PgTx(conn)
        except psycopg.errors.TransactionRollback:
            raise  # a deadlock or serialisation failure: the service runs the batch again
        except _UNAVAILABLE as err:
            self._drop_broken()
            raise OracleUnavailable(f"database unavailable: {_first_line(err)}") from err

    def commit_batch(self, batch: Batch) -> None:
        with self.transaction() as tx:
            tx.write(batch)

    # -- reads ----------------------------------------------------------------------------
    def _all(self, sql: str, args: tuple = ()) -> list[tuple[Any, ...]]:
        try:
            with self._pool.connection() as conn:
                return conn.execute(sql, args).fetchall()
        except _UNAVAILABLE as err:
            self._drop_broken()
            raise OracleUnavailable(f"database unavailable: {_first_line(err)}") from err

    def _drop_broken(self) -> None:
        """After a failure, test the idle connections and replace the broken ones, so that the
        next request does not meet a connection to a server that has restarted. (Checking
        every connection as it is taken would cost a round trip per batch.)"""
        try:
            self._pool.check()
        except Exception:  # the server is still away: the next failure checks again
            log.debug("pool check failed", exc_info=True)

    def qualifying_read_pages(
        self, start: datetime, end: datetime, page_size: int = 100_000
    ) -> Iterator[ReadPage]:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        args = (_ms(start), _ms(end))
        try:
            with self._pool.connection() as conn:
                # A named cursor is a server-side cursor: the server keeps the result and
                # sends it a page at a time; one transaction gives one consistent snapshot.
                with conn.cursor(name="twei_qualifying_reads") as cur:
                    cur.itersize = page_size
                    cur.execute(
                        "SELECT reader, post_id, credited_ms, qualified_at_ms FROM sessions"
                        " WHERE rewarded = 1 AND qualified_at_ms >= %s AND qualified_at_ms < %s"
                        ' ORDER BY reader COLLATE "C", post_id::numeric',
                        args,
                    )
                    while rows := cur.fetchmany(page_size):
                        yield [(r[0], int(r[1]), r[2], r[3]) for r in rows]
        except _UNAVAILABLE as err:
            raise OracleUnavailable(f"database unavailable: {_first_line(err)}") from err

    def issue_nonce(self, nonce: str, issued_ms: int, ttl_ms: int) -> None:
        self._all(
            "WITH gone AS (DELETE FROM sign_in_nonces WHERE issued_ms < %s)"
            " INSERT INTO sign_in_nonces VALUES (%s, %s, NULL) RETURNING 1",
            (issued_ms - ttl_ms, nonce, issued_ms),
        )

    def use_nonce(self, nonce: str, now_ms: int, ttl_ms: int) -> bool:
        rows = self._all(
            "UPDATE sign_in_nonces SET used_ms = %s"
            " WHERE nonce = %s AND used_ms IS NULL AND issued_ms >= %s RETURNING 1",
            (now_ms, nonce, now_ms - ttl_ms),
        )
        return bool(rows)

    def is_data_error(self, err: BaseException) -> bool:
        return isinstance(err, (psycopg.DataError, psycopg.IntegrityError))

    def is_transient(self, err: BaseException) -> bool:
        return isinstance(err, psycopg.errors.TransactionRollback)

    def ping(self) -> None:
        self._all("SELECT 1")

    def schema_version(self) -> int:
        return self._all("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")[0][0]

    def count_heartbeats(self) -> int:
        return self._all("SELECT COUNT(*) FROM heartbeats")[0][0]

    def close(self) -> None:
        self._pool.close()


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
