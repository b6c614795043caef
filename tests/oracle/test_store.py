"""The storage contract: the same tests, unchanged, against SQLite and a real PostgreSQL server.

``store`` / ``store_factory`` (tests/oracle/conftest.py) are parametrised over both engines; the
PostgreSQL one is a private cluster this session started (twei.toolchain.postgres). Then the
service (:class:`Oracle`) on each store: failed commits, restarts, the day of a read, and two
service instances sharing one database.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from twei.errors import OracleUnavailable, ReplayedHeartbeat
from twei.oracle.service import HeartbeatInput, Oracle
from twei.oracle.store import (
    Batch,
    HeartbeatRecord,
    OracleStore,
    PostRecord,
    SessionRecord,
    SQLiteStore,
    utc_day,
)
from twei.oracle.store.migrate import latest_version

DAY = datetime(2026, 11, 25, tzinfo=UTC)
MS = int(DAY.timestamp() * 1000)
AUTHOR = "0x" + "a1" * 20
READER = "0x" + "b2" * 20
INTEGRITY = (sqlite3.IntegrityError, psycopg.IntegrityError)


def post(post_id=1):
    return PostRecord(post_id, AUTHOR, 238, "t", "b", MS)


def session(sid, post_id=1, reader=READER, **kw):
    return SessionRecord(sid, post_id, reader, MS, 0, 60_000, **kw)


# -- the store itself -------------------------------------------------------------------------


def test_store__is_an_oracle_store_at_the_latest_schema(store, store_factory):
    assert isinstance(store, OracleStore)
    assert store.schema_version() == latest_version(store_factory.engine) >= 1
    store.ping()
    assert store.count_heartbeats() == 0


def test_sqlite__runs_in_wal_with_synchronous_full(tmp_path):
    s = SQLiteStore(tmp_path / "o.db")
    assert s._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert s._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    s.close()


def test_sqlite__refuses_an_unknown_synchronous_mode(tmp_path):
    with pytest.raises(ValueError, match="synchronous must be"):
        SQLiteStore(tmp_path / "o.db", synchronous="OFF")


def test_store__uint256_post_ids_round_trip(store):
    big = 2**256 - 1
    store.commit_batch(Batch([post(big)], {}, []))
    assert store.get_post(big) == post(big)
    assert store.get_post(5) is None


def test_store__batch_is_all_or_nothing(store):
    store.commit_batch(Batch([post()], {"s": session("s", last_seq=1)}, []))
    beat = HeartbeatRecord("s", 1, MS, MS, True, True, 0.0, None, 0)
    store.commit_batch(Batch([], {}, [beat]))
    with pytest.raises(INTEGRITY):
        # a new session and a duplicate heartbeat in one batch: neither is kept
        store.commit_batch(Batch([], {"t": session("t")}, [beat]))
    assert store.get_session("t") is None
    assert store.count_heartbeats() == 1


def test_store__session_upsert_keeps_the_latest_state(store):
    store.commit_batch(Batch([post()], {"s": session("s")}, []))
    latest = session("s", last_seq=3, last_received_ms=MS + 5, last_client_ms=MS + 4,
                     last_visible=True, last_focused=True, last_scroll_pct=80.5, last_idle_ms=7,
                     credited_ms=30_000, max_scroll_pct=90.25, qualified_at_ms=MS + 5,
                     rewarded=True, finished_ms=MS + 6)  # fmt: skip
    store.commit_batch(Batch([], {"s": latest}, []))
    assert store.get_session("s") == latest
    assert store.get_session("nope") is None


def test_store__one_rewarded_session_per_reader_and_post(store):
    store.commit_batch(Batch([post()], {"s": session("s", rewarded=True)}, []))
    with pytest.raises(INTEGRITY):
        store.commit_batch(Batch([], {"t": session("t", rewarded=True)}, []))
    assert store.rewarded_session(READER, 1).session_id == "s"
    assert store.rewarded_session(AUTHOR, 1) is None


def test_store__reader_sessions_oldest_first(store):
    sessions = {sid: SessionRecord(sid, 1, READER, MS + n, 0, 60_000)
                for n, sid in enumerate(["b", "A", "a"])}  # fmt: skip
    sessions["same-time"] = SessionRecord("Z", 1, READER, MS, 0, 60_000)
    store.commit_batch(Batch([post()], {s.session_id: s for s in sessions.values()}, []))
    assert [s.session_id for s in store.reader_sessions(READER, 1)] == ["Z", "b", "A", "a"]
    assert store.reader_sessions(AUTHOR, 1) == []


def _day_sessions() -> dict[str, SessionRecord]:
    day_ms = 86_400_000
    return {
        "before": session("before", qualified_at_ms=MS - 1, rewarded=True, credited_ms=1),
        "start": session(
            "start", reader="0x" + "01" * 20, qualified_at_ms=MS, rewarded=True, credited_ms=31_500
        ),
        "last": session(
            "last",
            reader="0x" + "02" * 20,
            qualified_at_ms=MS + day_ms - 1,
            rewarded=True,
            credited_ms=90_000,
        ),
        "end": session("end", reader="0x" + "03" * 20, qualified_at_ms=MS + day_ms, rewarded=True),
        "unrewarded": session("unrewarded", reader="0x" + "04" * 20, qualified_at_ms=MS + 5),
    }


def test_store__qualifying_reads_of_a_utc_day(store):
    store.commit_batch(Batch([post()], _day_sessions(), []))
    assert utc_day(DAY.date()) == (DAY, DAY + timedelta(days=1))
    reads = store.qualifying_reads(*utc_day(DAY.date()))
    assert [(r.session_id, r.credited_ms, r.credited_seconds) for r in reads] == [
        ("start", 31_500, 31),
        ("last", 90_000, 90),
    ]
    assert reads[0].qualified_at == DAY and reads[0].post_id == 1
    assert reads[0].qualified_at_s == int(DAY.timestamp())
    with pytest.raises(ValueError, match="timezone-aware"):
        store.qualifying_reads(datetime(2026, 11, 25), datetime(2026, 11, 26))


def test_store__qualifying_read_pages_stream_the_day_by_reader_and_post(store):
    posts = [post(p) for p in (1, 2, 3, 10)]
    readers = ["0x" + "Aa" * 20, "0x" + "aA" * 20, "0x" + "0B" * 20]  # byte order: 0B < Aa < aA
    sessions = {}
    for n, (reader, post_id) in enumerate((r, p) for r in reversed(readers) for p in (3, 1, 2)):
        sid = f"s{n}"
        sessions[sid] = SessionRecord(sid, post_id, reader, MS, 0, 60_000, credited_ms=1_000 + n,
                                      qualified_at_ms=MS + 60_000 * n, rewarded=True)  # fmt: skip
    sessions.update(_day_sessions())  # two more of the day (post 1), three outside or unrewarded
    sessions["ten"] = SessionRecord("ten", 10, readers[2], MS, 0, 60_000, credited_ms=5,
                                    qualified_at_ms=MS + 9, rewarded=True)  # fmt: skip
    store.commit_batch(Batch(posts, sessions, []))
    pages = list(store.qualifying_read_pages(*utc_day(DAY.date()), page_size=4))
    assert [len(p) for p in pages] == [4, 4, 4]
    rows = [row for page in pages for row in page]
    assert rows == sorted(rows, key=lambda r: (r[0].encode(), r[1]))
    assert rows[:3] == [("0x" + "01" * 20, 1, 31_500, MS), ("0x" + "02" * 20, 1, 90_000, MS + 86_399_999),
                        ("0x" + "0B" * 20, 1, 1_001, MS + 60_000)]  # fmt: skip
    expected = {(r.reader, r.post_id, r.credited_ms, round(r.qualified_at.timestamp() * 1000))
                for r in store.qualifying_reads(*utc_day(DAY.date()))}  # fmt: skip
    assert [r[1] for r in rows[2:6]] == [1, 2, 3, 10]  # post ids in numeric order
    assert set(rows) == expected and len(rows) == len(expected) == 12
    assert list(store.qualifying_read_pages(DAY - timedelta(days=3), DAY - timedelta(days=2))) == []
    assert [len(p) for p in store.qualifying_read_pages(*utc_day(DAY.date()))] == [12]


def test_store__state_survives_closing_and_reopening(store_factory):
    first = store_factory()
    first.commit_batch(Batch([post()], {"s": session("s", last_seq=2)}, []))
    first.close()
    again = store_factory()
    assert again.get_session("s").last_seq == 2
    assert again.schema_version() == latest_version(store_factory.engine)


def test_transaction__reads_committed_state_and_rolls_back_on_error(store):
    store.commit_batch(Batch([post()], {"s": session("s", last_seq=4)}, []))
    with pytest.raises(RuntimeError, match="boom"):
        with store.transaction() as tx:
            assert tx.sessions_for_update(["s", "missing"]) == {"s": session("s", last_seq=4)}
            assert tx.get_post(1) == post() and tx.get_post(2) is None
            assert not tx.reward_taken(READER, 1)
            tx.write(Batch([post(2)], {"s": session("s", last_seq=5, rewarded=True)}, []))
            raise RuntimeError("boom")
    assert store.get_session("s").last_seq == 4 and store.get_post(2) is None
    with store.transaction() as tx:
        tx.write(Batch([], {"s": session("s", last_seq=5, rewarded=True)}, []))
    with store.transaction() as tx:
        assert tx.reward_taken(READER, 1) and tx.sessions_for_update([]) == {}


# -- migrations -------------------------------------------------------------------------------


def test_migrations__a_later_version_is_applied_once_and_recorded(store_factory, tmp_path):
    from twei.oracle.store.migrate import migrations

    folder = tmp_path / "migrations"
    folder.mkdir()
    for m in migrations("sqlite"):
        (folder / f"{m.version:04d}_{m.name}.sql").write_text(m.sql)
    new = len(migrations("sqlite")) + 1
    (folder / f"{new:04d}_reader_index.sql").write_text(
        "CREATE INDEX sessions_reader ON sessions (reader);"
    )
    (folder / f"{new:04d}_reader_index.postgresql.sql").write_text(
        'CREATE INDEX sessions_reader ON sessions (reader COLLATE "C");'
    )
    store = store_factory()
    store.commit_batch(Batch([post()], {"s": session("s")}, []))
    if store_factory.engine == "sqlite":
        from twei.oracle.store.sqlite import migrate_sqlite

        with store._lock:
            assert migrate_sqlite(store._db, folder) == [new]
            assert migrate_sqlite(store._db, folder) == []
    else:
        from twei.oracle.store.postgres import migrate_postgres

        with psycopg.connect(store.url) as conn:
            assert migrate_postgres(conn, folder) == [new]
            assert migrate_postgres(conn, folder) == []
    assert store.schema_version() == new
    assert store.get_session("s") == session("s")  # the data is still there


def test_migrations__a_sqlite_file_from_before_migrations_is_adopted(tmp_path):
    from twei.oracle.store.migrate import migrations

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:  # what the first oracle created: tables, no versions
        old.executescript(migrations("sqlite")[0].sql)
        old.execute("INSERT INTO posts VALUES ('1', 'a', 1, 't', 'b', 0)")
    store = SQLiteStore(path)  # version 1 recorded as found, the later ones applied
    assert store.schema_version() == latest_version("sqlite") and store.get_post(1).author == "a"
    assert store._all("SELECT version FROM schema_migrations ORDER BY version") == [
        (v,) for v in range(1, latest_version("sqlite") + 1)
    ]
    store.close()


# -- the service on each store ----------------------------------------------------------------


class FlakyStore:
    """A store whose next transaction fails at commit, as a full disk or a lost server would."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.fail_next = False

    @contextmanager
    def transaction(self):
        with self.inner.transaction() as tx:
            yield tx
            if self.fail_next:
                self.fail_next = False
                raise OSError("database or disk is full")

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_oracle__failed_commit_answers_unavailable_and_forgets_the_change(store):
    flaky = FlakyStore(store)
    now = [MS / 1000]
    oracle = Oracle(flaky, clock=lambda: now[0])
    try:
        oracle.call("register_post", 1, AUTHOR, 238, "t", "b")
        sid = oracle.call("start_session", 1, READER, MS)[0].session_id
        beat = HeartbeatInput(1, True, True, 80.0, 0, MS)
        flaky.fail_next = True
        with pytest.raises(OracleUnavailable, match="nothing acknowledged"):
            oracle.call("heartbeat", sid, beat)
        assert flaky.count_heartbeats() == 0
        # the same heartbeat again is not a replay: the failed one never happened
        assert oracle.call("heartbeat", sid, beat).last_seq == 1
        assert flaky.count_heartbeats() == 1
    finally:
        oracle.close()


