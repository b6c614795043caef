"""The post page, end to end: Debian's Chromium (Playwright) against two `ape run site` replicas on
one PostgreSQL behind HAProxy (deploy/haproxy/twei.cfg), on Anvil; one replica is killed mid-walk.

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
from tests.ops.replicas import Replicas
from tests.ops.wallet import Wallet
from twei.breakdown import Breakdown
from twei.flows import FlowCategory
from twei.units import format_twei

pytestmark = pytest.mark.timeout(900)

CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TWEI = 10**18
AUTHOR, READER, CURATOR, CRITIC = 7, 8, 9, 1
PAUPER = 6  # the guardian: a dev account with ETH and no TWEI
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
def world(tmp_path_factory, pg_cluster):
    if _near_midnight():
        pytest.skip("reading (wall clock) and settling (chain clock) must fall on one UTC day: not near midnight")
    assert Path(CHROMIUM).exists(), "make browser installs Debian's chromium"
    net = Site(tmp_path_factory.mktemp("site"))
    try:
        net.write_env(TWEI_ORACLE_HEARTBEAT_INTERVAL_MS="500")
        net.import_account("operator", 0)
        net.import_account("oracle1", 2)  # the oracle keys of TWEI_ORACLE_ACCOUNTS
        net.import_account("oracle2", 3)
        ok(net.run(f".venv/bin/ape run deploy --network {NETWORK} --yes"))
        genesis = {address(i): {"level": level, "twei": "20"} for i, level in LEVELS.items()}
        (net.site / "genesis.json").write_text(json.dumps(genesis))
        ok(net.run(f".venv/bin/ape run bootstrap --file genesis.json --network {NETWORK}"), 10)  # not yet
        net.travel(3_601)
        ok(net.run(f".venv/bin/ape run bootstrap --file genesis.json --network {NETWORK}"))
        record = json.loads((net.site / "deployments" / f"{SEPOLIA}.json").read_text())
        contracts = {name: c["address"] for name, c in record["contracts"].items()}
        # two site replicas on one PostgreSQL behind the shipped HAProxy (one is killed mid-walk)
        net.replicas = Replicas(net, pg_cluster.create_database("walk"))
        base = net.replicas.base
        yield net, base, contracts
    finally:
        if getattr(net, "replicas", None) is not None:
            net.replicas.close()
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

    def __init__(self, browser, net: Site, base: str, index: int, viewport=None, bypass_csp: bool = False) -> None:
        self.address = address(index)
        self.wallet = Wallet(self.address, f"http://127.0.0.1:{net.port}", SEPOLIA)
        self.context = browser.new_context(viewport=viewport or {"width": 1100, "height": 900}, bypass_csp=bypass_csp)
        self.wallet.install(self.context)
        self.page = self.context.new_page()
        self.base = base
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("pageerror", lambda err: self.errors.append(str(err)))
        self.page.on("request", lambda request: self.requests.append(request.url))

    def open(self, path: str) -> None:
        self.page.goto(self.base + path)

    def connect(self, sign_in: bool = True) -> None:
        """Pick the test wallet among those announced; on a post page the sign-in (EIP-4361)
        follows at once; then switch the wallet to the site's chain."""
        page = self.page
        page.get_by_role("button", name=re.compile("Test Wallet")).click()
        if sign_in:
            page.wait_for_function(
                "a => !!sessionStorage.getItem('twei-token::' + a.toLowerCase())", arg=self.address, timeout=15_000
            )
        switch = page.get_by_role("button", name=re.compile("Switch to"))
        switch.click(timeout=10_000)
        switch.wait_for(state="detached", timeout=10_000)

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


def test_publish_page__reads_without_javascript(world):
    _, base, _ = world
    with urllib.request.urlopen(f"{base}/publish") as r:
        html = r.read().decode()
    assert "Publish a post" in html and 'id="wallet-connect"' in html


