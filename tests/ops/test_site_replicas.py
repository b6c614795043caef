"""Two site replicas (`ape run site`) on one PostgreSQL (TWEI_SITE_DATABASE_URL) behind the
shipped HAProxy configuration (deploy/haproxy/twei.cfg), over the demo's day on Anvil.

What one replica stores the other serves at once; two replicas racing for look-alike display
names give the name to one account; and a replica killed (SIGKILL) under an open page loses
nothing: the page's EventSource reconnects through HAProxy to the other replica with its
``Last-Event-ID`` (a block number: the same on every replica) and receives every later update,
no block twice.

Ordered steps in one module over one set-up (each step leaves the chain as the next expects).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import keccak

from tests.ops.replicas import _wait
from tests.ops.testnet import ANVIL, ROOT
from twei.site.texts import name_message
from twei.toolchain.devnode import start as start_anvil, stop as stop_anvil
from twei.toolchain.localnode import free_port

pytestmark = [
    pytest.mark.timeout(600),
    pytest.mark.skipif(not ANVIL.exists(), reason="Anvil is not installed (make setup)"),
]

CFG = ROOT / "deploy" / "haproxy" / "twei.cfg"
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
CHAIN_ID = 31337
MNEMONIC = "test test test test test test test test test test test junk"
COMMENTER = 2  # the demo's LVL 13 commenter (TEST::2), who holds TWEI
POST = 1

Account.enable_unaudited_hdwallet_features()


def dev(index: int) -> Account:
    return Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")


class Chain:
    """The Anvil node by JSON-RPC: its accounts send as anyone (auto-impersonation)."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"

    def rpc(self, method: str, params: list | None = None):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
        request = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as r:
            answer = json.loads(r.read())
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def send(self, sender: str, to: str, signature: str, *words: bytes | int | str) -> int:
        """Send ``signature(words…)`` from ``sender``; the block it was mined in."""
        def word(w: bytes | int | str) -> str:
            if isinstance(w, bytes):
                return w.hex().ljust(64, "0")
            if isinstance(w, int):
                return f"{w:064x}"
            return w.lower().removeprefix("0x").rjust(64, "0")

        data = "0x" + keccak(text=signature)[:4].hex() + "".join(word(w) for w in words)
        tx = self.rpc("eth_sendTransaction", [{"from": sender, "to": to, "data": data, "gas": hex(500_000)}])
        deadline = time.monotonic() + 30
        while (receipt := self.rpc("eth_getTransactionReceipt", [tx])) is None:
            assert time.monotonic() < deadline, "no receipt in 30 s"
            time.sleep(0.05)
        assert receipt["status"] == "0x1", f"{signature} reverted"
        return int(receipt["blockNumber"], 16)

    def plus_from_a_new_account(self, engagement: str) -> int:
        voter = Account.create().address
        self.rpc("anvil_setBalance", [voter, hex(10**18)])
        return self.send(voter, engagement, "plus(uint256)", POST)


class Replica:
    def __init__(self, name: str, process: subprocess.Popen, port: int, log: Path) -> None:
        self.name, self.process, self.port, self.log = name, process, port, log
        self.base = f"http://127.0.0.1:{port}"

    def live_connections(self) -> float:
        with urllib.request.urlopen(f"{self.base}/metrics", timeout=10) as r:
            text = r.read().decode()
        found = re.search(r"^twei_site_live_connections (\S+)$", text, re.M)
        return float(found.group(1)) if found else 0.0