def test_oracle__stopped_oracle_refuses_work(store):
    oracle = Oracle(store)
    oracle.close()
    with pytest.raises(OracleUnavailable, match="stopping"):
        oracle.call("register_post", 1, AUTHOR, 238, "t", "b")


def test_oracle__reads_back_from_the_store_after_a_restart(store_factory):
    now = [MS / 1000]
    oracle = Oracle(store_factory(), clock=lambda: now[0])
    oracle.call("register_post", 1, AUTHOR, 238, "t", "b")
    sid = oracle.call("start_session", 1, READER, MS)[0].session_id
    oracle.call("heartbeat", sid, HeartbeatInput(1, True, True, 80.0, 0, MS))
    oracle.close()
    now[0] += 15
    oracle = Oracle(store_factory(), clock=lambda: now[0])
    try:
        after = oracle.call("heartbeat", sid, HeartbeatInput(2, True, True, 90.0, 0, MS + 15_000))
        assert (after.last_seq, after.credited_ms) == (2, 15_000)
    finally:
        oracle.close()


def test_oracle__qualified_read_is_in_the_day_of_its_server_qualification_time(store):
    now = [MS / 1000 + 3_600]
    oracle = Oracle(store, clock=lambda: now[0])
    try:
        oracle.call("register_post", 1, AUTHOR, 238, "t", "b")
        sid = oracle.call("start_session", 1, READER, None)[0].session_id
        for seq in range(1, 4):  # 0, 15, 30 s: credited 30 s = half of the 60 s Time to Read
            client = int(now[0] * 1000)
            oracle.call("heartbeat", sid, HeartbeatInput(seq, True, True, 100.0, 0, client))
            now[0] += 15
        (read,) = store.qualifying_reads(DAY, DAY + timedelta(days=1))
        assert (read.session_id, read.reader, read.credited_ms) == (sid, READER, 30_000)
        assert read.qualified_at == DAY + timedelta(hours=1, seconds=30)
        assert store.qualifying_reads(DAY + timedelta(days=1), DAY + timedelta(days=2)) == []
    finally:
        oracle.close()


