"""Fixtures of the oracle tests: a movable clock, an app on a temp SQLite file, helpers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from twei.oracle.app import create_app
from twei.oracle.settings import OracleSettings

API_KEY = "test-key"
#: The platform backend vouching for a reader (instead of the reader's own sign-in).
VOUCH = {"X-API-Key": API_KEY}
AUTHOR = "0x" + "a1" * 20
READER = "0x" + "b2" * 20
OTHER_READER = "0x" + "c3" * 20
T0 = 1_790_000_000.0  # 2026-09-21T14:13:20Z, a fixed server time


@dataclass
class FakeClock:
    """Server time the tests move by hand (seconds since the epoch)."""

    now: float = T0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    @property
    def ms(self) -> int:
        return int(self.now * 1000)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path) -> OracleSettings:
    return OracleSettings(
        _env_file=None,
        api_key=API_KEY,
        db=tmp_path / "oracle.db",
        settlements_dir=tmp_path / "settlements",
        chain_id=1337,
    )


@pytest.fixture
def client(settings: OracleSettings, clock: FakeClock) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=clock)) as c:
        yield c


class Api:
    """Small helpers over the HTTP API, so tests read as the story they tell."""

    def __init__(self, client: TestClient, clock: FakeClock) -> None:
        self.c = client
        self.clock = clock
        self.seq: dict[str, int] = {}

    def post(self, post_id=1, author=AUTHOR, word_count=238, title="A post", body="Hello."):
        r = self.c.post(
            "/v1/posts",
            json={"post_id": post_id, "author": author, "word_count": word_count,
                  "title": title, "body": body},
            headers={"X-API-Key": API_KEY},
        )  # fmt: skip
        assert r.status_code in (200, 201), r.text
        return r.json()

    def session(self, post_id=1, reader=READER) -> str:
        r = self.c.post("/v1/sessions", json={"post_id": post_id, "reader": reader,
                                               "client_time": self.clock.ms},
                        headers=VOUCH)  # fmt: skip
        assert r.status_code == 201, r.text
        return r.json()["session_id"]

    def raw_beat(self, sid: str, **fields):
        self.seq[sid] = self.seq.get(sid, 0) + 1
        body = {"seq": self.seq[sid], "visible": True, "focused": True, "scroll": 0.0,
                "idle_ms": 1_000, "client_time": self.clock.ms}  # fmt: skip
        body.update(fields)
        return self.c.post(f"/v1/sessions/{sid}/heartbeats", json=body)

    def beat(self, sid: str, **fields) -> dict:
        r = self.raw_beat(sid, **fields)
        assert r.status_code == 200, r.text
        return r.json()

    def read_for(self, sid_every: float, sid: str, seconds: float, scroll: float = 100.0):
        """Engaged reading: a heartbeat every ``sid_every`` s for ``seconds``."""
        self.beat(sid, scroll=scroll)
        steps = int(seconds / sid_every)
        for _ in range(steps):
            self.clock.advance(sid_every)
            self.beat(sid, scroll=scroll)

    def status(self, post_id=1, reader=READER) -> dict:
        r = self.c.get("/v1/reads", params={"post_id": post_id, "reader": reader})
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture
def api(client: TestClient, clock: FakeClock) -> Api:
    return Api(client, clock)


# -- PostgreSQL: pg_cluster and pg_url are in tests/conftest.py (the site's store uses them too)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_factory(request, tmp_path):
    """Opens the store under test (call again to reopen the same database)."""
    from twei.oracle.store import SQLiteStore

    opened = []
    if request.param == "sqlite":
        path = tmp_path / "o.db"

        def make():
            opened.append(SQLiteStore(path))
            return opened[-1]
    else:
        from twei.oracle.store.postgres import PostgresStore

        url = request.getfixturevalue("pg_url")

        def make():
            opened.append(PostgresStore(url))
            return opened[-1]

    make.engine = request.param
    yield make
    for s in opened:
        s.close()


@pytest.fixture
def store(store_factory):
    return store_factory()
