"""The post page, end to end: Debian's Chromium (Playwright) against `ape run site` on Anvil.

Four people with the wallet of tests/ops/wallet.py (Anvil's unlocked dev accounts sign): an
author (LVL 3) who publishes from the site's page, a reader (LVL 13) who reads until the read
qualifies, comments, pluses, buys a report and claims, a curator (LVL 13) who likes and
pluses, and a critic (LVL 3) who is refused a comment, dislikes and gives a minus. After every
step the test checks the chain (web3 on Anvil) and what the page shows, and that the page
showed it without a reload. The day is settled by `ape run settle` as the operator's timer runs
it; the reader's Read Rewards and claim then come from the published files.

Ordered steps in one module (each needs the one before): a step that fails stops the rest.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.request
from pathlib import Path

import pytest
from web3 import Web3

from tests.ops.test_testnet import DAY, _near_midnight, ok
from tests.ops.testnet import NETWORK, ROOT, SEPOLIA, Site, address
from tests.ops.wallet import Wallet

pytestmark = pytest.mark.timeout(900)

CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TWEI = 10**18
AUTHOR, READER, CURATOR, CRITIC = 7, 8, 9, 1
LEVELS = {AUTHOR: 3, READER: 13, CURATOR: 13, CRITIC: 3}
POST_TITLE = "Sixty honest words"
POST_BODY = "\n\n".join(
    " ".join(f"word{n}" for n in range(i * 10, i * 10 + 10)) + "." for i in range(6)
)  # 60 words of text plus the title's: Time to Read about 17 s
COMMENT = "Measured reading time is the only fair way to pay readers."
#: Where `TWEI_SCREENSHOTS=docs` puts the README's pictures (the test always takes them).
SHOTS = os.environ.get("TWEI_SCREENSHOTS")


def _erc20(w3: Web3, token: str):
    abi = [
        {"name": "balanceOf", "type": "function", "stateMutability": "view",
         "inputs": [{"name": "a", "type": "address"}], "outputs": [{"name": "", "type": "uint256"}]},
    ]  # fmt: skip
    return w3.eth.contract(address=token, abi=abi)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    if _near_midnight():
        pytest.skip("reading (wall clock) and settling (chain clock) must fall on one UTC day: not near midnight")
    assert Path(CHROMIUM).exists(), "make browser installs Debian's chromium"
    net = Site(tmp_path_factory.mktemp("site"))
    try:
        net.write_env(TWEI_ORACLE_HEARTBEAT_INTERVAL_MS="500")
        net.import_account("operator", 0)
        ok(net.run(f".venv/bin/ape run deploy --network {NETWORK} --yes"))
        genesis = {address(i): {"level": level, "twei": "20"} for i, level in LEVELS.items()}
        (net.site / "genesis.json").write_text(json.dumps(genesis))
        ok(net.run(f".venv/bin/ape run bootstrap --file genesis.json --network {NETWORK}"))
        net.travel(3_601)
        ok(net.run(f".venv/bin/ape run bootstrap --file genesis.json --network {NETWORK}"))
        record = json.loads((net.site / "deployments" / f"{SEPOLIA}.json").read_text())
        contracts = {name: c["address"] for name, c in record["contracts"].items()}
        base = net.start_site()
        yield net, base, contracts
    finally:
        net.close()


@pytest.fixture(scope="module")
def browser(world):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        try:
            yield b
        finally:
            b.close()


class Person:
    """One account in its own browser context, with its wallet and its page."""

    def __init__(self, browser, net: Site, base: str, index: int, viewport=None) -> None:
        self.address = address(index)
        self.wallet = Wallet(self.address, f"http://127.0.0.1:{net.port}", SEPOLIA)
        self.context = browser.new_context(viewport=viewport or {"width": 1100, "height": 900})
        self.wallet.install(self.context)
        self.page = self.context.new_page()
        self.base = base
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("pageerror", lambda err: self.errors.append(str(err)))
        self.page.on("request", lambda request: self.requests.append(request.url))

    def open(self, path: str) -> None:
        self.page.goto(self.base + path)

    def connect(self) -> None:
        """Pick the test wallet among those announced, switch chain, sign in."""
        page = self.page
        page.get_by_role("button", name=re.compile("Test Wallet")).click()
        switch = page.get_by_role("button", name=re.compile("Switch to"))
        switch.wait_for(timeout=10_000)
        switch.click()
        sign_in = page.get_by_role("button", name=re.compile("Sign in"))
        sign_in.wait_for(timeout=10_000)
        sign_in.click()
        page.wait_for_function(
            "a => !!sessionStorage.getItem('twei-token::' + a.toLowerCase())", arg=self.address, timeout=15_000
        )
        page.wait_for_function(
            "a => document.body.dataset.account === a || document.querySelector('#account-address')",
            arg=self.address, timeout=10_000,
        )  # fmt: skip

    def status(self) -> str:
        return self.page.locator("#status").inner_text()

    def click_action(self, action: str, within: str = "body") -> None:
        self.page.locator(f"{within} [data-action={action}]").first.click()

    def wait_text(self, selector: str, pattern: str, timeout: float = 20_000) -> str:
        locator = self.page.locator(selector)
        locator.filter(has_text=re.compile(pattern)).first.wait_for(timeout=timeout)
        return locator.first.inner_text()

    def close(self) -> None:
        self.context.close()


def test_post_page__reads_without_javascript(world):
    _, base, _ = world
    with urllib.request.urlopen(f"{base}/publish") as r:
        html = r.read().decode()
    assert "Publish a post" in html and 'id="wallet-connect"' in html
