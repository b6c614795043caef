"""Real oracle processes for the multi-replica and fault tests: start, call, stop."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.oracle.conftest import API_KEY, AUTHOR
from twei.toolchain.localnode import free_port

__all__ = ["Replica", "start_replicas", "call", "register_post", "open_session"]


@dataclass
class Replica:
    proc: subprocess.Popen
    base: str

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_replicas(count: int, database_url: str | None, cwd: Path, **settings: object) -> list[Replica]:
    """``count`` processes of ``python -m twei.oracle`` on one PostgreSQL database (or, with no
    URL, on the SQLite file of the ``db`` setting), each on its own port; ``settings`` become
    ``TWEI_ORACLE_<NAME>`` variables (rules shrunk for speed, ``workers``…)."""
    replicas = []
    for _ in range(count):
        port = free_port()
        env = {**os.environ, "TWEI_ORACLE_PORT": str(port), "TWEI_ORACLE_API_KEY": API_KEY,
               **{f"TWEI_ORACLE_{k.upper()}": str(v) for k, v in settings.items()}}  # fmt: skip
        if database_url:
            env["TWEI_ORACLE_DATABASE_URL"] = database_url
        proc = subprocess.Popen([sys.executable, "-m", "twei.oracle"], env=env, cwd=cwd,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        replicas.append(Replica(proc, f"http://127.0.0.1:{port}"))
    deadline = time.monotonic() + 60
    for r in replicas:
        while True:
            assert r.proc.poll() is None, "an oracle replica exited at start"
            try:
                urllib.request.urlopen(r.base + "/readyz", timeout=1)
                break
            except OSError:
                assert time.monotonic() < deadline, "an oracle replica did not start"
                time.sleep(0.1)
    return replicas


def call(url: str, body: dict, headers: dict | None = None,
         timeout: float = 10) -> tuple[int, dict, dict]:  # fmt: skip
    """POST JSON; (status, answer, headers). Connection errors propagate (OSError)."""
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"content-type": "application/json", **(headers or {})},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, json.loads(r.read()), dict(r.headers)
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}"), dict(err.headers)


def register_post(base: str, post_id: int, word_count: int) -> None:
    status, out, _ = call(base + "/v1/posts",
                          {"post_id": post_id, "author": AUTHOR, "word_count": word_count},
                          {"X-API-Key": API_KEY})  # fmt: skip
    assert status == 201, out


def open_session(base: str, post_id: int, reader: str) -> str:
    status, out, _ = call(base + "/v1/sessions", {"post_id": post_id, "reader": reader},
                          {"X-API-Key": API_KEY})  # the backend vouches for the reader
    assert status == 201, out
    return out["session_id"]