class Chain:
    """The test's own view of Anvil (web3), to check what each step changed."""

    def __init__(self, net: Site, base: str, contracts: dict[str, str]) -> None:
        self.net = net
        self.w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{net.port}"))
        with urllib.request.urlopen(f"{base}/site/abi.json") as r:
            abis = json.loads(r.read())
        self.token = self.w3.eth.contract(address=contracts["TweiToken"], abi=abis["TweiToken"])
        self.engagement = self.w3.eth.contract(address=contracts["Engagement"], abi=abis["Engagement"])
        self.distributor = self.w3.eth.contract(address=contracts["RewardDistributor"], abi=abis["RewardDistributor"])

    def balance(self, who: str) -> int:
        return self.token.functions.balanceOf(who).call()

    def nonce(self, who: str) -> int:
        return self.w3.eth.get_transaction_count(who)

    def post(self, post_id: int):
        return self.engagement.functions.getPost(post_id).call()


#: Seconds from a transaction's receipt to the page showing its effect (printed at the end).
LATENCIES: list[tuple[str, float]] = []


def act_and_see(
    person: Person, chain: Chain, what: str, click, shown_js: str, arg=None, timeout: float = 30.0, navigates: bool = False
) -> dict:
    """Click, wait for the one transaction the click sends to be mined, then for the page to
    show it (``shown_js`` true) without a reload (or, ``navigates``, on the page the script
    goes to); records the latency. The receipt."""
    before = person.wallet.count("eth_sendTransaction")
    marker = person.page.evaluate("() => (window.__tweiMarker = Math.random())")
    click()
    deadline = time.monotonic() + timeout
    receipt = mined_at = None
    while True:
        assert time.monotonic() < deadline, f"{what}: not shown within {timeout} s; status: {person.status()!r}"
        if receipt is None and person.wallet.count("eth_sendTransaction") > before:
            tx = person.wallet.results[-1]
            try:
                receipt = chain.w3.eth.get_transaction_receipt(tx)
                mined_at = time.monotonic()
                assert receipt["status"] == 1, f"{what}: reverted"
            except Exception as err:  # not mined yet
                if "not found" not in str(err).lower() and "TransactionNotFound" not in type(err).__name__:
                    raise
                receipt = None
        if receipt is not None and _shown(person, shown_js, arg):
            LATENCIES.append((what, time.monotonic() - mined_at))
            break
        person.page.wait_for_timeout(50)  # not time.sleep: the wallet's calls are served meanwhile
    if not navigates:
        assert person.page.evaluate("() => window.__tweiMarker") == marker, f"{what}: the page was reloaded"
    assert person.wallet.count("eth_sendTransaction") == before + 1, f"{what}: one transaction"
    return receipt


def _shown(person: Person, shown_js: str, arg) -> bool:
    try:
        return bool(person.page.evaluate(shown_js, arg))
    except Exception as err:  # the page is navigating: not shown yet
        if "context was destroyed" in str(err) or "navigat" in str(err):
            return False
        raise


def refused(person: Person, chain: Chain, click, message: str) -> None:
    """Click; the page says ``message`` (an error) and nothing is signed or sent."""
    marks, nonce = person.wallet.mark(), chain.nonce(person.address)
    click()
    person.page.locator("#status.error").filter(has_text=re.compile(message)).wait_for(timeout=15_000)
    assert person.wallet.mark() == marks and chain.nonce(person.address) == nonce
    in_view = "() => { const r = document.querySelector('#status').getBoundingClientRect();" \
              " return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight; }"
    assert person.page.evaluate(in_view), "the refusal is not where the reader is looking"


