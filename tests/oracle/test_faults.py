"""Faults survived with PostgreSQL: the server restarted under load, a replica killed mid-request.

Real replicas (``python -m twei.oracle``) on the session's private cluster; client threads act
like the page's tracker: one heartbeat in flight per session, and on a 503 they wait what
``Retry-After`` says and send the same heartbeat again.
"""

from __future__ import annotations

import http.client
import signal
import threading
import time
import urllib.error
import urllib.request

import psycopg

from tests.oracle.replicas import call, open_session, register_post, start_replicas
from tests.oracle.threads import Workers

SESSIONS = 8


class Load:
    """Tracker-like clients: each session sends seq 1, 2, 3 … to the replicas in turn."""

    def __init__(self, bases: list[str], sessions: list[str]) -> None:
        self.bases = list(bases)
        self.sessions = sessions
        self.acked: list[tuple[str, int]] = []
        self.unavailable: list[tuple[float, dict]] = []  # (when, headers) of 503 answers
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.workers = Workers()  # a failed assert in a client thread fails the test

    def start(self) -> None:
        for n, sid in enumerate(self.sessions):
            self.workers.start(self._run, n, sid)

    def _run(self, n: int, sid: str) -> None:
        seq, turn = 1, n
        while not self.stop.is_set():
            base = self.bases[turn % len(self.bases)]
            turn += 1
            body = {"seq": seq, "visible": True, "focused": True, "scroll": 50.0, "idle_ms": 0,
                    "client_time": int(time.time() * 1000)}  # fmt: skip
            try:
                status, _, headers = call(f"{base}/v1/sessions/{sid}/heartbeats", body, timeout=10)
            except (OSError, http.client.HTTPException):
                time.sleep(0.05)  # that replica is gone (maybe mid-answer): not acknowledged
                continue
            if status == 200:
                with self.lock:
                    self.acked.append((sid, seq))
                seq += 1
            elif status == 503:
                with self.lock:
                    self.unavailable.append((time.monotonic(), headers))
                time.sleep(min(float(headers.get("retry-after", 1)), 0.5))
            elif status == 409:
                seq += 1  # an earlier try of this seq did land (its answer was lost)
            else:
                raise AssertionError(f"unexpected answer {status}")

    def wait_acked(self, count: int, timeout: float = 60) -> None:
        self.workers.wait_until(lambda: len(self.acked) >= count, timeout,
                                f"{count} acknowledged heartbeats (have {len(self.acked)})")  # fmt: skip

    def finish(self) -> None:
        self.stop.set()
        self.workers.join(timeout=30)


def _ready(base: str) -> tuple[int, str | None]:
    """GET /readyz: (status, Retry-After)."""
    try:
        with urllib.request.urlopen(base + "/readyz", timeout=10) as r:
            return r.status, r.headers.get("retry-after")
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("retry-after")


def _stored(url: str) -> set[tuple[str, int]]:
    with psycopg.connect(url) as db:
        return set(db.execute("SELECT session_id, seq FROM heartbeats"))


def _setup(pg_url, tmp_path, count):
    replicas = start_replicas(count, pg_url, tmp_path, pg_timeout_s=1)
    register_post(replicas[0].base, 1, 5_000)
    sessions = [open_session(replicas[n % count].base, 1, "0x" + f"{n + 1:040x}")
                for n in range(SESSIONS)]  # fmt: skip
    return replicas, sessions


def test_postgres_restart_under_load__503_with_retry_after_then_recovery_and_nothing_lost(
    pg_url, pg_cluster, tmp_path
):
    replicas, sessions = _setup(pg_url, tmp_path, 2)
    load = Load([r.base for r in replicas], sessions)
    try:
        load.start()
        load.wait_acked(200)
        pg_cluster.stop("fast")  # every connection of both replicas is cut
        stopped = time.monotonic()
        time.sleep(1.5)
        not_ready = _ready(replicas[0].base)  # the load balancer's health check sees it
        time.sleep(1)
        during = len(load.acked)
        pg_cluster.start()
        restarted = time.monotonic()
        load.wait_acked(during + 300)  # recovered by itself: heartbeats acknowledged again
        recovered = time.monotonic()
        ready = [_ready(r.base)[0] for r in replicas]
    finally:
        load.finish()
        for r in replicas:
            r.stop()
    outage = [h for when, h in load.unavailable if stopped <= when <= restarted + 0.5]
    assert outage, "no request was answered 503 while the database was away"
    assert all(h.get("retry-after") == "1" for _, h in load.unavailable)
    assert recovered - restarted < 30
    assert not_ready == (503, "1") and ready == [200, 200]
    acked = set(load.acked)
    assert len(acked) == len(load.acked)
    assert acked <= _stored(pg_url)


def test_replica_killed_mid_request__nothing_acknowledged_is_lost_and_the_other_serves_on(
    pg_url, tmp_path
):
    replicas, sessions = _setup(pg_url, tmp_path, 2)
    load = Load([r.base for r in replicas], sessions)
    try:
        load.start()
        load.wait_acked(300)
        replicas[0].proc.send_signal(signal.SIGKILL)  # requests in flight on it are cut
        replicas[0].proc.wait(timeout=10)
        load.bases = [replicas[1].base]  # the load balancer's health check drops it
        killed_at = len(load.acked)
        load.wait_acked(killed_at + 200)  # the same sessions go on at the survivor
    finally:
        load.finish()
        for r in replicas:
            r.stop()
    acked = set(load.acked)
    assert len(acked) == len(load.acked)
    assert acked <= _stored(pg_url)
    after = {sid for sid, _ in load.acked[killed_at:]}
    assert after == set(sessions)  # every session carried on from its stored state


def test_postgres_connections_killed_under_load__recovery_and_nothing_lost(
    pg_url, pg_cluster, tmp_path
):
    replicas, sessions = _setup(pg_url, tmp_path, 2)
    load = Load([r.base for r in replicas], sessions)
    database = psycopg.conninfo.conninfo_to_dict(pg_url)["dbname"]
    try:
        load.start()
        load.wait_acked(200)
        killed = pg_cluster.psql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            f" WHERE datname = '{database}' AND pid <> pg_backend_pid()"
        )
        before = len(load.acked)
        load.wait_acked(before + 300, timeout=30)  # the replicas reconnected by themselves
    finally:
        load.finish()
        for r in replicas:
            r.stop()
    assert int(killed) >= 2  # at least each replica's writer connection
    acked = set(load.acked)
    assert len(acked) == len(load.acked)
    assert acked <= _stored(pg_url)
