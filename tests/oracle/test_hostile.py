"""Hostile requests in the middle of a load run: each is refused with a 4xx, alone; no honest
heartbeat is refused (SPEC §4: a refused request never makes another reader's request fail).

The real service (``python -m twei.oracle``): one process on SQLite, or two replicas on one
PostgreSQL database with every session's heartbeats alternating between them, 8 readers × 3
posts qualifying at once (the load that made replicas deadlock on their reward locks). Meanwhile
one thread sends numbers past every column's range, malformed bodies, unknown and absurd ids,
unsigned session starts. Group commit puts hostile operations in the same write batches as the
honest ones: they must fail alone.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter

import pytest

from tests.oracle.conftest import API_KEY
from tests.oracle.replicas import call, open_session, register_post, start_replicas
from tests.oracle.threads import Workers

READERS = ["0x" + f"{n:040x}" for n in range(0xD1, 0xD9)]
POSTS = (1, 2, 3)
BEATS = 40
WORDS = 2  # Time to Read 504 ms: every session qualifies within a few beats


def _raw(url: str, data: bytes, headers: dict | None = None) -> int:
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"content-type": "application/json", **(headers or {})})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as err:
        err.read()
        return err.code


def _hostile(base: str, sid: str) -> list[tuple[str, str, bytes, dict]]:
    """(what, path, body, headers) of requests that must each be refused with a 4xx."""
    vouch = {"X-API-Key": API_KEY}
    hb = f"/v1/sessions/{sid}/heartbeats"

    def beat(**change: object) -> bytes:
        body = {"seq": 10**6, "visible": True, "focused": True, "scroll": 50.0, "idle_ms": 0,
                "client_time": int(time.time() * 1000), **change}  # fmt: skip
        return json.dumps(body).encode()

    def start(**change: object) -> bytes:
        return json.dumps({"post_id": 1, "reader": READERS[0], **change}).encode()

    return [
        ("client_time 2^64", "/v1/sessions", start(client_time=2**64), vouch),
        ("client_time 2^63-1", "/v1/sessions", start(client_time=2**63 - 1), vouch),
        ("client_time 2^53-1", "/v1/sessions", start(client_time=2**53 - 1), vouch),
        ("client_time -1", "/v1/sessions", start(client_time=-1), vouch),
        ("client_time 1e30", "/v1/sessions", start(client_time=1e30), vouch),
        ("post_id 2^256", "/v1/sessions", start(post_id=2**256), vouch),
        ("unknown post", "/v1/sessions", start(post_id=2**255), vouch),
        ("reader not an address", "/v1/sessions", start(reader="0x12"), vouch),
        ("no sign-in", "/v1/sessions", start(), {}),
        ("forged token", "/v1/sessions", start(), {"Authorization": "Bearer v1.x.9.y"}),
        ("malformed JSON", "/v1/sessions", b"{", vouch),
        ("seq 2^64", hb, beat(seq=2**64), {}),
        ("idle_ms 2^63", hb, beat(idle_ms=2**63), {}),
        ("client_time 2^64 in a beat", hb, beat(client_time=2**64), {}),
        ("scroll 1e308", hb, beat(scroll=1e308), {}),
        ("scroll NaN", hb, beat(scroll=float("nan")), {}),
        ("string seq", hb, beat(seq="1"), {}),
        ("unknown session", "/v1/sessions/nope/heartbeats", beat(), {}),
        ("huge session id", "/v1/sessions/" + "x" * 4_000 + "/heartbeats", beat(), {}),
        ("body over the limit", hb, b" " * 5_000, {}),
        ("not JSON", hb, b"\xff\xfe\x00", {}),
        ("replayed seq", hb, beat(seq=1), {}),
    ]


@pytest.fixture(params=["sqlite-1", "postgres-2-replicas"])
def bases(request, tmp_path):
    if request.param == "sqlite-1":
        replicas = start_replicas(1, None, tmp_path, db=tmp_path / "oracle.db")
    else:
        replicas = start_replicas(2, request.getfixturevalue("pg_url"), tmp_path)
    try:
        yield [r.base for r in replicas]
    finally:
        for r in replicas:
            r.stop()


def test_hostile_requests_amid_load__each_refused_alone_and_no_honest_heartbeat_refused(bases):
    for post_id in POSTS:
        register_post(bases[0], post_id, WORDS)
    sessions = [open_session(bases[n % len(bases)], post_id, reader)
                for n, (reader, post_id) in enumerate((r, p) for r in READERS for p in POSTS)]  # fmt: skip
    honest: Counter = Counter()
    hostile: dict[str, Counter] = {}
    lock = threading.Lock()
    stop = threading.Event()
    start_ms = int(time.time() * 1000)

    def reader(n: int, sid: str) -> None:
        for seq in range(1, BEATS + 1):
            body = {"seq": seq, "visible": True, "focused": True, "scroll": 100.0,
                    "idle_ms": 0, "client_time": start_ms + 10 * seq}  # fmt: skip
            base = bases[(n + seq) % len(bases)]
            status, out, _ = call(f"{base}/v1/sessions/{sid}/heartbeats", body)
            with lock:
                honest[status] += 1
            assert status == 200, (status, out)
            time.sleep(0.03)

    def attacker() -> None:
        while not stop.is_set():
            for n, (what, path, data, headers) in enumerate(_hostile(bases[0], sessions[0])):
                status = _raw(bases[n % len(bases)] + path, data, headers)
                with lock:
                    hostile.setdefault(what, Counter())[status] += 1

    honest_workers, attackers = Workers(), Workers()
    for _ in range(2):
        attackers.start(attacker)
    for n, sid in enumerate(sessions):
        honest_workers.start(reader, n, sid)
    try:
        honest_workers.join(timeout=180)
    finally:
        stop.set()
        attackers.join(timeout=30)
    assert honest == Counter({200: len(sessions) * BEATS})  # not one refused, not one 503
    assert len(hostile) == len(_hostile(bases[0], sessions[0]))
    for what, answers in hostile.items():
        assert all(400 <= status < 500 for status in answers), (what, answers)
