"""`make demo-anvil`'s two steps as a user runs them: an Anvil left running
(twei.toolchain.devnode), the demo's day on it by URL (time moved with Anvil's own methods), then
report and claim pointed at the same node afterwards; and `make site`'s promise: the chain ends
the demo in step with the wall clock, so a read on the demo's site (signed in, heartbeats as the
tracker sends them) is settled with its day and claimed.

In the site stage (make test-site): it serves the site over the demo's day."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
import siwe
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import keccak
from web3 import Web3

from tests.ops.test_testnet import DAY, _near_midnight
from tests.ops.testnet import ANVIL, ROOT, address, dev_key
from twei.toolchain.devnode import start, stop
from twei.toolchain.localnode import free_port

pytestmark = [pytest.mark.skipif(not ANVIL.exists(), reason="Anvil is not installed (make setup)"), pytest.mark.timeout(600)]

READER = 3  # the demo's reader (LVL 1, Twei held: the trust weights pay it), on a new post
ORACLE_KEYS = ",".join(dev_key(i) for i in (6, 7, 8))  # the demo's oracles
SHORT = "# A short read\n\n" + " ".join(f"word{n}" for n in range(30)) + "."


def ape(*args: str, cwd=ROOT, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / ".venv" / "bin" / "ape"), *args], cwd=cwd, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=600, env={**os.environ, **env})


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo's day on an Anvil started as `make demo-anvil` starts it: (url, out folder)."""
    tmp = tmp_path_factory.mktemp("demo-node")
    port, pidfile = free_port(), tmp / "anvil.pid"
    start(port, pidfile)
    try:
        url, out = f"http://127.0.0.1:{port}", tmp / "demo-output"
        run = ape("run", "demo", "--network", url, "--out", str(out))
        assert run.returncode == 0, run.stderr[-3000:]
        yield url, out, run
    finally:
        stop(pidfile)


def test_demo_on_anvil__leaves_a_node_that_report_and_claim_read(demo):
    url, out, run = demo
    assert "Traceback" not in run.stderr and "INFO: " not in run.stdout
    assert "critic    earned 0 from the pool + 0 on-chain, paid 2 -> 18 TWEI (-2 net)" in run.stdout

    report = ape("run", "report", "--network", url, "--root", str(out), "--account", "TEST::3", "--post", "1",
                 "--no-buy", "--json")
    assert report.returncode == 0, report.stderr[-3000:]
    doc = json.loads(report.stdout)
    assert int({line["name"]: line["amount"] for line in doc["profit"]}["Read Rewards"]) > 0

    claim = ape("run", "claim", "--network", url, "--root", str(out), "--settlements", str(out), "--account", "TEST::3")
    assert claim.returncode == 0 and claim.stdout.startswith("Nothing to claim"), claim.stdout + claim.stderr


def _http(base: str, method: str, path: str, body: dict | None = None, token: str | None = None) -> dict:
    request = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(), method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def _sign_in(base: str, key: str, chain_id: int) -> str:
    """Sign-In with Ethereum as the page's script does (EIP-4361, personal_sign)."""
    nonce = _http(base, "POST", "/v1/auth/nonce")
    now = datetime.now(UTC)
    iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.000Z")  # noqa: E731
    text = siwe.SiweMessage(
        domain=nonce["domain"], address=Account.from_key(key).address, uri=f"http://{nonce['domain']}/", version="1",
        chain_id=chain_id, nonce=nonce["nonce"], issued_at=iso(now), expiration_time=iso(now + timedelta(minutes=10)),
        statement="Sign in to read on Twei.",
    ).prepare_message()  # fmt: skip
    signature = "0x" + Account.from_key(key).sign_message(encode_defunct(text=text)).signature.hex().removeprefix("0x")
    return _http(base, "POST", "/v1/auth/verify", {"message": text, "signature": signature})["token"]


