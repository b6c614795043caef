"""The site's store in PostgreSQL, shared by every site replica (psycopg 3 and its pool, as the
oracle's store; its database is fine: the tables are the site's own, ``site_texts`` and
``site_names``).

What keeps replicas correct is in the database, not in a process:

- a text is inserted under its keccak256 (``ON CONFLICT``: two replicas adding the same text
  store it once) and committed before its hash is answered (accepted data is never lost with the
  replica); adding it again makes it young again, and a prune deletes only rows still old when
  it deletes them, so a text re-sent while another replica prunes is kept;
- ``site_names`` has a unique index on (chain, skeleton): of two accounts racing on two replicas
  for look-alike names, the second insert waits for the first's commit and then fails with a
  unique violation, answered ``Claim.TAKEN``;
- a name is replaced only by a newer signature (``ON CONFLICT … DO UPDATE … WHERE
  excluded.set_ms > site_names.set_ms``, which locks the row: two changes of one account's name
  apply in signature order whatever the replica);
- ``changed_ms`` is the database's clock at the change, so :meth:`name_changes` reads the same
  timeline from every replica.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from twei.site.store.base import Claim, NameChange, TextStoreUnavailable

__all__ = ["PostgresTexts"]

log = logging.getLogger(__name__)

_UNAVAILABLE = (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout)
#: Serialises the schema's creation by replicas starting together ("tweisite").
_SCHEMA_LOCK = 0x7477_6569_7369_7465
_NOW_MS = "(extract(epoch from clock_timestamp()) * 1000)::bigint"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS site_texts (
    hash BYTEA PRIMARY KEY CHECK (octet_length(hash) = 32),
    text TEXT NOT NULL,
    added_ms BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS site_texts_added ON site_texts (added_ms);
CREATE TABLE IF NOT EXISTS site_names (
    chain_id BIGINT NOT NULL,
    account TEXT NOT NULL,
    name TEXT NOT NULL,
    set_ms BIGINT NOT NULL,
    skeleton TEXT NOT NULL,
    changed_ms BIGINT NOT NULL,
    PRIMARY KEY (chain_id, account)
);
CREATE UNIQUE INDEX IF NOT EXISTS site_names_skeleton ON site_names (chain_id, skeleton);
CREATE INDEX IF NOT EXISTS site_names_changed ON site_names (chain_id, changed_ms);
"""


def _first_line(err: BaseException) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


class PostgresTexts:
    def __init__(self, url: str, *, max_size: int = 4, timeout: float = 2.0) -> None:
        self._pool = ConnectionPool(
            url, min_size=1, max_size=max_size, timeout=timeout, reconnect_timeout=5.0,
            kwargs={"connect_timeout": max(2, int(timeout))}, name="twei-site", open=False,
        )  # fmt: skip
        self._pool.open(wait=False)
        try:
            with self._pool.connection() as conn, conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                conn.execute(_SCHEMA.encode(), prepare=False)
        except _UNAVAILABLE as err:
            self._pool.close()
            raise TextStoreUnavailable(f"the site's database is unavailable at start: {_first_line(err)}") from err
        except BaseException:
            self._pool.close()
            raise

    @contextmanager
    def _conn(self) -> Iterator[psycopg.Connection[Any]]:
        try:
            with self._pool.connection() as conn:  # commits on the way out (rolls back on an error)
                yield conn
        except _UNAVAILABLE as err:
            try:
                self._pool.check()  # replace the broken connections before the next request
            except Exception:
                log.debug("pool check failed", exc_info=True)
            raise TextStoreUnavailable(f"the site's database is unavailable: {_first_line(err)}") from err

    def _rows(self, sql: str, args: tuple = ()) -> list[tuple[Any, ...]]:
        with self._conn() as conn:
            return conn.execute(sql, args).fetchall()

    def _count(self, sql: str, args: tuple = ()) -> int:
        with self._conn() as conn:
            return conn.execute(sql, args).rowcount

    def add_text(self, digest: bytes, text: str, added_ms: int) -> None:
        self._count(
            "INSERT INTO site_texts (hash, text, added_ms) VALUES (%s, %s, %s)"
            " ON CONFLICT (hash) DO UPDATE SET added_ms = GREATEST(site_texts.added_ms, excluded.added_ms)",
            (digest, text, added_ms),
        )

    def get_text(self, digest: bytes) -> str | None:
        rows = self._rows("SELECT text FROM site_texts WHERE hash = %s", (digest,))
        return rows[0][0] if rows else None

    def old_texts(self, before_ms: int) -> list[bytes]:
        return [bytes(h) for (h,) in self._rows("SELECT hash FROM site_texts WHERE added_ms < %s", (before_ms,))]

    def delete_texts(self, digests: list[bytes], before_ms: int) -> int:
        if not digests:
            return 0
        return self._count("DELETE FROM site_texts WHERE hash = ANY(%s) AND added_ms < %s", (digests, before_ms))

    def claim_name(self, chain_id: int, account: str, name: str, set_ms: int, skeleton: str) -> Claim:
        try:
            changed = self._count(
                "INSERT INTO site_names (chain_id, account, name, set_ms, skeleton, changed_ms)"
                f" VALUES (%s, %s, %s, %s, %s, {_NOW_MS})"
                " ON CONFLICT (chain_id, account) DO UPDATE SET name = excluded.name, set_ms = excluded.set_ms,"
                " skeleton = excluded.skeleton, changed_ms = excluded.changed_ms"
                " WHERE excluded.set_ms > site_names.set_ms",
                (chain_id, account, name, set_ms, skeleton),
            )
        except psycopg.errors.UniqueViolation:
            return Claim.TAKEN  # site_names_skeleton: another account's name looks the same
        return Claim.SET if changed else Claim.OLDER

    def names(self, chain_id: int, accounts: list[str]) -> dict[str, str]:
        if not accounts:
            return {}
        rows = self._rows(
            "SELECT account, name FROM site_names WHERE chain_id = %s AND account = ANY(%s)", (chain_id, list(accounts))
        )
        return dict(rows)

    def name_changes(self, chain_id: int, since_ms: int) -> tuple[int, list[NameChange]]:
        with self._conn() as conn:
            now = conn.execute(f"SELECT {_NOW_MS}").fetchone()[0]
            rows = conn.execute(
                "SELECT account, set_ms, changed_ms FROM site_names WHERE chain_id = %s AND changed_ms >= %s",
                (chain_id, since_ms),
            ).fetchall()
        return now, [NameChange(*row) for row in rows]

    def close(self) -> None:
        self._pool.close()
