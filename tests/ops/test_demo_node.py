"""`make demo-anvil`'s two steps as a user runs them: an Anvil left running
(twei.toolchain.devnode), the demo's day on it by URL (time moved with Anvil's own methods), then
report and claim pointed at the same node afterwards."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.ops.testnet import ANVIL, ROOT
from twei.toolchain.devnode import start, stop
from twei.toolchain.localnode import free_port

pytestmark = pytest.mark.skipif(not ANVIL.exists(), reason="Anvil is not installed (make setup)")


def ape(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / ".venv" / "bin" / "ape"), *args], cwd=cwd, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=600)


def test_demo_on_anvil__leaves_a_node_that_report_and_claim_read(tmp_path):
    port, pidfile = free_port(), tmp_path / "anvil.pid"
    start(port, pidfile)
    try:
        url, out = f"http://127.0.0.1:{port}", tmp_path / "demo-output"
        demo = ape("run", "demo", "--network", url, "--out", str(out), cwd=ROOT)
        assert demo.returncode == 0, demo.stderr[-3000:]
        assert "Traceback" not in demo.stderr and "INFO: " not in demo.stdout
        assert "critic    earned 0 from the pool + 0 on-chain, paid 2 -> 18 TWEI (-2 net)" in demo.stdout

        report = ape("run", "report", "--network", url, "--root", str(out), "--account", "TEST::3", "--post", "1",
                     "--no-buy", "--json", cwd=ROOT)
        assert report.returncode == 0, report.stderr[-3000:]
        doc = json.loads(report.stdout)
        assert int({line["name"]: line["amount"] for line in doc["profit"]}["Read Rewards"]) > 0

        claim = ape("run", "claim", "--network", url, "--root", str(out), "--settlements", str(out),
                    "--account", "TEST::3", cwd=ROOT)
        assert claim.returncode == 0 and claim.stdout.startswith("Nothing to claim"), claim.stdout + claim.stderr
    finally:
        stop(pidfile)