def test_demo_site__a_read_on_the_demos_site_is_settled_and_claimed(demo, tmp_path):
    if _near_midnight():
        pytest.skip("the read (wall clock) and its settlement must fall on one UTC day: not near midnight")
    url, out, _ = demo
    w3 = Web3(Web3.HTTPProvider(url))
    head = w3.eth.get_block("latest")["timestamp"]
    assert head // DAY == int(time.time()) // DAY, "the demo left the chain on another day than the wall clock"
    record = json.loads((out / "deployments" / f"{w3.eth.chain_id}.json").read_text())["contracts"]
    erc20 = [{"name": n, "type": "function", "stateMutability": "nonpayable" if n == "approve" else "view",
              "inputs": [{"name": "a", "type": "address"}] + ([{"name": "b", "type": "uint256"}] if n == "approve" else []),
              "outputs": [{"name": "", "type": "uint256" if n == "balanceOf" else "bool"}]} for n in ("balanceOf", "approve")]  # fmt: skip
    token = w3.eth.contract(address=record["TweiToken"]["address"], abi=erc20)
    engagement = record["Engagement"]["address"]
    # The author publishes a short post (approve the 5 Twei tribute, then publishPost).
    author = address(1)
    token.functions.approve(engagement, 10 * 10**18).transact({"from": author})
    publish = keccak(text="publishPost(bytes32,uint32,uint256)")[:4]
    words = len(SHORT.split()) - 1  # the heading's "#" is not a word
    data = publish + keccak(text=SHORT) + words.to_bytes(32, "big") + (10 * 10**18).to_bytes(32, "big")
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction({"from": author, "to": engagement, "data": data}))
    published = keccak(text="PostPublished(uint256,address,bytes32,uint32)")
    post_id = next(int.from_bytes(lg["topics"][1], "big") for lg in receipt["logs"] if bytes(lg["topics"][0]) == published)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "TWEI_ORACLE_HEARTBEAT_INTERVAL_MS": "1000"}
    site = subprocess.Popen([str(ROOT / ".venv" / "bin" / "ape"), "run", "site", "--network", url, "--root", str(out),
                             "--port", str(port)], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=(tmp_path / "site.log").open("w"))  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                _http(base, "GET", "/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline and site.poll() is None, (tmp_path / "site.log").read_text()[-3000:]
                time.sleep(0.3)
        _http(base, "POST", "/site/api/texts", {"text": SHORT})  # as the publish page keeps the text
        with urllib.request.urlopen(f"{base}/posts/{post_id}", timeout=30) as page:  # the page registers it with the oracle
            assert "A short read" in page.read().decode()
        # The reader signs in and reads as the tracker does: a heartbeat each interval, scrolling.
        key = dev_key(READER)
        bearer = _sign_in(base, key, w3.eth.chain_id)
        sid = _http(base, "POST", "/v1/sessions", {"post_id": post_id, "reader": address(READER), "client_time": int(time.time() * 1000)},
                    token=bearer)["session_id"]  # fmt: skip
        status, seq, deadline = {}, 0, time.monotonic() + 60
        while not status.get("qualified"):
            assert time.monotonic() < deadline, status
            seq += 1
            status = _http(base, "POST", f"/v1/sessions/{sid}/heartbeats", {
                "seq": seq, "visible": True, "focused": True, "scroll": min(100.0, 10.0 * seq), "idle_ms": 500,
                "client_time": int(time.time() * 1000)})  # fmt: skip
            time.sleep(1.0)
        _http(base, "POST", f"/v1/sessions/{sid}/finish")
    finally:
        site.terminate()
        site.wait(timeout=30)
    # The day ends; the operator's timer settles it; after the challenge period the reader claims.
    today = int(time.time()) // DAY
    w3.provider.make_request("evm_setNextBlockTimestamp", [(today + 1) * DAY + 60])
    w3.provider.make_request("anvil_mine", [hex(2)])
    settle = ape("run", "settle", "--network", url, "--root", str(out), TWEI_ORACLE_KEYS=ORACLE_KEYS)
    assert settle.returncode == 0 and f"epoch {today}: done" in settle.stdout, settle.stdout + settle.stderr[-3000:]
    challenge = int(w3.eth.call({"to": record["RewardDistributor"]["address"], "data": keccak(text="challengePeriod()")[:4]}).hex(), 16)
    w3.provider.make_request("evm_increaseTime", [challenge + 1])
    w3.provider.make_request("anvil_mine", [hex(2)])
    before = token.functions.balanceOf(address(READER)).call()
    claim = ape("run", "claim", "--network", url, "--root", str(out), "--settlements", str(out), "--account", f"TEST::{READER}")
    assert claim.returncode == 0 and claim.stdout.startswith("Claimed "), claim.stdout + claim.stderr[-3000:]
    assert token.functions.balanceOf(address(READER)).call() > before  # the read on the site is paid
