"""The OpenAPI tells the truth: Schemathesis, driven by ``/openapi.json`` alone, fuzzes the real
service (``python -m twei.oracle`` on SQLite) with every one of its checks, for a bounded time.

What that proves: no request the schema allows or forbids gets a 5xx; every answer's status is
declared and its body matches the declared model (``{"detail": str}`` for every refusal, 422
included); schema-violating requests are refused; and its stateful phase follows the API's
links (post → session → heartbeats). ``tests/oracle/schemathesis.toml`` says the two things no
schema can: a client clock in the future is refused 422 though well-formed, and a body over the
size limit is refused 413 before it is read. One worker (``--workers`` above 1 crashed here).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.oracle.conftest import API_KEY
from tests.oracle.replicas import start_replicas

CONFIG = Path(__file__).with_name("schemathesis.toml")
MAX_TIME_S = 60  # of the suite's 20 minutes on two cores; raise it locally for a longer hunt


def test_openapi__schemathesis_finds_no_5xx_and_no_answer_the_schema_does_not_declare(tmp_path):
    st = shutil.which("st", path=str(Path(sys.executable).parent))
    assert st, "make setup installs schemathesis (requirements.lock)"
    (server,) = start_replicas(1, None, tmp_path, db=tmp_path / "oracle.db")
    try:
        run = subprocess.run(
            [st, "--config-file", str(CONFIG), "--no-color", "run",
             f"{server.base}/openapi.json", "--checks", "all", "--workers", "1",
             "--max-time", str(MAX_TIME_S), "--seed", "20", "--request-timeout", "10",
             "-H", f"X-API-Key: {API_KEY}"],
            cwd=tmp_path, capture_output=True, text=True, timeout=MAX_TIME_S + 120,
        )  # fmt: skip
    finally:
        server.stop()
    report = run.stdout[-6_000:] + run.stderr[-2_000:]
    assert run.returncode == 0, report
    assert " passed" in run.stdout and "failures" not in run.stdout.split("SUMMARY")[-1], report