def disabled_with_reason(person: Person, chain: Chain, button, message: str) -> None:
    """``button`` (a locator) can only refuse: it shows disabled, and the element its
    aria-describedby names, shown beside it, says ``message``; a click sends nothing."""
    marks, nonce = person.wallet.mark(), chain.nonce(person.address)
    button.wait_for(timeout=15_000)
    deadline = time.monotonic() + 15  # a live section may still be on its way
    while not button.is_disabled() and time.monotonic() < deadline:
        person.page.wait_for_timeout(100)
    assert button.is_disabled()
    reason = person.page.locator("#" + button.get_attribute("aria-describedby"))
    assert reason.is_visible() and re.search(message, reason.inner_text()), reason.inner_text()
    button.click(force=True)  # a disabled button ignores the click
    person.page.wait_for_timeout(300)
    assert person.wallet.mark() == marks and chain.nonce(person.address) == nonce


def text(person: Person, selector: str) -> str:
    return person.page.locator(selector).first.inner_text().strip()


@pytest.fixture(scope="module")
def people(world, browser):
    net, base, _ = world
    crowd = {name: Person(browser, net, base, index) for name, index in
             (("author", AUTHOR), ("reader", READER), ("curator", CURATOR), ("critic", CRITIC))}  # fmt: skip
    yield crowd
    for person in crowd.values():
        assert person.errors == [], person.errors
        foreign = [u for u in person.requests if not u.startswith(base) and not u.startswith("data:")]
        assert foreign == [], f"the page fetched from another host: {foreign}"
        person.close()


@pytest.fixture(scope="module")
def node(world):
    net, base, contracts = world
    return Chain(net, base, contracts)


def test_author__publishes_from_the_site_with_one_signature_and_one_transaction(people, node):
    author = people["author"]
    author.open("/publish")
    author.connect(sign_in=False)
    author.page.fill("#post-title", POST_TITLE)
    author.page.fill("#post-body", POST_BODY)
    marks = author.wallet.mark()
    act_and_see(author, node, "publish", lambda: author.page.get_by_role("button", name=re.compile("Publish")).click(),
                "() => location.pathname === '/posts/1' && !!document.querySelector('#post-title')", navigates=True)
    author.page.wait_for_url("**/posts/1")
    assert author.wallet.count("eth_signTypedData_v4") == marks["eth_signTypedData_v4"] + 1  # the permit
    assert node.balance(author.address) == 15 * TWEI
    assert node.post(1)[0] == author.address
    assert text(author, "#post-title") == POST_TITLE
    assert "word59." in author.page.locator("#article").inner_text()


def test_reader__connects_signs_in_and_reads_until_the_read_qualifies(people, node):
    reader = people["reader"]
    reader.open("/posts/1")
    assert text(reader, "#you-earned") == "None"
    reader.connect()
    assert reader.wallet.count("personal_sign") == 1  # EIP-4361, once
    reader.wait_text("#account-level", "LVL 13")
    assert text(reader, "#account-balance") == "20 Twei"
    reader.page.mouse.wheel(0, 4000)
    reader.page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    deadline = time.monotonic() + 60
    while text(reader, "#you-earned") == "None":
        assert time.monotonic() < deadline, "the read did not qualify in 60 s"
        reader.page.mouse.move(10 + time.monotonic() % 50, 300)
        reader.page.wait_for_timeout(500)
    assert re.fullmatch(r"0\.\d+ Twei", text(reader, "#you-earned"))
    assert "Pending until the day is settled" in text(reader, "#earned-note")


def test_reader__comments_at_lvl_13(people, node):
    reader = people["reader"]
    reader.page.fill("#comment-text", COMMENT)
    act_and_see(reader, node, "comment", lambda: reader.page.get_by_role("button", name=re.compile("^Comment")).click(),
                "t => document.querySelector('#comment-to-earn').innerText.includes(t)", COMMENT)
    assert node.balance(reader.address) == 19 * TWEI
    assert text(reader, "#comment-count") == "1 Comment"
    # the pushed comment may show before the script has its receipt; then the form empties
    reader.page.wait_for_function("() => document.querySelector('#comment-text').value === ''", timeout=10_000)


