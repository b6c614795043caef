"""A real browser reads a post: headless Chromium (Debian's) driven by Playwright.

The oracle runs for real (uvicorn in a thread, SQLite on a temp file, real clock). It serves no
page: the test serves a bare reading page with the tracker embedded on the oracle's origin
(:mod:`tests.oracle.reading_page`, through Playwright's routing). To keep the test short the
post has 60 words (Time to Read 15 s, so 7.6 s of credited time qualifies) and the tracker beats
every 0.5 s (the page's ``data-interval``, from the oracle's settings). Playwright's
``page.clock`` is not used: the oracle credits its own receive times, so fast-forwarding the
browser's clock would credit nothing; the server clock is only faked in the API tests.

Three readers at once: one scrolls to the end and stays (qualifies), one whose page is made
hidden (``visibilityState`` overridden by an init script, ``visibilitychange`` fired), one who
never touches the page. Only the first earns.

Each reader is a wallet: an EIP-1193 provider injected into the page answers ``personal_sign``
with a real signature by the reader's key (the key stays in Python, reached through Playwright's
``expose_function``), so the tracker signs in with EIP-4361 before it opens its session.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from eth_account import Account
from eth_account.messages import encode_defunct
from playwright.sync_api import BrowserContext, Page, sync_playwright

from tests.oracle.conftest import API_KEY, AUTHOR
from tests.oracle.reading_page import reading_page, route_reading_page
from twei.toolchain.localnode import free_port
from twei.oracle.app import create_app
from twei.oracle.settings import OracleSettings

CHROMIUM = "/usr/bin/chromium"
WALLETS = {name: Account.from_key(bytes([n]) * 32)
           for n, name in enumerate(("reads", "hidden", "idle"), 1)}  # fmt: skip
READERS = {name: wallet.address for name, wallet in WALLETS.items()}
WORDS = ("reading honestly measured is the whole point of this little post so take your time "
         "and scroll down to the very end").split()  # fmt: skip
BODY = "\n\n".join(" ".join(WORDS[i % 20 :] + WORDS[: i % 20])[:60] + "." for i in range(12))

HIDE = """
window.__tweiHide = () => {
  Object.defineProperty(Document.prototype, "visibilityState",
                        { get: () => "hidden", configurable: true });
  Object.defineProperty(Document.prototype, "hidden", { get: () => true, configurable: true });
  document.dispatchEvent(new Event("visibilitychange"));
};
"""

WALLET = """
window.ethereum = {
  request: async ({ method, params }) => {
    if (method === "eth_requestAccounts" || method === "eth_accounts") return [window.__tweiAccount];
    if (method === "personal_sign") return await window.__tweiPersonalSign(params[0], params[1]);
    throw new Error("unsupported method " + method);
  }
};
"""


def add_wallet(context: BrowserContext, account) -> list[str]:
    """Give the context's pages a wallet of ``account``; returns the messages it signs."""
    signed: list[str] = []

    def personal_sign(data: str, address: str) -> str:
        assert address.lower() == account.address.lower(), "asked to sign for another account"
        signed.append(bytes.fromhex(data.removeprefix("0x")).decode())
        return "0x" + bytes(account.sign_message(encode_defunct(hexstr=data)).signature).hex()

    context.expose_function("__tweiPersonalSign", personal_sign)
    context.add_init_script(f"window.__tweiAccount = {json.dumps(account.address)};" + WALLET)
    return signed


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, object, OracleSettings]]:
    """The oracle on a free loopback port; yields its base URL, the app and its settings."""
    settings = OracleSettings(
        _env_file=None, api_key=API_KEY, db=tmp_path / "oracle.db",
        settlements_dir=tmp_path / "settlements", heartbeat_interval_ms=500,
    )  # fmt: skip
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the oracle did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", app, settings
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def status(page: Page, base: str, reader: str) -> dict:
    r = page.request.get(f"{base}/v1/reads", params={"post_id": 1, "reader": reader})
    assert r.ok, r.text()
    return r.json()