@pytest.fixture(scope="module")
def world(tmp_path_factory, pg_cluster):
    assert Path(HAPROXY).exists(), "make haproxy installs Debian's haproxy"
    base = tmp_path_factory.mktemp("replicas")
    anvil_port, pidfile = free_port(), base / "anvil.pid"
    start_anvil(anvil_port, pidfile)
    chain = Chain(anvil_port)
    processes: list[subprocess.Popen] = []
    try:
        out = base / "demo-output"
        demo = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "ape"), "run", "demo", "--network", chain.url, "--out", str(out)],
            cwd=ROOT, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600,
        )  # fmt: skip
        assert demo.returncode == 0, demo.stderr[-3000:]
        chain.rpc("anvil_autoImpersonateAccount", [True])
        engagement = json.loads((out / "deployments" / f"{CHAIN_ID}.json").read_text())["contracts"]
        url = pg_cluster.create_database("site_replicas")
        env = {**os.environ, "TWEI_SITE_DATABASE_URL": url}
        replicas = []
        for name in ("s1", "s2"):
            # each replica on its own machine, as it were: its own copy of the folder (the same
            # published files), so that only the database is shared (not a SQLite file)
            root = shutil.copytree(out, base / f"root-{name}")
            port, log = free_port(), base / f"{name}.log"
            process = subprocess.Popen(
                [str(ROOT / ".venv" / "bin" / "ape"), "run", "site", "--network", chain.url, "--root", str(root),
                 "--port", str(port)],
                cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log.open("w"),
            )  # fmt: skip
            processes.append(process)
            replicas.append(Replica(name, process, port, log))
        for r in replicas:
            _wait(f"{r.base}/healthz", f"replica {r.name}",
                       lambda r=r: None if r.process.poll() is None else r.log.read_text()[-3000:])
        lb_port = free_port()
        haproxy = subprocess.Popen(
            [HAPROXY, "-f", str(CFG), "-db"],
            env={**os.environ, "TWEI_LB_BIND": f"127.0.0.1:{lb_port}", "TWEI_SITE_1": f"127.0.0.1:{replicas[0].port}",
                 "TWEI_SITE_2": f"127.0.0.1:{replicas[1].port}"},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        processes.append(haproxy)
        lb = f"http://127.0.0.1:{lb_port}"
        _wait(f"{lb}/healthz", "haproxy", lambda: None if haproxy.poll() is None else haproxy.stderr.read().decode())
        yield {
            "chain": chain, "lb": lb, "replicas": replicas, "engagement": engagement["Engagement"]["address"],
            "token": engagement["TweiToken"]["address"],
        }  # fmt: skip
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
        stop_anvil(pidfile)


def _request(url: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict | str]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=20) as r:
            raw = r.read().decode()
            status = r.status
    except urllib.error.HTTPError as err:
        raw, status = err.read().decode(), err.code
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw


def _name_body(key, name: str, domain: str) -> dict:
    at = int(time.time() * 1000)
    signed = Account.sign_message(encode_defunct(text=name_message(name, at, domain, CHAIN_ID)), private_key=key)
    return {"name": name, "account": Account.from_key(key).address, "signed_ms": at,
            "signature": "0x" + signed.signature.hex().removeprefix("0x")}  # fmt: skip


def test_replicas__a_comment_text_and_a_name_stored_through_one_are_served_by_the_other(world):
    s1, s2 = world["replicas"]
    chain, engagement, token = world["chain"], world["engagement"], world["token"]
    text = "Two replicas, one database: this comment went in through the first."
    status, answer = _request(f"{s1.base}/site/api/texts", {"text": text})
    assert status == 201, answer
    commenter = dev(COMMENTER)
    chain.send(commenter.address, token, "approve(address,uint256)", engagement, 10**18)
    chain.send(commenter.address, engagement, "comment(uint256,bytes32,uint256)", POST, keccak(text=text), 10**18)
    host = s2.base.removeprefix("http://")
    status, answer = _request(f"{s1.base}/site/api/names", _name_body(commenter.key, "Replica Reader", host),
                              headers={"Host": host})  # fmt: skip
    assert status == 200, answer
    with urllib.request.urlopen(f"{s2.base}/posts/{POST}", timeout=20) as r:
        page = r.read().decode()
    assert text in page  # its hash is on-chain, its text in the shared store
    assert "Replica Reader" in page  # the name set through s1


