"""The post page's speed: server render, script size, and a transaction's way to the page.

``python -m bench.site`` prints:

- the JavaScript the page loads, minified and gzipped (budget 100 KB gzipped);
- ``GET /posts/1`` rendered for a signed-in account, for a post with 100 comments, on loopback:
  p50 and p99 over ``--requests`` sequential requests (target p50 < 50 ms), and the same for the
  live sections (``/posts/1/live``, what the page polls every second);
- the time from a transaction's receipt to the page showing its effect, for ``--likes`` likes
  given in Chromium with the test wallet (target ≤ 2 s).

The chain is an Anvil with one-second blocks and `ape run site` serving it, set up as the
operator's testnet walk does (tests/ops/testnet.py: deploy, genesis, then the 100 comments sent
straight to Anvil). Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

from web3 import Web3

from tests.ops.test_post_page import CHROMIUM, Person
from tests.ops.testnet import NETWORK, ROOT, SEPOLIA, Site, address

APP_JS = ROOT / "twei" / "site" / "static" / "app.js"
#: The `maxFee` the bench's senders agree to: Engagement.MAX_FEE, 1,000 TWEI (any fee).
MAX_FEE = 10**21
AUTHOR, COMMENTER, LIKER = 7, 8, 9


def _get(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()
        assert response.status == 200
    return (time.perf_counter() - start) * 1000


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered):.1f} ms, p99 {p99:.1f} ms ({len(ordered)} requests)"


def _run(net: Site, command: str, *, ok: tuple[int, ...] = (0,)) -> None:
    """Run a job; exit with its error unless its exit code is one of ``ok`` (twei.exitcodes)."""
    done = net.run(command)
    if done.returncode not in ok:
        raise SystemExit(f"{command}: {done.stderr[-2000:]}")


def set_up(net: Site, comments: int) -> tuple[str, dict[str, str], Web3]:
    net.write_env(TWEI_ORACLE_HEARTBEAT_INTERVAL_MS="500")
    net.import_account("operator", 0)
    net.import_account("oracle1", 2)  # the oracle keys of TWEI_ORACLE_ACCOUNTS
    net.import_account("oracle2", 3)
    _run(net, f".venv/bin/ape run deploy --network {NETWORK} --yes")
    genesis = {address(i): {"level": 13, "twei": str(comments + 20)} for i in (AUTHOR, COMMENTER, LIKER)}
    (net.site / "genesis.json").write_text(json.dumps(genesis))
    _run(net, f".venv/bin/ape run bootstrap --file genesis.json --network {NETWORK}", ok=(0, 10))  # 10: waits an hour
    net.travel(3_601)
    _run(net, f".venv/bin/ape run bootstrap --file genesis.json --network {NETWORK}")
    record = json.loads((net.site / "deployments" / f"{SEPOLIA}.json").read_text())
    contracts = {name: c["address"] for name, c in record["contracts"].items()}
    base = net.start_site()
    with urllib.request.urlopen(f"{base}/site/abi.json") as r:
        abis = json.loads(r.read())
    w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{net.port}"))
    token = w3.eth.contract(address=contracts["TweiToken"], abi=abis["TweiToken"])
    engagement = w3.eth.contract(address=contracts["Engagement"], abi=abis["Engagement"])

    def text_hash(text: str) -> str:
        request = urllib.request.Request(
            f"{base}/site/api/texts", data=json.dumps({"text": text}).encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request) as r:
            return json.loads(r.read())["hash"]

    post = "# A post with a hundred comments\n\n" + " ".join(f"word{n}" for n in range(400))
    for who in (AUTHOR, COMMENTER):
        approve = token.functions.approve(contracts["Engagement"], 10**30).transact({"from": address(who)})
        w3.eth.wait_for_transaction_receipt(approve, timeout=60)
    w3.eth.wait_for_transaction_receipt(
        engagement.functions.publishPost(text_hash(post), len(post.split()), MAX_FEE).transact({"from": address(AUTHOR)}), timeout=60
    )
    last = None
    for n in range(comments):
        text = f"Comment {n}: reading time that is measured honestly is the only fair basis for paying readers."
        # gas given: estimating each would see the earlier comments still pending
        last = engagement.functions.comment(1, text_hash(text), MAX_FEE).transact({"from": address(COMMENTER), "gas": 300_000})
    w3.eth.wait_for_transaction_receipt(last, timeout=120)
    return base, contracts, w3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=100)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--likes", type=int, default=5)
    args = parser.parse_args()

    raw = APP_JS.read_bytes()
    print(f"JavaScript: {len(raw) / 1024:.1f} KB minified, {len(gzip.compress(raw, 9)) / 1024:.1f} KB gzipped (budget 100 KB)")

    with tempfile.TemporaryDirectory() as tmp:
        net = Site(Path(tmp))
        try:
            base, _, w3 = set_up(net, args.comments)
            reader = address(LIKER)
            page = f"{base}/posts/1?account={reader}"
            html = urllib.request.urlopen(page).read().decode()
            assert html.count('data-action="like"') == args.comments, "not every comment is on the page"
            for _ in range(20):  # warm up
                _get(page)
            print(f"SSR /posts/1, {args.comments} comments, signed-in account: {_percentiles([_get(page) for _ in range(args.requests)])}")
            live = f"{base}/posts/1/live?account={reader}"
            print(f"live sections /posts/1/live: {_percentiles([_get(live) for _ in range(args.requests)])}")
            print(f"tx to page (receipt to the page showing it), {args.likes} likes: {_latencies(net, base, w3, args.likes)}")
        finally:
            net.close()


def _latencies(net: Site, base: str, w3: Web3, likes: int) -> str:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        person = Person(browser, net, base, LIKER)
        person.open("/posts/1")
        person.connect()
        samples = []
        for n in range(likes):
            button = person.page.locator("[data-action=like]").nth(n)
            before = person.wallet.count("eth_sendTransaction")
            button.click()
            while person.wallet.count("eth_sendTransaction") == before:
                person.page.wait_for_timeout(20)
            tx = person.wallet.results[-1]
            while True:
                try:
                    w3.eth.get_transaction_receipt(tx)
                    break
                except Exception:  # not mined yet
                    person.page.wait_for_timeout(20)
            mined = time.monotonic()
            selector = f"ol.comments li:nth-child({n + 1}) .likes"
            while person.page.locator(selector).inner_text().strip() != "1":
                person.page.wait_for_timeout(20)
            samples.append(time.monotonic() - mined)
        browser.close()
    return ", ".join(f"{s:.2f} s" for s in samples) + f" (max {max(samples):.2f} s)"


if __name__ == "__main__":
    main()
