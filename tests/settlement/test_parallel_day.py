"""The build's parallel parts (twei.settlement.job / day): the reads pass cut between processes
by reader range, and the accounts, trust weights and event sums gathered beside the reads import,
give exactly the files and the store of the one-process build; a worker that dies, raises or
never answers fails the build with one line, and the day can be built again."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from bench.settlement_day import EPOCH, populate
from twei.errors import SettlementError
from twei.oracle.store.sqlite import SQLiteStore
from twei.settlement import day as day_module
from twei.settlement import job as job_module
from twei.settlement.forked import forked
from twei.settlement.job import SettlementJob
from twei.settlement.store import JobStore

SCALE = 0.004  # 400 accounts (40 of them genesis seeds), 40 posts, 4,000 reads, 800 events


@pytest.fixture(scope="module")
def synthetic_day(tmp_path_factory):
    """The benchmark's synthetic day (bench.settlement_day.populate), small: its job store and
    oracle store, built once; each build works on a copy of the job store."""
    folder = tmp_path_factory.mktemp("synthetic-day")
    populate(folder, SCALE)
    return folder


def build(synthetic_day, folder, workers: int) -> tuple[dict[str, bytes], list, tuple]:
    """Build the day with ``workers`` processes for the reads pass: (its files' bytes, the
    store's accounts, reads and undo rows, the epoch's record)."""
    folder.mkdir()
    shutil.copy(synthetic_day / "job.db", folder / "job.db")
    store, oracle = JobStore(folder / "job.db"), SQLiteStore(synthetic_day / "oracle.db")
    try:
        job = SettlementJob(chain_id=1337, store=store, settlements=folder / "settlements", reads=oracle, workers=workers)
        job.build(EPOCH)
        files = {p.name: p.read_bytes() for p in sorted((folder / "settlements").rglob("*")) if p.is_file()}
        rows = [
            store.db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in ("accounts", "reads", "account_undo")
        ]
        record = store.epoch(EPOCH)
        return files, rows, (record.root, record.total, record.data_hash, record.leaves)
    finally:
        store.close()
        oracle.close()


def test_parallel_build__writes_the_files_and_store_of_the_serial_build(synthetic_day, tmp_path, monkeypatch):
    """Two and three reader ranges and the breakdown written by a worker (forced: the day is far
    under the sizes that fork), byte for byte the serial build's breakdown and tree, the same root
    and dataHash, the same store."""
    monkeypatch.setattr(day_module, "PARALLEL_MIN_READS", 1)
    monkeypatch.setattr(job_module, "FORK_MIN_ACCOUNTS", 1)
    serial = build(synthetic_day, tmp_path / "serial", workers=1)
    assert len(serial[0]) == 2 and serial[2][0] is not None  # a breakdown and a tree, a root
    assert len(serial[1][1]) > 3_000  # the day's reads were imported
    for workers in (2, 3):
        parallel = build(synthetic_day, tmp_path / f"workers-{workers}", workers=workers)
        assert parallel[2] == serial[2]
        assert parallel[0] == serial[0]
        assert parallel[1] == serial[1]


def test_reader_splits__cut_the_days_reads_into_about_equal_runs(synthetic_day, tmp_path):
    shutil.copy(synthetic_day / "job.db", tmp_path / "job.db")
    store, oracle = JobStore(tmp_path / "job.db"), SQLiteStore(synthetic_day / "oracle.db")
    try:
        SettlementJob(chain_id=1337, store=store, settlements=tmp_path, reads=oracle)._import_reads(EPOCH)
        readers = [r for (r,) in store.db.execute("SELECT reader FROM reads WHERE epoch = ? ORDER BY reader", (EPOCH,))]
        cuts = day_module.reader_splits(store.db, EPOCH, 4, 1)
        assert len(cuts) == 3 and cuts == sorted(set(cuts))
        sizes = [sum(lo <= r < hi for r in readers) for lo, hi in zip(["", *cuts], [*cuts, "~"])]
        assert sum(sizes) == len(readers) and max(sizes) - min(sizes) <= 2 * 10  # ten reads a reader
        assert day_module.reader_splits(store.db, EPOCH, 4, len(readers)) == []  # under the size: no cut
        assert len(day_module.reader_splits(store.db, EPOCH, 4, len(readers) // 2)) == 1
    finally:
        store.close()
        oracle.close()


def _dies(lo, hi):
    os._exit(3)


def _raises(lo, hi):
    raise RuntimeError("disk on fire")


def _hangs(lo, hi):
    time.sleep(60)


@pytest.mark.parametrize(
    ("worker", "message"),
    [
        (_dies, "the reads pass from reader 0x.* failed: BrokenProcessPool"),
        (_raises, "the reads pass from reader 0x.* failed: RuntimeError\\('disk on fire'\\)"),
        (_hangs, "the reads pass from reader 0x.* took over 1 s; stopped it"),
    ],
)
def test_failing_worker__fails_the_build_in_one_line_and_the_day_builds_again(synthetic_day, tmp_path, monkeypatch, worker, message):
    monkeypatch.setattr(day_module, "PARALLEL_MIN_READS", 1)
    monkeypatch.setattr(day_module, "PARALLEL_DEADLINE_S", 1.0)
    monkeypatch.setattr(day_module, "_reads_pass_child", worker)
    started = time.monotonic()
    with pytest.raises(SettlementError, match=message) as failure:
        build(synthetic_day, tmp_path / "failed", workers=2)
    assert "\n" not in str(failure.value)
    assert time.monotonic() - started < 20  # the hung worker was stopped, not waited for
    monkeypatch.undo()
    shutil.rmtree(tmp_path / "failed" / "settlements", ignore_errors=True)
    store = JobStore(tmp_path / "failed" / "job.db")
    try:
        assert store.epoch(EPOCH) is None  # nothing of the day was recorded
    finally:
        store.close()
    # The same store again (its reads are imported already: importing again changes nothing).
    shutil.move(tmp_path / "failed" / "job.db", tmp_path / "again.db")
    shutil.rmtree(tmp_path / "failed")
    (tmp_path / "failed").mkdir()
    again = JobStore(tmp_path / "again.db")
    oracle = SQLiteStore(synthetic_day / "oracle.db")
    try:
        job = SettlementJob(chain_id=1337, store=again, settlements=tmp_path / "again", reads=oracle, workers=2)
        job.build(EPOCH)
        assert again.epoch(EPOCH).root is not None
    finally:
        again.close()
        oracle.close()


def _answer():
    return "0x" + "ab" * 32


def _die():
    os._exit(3)


def _raise():
    raise OSError("no space left on device")


def _hang():
    time.sleep(60)


def test_forked__returns_the_childs_result_and_fails_in_one_line_when_it_fails():
    with forked(_answer, "the breakdown file", 10) as result:
        assert result() == "0x" + "ab" * 32
    for work, message in [
        (_die, "the breakdown file failed: BrokenProcessPool"),
        (_raise, "the breakdown file failed: OSError\\('no space left on device'\\)"),
        (_hang, "the breakdown file took over 1 s; stopped it"),
    ]:
        started = time.monotonic()
        with pytest.raises(SettlementError, match=message) as failure, forked(work, "the breakdown file", 1.0) as result:
            result()
        assert "\n" not in str(failure.value)
        assert time.monotonic() - started < 10


def test_settle_workers__read_from_the_environment_and_at_least_one(monkeypatch):
    from pydantic import ValidationError

    from twei.settlement.settings import SettleSettings

    assert SettleSettings(_env_file=None).settle_workers is None  # the job's default: two cores
    monkeypatch.setenv("TWEI_SETTLE_WORKERS", "1")
    assert SettleSettings(_env_file=None).settle_workers == 1
    monkeypatch.setenv("TWEI_SETTLE_WORKERS", "0")
    with pytest.raises(ValidationError, match="settle_workers"):
        SettleSettings(_env_file=None)


def test_work_beside_the_import__its_failure_or_delay_fails_the_build_and_records_nothing(synthetic_day, tmp_path, monkeypatch):
    def broken(self, epoch, store, previous):
        raise ValueError("bad genesis tree")

    monkeypatch.setattr(SettlementJob, "_day_inputs", broken)
    with pytest.raises(ValueError, match="bad genesis tree"):
        build(synthetic_day, tmp_path / "raises", workers=2)

    def slow(self, epoch, store, previous):
        time.sleep(3)

    monkeypatch.setattr(SettlementJob, "_day_inputs", slow)
    monkeypatch.setattr(job_module, "FORK_DEADLINE_S", 0.5)
    started = time.monotonic()
    with pytest.raises(SettlementError, match="the accounts, trust weights and event sums took over 0 s"):
        build(synthetic_day, tmp_path / "slow", workers=2)
    assert time.monotonic() - started < 3
    for folder in ("raises", "slow"):
        store = JobStore(tmp_path / folder / "job.db")
        try:
            assert store.epoch(EPOCH) is None
        finally:
            store.close()