def test_reader__takes_a_display_name_signed_in_the_wallet_and_the_comment_shows_it(people, node):
    reader = people["reader"]
    nonce, signs = node.nonce(reader.address), reader.wallet.count("personal_sign")
    reader.click_action("name")
    reader.page.fill("#display-name", "Ada Reader")
    reader.page.get_by_role("button", name="Sign and save the name").click()
    reader.wait_text("#comment-to-earn .who", "Ada Reader")
    assert reader.wallet.count("personal_sign") == signs + 1 and node.nonce(reader.address) == nonce  # no transaction


def test_replicas__one_is_killed_mid_walk_and_what_it_stored_is_still_served(world, people):
    """The walk goes on through the other replica: the open pages reconnect (their EventSource,
    or their polling, through HAProxy), and the comment's text and the name stored through
    either replica are still on the page."""
    net, base, _ = world
    net.replicas.kill(0)
    for _ in range(6):  # HAProxy sends a connection the dead replica refuses to the other one
        with urllib.request.urlopen(f"{base}/posts/1", timeout=20) as r:
            page = r.read().decode()
        assert COMMENT in page and "Ada Reader" in page


def test_critic__below_lvl_13_is_told_the_level_and_the_xp_missing_and_nothing_is_sent(people, node):
    critic = people["critic"]
    critic.open("/posts/1")
    critic.connect()
    critic.wait_text("#comment-level", "LVL 3")
    critic.page.fill("#comment-text", "Let me in.")
    disabled_with_reason(critic, node, critic.page.get_by_role("button", name=re.compile("^Comment")),
                         r"available from LVL 13.*LVL 3")
    assert "XP" in text(critic, "#comment-level")


def test_curator__likes_the_comment_and_pluses_the_post(people, node):
    curator = people["curator"]
    curator.open("/posts/1")
    curator.connect()
    act_and_see(curator, node, "like", lambda: curator.click_action("like"),
                "() => document.querySelector('ol.comments .likes').textContent.trim() === '1'")
    act_and_see(curator, node, "plus", lambda: curator.click_action("plus"),
                "() => document.querySelector('#plus-count').textContent.trim() === '1'")
    assert node.post(1)[2] == 1  # pluses
    assert node.balance(curator.address) == 20 * TWEI  # both free


def test_critic__dislikes_and_minuses_each_with_a_permit(people, node):
    critic = people["critic"]
    marks = critic.wallet.mark()
    act_and_see(critic, node, "dislike", lambda: critic.click_action("dislike"),
                "() => document.querySelector('ol.comments .dislikes').textContent.trim() === '1'")
    act_and_see(critic, node, "minus", lambda: critic.click_action("minus"),
                "() => document.querySelector('#minus-count').textContent.trim() === '1'")
    assert critic.wallet.count("eth_signTypedData_v4") == marks["eth_signTypedData_v4"] + 2
    assert node.post(1)[3] == 1  # minuses
    assert node.balance(critic.address) == 18 * TWEI
    critic.wait_text("#pnl", "Spent for Minuses")
    assert critic.page.locator("#pnl tr", has_text="Spent for Minuses").locator("td.amt").inner_text() == "1"


def test_refusals__own_post_double_vote_no_twei_and_wallet_rejection_change_nothing(world, browser, people, node):
    net, base, _ = world
    author, curator, reader = people["author"], people["curator"], people["reader"]
    for action in ("plus", "minus"):
        disabled_with_reason(author, node, author.page.locator(f"[data-action={action}]").first, "your post")
    disabled_with_reason(curator, node, curator.page.locator("[data-action=plus]").first, "already")
    pauper = Person(browser, net, base, PAUPER)  # ETH for gas, no TWEI
    try:
        pauper.open("/posts/1")
        pauper.connect()
        pauper.wait_text("#account-balance", "^0 Twei")
        refused(pauper, node, lambda: pauper.click_action("minus"), "costs 1 Twei and you hold 0 Twei")
        refused(pauper, node, lambda: pauper.click_action("buy-report"), "costs 1 Twei and you hold 0 Twei")
    finally:
        pauper.close()
    reader.page.evaluate("() => (window.__tweiWalletRejects = ['eth_sendTransaction'])")
    refused(reader, node, lambda: reader.click_action("plus"), "rejected")
    reader.page.evaluate("() => (window.__tweiWalletRejects = [])")


