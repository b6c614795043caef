"""The SQLite store: durable settings, atomic batches, the settlement's day query, reopen."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from twei.errors import OracleUnavailable
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

DAY = datetime(2026, 11, 25, tzinfo=UTC)
MS = int(DAY.timestamp() * 1000)
READER = "0x" + "b2" * 20


def post(post_id=1):
    return PostRecord(post_id, "0x" + "a1" * 20, 238, "t", "b", MS)


def session(sid, post_id=1, reader=READER, **kw):
    return SessionRecord(sid, post_id, reader, MS, 0, 60_000, **kw)


@pytest.fixture
def store(tmp_path):
    s = SQLiteStore(tmp_path / "o.db")
    yield s
    s.close()


def test_sqlite__is_an_oracle_store_in_wal_with_synchronous_full(store):
    assert isinstance(store, OracleStore)
    assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_sqlite__refuses_an_unknown_synchronous_mode(tmp_path):
    with pytest.raises(ValueError, match="synchronous must be"):
        SQLiteStore(tmp_path / "o.db", synchronous="OFF")


def test_sqlite__uint256_post_ids_round_trip(store):
    big = 2**256 - 1
    store.commit_batch(Batch([post(big)], {}, []))
    assert store.get_post(big).post_id == big
    assert store.get_post(5) is None


def test_sqlite__batch_is_all_or_nothing(store):
    store.commit_batch(Batch([post()], {"s": session("s", last_seq=1)}, []))
    beat = HeartbeatRecord("s", 1, MS, MS, True, True, 0.0, 0, 0)
    store.commit_batch(Batch([], {}, [beat]))
    with pytest.raises(sqlite3.IntegrityError):
        # a new session and a duplicate heartbeat in one batch: neither is kept
        store.commit_batch(Batch([], {"t": session("t")}, [beat]))
    assert store.get_session("t") is None
    assert store.count_heartbeats() == 1


def test_sqlite__session_upsert_keeps_the_latest_state(store):
    store.commit_batch(Batch([post()], {"s": session("s")}, []))
    store.commit_batch(Batch([], {"s": session("s", last_seq=3, credited_ms=30_000)}, []))
    got = store.get_session("s")
    assert (got.last_seq, got.credited_ms) == (3, 30_000)


def test_sqlite__one_rewarded_session_per_reader_and_post(store):
    store.commit_batch(Batch([post()], {"s": session("s", rewarded=True)}, []))
    with pytest.raises(sqlite3.IntegrityError):
        store.commit_batch(Batch([], {"t": session("t", rewarded=True)}, []))


def test_sqlite__qualifying_reads_of_a_utc_day(store):
    day_ms = 86_400_000
    sessions = {
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
    store.commit_batch(Batch([post()], sessions, []))
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


def test_sqlite__state_survives_closing_and_reopening(tmp_path):
    path = tmp_path / "o.db"
    first = SQLiteStore(path)
    first.commit_batch(Batch([post()], {"s": session("s", last_seq=2)}, []))
    first.close()
    again = SQLiteStore(path)
    assert again.get_session("s").last_seq == 2
    again.close()


class FlakyStore:
    """A store whose next commit fails, as a full disk would."""

    def __init__(self, inner: SQLiteStore) -> None:
        self.inner = inner
        self.fail_next = False

    def commit_batch(self, batch: Batch) -> None:
        if self.fail_next:
            self.fail_next = False
            raise sqlite3.OperationalError("database or disk is full")
        self.inner.commit_batch(batch)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_oracle__failed_commit_answers_unavailable_and_forgets_the_change(tmp_path):
    flaky = FlakyStore(SQLiteStore(tmp_path / "o.db"))
    now = [MS / 1000]
    oracle = Oracle(flaky, clock=lambda: now[0])
    try:
        oracle.call("register_post", 1, "0x" + "a1" * 20, 238, "t", "b")
        sid = oracle.call("start_session", 1, READER, MS)[0].session_id
        beat = HeartbeatInput(1, True, True, 80.0, 0, MS)
        flaky.fail_next = True
        with pytest.raises(OracleUnavailable, match="nothing was recorded"):
            oracle.call("heartbeat", sid, beat)
        assert flaky.count_heartbeats() == 0
        # the same heartbeat again is not a replay: the failed one never happened
        assert oracle.call("heartbeat", sid, beat).last_seq == 1
        assert flaky.count_heartbeats() == 1
    finally:
        oracle.close()


def test_oracle__stopped_oracle_refuses_work(tmp_path):
    oracle = Oracle(SQLiteStore(tmp_path / "o.db"))
    oracle.close()
    with pytest.raises(OracleUnavailable, match="stopping"):
        oracle.call("register_post", 1, "0x" + "a1" * 20, 238, "t", "b")


def test_oracle__reads_back_from_the_store_after_a_restart(tmp_path):
    now = [MS / 1000]
    oracle = Oracle(SQLiteStore(tmp_path / "o.db"), clock=lambda: now[0])
    oracle.call("register_post", 1, "0x" + "a1" * 20, 238, "t", "b")
    sid = oracle.call("start_session", 1, READER, MS)[0].session_id
    oracle.call("heartbeat", sid, HeartbeatInput(1, True, True, 80.0, 0, MS))
    oracle.close()
    now[0] += 15
    oracle = Oracle(SQLiteStore(tmp_path / "o.db"), clock=lambda: now[0])
    try:
        after = oracle.call("heartbeat", sid, HeartbeatInput(2, True, True, 90.0, 0, MS + 15_000))
        assert (after.last_seq, after.credited_ms) == (2, 15_000)
    finally:
        oracle.close()


def test_oracle__qualified_read_is_in_the_day_of_its_server_qualification_time(tmp_path):
    now = [MS / 1000 + 3_600]
    oracle = Oracle(SQLiteStore(tmp_path / "o.db"), clock=lambda: now[0])
    try:
        oracle.call("register_post", 1, "0x" + "a1" * 20, 238, "t", "b")
        sid = oracle.call("start_session", 1, READER, None)[0].session_id
        for seq in range(1, 4):  # 0, 15, 30 s: credited 30 s = half of the 60 s Time to Read
            client = int(now[0] * 1000)
            oracle.call("heartbeat", sid, HeartbeatInput(seq, True, True, 100.0, 0, client))
            now[0] += 15
        (read,) = oracle.store.qualifying_reads(DAY, DAY + timedelta(days=1))
        assert (read.session_id, read.reader, read.credited_ms) == (sid, READER, 30_000)
        assert read.qualified_at == DAY + timedelta(hours=1, seconds=30)
        assert oracle.store.qualifying_reads(DAY + timedelta(days=1), DAY + timedelta(days=2)) == []
    finally:
        oracle.close()


def test_oracle__failed_commit_of_the_qualifying_beat_leaves_the_reward_unclaimed(tmp_path):
    flaky = FlakyStore(SQLiteStore(tmp_path / "o.db"))
    now = [MS / 1000]
    oracle = Oracle(flaky, clock=lambda: now[0])
    try:
        oracle.call("register_post", 1, "0x" + "a1" * 20, 119, "t", "b")  # 30 s to read
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