def test_oracle__failed_commit_of_the_qualifying_beat_leaves_the_reward_unclaimed(store):
    flaky = FlakyStore(store)
    now = [MS / 1000]
    oracle = Oracle(flaky, clock=lambda: now[0])
    try:
        oracle.call("register_post", 1, AUTHOR, 119, "t", "b")  # 30 s to read
        sid = oracle.call("start_session", 1, READER, None)[0].session_id
        oracle.call("heartbeat", sid, HeartbeatInput(1, True, True, 100.0, 0, MS))
        now[0] += 15
        qualifying = HeartbeatInput(2, True, True, 100.0, 0, MS + 15_000)
        flaky.fail_next = True
        with pytest.raises(OracleUnavailable):
            oracle.call("heartbeat", sid, qualifying)
        assert flaky.rewarded_session(READER, 1) is None
        after = oracle.call("heartbeat", sid, qualifying)
        assert after.rewarded and after.qualified_at_ms == MS + 15_000
        assert flaky.rewarded_session(READER, 1).session_id == sid
    finally:
        oracle.close()


def test_oracle__two_instances_on_one_store_share_sessions_and_the_one_reward(store_factory):
    """Replicas in one process: a session's heartbeats alternate between two services."""
    now = [MS / 1000]
    a = Oracle(store_factory(), clock=lambda: now[0])
    b = Oracle(store_factory(), clock=lambda: now[0])
    try:
        a.call("register_post", 1, AUTHOR, 119, "t", "b")  # 30 s to read, cap 45 s
        first = b.call("start_session", 1, READER, None)[0].session_id
        second = a.call("start_session", 1, READER, None)[0].session_id
        # 0 … 60 s, alternating replicas: 45 s credited (the cap) to the first session; the
        # second, beating at the same instants, is the same reader's second focus: credited
        # only for 45–60 s, when the first (capped) accrued nothing. 60 s in all, the wall time.
        for seq in range(1, 6):
            for sid in (first, second):
                (a if seq % 2 else b).call(
                    "heartbeat", sid, HeartbeatInput(seq, True, True, 100.0, 0, int(now[0] * 1000))
                )
            with pytest.raises(ReplayedHeartbeat):  # the other replica knows seq moved on
                (b if seq % 2 else a).call(
                    "heartbeat", first, HeartbeatInput(seq, True, True, 100.0, 0, int(now[0] * 1000))
                )
            now[0] += 15
        one, two = (a.store.get_session(s) for s in (first, second))
        assert (one.credited_ms, two.credited_ms) == (45_000, 15_000) and one.last_seq == 5
        assert (one.rewarded, two.rewarded) == (True, False)
        assert a.store.count_heartbeats() == 10
    finally:
        a.close()
        b.close()