def test_reader__pluses_and_buys_a_report_whose_lines_show_at_once(people, node):
    reader = people["reader"]
    act_and_see(reader, node, "plus", lambda: reader.click_action("plus"),
                "() => document.querySelector('#plus-count').textContent.trim() === '2'")
    act_and_see(reader, node, "buy report", lambda: reader.click_action("buy-report"),
                "() => document.querySelector('#reports-bought').textContent.trim() === '1'")
    assert node.balance(reader.address) == 18 * TWEI
    row = reader.page.locator("#pnl tr", has_text="PnL Reports").locator("td.amt")
    assert row.inner_text() == "1"
    assert reader.page.locator("#pnl tr", has_text="Comment Tributes").locator("td.amt").inner_text() == "1"
    assert text(reader, "#report-price") == "1 Twei"


def test_settle__the_day_settles_and_the_reader_claims_from_the_page(world, people, node):
    net, _, _ = world
    reader = people["reader"]
    day = net.now() // DAY
    net.travel((day + 1) * DAY + 60 - net.now())
    ok(net.run(f".venv/bin/ape run settle --network {NETWORK}"))
    reader.page.wait_for_timeout(3_000)  # the root is published, not yet active: nothing is settled
    assert "Settled on" not in text(reader, "#earned-note")
    net.travel(3_601)
    ok(net.run(f".venv/bin/ape run settle --network {NETWORK}"))
    assert node.distributor.functions.activeRoot().call()[1] == day
    reader.wait_text("#earned-note", "Settled on", timeout=30_000)
    reader.wait_text("#account-claimable", r"^[1-9]", timeout=30_000)
    before = node.balance(reader.address)
    shown = text(reader, "#account-claimable")
    receipt = act_and_see(reader, node, "claim", lambda: reader.click_action("claim"),
                          "() => document.querySelector('#account-claimable').textContent.trim() === '0 Twei'")
    assert receipt["status"] == 1
    reader.wait_text("#status", r"^Claimed \d+(\.\d{1,4})? Twei in block")  # 4 decimals at most, as the page
    gained = node.balance(reader.address) - before
    assert gained > 0 and shown == f"{format_twei(gained, 4)} Twei"
    disabled_with_reason(reader, node, reader.page.locator("[data-action=claim]").first, "Nothing to claim")
    # Read Rewards on the page's PnL block: what the published breakdown paid for this post.
    paid = Breakdown.read(net.site / "settlements" / str(SEPOLIA) / f"{day}.breakdown.json")
    read = paid.lines[reader.address][(1, int(FlowCategory.READ_REWARDS))]
    assert reader.page.locator("#pnl tr", has_text="Read Rewards").locator("td.amt").inner_text() == format_twei(read, 4)
    assert text(reader, "#you-earned") == f"{format_twei(read, 4)} Twei"


def test_curator__after_the_new_root_comments_at_once_with_its_leaf_without_claiming(people, node):
    """The settled day's root made every claimed level stale: the curator, who has not claimed
    since, comments with the active root's leaf and proof (`commentWithLevelAndPermit`)."""
    curator = people["curator"]
    level, current = node.distributor.functions.currentLevelOf(curator.address).call()
    assert (level, current) == (13, False)
    curator.wait_text("#comment-level", "LVL 13: you can comment")
    curator.page.fill("#comment-text", "Promoted levels count at once.")
    receipt = act_and_see(curator, node, "comment with leaf", lambda: curator.page.get_by_role("button", name=re.compile("^Comment")).click(),
                          "() => document.querySelector('#comment-count').textContent.trim() === '2 Comments'")
    sent = node.w3.eth.get_transaction(receipt["transactionHash"])
    function, _ = node.engagement.decode_function_input(sent["input"])
    assert function.fn_name == "commentWithLevelAndPermit"
    assert node.distributor.functions.currentLevelOf(curator.address).call() == [13, False]  # still unclaimed


