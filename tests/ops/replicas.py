"""Several `ape run site` replicas of a testnet site folder (tests/ops/testnet.py) on one
PostgreSQL, behind the shipped HAProxy configuration (deploy/haproxy/twei.cfg), as the README's
*Several site replicas* runs them: the database's URL in the folder's ``.env``
(``TWEI_SITE_DATABASE_URL``), each replica on its own port, HAProxy in front."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from tests.ops.testnet import NETWORK, ROOT, Site
from twei.toolchain.localnode import free_port

__all__ = ["Replicas"]

CFG = ROOT / "deploy" / "haproxy" / "twei.cfg"
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"


def _wait(url: str, what: str, problem, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            found = problem()
            if found is not None:
                raise RuntimeError(f"{what} stopped: {found}") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not answer in {seconds:.0f} s") from None
            time.sleep(0.3)


class Replicas:
    def __init__(self, net: Site, database_url: str, count: int = 2) -> None:
        assert Path(HAPROXY).exists(), "make haproxy installs Debian's haproxy"
        self.net = net
        with (net.site / ".env").open("a") as env:
            env.write(f"TWEI_SITE_DATABASE_URL={database_url}\n")
        self.ports = [free_port() for _ in range(count)]
        self.logs = [net.base / f"site-{i + 1}.log" for i in range(count)]
        self.processes: list[subprocess.Popen] = []
        self.haproxy: subprocess.Popen | None = None
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    def _start(self) -> None:
        net = self.net
        for port, log in zip(self.ports, self.logs, strict=True):
            self.processes.append(subprocess.Popen(
                net.argv(f".venv/bin/ape run site --network {NETWORK} --port {port}"), cwd=net.site,
                env=net.environment(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log.open("w"),
            ))  # fmt: skip
        for i, port in enumerate(self.ports):
            _wait(f"http://127.0.0.1:{port}/healthz", f"site replica {i + 1}", lambda i=i: self._dead(i))
        lb_port = free_port()
        env = {**os.environ, "TWEI_LB_BIND": f"127.0.0.1:{lb_port}"}
        env.update({f"TWEI_SITE_{i + 1}": f"127.0.0.1:{port}" for i, port in enumerate(self.ports)})
        self.haproxy = haproxy = subprocess.Popen([HAPROXY, "-f", str(CFG), "-db"], env=env,
                                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        self.base = f"http://127.0.0.1:{lb_port}"
        _wait(f"{self.base}/healthz", "haproxy", lambda: None if haproxy.poll() is None else haproxy.stderr.read().decode())

    def _dead(self, i: int) -> str | None:
        if self.processes[i].poll() is None:
            return None
        return self.logs[i].read_text()[-3000:]

    def kill(self, i: int) -> None:
        """SIGKILL replica ``i``: no shutdown, as a crashed machine."""
        self.processes[i].send_signal(signal.SIGKILL)
        self.processes[i].wait(10)

    def close(self) -> None:
        for process in [*self.processes, self.haproxy]:
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
