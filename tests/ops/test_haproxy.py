"""The shipped HAProxy configuration (deploy/haproxy/twei.cfg), run by Debian's haproxy in front of
two small stand-in replicas: its per-client limit, its body cap, and a replica's death."""

from __future__ import annotations

import http.client
import http.server
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

CFG = Path(__file__).resolve().parents[2] / "deploy" / "haproxy" / "twei.cfg"
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Replica(http.server.BaseHTTPRequestHandler):
    def _ok(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        body = self.server.name.encode()  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _ok

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def balancer():
    assert Path(HAPROXY).exists(), "make haproxy installs Debian's haproxy"
    replicas = []
    for name in ("s1", "s2"):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", _port()), _Replica)
        server.name = name  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        replicas.append(server)
    port = _port()
    env = {
        **os.environ,
        "TWEI_LB_BIND": f"127.0.0.1:{port}",
        "TWEI_SITE_1": f"127.0.0.1:{replicas[0].server_port}",
        "TWEI_SITE_2": f"127.0.0.1:{replicas[1].server_port}",
    }
    proc = subprocess.Popen([HAPROXY, "-f", str(CFG), "-db"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while True:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2).read()
            break
        except OSError:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "haproxy did not answer in 10 s"
            time.sleep(0.1)
    try:
        yield base, replicas
    finally:
        proc.terminate()
        proc.wait(10)
        for server in replicas:
            server.shutdown()


def _post(url: str, body: bytes = b"{}", headers: dict | None = None) -> int:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as err:
        return err.code


def test_haproxy__one_client_gets_429_past_60_writes_a_minute_and_reads_still_pass(balancer):
    base, _ = balancer
    codes = [_post(f"{base}/site/api/texts") for _ in range(61)]
    assert codes[:60] == [200] * 60 and codes[60] == 429
    assert urllib.request.urlopen(f"{base}/posts/1", timeout=5).status == 200


def test_haproxy__metrics_are_not_served_to_the_public(balancer):
    base, _ = balancer
    for path in ("/metrics", "/metrics/", "/metrics?x=1"):
        try:
            urllib.request.urlopen(f"{base}{path}", timeout=5)
            raise AssertionError(f"{path} was served through the proxy")
        except urllib.error.HTTPError as err:
            assert err.code == 404, path
    assert urllib.request.urlopen(f"{base}/posts/1", timeout=5).status == 200


def test_haproxy__a_declared_body_above_512_kib_is_refused_before_a_replica_sees_it(balancer):
    base, _ = balancer
    conn = http.client.HTTPConnection(base.removeprefix("http://"), timeout=5)
    conn.putrequest("POST", "/site/api/texts")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", "600000")
    conn.endheaders()  # the headers only: the answer comes before any of the body is sent
    assert conn.getresponse().status == 413
    conn.close()


def test_haproxy__a_killed_replica_is_taken_out_and_the_other_answers(balancer):
    base, replicas = balancer
    replicas[0].shutdown()
    replicas[0].server_close()
    time.sleep(3)  # two failed checks, one a second
    answers = {urllib.request.urlopen(f"{base}/posts/1", timeout=5).read() for _ in range(6)}
    assert answers == {b"s2"}
