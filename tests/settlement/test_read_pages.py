"""The oracle's streamed reads (``qualifying_read_pages``) and the job's import of them: the
same day as ``qualifying_reads``, in (reader, post) order, in pages, and the same settlement
whichever way the reads come in (ATTACH of the SQLite file, pages, or the list of records)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.settlement.helpers import EPOCH, A, B, C, D, Script
from twei.oracle.store.base import Batch, PostRecord, SessionRecord
from twei.oracle.store.sqlite import SQLiteStore
from twei.settlement.day import DAY
from twei.settlement.files import load_day
from twei.settlement.job import SettlementJob
from twei.settlement.store import JobStore

START = datetime.fromtimestamp(EPOCH * DAY, UTC)
END = datetime.fromtimestamp((EPOCH + 1) * DAY, UTC)
DAY_MS = EPOCH * DAY * 1000

#: (session, reader, post, credited ms, qualified ms, rewarded)
SESSIONS = [
    ("s1", C, 12, 300_000, DAY_MS + 5, True),
    ("s2", B, 3, 60_000, DAY_MS, True),  # the first millisecond of the day
    ("s3", B, 2, 90_500, DAY_MS + 86_399_999, True),  # the last
    ("s4", C, 3, 120_000, DAY_MS + 7, False),  # not the rewarded session
    ("s5", D, 2, 240_000, DAY_MS - 1, True),  # the day before
    ("s6", D, 3, 240_000, DAY_MS + 86_400_000, True),  # the day after
    ("s7", B, 12, 30_000, DAY_MS + 9, True),
]
#: The day's rewarded reads by (reader, post): readers as strings (checksummed "...0C" before
#: "...0b", as SQLite's BINARY collation and Python agree), posts as numbers (3 before 12).
IN_ORDER = sorted([(B, 2, 90_500, DAY_MS + 86_399_999), (B, 3, 60_000, DAY_MS), (B, 12, 30_000, DAY_MS + 9), (C, 12, 300_000, DAY_MS + 5)])


def oracle_store(path) -> SQLiteStore:
    store = SQLiteStore(path)
    batch = Batch.empty()
    batch.posts = [PostRecord(p, A, 1000, "", "", 0) for p in (2, 3, 12)]
    for sid, reader, post, credited, qualified, rewarded in SESSIONS:
        batch.sessions[sid] = SessionRecord(
            sid, post, reader, qualified - 1000, 0, 300_000, credited_ms=credited, qualified_at_ms=qualified,
            rewarded=rewarded,
        )
    store.commit_batch(batch)
    return store


@pytest.mark.parametrize("where", ["file", ":memory:"])
def test_qualifying_read_pages__the_days_reads_by_reader_and_post_in_pages(tmp_path, where):
    store = oracle_store(tmp_path / "o.db" if where == "file" else ":memory:")
    pages = list(store.qualifying_read_pages(START, END, page_size=3))
    assert pages == [IN_ORDER[:3], IN_ORDER[3:]]  # post 12 after post 3: by number, not text
    assert all(type(row) is tuple for page in pages for row in page)
    records = sorted((r.reader, r.post_id, r.credited_ms, int(r.qualified_at.timestamp() * 1000)) for r in store.qualifying_reads(START, END))
    assert records == IN_ORDER
    assert list(store.qualifying_read_pages(END, END)) == []
    with pytest.raises(ValueError, match="page_size"):
        list(store.qualifying_read_pages(START, END, page_size=0))
    store.close()


def test_qualifying_read_pages__needs_aware_times(tmp_path):
    store = oracle_store(tmp_path / "o.db")
    with pytest.raises(ValueError, match="timezone-aware"):
        list(store.qualifying_read_pages(datetime(2026, 1, 1), datetime(2026, 1, 2)))
    store.close()


class PagesOnly:
    """A store that only streams (as the PostgreSQL one may): the job must use the pages."""

    def __init__(self, oracle: SQLiteStore) -> None:
        self.oracle = oracle

    def qualifying_read_pages(self, start, end, page_size=100_000):
        return self.oracle.qualifying_read_pages(start, end, page_size=2)


class ListOnly:
    """A store with the record list only."""

    def __init__(self, oracle: SQLiteStore) -> None:
        self.qualifying_reads = oracle.qualifying_reads


@pytest.mark.parametrize("source", ["attach", "pages", "records"])
def test_build__the_same_day_whichever_way_the_reads_come(tmp_path, source):
    oracle = oracle_store(tmp_path / "o.db")
    reads = {"attach": oracle, "pages": PagesOnly(oracle), "records": ListOnly(oracle)}[source]
    store = JobStore(tmp_path / "job.db")
    script = Script(store)
    for post in (2, 3, 12):
        script.post(EPOCH, post, A)
    script.end_day(EPOCH)
    job = SettlementJob(chain_id=1337, store=store, settlements=tmp_path / "s", reads=reads)
    job.build(EPOCH)
    assert store.db.execute("SELECT reader, post_id, credited_ms, qualified_ms FROM reads WHERE epoch = ? ORDER BY reader, post_id", (EPOCH,)).fetchall() == IN_ORDER
    assert job._import_reads(EPOCH) == 0  # again (a resumed run): nothing new
    lines = load_day(tmp_path / "s", 1337, EPOCH).breakdown.lines
    assert {account: len(account_lines) for account, account_lines in lines.items()} == {B: 3, C: 1}
    store.close()
    oracle.close()