def test_postgres__unreachable_at_start_is_a_one_line_unavailable_error(tmp_path):
    from twei.oracle.store.postgres import PostgresStore

    with pytest.raises(OracleUnavailable, match="database unavailable at start"):
        PostgresStore(f"postgresql://nobody@/none?host={tmp_path}", timeout=0.5)


def _one_batch(oracle: Oracle, calls: list[tuple]) -> list:
    """Run ``calls`` (name, *args) in ONE batch of the writer: it is held on a gate while they
    are queued. Each item of the answer is the result or the exception."""
    import threading
    from concurrent.futures import Future

    from twei.oracle.service import _Op

    gate, held = threading.Event(), threading.Event()

    def hold(batch, now_ms):
        held.set()
        assert gate.wait(30)

    oracle._put(_Op(hold, (0,), None, Future()))
    assert held.wait(30)
    futures = []
    now = oracle.now_ms()
    ops = {"start_session": oracle._op_start_session, "heartbeat": oracle._op_heartbeat}
    for name, *args in calls:
        future: Future = Future()
        oracle._put(_Op(ops[name], (*args, now), None, future))
        futures.append(future)
    gate.set()
    return [f.exception(30) or f.result(30) for f in futures]


def test_oracle__an_operation_the_store_refuses_fails_alone_in_its_batch(store):
    """A value past the store's range (here a client time of 2^64 ms let through the service's
    own check) fails its own request with a 4xx error; the rest of the batch commits."""
    from twei.errors import StoreRefused

    now = [MS / 1000]
    oracle = Oracle(store, clock=lambda: now[0], max_start_ahead_ms=2**80)
    try:
        oracle.call("register_post", 1, AUTHOR, 238, "t", "b")
        readers = ["0x" + f"{n:040x}" for n in range(1, 9)]
        sids = [oracle.call("start_session", 1, r, MS)[0].session_id for r in readers]
        calls = [("heartbeat", sid, HeartbeatInput(1, True, True, 50.0, 0, MS)) for sid in sids]
        calls.insert(3, ("start_session", 1, READER, 2**64))
        answers = _one_batch(oracle, calls)
        assert isinstance(answers[3], StoreRefused) and "refused" in str(answers[3])
        honest = answers[:3] + answers[4:]
        assert [a.last_seq for a in honest] == [1] * 8
        assert store.count_heartbeats() == 8
        assert store.reader_sessions(READER, 1) == []
    finally:
        oracle.close()


