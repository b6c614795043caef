"""DEV ONLY (not shipped, not part of `make test`): drives the bundle in headless Chromium against
the fixtures in this folder, with a stand-in for the server (Playwright routes) and a real
signing wallet (an EIP-1193 shim announced over EIP-6963 that forwards to a local Anvil).

    node web/build.mjs /tmp/twei-app.js
    /work/main/.venv/bin/python web/dev/e2e.py /tmp/twei-app.js

It starts its own Anvil on a free port and deploys with web/dev/deploy.mjs.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import keccak
from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TRACKER = ROOT / "twei" / "oracle" / "static" / "tracker.js"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ORIGIN = "http://twei.test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Chain:
    def __init__(self, url: str):
        self.url = url
        self.id = 0

    def rpc(self, method: str, params: list) -> dict:
        self.id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self.id, "method": method, "params": params}).encode()
        req = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(req) as r:
            return json.load(r)


def main(bundle: str) -> int:
    port = free_port()
    anvil = subprocess.Popen(
        [str(ROOT / "node_modules" / ".bin" / "anvil"), "--port", str(port), "--silent"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        chain = Chain(url)
        for _ in range(50):
            try:
                chain.rpc("eth_chainId", [])
                break
            except OSError:
                time.sleep(0.1)
        d = json.loads(subprocess.check_output(["node", str(HERE / "deploy.mjs"), url], cwd=ROOT))
        return run(bundle, chain, d)
    finally:
        anvil.terminate()
        anvil.wait()


def run(bundle: str, chain: Chain, d: dict) -> int:
    from web3 import Web3

    w3 = Web3(Web3.HTTPProvider(chain.url))
    eng = w3.eth.contract(address=Web3.to_checksum_address(d["engagement"]), abi=d["abi"]["Engagement"])
    reader = Web3.to_checksum_address(d["reader"])
    fill = {
        "chain_id": "31337",
        "rpc_url": "",
        "token": Web3.to_checksum_address(d["token"]),
        "engagement": eng.address,
        "distributor": Web3.to_checksum_address(d["distributor"]),
        "comment_tribute": d["params"]["commentTribute"],
        "publish_tribute": d["params"]["publishTribute"],
        "filler": "Lorem ipsum dolor sit amet. " * 20,
    }
    requests: list[str] = []
    signins: list[dict] = []
    failures: list[str] = []

    def sections(account: str | None) -> dict:
        post = eng.functions.getPost(1).call()
        voted = account and eng.functions.hasVoted(1, account).call()
        reacted = account and eng.functions.hasReacted(2, account).call()
        refusal = ' data-refusal="You have already voted on this post." aria-describedby="vote-why"' if voted else ""
        votes = (
            f"<p>{post[2]} plus, {post[3]} minus.</p>"
            f'<button type="button" data-action="plus" data-post="1" id="plus-1"{refusal}>Plus</button> '
            f'<button type="button" data-action="minus" data-post="1" data-amount="{d["params"]["minusFee"]}"'
            f' id="minus-1"{refusal}>Minus (2 TWEI)</button>'
            + ('<p id="vote-why">You have already voted on this post.</p>' if voted else "")
        )
        react = ' data-refusal="You have already reacted to this comment."' if reacted else ""
        comments_n = eng.functions.lastId().call()
        comments = (
            f'<article id="comment-2"><p>A comment by the author. ({comments_n} ids so far)</p>'
            f'<button type="button" data-action="like" data-comment="2" id="like-2"{react}>Like</button> '
            f'<button type="button" data-action="dislike" data-comment="2" data-amount="{d["params"]["dislikeFee"]}"'
            f' id="dislike-2"{react}>Dislike (1 TWEI)</button></article>'
        )
        account_html = (
            f"<p>Account {account}.</p>"
            '<button type="button" data-action="claim" id="claim">Claim</button> '
            '<button type="button" data-action="claim" id="claim-refused" data-refusal="Claims open tomorrow."'
            ' aria-describedby="claim-why">Claim (refused)</button><p id="claim-why">Claims open tomorrow.</p>'
            if account
            else "<p>Connect a wallet to see your account.</p>"
        )
        pnl = (
            f'<button type="button" data-action="buy-report" data-post="1" data-amount="{d["params"]["reportPrice"]}"'
            ' id="buy-1">Buy the report (5 TWEI)</button>'
        )
        return {"votes": votes, "comments": comments, "account": account_html, "pnl": pnl}

    def page_html(name: str) -> str:
        html = (HERE / name).read_text()
        secs = sections(None)
        for k, v in {**fill, **secs}.items():
            html = html.replace("{{" + k + "}}", v)
        return html

    def handle(route, request):
        u = urlparse(request.url)
        path = u.path
        requests.append(f"{request.method} {path}")

        def reply(body, status=200, ctype="application/json"):
            route.fulfill(status=status, content_type=ctype, body=body if isinstance(body, str) else json.dumps(body))

        if path == "/posts/1":
            return reply(page_html("post.html"), ctype="text/html")
        if path == "/publish":
            return reply(page_html("publish.html"), ctype="text/html")
        m = re.fullmatch(r"/posts/(\d+)", path)
        if m:
            return reply(f"<!doctype html><title>Post {m[1]}</title><h1>Post {m[1]}</h1>", ctype="text/html")
        if path == "/site/static/app.js":
            return reply(Path(bundle).read_text(), ctype="text/javascript")
        if path == "/static/tracker.js":
            return reply(TRACKER.read_text(), ctype="text/javascript")
        if path == "/site/abi.json":
            return reply(d["abi"])
        if path == "/posts/1/live":
            acct = parse_qs(u.query).get("account", [None])[0]
            return reply({"block": w3.eth.block_number, "sections": sections(acct)})
        if path == "/site/api/texts":
            text = json.loads(request.post_data)["text"]
            return reply({"hash": "0x" + keccak(text.encode()).hex(), "words": len(text.split())}, 201)
        if re.fullmatch(r"/site/api/accounts/0x[0-9a-fA-F]{40}/comment-level", path):
            return reply({"mode": "claimed", "message": "Level 2.", "leaf": None})
        if re.fullmatch(r"/site/api/accounts/0x[0-9a-fA-F]{40}/claim", path):
            return reply({"claimable": "0", "message": "Nothing to claim yet: rewards arrive with the next daily root.", "args": None})
        if path == "/v1/auth/nonce":
            return reply({"nonce": "n0nce12345678", "domain": "twei.test", "expires_in_s": 300})
        if path == "/v1/auth/verify":
            body = json.loads(request.post_data)
            signer = Account.recover_message(encode_defunct(text=body["message"]), signature=body["signature"])
            signins.append({"message": body["message"], "signer": signer})
            return reply({"token": "tok-1", "reader": signer, "expires_at_ms": int(time.time() * 1000) + 3_600_000})
        if path == "/v1/sessions":
            return reply({"session_id": "s-1"}, 201)
        if path.startswith("/v1/sessions/"):
            return reply({"ok": True})
        return reply({"detail": "not found"}, 404)

    shim_template = (
        """
