"""The site's store in one SQLite file (WAL): the default, for one site process.

A name is claimed in one ``BEGIN IMMEDIATE`` transaction (the check that no other account holds
the skeleton, then the upsert), so even two processes on the same file cannot both take
look-alike names; a unique index on the skeleton backs it up (not created on a file from before
skeletons that holds two look-alike names already: the check still holds for new names).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from twei.site.store.base import Claim, NameChange

__all__ = ["SQLiteTexts"]

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS texts (hash BLOB PRIMARY KEY, text TEXT NOT NULL, added_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS names (account TEXT PRIMARY KEY, name TEXT NOT NULL, set_ms INTEGER NOT NULL, skeleton TEXT);
"""


class SQLiteTexts:
    """One file per deployment (``<root>/site/texts.db``): the chain id is the file's, not a column."""

    def __init__(self, path: str | Path) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(names)")}
        if "skeleton" not in columns:  # a store from before names had skeletons
            self._db.execute("ALTER TABLE names ADD COLUMN skeleton TEXT")
        if "changed_ms" not in columns:
            self._db.execute("ALTER TABLE names ADD COLUMN changed_ms INTEGER NOT NULL DEFAULT 0")
        self._db.execute("CREATE INDEX IF NOT EXISTS names_changed ON names (changed_ms)")
        self._unique_skeletons()

    def fill_skeletons(self, skeleton_of: Callable[[str], str]) -> None:
        """Give the names of a store from before skeletons theirs (then index them)."""
        with self._lock:
            for account, name in self._db.execute("SELECT account, name FROM names WHERE skeleton IS NULL").fetchall():
                self._db.execute("UPDATE names SET skeleton = ? WHERE account = ?", (skeleton_of(name), account))
        self._unique_skeletons()

    def _unique_skeletons(self) -> None:
        try:
            self._db.execute("CREATE UNIQUE INDEX IF NOT EXISTS names_skeleton ON names (skeleton)")
        except sqlite3.IntegrityError:
            log.warning("texts store: two accounts hold look-alike names already; new names are still checked")

    def add_text(self, digest: bytes, text: str, added_ms: int) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO texts (hash, text, added_ms) VALUES (?, ?, ?)"
                " ON CONFLICT (hash) DO UPDATE SET added_ms = MAX(texts.added_ms, excluded.added_ms)",
                (digest, text, added_ms),
            )

    def get_text(self, digest: bytes) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT text FROM texts WHERE hash = ?", (digest,)).fetchone()
        return row[0] if row else None

    def old_texts(self, before_ms: int) -> list[bytes]:
        with self._lock:
            return [bytes(h) for (h,) in self._db.execute("SELECT hash FROM texts WHERE added_ms < ?", (before_ms,))]

    def delete_texts(self, digests: list[bytes], before_ms: int) -> int:
        with self._lock:
            cur = self._db.executemany("DELETE FROM texts WHERE hash = ? AND added_ms < ?", [(d, before_ms) for d in digests])
            return cur.rowcount

    def claim_name(self, chain_id: int, account: str, name: str, set_ms: int, skeleton: str) -> Claim:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                taken = self._db.execute(
                    "SELECT 1 FROM names WHERE skeleton = ? AND account != ?", (skeleton, account)
                ).fetchone()
                if taken:
                    self._db.execute("ROLLBACK")
                    return Claim.TAKEN
                changed = self._db.execute(
                    "INSERT INTO names (account, name, set_ms, skeleton, changed_ms) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT (account) DO UPDATE SET name = excluded.name, set_ms = excluded.set_ms,"
                    " skeleton = excluded.skeleton, changed_ms = excluded.changed_ms WHERE excluded.set_ms > names.set_ms",
                    (account, name, set_ms, skeleton, int(time.time() * 1000)),
                ).rowcount
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return Claim.SET if changed else Claim.OLDER

    def names(self, chain_id: int, accounts: list[str]) -> dict[str, str]:
        if not accounts:
            return {}
        marks = ",".join("?" * len(accounts))
        with self._lock:
            rows = self._db.execute(f"SELECT account, name FROM names WHERE account IN ({marks})", accounts).fetchall()  # noqa: S608 (placeholders only)
        return dict(rows)

    def name_changes(self, chain_id: int, since_ms: int) -> tuple[int, list[NameChange]]:
        now = int(time.time() * 1000)
        with self._lock:
            rows = self._db.execute(
                "SELECT account, set_ms, changed_ms FROM names WHERE changed_ms >= ?", (since_ms,)
            ).fetchall()
        return now, [NameChange(*row) for row in rows]

    def close(self) -> None:
        self._db.close()