class ConflictingStore(FlakyStore):
    """A store whose next ``conflicts`` transactions fail as a deadlock between replicas does."""

    class Deadlock(Exception):
        pass

    def __init__(self, inner, conflicts: int) -> None:
        super().__init__(inner)
        self.conflicts = conflicts

    @contextmanager
    def transaction(self):
        with self.inner.transaction() as tx:
            yield tx
            if self.conflicts:
                self.conflicts -= 1
                raise self.Deadlock("deadlock detected")

    def is_transient(self, err):
        return isinstance(err, self.Deadlock)


def test_oracle__a_deadlocked_batch_runs_again_and_nobody_is_refused(store):
    conflicting = ConflictingStore(store, 0)
    now = [MS / 1000]
    oracle = Oracle(conflicting, clock=lambda: now[0])
    try:
        oracle.call("register_post", 1, AUTHOR, 238, "t", "b")
        sid = oracle.call("start_session", 1, READER, MS)[0].session_id
        conflicting.conflicts = 3
        assert oracle.call("heartbeat", sid, HeartbeatInput(1, True, True, 50.0, 0, MS)).last_seq == 1
        assert conflicting.conflicts == 0 and store.count_heartbeats() == 1
    finally:
        oracle.close()


def test_store__a_nonce_signs_in_once_within_its_lifetime_and_old_ones_are_forgotten(store):
    store.issue_nonce("n1", MS, 600_000)
    assert not store.use_nonce("never-issued", MS, 600_000)
    assert store.use_nonce("n1", MS + 1_000, 600_000)
    assert not store.use_nonce("n1", MS + 2_000, 600_000)  # used already
    store.issue_nonce("n2", MS, 600_000)
    assert not store.use_nonce("n2", MS + 600_001, 600_000)  # too old
    store.issue_nonce("n3", MS + 700_000, 600_000)  # forgets n1 and n2
    assert store._all("SELECT nonce FROM sign_in_nonces") == [("n3",)]