def tracker(page: Page) -> dict:
    return page.evaluate("() => window.tweiTracker")


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_browser__scrolling_reader_qualifies_hidden_and_untouched_pages_earn_nothing(served):
    base, app, settings = served
    assert Path(CHROMIUM).exists(), "make browser installs Debian's chromium"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        try:
            r = browser.new_context().request.post(
                f"{base}/v1/posts",
                data={"post_id": 1, "author": AUTHOR, "word_count": 60, "title": "Sixty words",
                      "body": BODY},
                headers={"X-API-Key": API_KEY},
            )  # fmt: skip
            assert r.status == 201, r.text()
            pages: dict[str, Page] = {}
            signed: dict[str, list[str]] = {}
            for name, reader in READERS.items():
                context = browser.new_context(viewport={"width": 390, "height": 420})
                context.add_init_script(HIDE)
                signed[name] = add_wallet(context, WALLETS[name])
                html = reading_page(settings, post_id=1, title="Sixty words", body=BODY,
                                    reader=reader)  # fmt: skip
                url = route_reading_page(context, base, 1, html)
                page = context.new_page()
                page.goto(f"{url}?reader={reader}")
                pages[name] = page
            for name, page in pages.items():
                wait_for(lambda p=page: (tracker(p) or {}).get("accepted", 0) >= 1, 10, "a beat")
                assert tracker(page)["signedIn"] == READERS[name]  # EIP-4361 through the wallet
                (message,) = signed[name]
                assert message.startswith(f"{base.removeprefix('http://')} wants you to sign in")
            assert tracker(pages["idle"])["maxScroll"] < 75, "the article must need scrolling"

            pages["hidden"].evaluate("() => window.__tweiHide()")
            for name in ("reads", "hidden"):
                page = pages[name]
                page.mouse.move(200, 200)
                for _ in range(15):
                    page.mouse.wheel(0, 300)
                    time.sleep(0.05)
            wait_for(lambda: tracker(pages["reads"])["maxScroll"] == 100, 10, "the end of the post")

            reads = pages["reads"]
            wait_for(lambda: status(reads, base, READERS["reads"])["qualified"], 30, "qualifying")
            got = status(reads, base, READERS["reads"])
            assert got["rewarded"] and got["max_scroll"] == 100
            assert 7.5 <= got["credited_s"] <= 22.7  # ≥ half of 15 s, ≤ 1.5 × 15 s
            assert int(got["earned_pending_wei"]) > 0 and got["earned_pending_twei"] != "0"
            # A reload is a new page view: a new session, signed in with the token the tracker
            # kept (the wallet is not asked again); the rewarded read stays the first one.
            first_session = tracker(reads)["sessionId"]
            reads.reload()
            wait_for(lambda: (tracker(reads) or {}).get("accepted", 0) >= 1, 10, "a beat")
            assert tracker(reads)["sessionId"] != first_session and len(signed["reads"]) == 1
            again = status(reads, base, READERS["reads"])
            assert again["sessions"] == 2 and again["rewarded"]
            assert int(again["earned_pending_wei"]) >= int(got["earned_pending_wei"])

            for name in ("hidden", "idle"):
                other = status(pages[name], base, READERS[name])
                assert (other["credited_s"], other["qualified"], other["rewarded"]) == (
                    0.0, False, False,
                ), name  # fmt: skip
                assert (other["earned_pending_wei"], other["earned_pending_twei"]) == ("0", "0")
            # The hidden page reported its visibility change (and focus changes), but sent no
            # periodic beats while hidden; the untouched visible page kept beating all along.
            hidden_beats = tracker(pages["hidden"])["accepted"]
            idle_beats = tracker(pages["idle"])["accepted"]
            assert 2 <= hidden_beats < idle_beats / 2 and idle_beats >= 10

            # Leaving the page finishes the session with sendBeacon.
            session_id = tracker(pages["idle"])["sessionId"]
            pages["idle"].goto("about:blank")
            store = app.state.oracle.store
            wait_for(lambda: store.get_session(session_id).finished_ms is not None, 10, "finish")
        finally:
            browser.close()


def test_browser__one_wallet_reading_in_two_tabs_is_credited_once_per_instant(served):
    """Two tabs of one reader on the post, both visible, focused as headless Chromium reports
    it, scrolled and moved in: the oracle credits the reader at most the wall time over both."""
    base, app, settings = served
    assert Path(CHROMIUM).exists(), "make browser installs Debian's chromium"
    wallet = Account.from_key(bytes([9]) * 32)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM,
                                     args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
        try:
            r = browser.new_context().request.post(
                f"{base}/v1/posts",
                data={"post_id": 1, "author": AUTHOR, "word_count": 600, "title": "Long",
                      "body": BODY},
                headers={"X-API-Key": API_KEY},
            )  # fmt: skip
            assert r.status == 201, r.text()
            context = browser.new_context(viewport={"width": 390, "height": 420})
            add_wallet(context, wallet)
            html = reading_page(settings, post_id=1, title="Long", body=BODY,
                                reader=wallet.address)  # fmt: skip
            url = route_reading_page(context, base, 1, html)
            tabs = [context.new_page() for _ in range(2)]
            for tab in tabs:
                tab.goto(f"{url}?reader={wallet.address}")
            for tab in tabs:
                wait_for(lambda t=tab: (tracker(t) or {}).get("accepted", 0) >= 1, 10, "a beat")
            deadline = time.monotonic() + 6
            while time.monotonic() < deadline:  # both tabs: input all along
                for tab in tabs:
                    tab.mouse.move(100 + int(time.monotonic() * 10) % 50, 200)
                time.sleep(0.2)
            beats = [tracker(tab)["accepted"] for tab in tabs]
        finally:
            browser.close()
    store = app.state.oracle.store
    sessions = store.reader_sessions(wallet.address, 1)
    assert len(sessions) == 2 and min(beats) >= 8
    rows = store._all(
        "SELECT received_ms, credited_ms FROM heartbeats WHERE session_id IN (?, ?)"
        " ORDER BY received_ms", tuple(s.session_id for s in sessions)
    )  # fmt: skip
    wall = rows[-1][0] - rows[0][0]
    credited = sum(s.credited_ms for s in sessions)
    assert all(s.credited_ms > 0 for s in sessions)  # both tabs were engaged …
    assert 0.5 * wall <= credited <= wall  # … and the reader earned one tab's time, not two
