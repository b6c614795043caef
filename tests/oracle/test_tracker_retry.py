"""The page's tracker sends a heartbeat answered 503 again after ``Retry-After``.

Headless Chromium on a reading page served on the oracle's origin (as in test_browser.py);
Playwright answers the page's first heartbeat 503 itself, as a replica does while its database
restarts. The same heartbeat (seq 1) must reach the oracle afterwards, and the tracker report no
error.
"""

from __future__ import annotations

import time
from pathlib import Path

from eth_account import Account
from playwright.sync_api import Route, sync_playwright

from tests.oracle.conftest import API_KEY, AUTHOR
from tests.oracle.reading_page import reading_page, route_reading_page
from tests.oracle.test_browser import (  # noqa: F401
    BODY,
    CHROMIUM,
    add_wallet,
    served,
    tracker,
    wait_for,
)

WALLET = Account.from_key("0x" + "d4" * 32)
READER = WALLET.address


def test_tracker__retries_a_heartbeat_answered_503_after_retry_after(served):
    base, app, settings = served
    assert Path(CHROMIUM).exists(), "make browser installs Debian's chromium"
    refused: list[str] = []

    def first_unavailable(route: Route) -> None:
        if not refused:
            refused.append(route.request.post_data or "")
            route.fulfill(status=503, headers={"Retry-After": "0.1"},
                          content_type="application/json",
                          body='{"detail": "database unavailable"}')  # fmt: skip
        else:
            route.continue_()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM,
                                     args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
        try:
            r = browser.new_context().request.post(
                f"{base}/v1/posts",
                data={"post_id": 1, "author": AUTHOR, "word_count": 60, "title": "t", "body": BODY},
                headers={"X-API-Key": API_KEY},
            )
            assert r.status == 201, r.text()
            context = browser.new_context()
            add_wallet(context, WALLET)
            html = reading_page(settings, post_id=1, title="t", body=BODY, reader=READER)
            url = route_reading_page(context, base, 1, html)
            page = context.new_page()
            page.route("**/heartbeats", first_unavailable)
            page.goto(f"{url}?reader={READER}")
            wait_for(lambda: (tracker(page) or {}).get("accepted", 0) >= 1, 10, "a beat")
            sid = tracker(page)["sessionId"]
            time.sleep(0.3)
            state = tracker(page)
        finally:
            browser.close()
    assert '"seq":1' in refused[0]
    assert state["errors"] == []
    store = app.state.oracle.store
    stored = store._all("SELECT seq FROM heartbeats WHERE session_id = ?", (sid,))
    assert (1,) in stored  # the refused heartbeat itself arrived, later