def test_store__a_readers_watermark_is_created_with_their_session_and_only_moves_forward(store):
    store.commit_batch(Batch([post()], {"s": session("s")}, []))
    with store.transaction() as tx:
        assert tx.readers_for_update([READER, "0x" + "99" * 20]) == {READER: 0}
        tx.write(Batch([], {}, [], readers={READER: MS}))
    with store.transaction() as tx:
        tx.write(Batch([], {}, [], readers={READER: MS - 5}))  # behind: kept at MS
    with store.transaction() as tx:
        assert tx.readers_for_update([READER]) == {READER: MS}


def test_oracle__a_failed_commit_keeps_the_refusals_of_its_batch(store):
    """When the store fails a batch (503 for what would have succeeded), a request the rules
    refused in it keeps its own 4xx answer."""
    from twei.errors import UnknownPost

    class FailsNextWrite(FlakyStore):  # (the writer's hold of _one_batch writes nothing)
        @contextmanager
        def transaction(self):
            with self.inner.transaction() as tx:
                wrote = []
                real_write = tx.write
                tx.write = lambda batch: (wrote.append(1), real_write(batch))
                yield tx
                if self.fail_next and wrote:
                    self.fail_next = False
                    raise OSError("database or disk is full")

    flaky = FailsNextWrite(store)
    now = [MS / 1000]
    oracle = Oracle(flaky, clock=lambda: now[0])
    try:
        oracle.call("register_post", 1, AUTHOR, 238, "t", "b")
        sid = oracle.call("start_session", 1, READER, MS)[0].session_id
        flaky.fail_next = True
        unknown, beat = _one_batch(oracle, [
            ("start_session", 9, READER, MS),
            ("heartbeat", sid, HeartbeatInput(1, True, True, 50.0, 0, MS)),
        ])  # fmt: skip
        assert isinstance(unknown, UnknownPost) and isinstance(beat, OracleUnavailable)
    finally:
        oracle.close()