def test_replicas__two_replicas_racing_for_look_alike_names_give_it_to_one_and_refuse_the_other(world):
    s1, s2 = world["replicas"]
    host = world["lb"].removeprefix("http://")
    for round_ in range(4):
        wanted = (f"Racer{round_}", f"R\u0430cer{round_}")  # the second with a Cyrillic а
        bodies = [_name_body(Account.create().key, n, host) for n in wanted]
        start, answers = threading.Barrier(2, timeout=10), [None, None]

        def claim(i: int, replica: Replica) -> None:
            start.wait()
            answers[i] = _request(f"{replica.base}/site/api/names", bodies[i], headers={"Host": host})

        threads = [threading.Thread(target=claim, args=(i, r)) for i, r in enumerate((s1, s2))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
            assert not t.is_alive(), "a name request did not finish in 30 s"
        codes = sorted(status for status, _ in answers)
        assert codes == [200, 422], answers
        refused = next(answer for status, answer in answers if status == 422)
        assert "looks the same" in refused["detail"]


class Reader:
    """A page's EventSource, through HAProxy: on a lost connection it reconnects (as the browser
    does, after the stream's ``retry``) with the last event's id as ``Last-Event-ID``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.events: list[tuple[int, dict]] = []
        self.connections: list[str | None] = []  # the Last-Event-ID each connection sent
        self.errors: list[BaseException] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        import httpx2 as httpx

        try:
            while not self.stop.is_set():
                headers = {"Last-Event-ID": str(self.events[-1][0])} if self.events else {}
                try:
                    with httpx.Client(timeout=httpx.Timeout(5, read=60)) as http, http.stream("GET", self.url, headers=headers) as r:
                        if r.status_code != 200:
                            time.sleep(0.3)  # haproxy has not yet taken the dead replica out
                            continue
                        self.connections.append(headers.get("Last-Event-ID"))
                        event: dict[str, str] = {}
                        for line in r.iter_lines():
                            if self.stop.is_set():
                                return
                            if not line:
                                if "data" in event:
                                    self.events.append((int(event["id"]), json.loads(event["data"])))
                                event = {}
                            elif not line.startswith(":"):
                                name, _, value = line.partition(":")
                                event[name] = value.lstrip(" ")
                except (httpx.TransportError, httpx.StreamError):
                    time.sleep(0.3)  # the replica died under the stream: reconnect
        except BaseException as err:  # noqa: BLE001 - the test fails on it
            if not self.stop.is_set():  # (closing the stream at the end ends the read with an error)
                self.errors.append(err)

    def close(self) -> None:
        """Stop reading: the thread (a daemon) ends with its next line, or when HAProxy is
        stopped at the module's end and its connection closes (a blocked read is not
        interrupted from another thread, and the stream's next ping is 25 s away)."""
        self.stop.set()

    def pluses(self) -> int | None:
        """The plus count the page shows now (the latest votes section it was sent)."""
        for _, data in reversed(self.events):
            votes = data["sections"].get("votes")
            if votes:
                return int(re.search(r'id="plus-count">(\d+)<', votes).group(1))
        return None

    def wait(self, check, what: str, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while not check():
            assert not self.errors, self.errors
            assert time.monotonic() < deadline, f"the reader never saw {what}; it got {[i for i, _ in self.events]}"
            time.sleep(0.1)


def test_replicas__a_replica_killed_under_an_open_page_loses_no_update(world):
    chain, engagement, replicas = world["chain"], world["engagement"], world["replicas"]
    reader = Reader(f"{world['lb']}/posts/{POST}/stream")
    try:
        reader.wait(lambda: reader.pluses() is not None, "the first snapshot")
        start = reader.pluses()
        for n in range(1, 3):
            chain.plus_from_a_new_account(engagement)
            reader.wait(lambda n=n: reader.pluses() == start + n, f"plus {n}")
        serving = [r for r in replicas if r.live_connections() >= 1]
        assert len(serving) == 1, [(r.name, r.live_connections()) for r in replicas]
        before = len(reader.events)
        serving[0].process.send_signal(signal.SIGKILL)
        serving[0].process.wait(10)
        blocks = [chain.plus_from_a_new_account(engagement) for _ in range(3)]  # while the page is away
        reader.wait(lambda: reader.pluses() == start + 5, "the pluses sent while it reconnected")
        blocks.append(chain.plus_from_a_new_account(engagement))  # and one after
        reader.wait(lambda: reader.pluses() == start + 6, "the plus after the reconnection")
        ids = [i for i, _ in reader.events]
        assert ids == sorted(set(ids)), f"a block was sent twice or out of order: {ids}"
        assert len(reader.connections) >= 2 and reader.connections[-1] == str(ids[before - 1])
        counts = [int(re.search(r'id="plus-count">(\d+)<', d["sections"]["votes"]).group(1))
                  for _, d in reader.events if "votes" in d["sections"]]  # fmt: skip
        assert counts == sorted(counts) and counts[-1] == start + 6  # never back to an older state
        assert ids[-1] >= blocks[-1]
        assert not reader.errors
    finally:
        reader.close()