(() => {
  const READER = "%s";
  const OPTS = %s;
  let chainId = OPTS.chainId || null; // a wallet on another chain than Anvil's, when set
  const known = new Set(); // the wallet knows no chain but its own until one is added
  const listeners = {};
  const calls = [];
  const log = [];
  const provider = {
    async request({ method, params }) {
      calls.push(method);
      log.push([method, JSON.stringify(params || []).slice(0, 140)]);
      if ((window.__reject || []).includes(method)) {
        const e = new Error("User rejected the request."); e.code = 4001; throw e;
      }
      if (method === "eth_requestAccounts" || method === "eth_accounts") return [READER.toLowerCase()];
      if (chainId && method === "eth_chainId") return chainId;
      if (chainId && method === "wallet_switchEthereumChain") {
        if (!known.has(params[0].chainId)) { const e = new Error("Unrecognized chain."); e.code = 4902; throw e; }
        chainId = params[0].chainId; (listeners.chainChanged || []).forEach((f) => f(chainId)); return null;
      }
      if (chainId && method === "wallet_addEthereumChain") {
        window.__added = params[0]; known.add(params[0].chainId); return null;
      }
      const r = JSON.parse(await window.__rpc(JSON.stringify({ method, params: params || [] })));
      if (r.error) { const e = new Error(r.error.message); e.code = r.error.code; e.data = r.error.data; throw e; }
      return r.result;
    },
    on(ev, fn) { (listeners[ev] = listeners[ev] || []).push(fn); },
    removeListener() {},
  };
  window.__wallet = { provider, listeners, calls, log };
  const info = { uuid: "3c0c2b9a-test-wallet", name: "Test Wallet", rdns: "test.wallet",
    icon: "data:image/svg+xml,%%3Csvg xmlns='http://www.w3.org/2000/svg' width='8' height='8'/%%3E" };
  const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider",
    { detail: Object.freeze({ info, provider }) }));
  if (OPTS.announce === false) { window.ethereum = provider; return; }
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
})();
"""
    )

    def shim(**opts) -> str:
        return shim_template % (reader, json.dumps(opts))

    def check(ok: bool, what: str):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            failures.append(what)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        ctx = browser.new_context(viewport={"width": 390, "height": 844})
        page = ctx.new_page()
        console: list[str] = []
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
        page.on("request", lambda r: None if r.url.startswith(ORIGIN) or r.url.startswith("data:") else requests.append("OTHER " + r.url))
        page.route(f"{ORIGIN}/**", handle)
        page.expose_function("__rpc", lambda payload: json.dumps(chain.rpc(**json.loads(payload))))
        page.add_init_script(shim())

        def status_is(pattern: str, timeout=20000) -> str:
            try:
                page.wait_for_function(
                    "re => new RegExp(re).test(document.getElementById('status').textContent)", arg=pattern, timeout=timeout
                )
            except Exception:
                pass
            return page.locator("#status").text_content()

        page.goto(f"{ORIGIN}/posts/1")
        page.wait_for_selector("#wallet-connect ul button")
        names = [t.strip() for t in page.locator("#wallet-connect ul.wallet-list > li > button").all_text_contents()]
        check(names == ["Test Wallet"], f"one wallet button, named: {names}")

        # Keyboard only: tab to the wallet button and press Enter.
        page.locator("#wallet-connect ul button").focus()
        page.keyboard.press("Enter")
        s = status_is("Signed in")
        check("Signed in" in s, f"connect + sign-in: {s!r}")
        check(len(signins) == 1 and signins[0]["signer"] == reader, "SIWE signed by the reader")
        if signins:
            msg = signins[0]["message"]
            check(msg.startswith("twei.test wants you to sign in with your Ethereum account:\n" + reader + "\n"), "SIWE first lines")
            check("\nURI: http://twei.test/\nVersion: 1\nChain ID: 31337\nNonce: n0nce12345678\nIssued At: " in msg, "SIWE fields")
        page.wait_for_function("() => window.tweiTracker && window.tweiTracker.sessionId === 's-1'", timeout=10000)
        check(True, "tracker injected and its session started without asking the wallet")
        check(page.evaluate("window.__wallet.calls.filter(m => m === 'personal_sign').length") == 1, "one personal_sign only")
        key = page.evaluate(f"Object.keys(sessionStorage).find(k => k.startsWith('twei-token::'))")
        check(key == "twei-token::" + reader.lower(), f"token key {key}")
        page.wait_for_function("() => document.querySelector('[data-live=account]').textContent.includes('Account 0x')")
        check(True, "live sections follow the connected account")

        # A refusal the server already knows: nothing is sent.
        n_calls = page.evaluate("window.__wallet.calls.length")
        page.click("#claim-refused")
        s = status_is("Claims open tomorrow")
        check(s == "Claims open tomorrow." and page.locator("#status.error").count() == 1, f"data-refusal: {s!r}")
        check(page.evaluate("window.__wallet.calls.length") == n_calls, "refusal asks nothing of the wallet")

        # Claim with args null.
        page.click("#claim")
        s = status_is("Nothing to claim")
        check("Nothing to claim yet" in s, f"claim without args: {s!r}")

        # Plus (non-paying), with keyboard focus kept across the live swap.
        page.locator("#plus-1").focus()
        page.keyboard.press("Enter")
        s = status_is(r"Plus recorded in block \d+")
        check(re.search(r"^Plus recorded in block \d+\.$", s) is not None, f"plus: {s!r}")
        page.wait_for_function("() => document.querySelector('[data-live=votes]').textContent.includes('1 plus')", timeout=5000)
        check(page.evaluate("document.activeElement && document.activeElement.id") == "plus-1", "focus back on #plus-1 after the swap")
        # The section now carries data-refusal; simulate the contract's error by removing it.
        page.evaluate("document.querySelectorAll('[data-refusal]').forEach(b => b.removeAttribute('data-refusal'))")
        calls_before = page.evaluate("window.__wallet.calls.length")
        page.evaluate("document.getElementById('minus-1').click()")
        s = status_is("already voted")
        check("already voted" in s, f"minus after plus -> AlreadyVoted decoded: {s!r}")
        sent = page.evaluate(f"window.__wallet.calls.slice({calls_before})")
        check("eth_signTypedData_v4" not in sent and "eth_sendTransaction" not in sent, f"nothing signed or sent: {sent}")
        if "-v" in sys.argv:
            print(page.evaluate(f"window.__wallet.log.slice({calls_before})"))

        # Dislike: allowance 0 -> permit + dislikeWithPermit.
        page.wait_for_timeout(1200)
        calls_before = page.evaluate("window.__wallet.calls.length")
        page.click("#dislike-2")
        s = status_is(r"Dislike recorded in block \d+")
        check(re.search(r"Dislike recorded in block \d+", s) is not None, f"dislike with permit: {s!r}")
        sent = page.evaluate(f"window.__wallet.calls.slice({calls_before})")
        check(sent.count("eth_signTypedData_v4") == 1 and sent.count("eth_sendTransaction") == 1, f"one permit, one tx")
        check(eng.functions.hasReacted(2, reader).call(), "dislike is on chain")

        # Rejection in the wallet.
        page.evaluate("window.__reject = ['eth_signTypedData_v4']")
        page.click("#buy-1")
        s = status_is("rejected")
        check(s == "You rejected the request in your wallet; nothing was sent.", f"rejection: {s!r}")
        page.evaluate("window.__reject = []")

        # Comment with permit (text survives the live swaps; cleared after success).
        page.fill("#comment-text", "A thoughtful comment.")
        page.wait_for_timeout(1200)
        check(page.input_value("#comment-text") == "A thoughtful comment.", "typed text survives live refreshes")
        page.click("#comment-form button[type=submit]")
        s = status_is(r"Comment recorded in block \d+")
        check(re.search(r"Comment recorded in block \d+", s) is not None, f"comment with permit: {s!r}")
        check(page.input_value("#comment-text") == "", "comment box cleared")

        # Comment refused by the level section.
        page.evaluate("document.querySelector('[data-can-comment]').dataset.canComment = 'false'")
        page.evaluate("document.querySelector('[data-can-comment]').textContent = 'Commenting needs level 1; yours is 0.'")
        page.fill("#comment-text", "x")
        page.click("#comment-form button[type=submit]")
        s = status_is("needs level")
        check(s == "Commenting needs level 1; yours is 0.", f"comment-level refusal: {s!r}")

        # Buy report: by now the reader has an allowance? (permit set it to the exact fee, spent) -> permit again.
        page.click("#buy-1")
        s = status_is(r"Report purchase recorded in block \d+")
        check("Report purchase recorded" in s, f"buy report: {s!r}")

        width = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate("""[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 390 || e.scrollWidth > e.clientWidth + 1)
            .map(e => e.tagName + (e.id ? '#' + e.id : '') + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 8)""")
        check(width <= 390, f"no horizontal scroll at 390 px (scrollWidth {width}; wide: {wide})")

        # A hidden tab does not poll; it polls at once when visible again.
        hide = """v => { Object.defineProperty(document, 'visibilityState', { get: () => v, configurable: true });
                         document.dispatchEvent(new Event('visibilitychange')); }"""
        page.evaluate(hide, "hidden")
        page.wait_for_timeout(300)
        before = sum(r.startswith("GET /posts/1/live") for r in requests)
        page.wait_for_timeout(2500)
        hidden_polls = sum(r.startswith("GET /posts/1/live") for r in requests) - before
        page.evaluate(hide, "visible")
        page.wait_for_timeout(200)
        again = sum(r.startswith("GET /posts/1/live") for r in requests) - before - hidden_polls
        check(hidden_polls == 0 and again >= 1, f"hidden: {hidden_polls} polls in 2.5 s; visible again: {again} at once")

        # Accessibility: axe on the whole page, connected.
        page.add_script_tag(content=AXE.read_text())
        result = page.evaluate("axe.run(document, { resultTypes: ['violations'] })")
        v = [(x["id"], x["impact"], len(x["nodes"])) for x in result["violations"]]
        check(not v, f"axe violations on the post page: {v}")
        # Publish page: permit path, then the new post's page.
        page.goto(f"{ORIGIN}/publish")
        page.wait_for_selector("#wallet-connect ul button")
        page.wait_for_function("() => document.querySelector('#wallet-connect').textContent.includes('Connected')", timeout=5000)
        check(True, "the wallet reconnects silently on the next page")
        page.fill("#post-title", "My second post")
        page.fill("#post-body", "Four words of text.")
        page.click("#publish-form button[type=submit]")
        try:
            page.wait_for_url(re.compile(r".*/posts/\d+$"), timeout=20000)
        except Exception:
            pass
        check(page.url.endswith(f"/posts/{eng.functions.lastId().call()}"), f"publish -> {page.url}")

        # No wallet at all; window.ethereum only; a wallet on another chain (4902, then add).
        for opts, expect in ((None, "No wallet found"), ({"announce": False}, "Browser wallet")):
            other = browser.new_context(viewport={"width": 390, "height": 844})
            pg = other.new_page()
            pg.route(f"{ORIGIN}/**", handle)
            pg.expose_function("__rpc", lambda payload: json.dumps(chain.rpc(**json.loads(payload))))
            if opts is not None:
                pg.add_init_script(shim(**opts))
            pg.goto(f"{ORIGIN}/posts/1")
            pg.wait_for_function("t => document.getElementById('wallet-connect').textContent.includes(t)", arg=expect, timeout=5000)
            check(True, f"wallet list with {opts}: {expect!r}")
            pg.click("#plus-1")
            pg.wait_for_function("() => document.getElementById('status').textContent", timeout=5000)
            check(pg.text_content("#status").startswith("Connect a wallet first"), f"not connected: {pg.text_content('#status')!r}")
            other.close()
        fill["rpc_url"] = "http://127.0.0.1:8545"
        other = browser.new_context(viewport={"width": 390, "height": 844})
        pg = other.new_page()
        pg.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
        pg.route(f"{ORIGIN}/**", handle)
        pg.expose_function("__rpc", lambda payload: json.dumps(chain.rpc(**json.loads(payload))))
        pg.add_init_script(shim(chainId="0x1"))
        pg.goto(f"{ORIGIN}/posts/1")
        pg.click("#wallet-connect ul button")
        pg.wait_for_selector("#wallet-switch-chain", timeout=5000)
        check(pg.text_content("#wallet-switch-chain") == "Switch to Anvil", "switch button on another chain")
        pg.wait_for_function("() => /Signed in/.test(document.getElementById('status').textContent)", timeout=10000)
        pg.click("#wallet-switch-chain")
        pg.wait_for_function("() => /is on Anvil/.test(document.getElementById('status').textContent)", timeout=10000)
        added = pg.evaluate("window.__added")
        check(added and added["chainId"] == "0x7a69" and added["rpcUrls"] == ["http://127.0.0.1:8545"], f"4902 -> wallet_addEthereumChain {added}")
        check(pg.locator("#wallet-switch-chain").count() == 0, "switch button gone once on the chain")
        other.close()

        check(not any(r.startswith("OTHER") for r in requests), f"no other host: {[r for r in requests if r.startswith('OTHER')]}")
        check(not console, f"console clean: {console}")
        browser.close()
    print("FAILED:" if failures else "all good", *failures, sep="\n  ")
    return 1 if failures else 0


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "-v"]
    sys.exit(main(args[0] if args else str(ROOT / "twei" / "site" / "static" / "app.js")))
