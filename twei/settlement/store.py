"""The settlement job's own SQLite store: everything it has read, decided and done, durably.

Why a store of its own: the job must be boring to operate. It reads the chain in pages and
records the last block read with each page; it records each epoch's steps (built, signed,
published, claimed) with their results; and it keeps the state that carries from day to day
(cumulative amounts, XP, levels, the (reader, post) pairs already rewarded). Each step commits
its effects and its status in one SQLite transaction, so a run killed anywhere resumes where it
stopped and a second run of a finished day does nothing.

Amounts are wei and may exceed SQLite's 64-bit integers, so they are stored as decimal TEXT and
summed in Python. Addresses are stored checksummed, exactly as the tree holds them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["JobStore", "EpochRecord", "AccountState", "STEPS"]

#: An epoch's steps, in order; an epoch's status is the last one done.
STEPS = ("built", "signed", "published", "claimed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS posts (
    post_id INTEGER PRIMARY KEY, author TEXT NOT NULL, block INTEGER NOT NULL, ts INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS comments (
    comment_id INTEGER PRIMARY KEY, post_id INTEGER NOT NULL, commenter TEXT NOT NULL,
    block INTEGER NOT NULL, ts INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS votes (
    block INTEGER NOT NULL, log_index INTEGER NOT NULL, ts INTEGER NOT NULL,
    post_id INTEGER NOT NULL, voter TEXT NOT NULL, vote INTEGER NOT NULL,
    PRIMARY KEY (block, log_index)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS votes_ts ON votes (ts);
CREATE TABLE IF NOT EXISTS reactions (
    block INTEGER NOT NULL, log_index INTEGER NOT NULL, ts INTEGER NOT NULL,
    comment_id INTEGER NOT NULL, post_id INTEGER NOT NULL, reactor TEXT NOT NULL,
    reaction INTEGER NOT NULL, PRIMARY KEY (block, log_index)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS reactions_ts ON reactions (ts);
CREATE INDEX IF NOT EXISTS reactions_comment ON reactions (comment_id, reaction, block, log_index);
-- One rewarded read per reader and post, ever: the first epoch that brought it keeps it.
CREATE TABLE IF NOT EXISTS reads (
    reader TEXT NOT NULL, post_id INTEGER NOT NULL, credited_ms INTEGER NOT NULL,
    qualified_ms INTEGER NOT NULL, epoch INTEGER NOT NULL,
    PRIMARY KEY (reader, post_id)) WITHOUT ROWID;
-- A day's reads, grouped by reader, without a lookup per row (the settlement's one pass).
DROP INDEX IF EXISTS reads_epoch;
CREATE INDEX IF NOT EXISTS reads_day ON reads (epoch, reader, post_id, credited_ms, qualified_ms);
CREATE TABLE IF NOT EXISTS accounts (
    address TEXT PRIMARY KEY, cumulative TEXT NOT NULL, xp INTEGER NOT NULL,
    level INTEGER NOT NULL) WITHOUT ROWID;
-- What each account has claimed and the level recorded, from the distributor's Claimed events
-- (twei.settlement.claims); only events at least `confirmations` deep.
CREATE TABLE IF NOT EXISTS claims (
    account TEXT PRIMARY KEY, claimed TEXT NOT NULL, level INTEGER NOT NULL) WITHOUT ROWID;
-- Every stored Claimed event once, by its place in the chain: `claims` is their sum per account,
-- so a page read twice (two runs at once, a retry) adds nothing.
CREATE TABLE IF NOT EXISTS claim_events (
    block INTEGER NOT NULL, log_index INTEGER NOT NULL, account TEXT NOT NULL,
    amount TEXT NOT NULL, level INTEGER NOT NULL, PRIMARY KEY (block, log_index)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS epochs (
    epoch INTEGER PRIMARY KEY, status TEXT NOT NULL, root TEXT, total TEXT, data_hash TEXT,
    leaves INTEGER, genesis INTEGER NOT NULL DEFAULT 0, tx TEXT);
-- Each built day's undo log: the accounts it changed, as they were before it (existed = 0: the
-- day created the account). A revoked day is rolled back with it and built again.
CREATE TABLE IF NOT EXISTS account_undo (
    epoch INTEGER NOT NULL, address TEXT NOT NULL, cumulative TEXT, xp INTEGER, level INTEGER,
    existed INTEGER NOT NULL, PRIMARY KEY (epoch, address)) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class EpochRecord:
    """What the store knows of one epoch: its last step done and the built root."""

    epoch: int
    status: str
    root: str | None
    total: int | None
    data_hash: str | None
    leaves: int | None
    genesis: bool
    tx: str | None

    def done(self, step: str) -> bool:
        """Whether ``step`` (one of :data:`STEPS`) is done for this epoch."""
        return STEPS.index(self.status) >= STEPS.index(step)


@dataclass
class AccountState:
    """What carries over from day to day for one account."""

    cumulative: int = 0
    xp: int = 0
    level: int = 0


class JobStore:
    """The job's SQLite file (WAL, synchronous FULL: a committed step survives a power cut)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        # A day inserts ~a million reads at random keys: a 256 MiB page cache keeps the B-trees
        # in memory instead of re-reading pages (SQLite's default is 2 MiB).
        self.db.execute("PRAGMA cache_size=-262144")
        self.db.execute("PRAGMA temp_store=MEMORY")
        had_events = self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'claim_events'"
        ).fetchone()
        self.db.executescript(_SCHEMA)
        if not had_events:
            # A store from before claim_events summed pages without their events' keys, and
            # overlapping runs could count a page twice: forget those totals and read the
            # Claimed events again from the distributor's deployment block.
            with self.transaction() as db:
                db.execute("DELETE FROM claims")
                db.execute("DELETE FROM meta WHERE key = 'claims_block'")

    @classmethod
    def reader(cls, path: str | Path) -> "JobStore":
        """A read-only connection to the store in ``path`` (created already): for work that runs
        beside the job's own connection (twei.settlement.job: the accounts and trust weights
        while the day's reads are imported). It sees what is committed; it cannot write."""
        store = cls.__new__(cls)
        store.path = Path(path)
        store.db = sqlite3.connect(f"file:{store.path}?mode=ro", uri=True, isolation_level=None)
        store.db.execute("PRAGMA cache_size=-65536")
        return store

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic, durable unit of work."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # ------------------------------------------------------------------ meta

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, db: sqlite3.Connection, key: str, value: object) -> None:
        db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, str(value)))

    @property
    def last_block(self) -> int | None:
        """The last block whose Engagement events are all stored (None before the first page)."""
        value = self.get_meta("last_block")
        return None if value is None else int(value)

    # ------------------------------------------------------------------ events

    def add_events(
        self,
        db: sqlite3.Connection,
        *,
        posts: Iterable[tuple] = (),
        comments: Iterable[tuple] = (),
        votes: Iterable[tuple] = (),
        reactions: Iterable[tuple] = (),
    ) -> None:
        """Insert decoded events (re-inserting one already stored is a no-op)."""
        db.executemany("INSERT OR IGNORE INTO posts VALUES (?, ?, ?, ?)", posts)
        db.executemany("INSERT OR IGNORE INTO comments VALUES (?, ?, ?, ?, ?)", comments)
        db.executemany("INSERT OR IGNORE INTO votes VALUES (?, ?, ?, ?, ?, ?)", votes)
        db.executemany("INSERT OR IGNORE INTO reactions VALUES (?, ?, ?, ?, ?, ?, ?)", reactions)

    def add_reads(self, db: sqlite3.Connection, epoch: int, reads: Iterable[tuple[str, int, int, int]]) -> None:
        """Record the epoch's qualifying reads (reader, post, credited ms, qualified ms); a pair
        rewarded on an earlier day keeps that day, so it is never rewarded again."""
        db.executemany(
            "INSERT OR IGNORE INTO reads VALUES (?, ?, ?, ?, ?)",
            ((reader, post, credited, qualified, epoch) for reader, post, credited, qualified in reads),
        )

    def import_read_pages(self, epoch: int, pages: Iterable[list[tuple[str, int, int, int]]]) -> int:
        """:meth:`add_reads` for a stream of pages of plain tuples (reader, post, credited ms,
        qualified ms), as ``OracleStore.qualifying_read_pages`` yields them: ``executemany`` of
        the tuples as they come (the epoch is a literal of the statement), all in one
        transaction. Returns the rows inserted."""
        sql = (
            "INSERT OR IGNORE INTO reads (reader, post_id, credited_ms, qualified_ms, epoch)"
            f" VALUES (?, ?, ?, ?, {int(epoch)})"
        )
        inserted = 0
        with self.transaction() as db:
            for page in pages:
                inserted += db.executemany(sql, page).rowcount
        return inserted

    def import_oracle_reads(self, oracle_db: str | Path, epoch: int, start_ms: int, end_ms: int) -> int:
        """The fast path of :meth:`add_reads` for the oracle's own SQLite store: one
        ``INSERT ... SELECT`` across the two files, no Python object per read. The oracle stores
        readers checksummed (its API normalises them), as this store does. Returns the rows
        inserted. Runs in its own transaction, before the day's build."""
        self.db.execute("ATTACH DATABASE ? AS oracle", (str(oracle_db),))
        # The oracle's partial index sessions_rewarded_day covers this query: one sequential range
        # scan (no row look-up per read), then SQLite's sorter puts the rows in key order.
        try:
            with self.transaction() as db:
                cursor = db.execute(
                    "INSERT OR IGNORE INTO reads (reader, post_id, credited_ms, qualified_ms, epoch)"
                    " SELECT reader, CAST(post_id AS INTEGER), credited_ms, qualified_at_ms, ?"
                    " FROM oracle.sessions WHERE rewarded = 1 AND qualified_at_ms >= ? AND qualified_at_ms < ?"
                    " ORDER BY reader, CAST(post_id AS INTEGER)",  # key order: B-tree appends, not random inserts
                    (epoch, start_ms, end_ms),
                )
                return cursor.rowcount
        finally:
            self.db.execute("DETACH DATABASE oracle")

    def first_event_ts(self) -> int | None:
        row = self.db.execute(
            "SELECT MIN(ts) FROM (SELECT MIN(ts) AS ts FROM posts UNION ALL SELECT MIN(ts) FROM votes"
            " UNION ALL SELECT MIN(ts) FROM reactions UNION ALL SELECT MIN(ts) FROM comments)"
        ).fetchone()
        return row[0]

    # ------------------------------------------------------------------ accounts

    def accounts(self) -> dict[str, AccountState]:
        """Every account ever seen, with its carried state."""
        return {
            address: AccountState(int(cumulative), xp, level)
            for address, cumulative, xp, level in self.db.execute(
                "SELECT address, cumulative, xp, level FROM accounts"
            )
        }

    def save_undo(self, db: sqlite3.Connection, epoch: int, before: dict[str, AccountState | None]) -> None:
        """Record how the accounts ``epoch`` changes were before it (None: it created them)."""
        db.executemany(
            "INSERT OR REPLACE INTO account_undo VALUES (?, ?, ?, ?, ?, ?)",
            (
                (epoch, a, None, None, None, 0) if s is None else (epoch, a, str(s.cumulative), s.xp, s.level, 1)
                for a, s in before.items()
            ),
        )

    def roll_back_from(self, epoch: int) -> list[int]:
        """Forget every day from ``epoch`` on, as if never built: the accounts as they were
        before it (from the undo logs, newest day first), its reads free to be imported again.
        Chain events stay (they are facts). Returns the epochs forgotten, in one transaction."""
        with self.transaction() as db:
            epochs = [row[0] for row in db.execute("SELECT epoch FROM epochs WHERE epoch >= ? ORDER BY epoch DESC", (epoch,))]
            for day in epochs:
                db.execute(
                    "INSERT OR REPLACE INTO accounts SELECT address, cumulative, xp, level FROM account_undo"
                    " WHERE epoch = ? AND existed = 1",
                    (day,),
                )
                db.execute(
                    "DELETE FROM accounts WHERE address IN (SELECT address FROM account_undo WHERE epoch = ? AND existed = 0)",
                    (day,),
                )
            db.execute("DELETE FROM account_undo WHERE epoch >= ?", (epoch,))
            db.execute("DELETE FROM reads WHERE epoch >= ?", (epoch,))
            db.execute("DELETE FROM epochs WHERE epoch >= ?", (epoch,))
        return sorted(epochs)

    def record_unpublished(self, epoch: int) -> None:
        """Take a publish back (its transaction left the chain in a reorg): sign is the last step."""
        with self.transaction() as db:
            db.execute("UPDATE epochs SET status = 'signed', tx = NULL WHERE epoch = ?", (epoch,))

    def save_accounts(self, db: sqlite3.Connection, changed: dict[str, AccountState]) -> None:
        db.executemany(
            "INSERT OR REPLACE INTO accounts VALUES (?, ?, ?, ?)",
            ((a, str(s.cumulative), s.xp, s.level) for a, s in changed.items()),
        )

    # ------------------------------------------------------------------ epochs

    def epoch(self, epoch: int) -> EpochRecord | None:
        row = self.db.execute(
            "SELECT epoch, status, root, total, data_hash, leaves, genesis, tx FROM epochs WHERE epoch = ?",
            (epoch,),
        ).fetchone()
        return _record(row) if row else None

    def last_built_epoch(self) -> int | None:
        row = self.db.execute("SELECT MAX(epoch) FROM epochs").fetchone()
        return row[0]

    def epochs(self) -> list[EpochRecord]:
        rows = self.db.execute(
            "SELECT epoch, status, root, total, data_hash, leaves, genesis, tx FROM epochs ORDER BY epoch"
        )
        return [_record(r) for r in rows]

    def record_built(
        self, db: sqlite3.Connection, epoch: int, root: str | None, total: int, data_hash: str, leaves: int, genesis: bool = False
    ) -> None:
        db.execute(
            "INSERT INTO epochs (epoch, status, root, total, data_hash, leaves, genesis) VALUES (?, 'built', ?, ?, ?, ?, ?)",
            (epoch, root, str(total), data_hash, leaves, int(genesis)),
        )

    def record_step(self, epoch: int, step: str, tx: str | None = None) -> None:
        """Mark ``step`` done for ``epoch`` (never moves a status backwards)."""
        current = self.epoch(epoch)
        if current is None or current.done(step):
            return
        with self.transaction() as db:
            db.execute(
                "UPDATE epochs SET status = ?, tx = COALESCE(?, tx) WHERE epoch = ?", (step, tx, epoch)
            )


def _record(row: tuple) -> EpochRecord:
    epoch, status, root, total, data_hash, leaves, genesis, tx = row
    return EpochRecord(epoch, status, root, None if total is None else int(total), data_hash, leaves, bool(genesis), tx)