def test_accessibility__no_serious_or_critical_axe_finding_on_desktop_and_phone(world, browser, people):
    net, base, _ = world
    for name, viewport in (("desktop", {"width": 1100, "height": 1400}), ("phone", {"width": 390, "height": 844})):
        # axe-core is injected as an inline script, which the site's CSP refuses (as it should)
        person = Person(browser, net, base, READER, viewport=viewport, bypass_csp=True)
        try:
            person.open("/posts/1")
            person.connect()
            person.wait_text("#account-level", "LVL")
            person.page.add_script_tag(path=str(AXE))
            found = person.page.evaluate(
                "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                ".filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id + ': ' + v.help)"
            )
            assert found == [], f"{name}: {found}"
            width = person.page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"{name}: the page scrolls sideways ({width} px)"
            if SHOTS:
                Path(SHOTS).mkdir(parents=True, exist_ok=True)
                person.page.screenshot(path=str(Path(SHOTS) / f"post-page-{name}.png"), full_page=True)
        finally:
            person.close()


def test_keyboard__the_wallet_list_and_a_like_are_reached_and_pressed_with_the_keyboard_alone(world, browser):
    """From the top of the page, Tab reaches the wallet buttons and then the comment's Like;
    Enter connects and presses. (The like is the reader's own comment's: refused, nothing sent.)"""
    net, base, _ = world
    reader = Person(browser, net, base, READER)
    try:
        reader.open("/posts/1")

        def tab_to(selector: str) -> None:
            for _ in range(80):
                reader.page.keyboard.press("Tab")
                if reader.page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
                    return
            raise AssertionError(f"Tab never reached {selector}")

        tab_to("#wallet-connect button")
        assert "Test Wallet" in reader.page.evaluate("() => document.activeElement.textContent")
        reader.page.keyboard.press("Enter")
        reader.page.wait_for_function(
            "a => !!sessionStorage.getItem('twei-token::' + a.toLowerCase())", arg=reader.address, timeout=15_000
        )
        reader.wait_text("#account-level", "LVL 13")
        sent = reader.wallet.count("eth_sendTransaction")
        tab_to("[data-action=like]")
        reader.page.keyboard.press("Enter")
        reader.page.locator("#status.error").filter(has_text="your comment").wait_for(timeout=10_000)
        assert reader.wallet.count("eth_sendTransaction") == sent
    finally:
        reader.close()


def test_post_page__reads_without_javascript_with_its_comments_votes_and_figures(world):
    _, base, _ = world
    with urllib.request.urlopen(f"{base}/posts/1?account={address(READER)}") as r:
        html = r.read().decode()
    for shown in (POST_TITLE, "word59.", COMMENT, "2 Comments", 'id="plus-count">2<', 'id="minus-count">1<',
                  "Total Twei Earned", "Price for report instance"):  # fmt: skip
        assert shown in html, shown


def test_latency__each_transaction_showed_without_a_reload(people):
    """Every action above waited for its effect on the page (without a reload, 30 s deadline);
    the figures are printed here and by `python -m bench.site`, not asserted (they are speed)."""
    print("tx-to-page latency (s):", ", ".join(f"{what} {s:.2f}" for what, s in LATENCIES))
    assert {"publish", "comment", "like", "plus", "dislike", "minus", "buy report", "claim", "comment with leaf"} <= {w for w, _ in LATENCIES}
