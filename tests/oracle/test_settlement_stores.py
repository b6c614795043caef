"""The settlement reads one scripted day from either store and builds the same root.

The same reading activity goes through the oracle service (:class:`Oracle`, a moved clock) into
a SQLite store and into a PostgreSQL one; the same chain events go into two job stores; the
settlement job builds the day from each. (With SQLite the job takes its SQL path, attaching the
oracle's file; with PostgreSQL it reads through the store interface.) Same reads, same lines,
same Merkle root.
"""

from __future__ import annotations

import pytest

from tests.settlement.helpers import EPOCH, A, B, C, D, E, Script
from tests.settlement.test_day_rules import day_one
from twei.economy import PoolRates
from twei.flows import FlowCategory as F
from twei.oracle.service import HeartbeatInput, Oracle
from twei.oracle.store import SQLiteStore, utc_day
from twei.oracle.store.postgres import PostgresStore
from twei.settlement.day import DAY
from twei.settlement.files import load_day
from twei.settlement.job import SettlementJob
from twei.settlement.store import JobStore

CHAIN = 1337


def read(oracle: Oracle, clock: list[float], post_id: int, reader: str, seconds: int) -> None:
    """An engaged reader: a heartbeat every 15 s for ``seconds``, scrolled to the end."""
    sid = oracle.call("start_session", post_id, reader, None)[0].session_id
    for seq in range(1, seconds // 15 + 2):
        beat = HeartbeatInput(seq, True, True, 100.0, 1_000, int(clock[0] * 1000))
        oracle.call("heartbeat", sid, beat)
        clock[0] += 15
    oracle.call("finish", sid)


def reading_day(oracle: Oracle, clock: list[float]) -> None:
    oracle.call("register_post", 1, A, 238, "short", "")  # 1 min to read: cap 90 s
    oracle.call("register_post", 2, A, 23_800, "long", "")  # 100 min: cap 150 min
    read(oracle, clock, 1, C, 120)  # qualifies; 90 s credited (the cap)
    read(oracle, clock, 1, A, 60)  # the author: never rewarded
    read(oracle, clock, 2, D, 3_600)  # an hour of a long post
    read(oracle, clock, 1, E, 45)  # qualifies with 45 s …
    read(oracle, clock, 1, E, 90)  # … a second session earns nothing more
    read(oracle, clock, 2, B, 60)  # far from half of Time to Read: not qualified
    clock[0] = (EPOCH + 1) * DAY + 600  # next day
    read(oracle, clock, 1, D, 60)  # qualifies tomorrow: not in today's settlement


@pytest.mark.parametrize("page_size", [2])
def test_settlement__same_day_same_root_from_sqlite_and_postgres(tmp_path, pg_url, page_size):
    stores = {"sqlite": SQLiteStore(tmp_path / "oracle.db"), "postgresql": PostgresStore(pg_url)}
    days = {}
    oracles = []
    try:
        for name, store in stores.items():
            clock = [EPOCH * DAY + 3_600.0]
            oracle = Oracle(store, clock=lambda: clock[0])
            oracles.append(oracle)
            reading_day(oracle, clock)
            job_store = JobStore(tmp_path / f"job-{name}.db")
            script = Script(job_store)
            day_one(script)  # the chain's events of the day (posts 1 and 2 by A, votes …)
            job = SettlementJob(chain_id=CHAIN, store=job_store, settlements=tmp_path / name,
                                reads=store, rates=PoolRates(read_cap_full_level=0))  # fmt: skip
            job.build(EPOCH)
            days[name] = load_day(tmp_path / name, CHAIN, EPOCH)
            pages = list(store.qualifying_read_pages(*utc_day_of(EPOCH), page_size=page_size))
            days[name + "-pages"] = [row[:3] for page in pages for row in page]
            job_store.close()
    finally:
        for oracle in oracles:
            oracle.close()  # (closes its store)
    sqlite, postgres = days["sqlite"], days["postgresql"]
    assert days["sqlite-pages"] == days["postgresql-pages"] == [  # readers in byte order
        (C, 1, 90_000), (E, 1, 45_000), (D, 2, 3_600_000)
    ]  # fmt: skip
    assert C < E < D  # (checksummed: …0C, …0E, …0d)
    lines = sqlite.breakdown.lines
    assert lines[C][(1, F.READ_REWARDS)] == 15 * 10**16  # 1.5 min at 0.1 TWEI
    assert lines[D][(2, F.READ_REWARDS)] == 6 * 10**18  # 60 min (the farm defence off)
    assert (2, F.READ_REWARDS) not in lines.get(B, {}) and (1, F.READ_REWARDS) not in lines[A]
    assert postgres.breakdown.lines == lines
    assert (postgres.root, postgres.total, postgres.data_hash) == (
        sqlite.root, sqlite.total, sqlite.data_hash
    )  # fmt: skip


def utc_day_of(epoch: int):
    from datetime import UTC, datetime

    return utc_day(datetime.fromtimestamp(epoch * DAY, UTC).date())
