"""A kill -9 of the running service loses no acknowledged heartbeat.

The real service (``python -m twei.oracle``, uvicorn, SQLite WAL + synchronous FULL, group
commit) takes heartbeats from many sessions at once; it is killed while requests are in flight;
every heartbeat it had answered 200 must be in the file afterwards. (A power cut cannot be
staged here; ``synchronous=FULL`` is what covers it: COMMIT returns after the fsync.)
"""

from __future__ import annotations

import http.client
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request

from tests.oracle.conftest import API_KEY, AUTHOR
from tests.oracle.replicas import call, free_port
from tests.oracle.threads import Workers


def test_kill_during_load__every_acknowledged_heartbeat_is_stored(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    db = tmp_path / "oracle.db"
    env = {**os.environ, "TWEI_ORACLE_DB": str(db), "TWEI_ORACLE_PORT": str(port),
           "TWEI_ORACLE_API_KEY": API_KEY}  # fmt: skip
    server = subprocess.Popen([sys.executable, "-m", "twei.oracle"], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                assert time.monotonic() < deadline, "the oracle did not start"
                time.sleep(0.1)
        status, _, _ = call(base + "/v1/posts", {"post_id": 1, "author": AUTHOR, "word_count": 500},
                         {"X-API-Key": API_KEY})  # fmt: skip
        assert status == 201
        acked: list[tuple[str, int]] = []
        lock = threading.Lock()
        stop = threading.Event()

        def reader(n: int) -> None:
            status, out, _ = call(base + "/v1/sessions",
                                  {"post_id": 1, "reader": "0x" + f"{n:040x}"},
                                  {"X-API-Key": API_KEY})  # fmt: skip
            assert status == 201, out
            sid, seq = out["session_id"], 0
            while not stop.is_set():
                seq += 1
                body = {"seq": seq, "visible": True, "focused": True, "scroll": 50.0,
                        "idle_ms": 0, "client_time": int(time.time() * 1000)}  # fmt: skip
                try:
                    status, _, _ = call(f"{base}/v1/sessions/{sid}/heartbeats", body, timeout=2)
                except (OSError, http.client.HTTPException):
                    return  # the server is gone (maybe mid-answer: not counted as acknowledged)
                if status == 200:
                    with lock:
                        acked.append((sid, seq))

        workers = Workers()
        for n in range(1, 17):
            workers.start(reader, n)
        workers.wait_until(lambda: len(acked) >= 300, 120, "300 acknowledged heartbeats")
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        stop.set()
        workers.join(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()

    with sqlite3.connect(db) as conn:
        stored = set(conn.execute("SELECT session_id, seq FROM heartbeats"))
    assert len(acked) >= 300
    assert set(acked) <= stored
