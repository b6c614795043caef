"""The platform's whole day on a local chain, narrated: the body of `ape run demo`.

Deploy; seed levels (and starting balances) through a genesis root; an author publishes; readers
read through the oracle's real HTTP API (served on loopback, its clock following the chain's);
a level-13 reader comments; pluses, a minus, a like and a dislike; the day is settled, signed by
two of three oracles, published and claimed; then the PnL reports of the author and of the
commenter are printed and drawn.

Everything the day writes goes to one folder (``out``), emptied first, so the demo can run again.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_utils import keccak

from twei.breakdown import iter_breakdowns
from twei.deploy import deploy_all, load_config, local_fallback
from twei.report import PostReport, build_report, buy_report, fetch_flows, render_png, render_text
from twei.oracle.store.sqlite import SQLiteStore
from twei.settlement.job import SettlementJob
from twei.settlement.timeline import utc
from twei.site.texts import TextStore
from twei.settlement.store import JobStore
from twei.toolchain.localnode import free_port
from twei.units import format_twei, twei

__all__ = ["run_demo", "DemoResult"]

DAY = 86_400
MARKER = ".twei-demo"
API_KEY = "demo-key"
#: Every demo account's starting balance, paid by the genesis root.
START = 20 * 10**18
#: Chain time the demo's day needs after the genesis root's challenge period: its reads and actions.
NEEDED_IN_THE_DAY_S = 1_800
COMMENT = "Great point about focus."
ARTICLE = (
    "Why honest reading time matters. "
    + "Readers earn for the minutes they really spend on a post, measured by a tracker that only "
    "counts time while the page is visible, focused and touched. " * 20
).strip()


@dataclass
class DemoResult:
    """What the demo did, for callers and tests."""

    addresses: dict[str, str]
    post_id: int
    comment_id: int
    epoch: int
    balances: dict[str, int]
    reports: dict[str, PostReport] = field(default_factory=dict)
    pictures: dict[str, Path] = field(default_factory=dict)


class ChainClock:
    """The oracle's clock: the chain's next block time, so reads and events share one day."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@contextmanager
def serve_oracle(out: Path, chain_id: int, clock: ChainClock) -> Iterator[str]:
    """The oracle's HTTP service on a free loopback port for the length of the block."""
    import uvicorn

    from twei.oracle.app import create_app
    from twei.oracle.settings import OracleSettings

    settings = OracleSettings(
        api_key=API_KEY,
        db=out / "oracle.db",
        chain_id=chain_id,
        settlements_dir=out / "settlements",
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, clock=clock), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the oracle did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _http(base: str, method: str, path: str, body: dict | None = None, key: str | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{base}{path}", data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if key:
        request.add_header("X-API-Key", key)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def _read(base: str, clock: ChainClock, post_id: int, reader: str, seconds: int, scroll_to: float) -> dict:
    """A reader on the page: a heartbeat every 15 s, scrolling steadily, input every few seconds."""
    # The platform backend vouches for its demo readers (X-API-Key) instead of their sign-in.
    session = _http(base, "POST", "/v1/sessions", {"post_id": post_id, "reader": reader, "client_time": int(clock() * 1000)}, key=API_KEY)
    sid, beats, status = session["session_id"], seconds // 15, {}
    for seq in range(1, beats + 2):
        status = _http(
            base,
            "POST",
            f"/v1/sessions/{sid}/heartbeats",
            {
                "seq": seq,
                "visible": True,
                "focused": True,
                "scroll": min(scroll_to, scroll_to * seq / (beats + 1)),
                "idle_ms": 3_000,
                "client_time": int(clock() * 1000),
            },
        )
        clock.now += 15
    _http(base, "POST", f"/v1/sessions/{sid}/finish")
    return status


def _ledger(engagement: Any, distributor: Any, post_id: int, account: str, balance: int) -> str:
    """``earned 2.5 (pool) + 0.5 (on-chain), paid 5 → 18 TWEI (-2 net)`` for one account."""
    from twei.flows import Side

    flows = fetch_flows(engagement, post_id=post_id, account=account)
    received = sum(f.amount for f in flows if f.category.side is Side.PROFIT)
    paid = sum(f.amount for f in flows if f.category.side is Side.LOSS)
    pool = int(distributor.claimed(account)) - START
    net = balance - START
    sign = "+" if net >= 0 else "-"
    return (
        f"earned {format_twei(pool)} from the pool + {format_twei(received)} on-chain, paid {format_twei(paid)}"
        f" -> {format_twei(balance)} TWEI ({sign}{format_twei(abs(net))} net)"
    )


def _set_time(chain: Any, timestamp: int) -> None:
    """The next block's time: Ape's time travel where the provider has it (embedded chain,
    ape-foundry), else the node's own method (an Anvil or Hardhat node reached by its URL)."""
    from ape.exceptions import APINotImplementedError

    try:
        chain.pending_timestamp = timestamp
    except (APINotImplementedError, NotImplementedError):
        chain.provider.make_request("evm_setNextBlockTimestamp", [int(timestamp)])


def _a_day_that_fits(chain: Any, challenge: int) -> int:
    """The demo's day: the chain's today, unless what must happen in it (the genesis root's
    challenge period, then the day's actions) would run past its end; then the next day, the
    chain moved to its first second. Started within an hour of UTC midnight, the day's
    settlement would otherwise be due at a time the chain has passed already."""
    now = int(chain.pending_timestamp)
    if (now // DAY + 1) * DAY - now < challenge + NEEDED_IN_THE_DAY_S:
        _set_time(chain, (now // DAY + 1) * DAY + 1)
        _mine(chain)
    return int(chain.pending_timestamp) // DAY


def _mine(chain: Any) -> None:
    from ape.exceptions import APINotImplementedError

    try:
        chain.mine()
    except (APINotImplementedError, NotImplementedError):
        chain.provider.make_request("evm_mine", [])


def _wait(chain: Any, seconds: int) -> None:
    """Let ``seconds`` pass on the chain and mine a block, so that calls see the new time too."""
    _set_time(chain, int(chain.pending_timestamp) + seconds)
    _mine(chain)


def run_demo(
    project: Any, chain: Any, test_accounts: Any, out: Path, say: Callable[[str], None] = print
) -> DemoResult:
    """Run the whole day on the connected local chain with Ape's ``test_accounts``; narrate it."""
    out = Path(out)
    if out.exists():
        if not (out / MARKER).exists():
            raise FileExistsError(f"{out} exists and is not a demo folder: choose another --out")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("made by `ape run demo`; emptied on each run\n")

    t = test_accounts
    deployer, author, commenter, reader, critic = t[0], t[1], t[2], t[3], t[4]
    oracle_keys = [t[i].private_key for i in (6, 7, 8)]
    names = {author.address: "author", commenter.address: "commenter", reader.address: "reader", critic.address: "critic"}

    say("1. Deploy")
    contracts = deploy_all(
        project, chain, deployer, load_config(None, **local_fallback(t)), out, say=lambda line: say(f"   {line}")
    )
    token, distributor, engagement = contracts.token, contracts.distributor, contracts.engagement
    challenge = distributor.challengePeriod()

    today = _a_day_that_fits(chain, challenge)
    job = SettlementJob(
        chain_id=chain.chain_id,
        store=JobStore(out / "settlements" / str(chain.chain_id) / "job.db"),
        settlements=out / "settlements",
        engagement=engagement,
        distributor=distributor,
        keys=oracle_keys,
        reads=SQLiteStore(out / "oracle.db"),
        start_block=contracts.record.contracts["Engagement"]["block"] or 0,
    )

    say("2. Genesis root: levels and starting balances migrated from the old platform")
    levels = {author.address: 3, commenter.address: 13, reader.address: 1, critic.address: 2}
    job.genesis(today - 1, levels, deployer, amounts={a: START for a in levels})
    _wait(chain, challenge + 1)
    job.claim(today - 1, deployer, progress=False)
    for account, level in levels.items():
        say(f"   {names[account]:<9} LVL {distributor.levelOf(account):>2}, {format_twei(token.balanceOf(account))} TWEI")

    clock = ChainClock(chain.pending_timestamp)
    texts = TextStore(out / "site" / "texts.db")
    with serve_oracle(out, chain.chain_id, clock) as base:
        say(f"3. The author publishes (tribute 5 TWEI); the oracle at {base} takes the reads while the demo runs")
        words = len(ARTICLE.split())
        token.approve(engagement, twei(5), sender=author)
        receipt = engagement.publishPost(keccak(text=ARTICLE), words, twei(5), sender=author)
        texts.add(ARTICLE)  # the site keeps the text; the page shows it as its hash matches
        post_id = receipt.events.filter(engagement.PostPublished)[0].postId
        post = _http(
            base, "POST", "/v1/posts",
            {"post_id": post_id, "author": author.address, "word_count": words, "title": "Honest reading time", "body": ARTICLE},
            key=API_KEY,
        )
        say(f"   post #{post_id}: {words} words, Time to Read {post['time_to_read_s']:.0f} s")

        say("4. Readers read through the oracle's HTTP API")
        clock.now = chain.pending_timestamp
        for who, seconds, scroll in ((reader, 120, 100.0), (commenter, 90, 90.0), (critic, 30, 40.0)):
            status = _read(base, clock, post_id, who.address, seconds, scroll)
            verdict = "qualifies" if status["qualified"] else "does not qualify"
            say(f"   {names[who.address]:<9} read {status['credited_s']:.0f} s credited, scroll {status['max_scroll']:.0f} %: {verdict}")
        if int(clock()) > int(chain.pending_timestamp):
            _set_time(chain, int(clock()))

    say("5. Comment (LVL 13), votes and reactions")
    token.approve(engagement, twei(1), sender=commenter)
    receipt = engagement.comment(post_id, keccak(text=COMMENT), twei(1), sender=commenter)
    texts.add(COMMENT)
    comment_id = receipt.events.filter(engagement.Commented)[0].commentId
    engagement.plus(post_id, sender=reader)
    engagement.plus(post_id, sender=commenter)
    token.approve(engagement, twei(2), sender=critic)
    engagement.minus(post_id, twei(1), sender=critic)
    engagement.like(comment_id, sender=reader)
    engagement.dislike(comment_id, twei(1), sender=critic)
    say(f"   commenter commented (#{comment_id}, 1 TWEI); reader and commenter plus the post;")
    say("   critic minuses it (1 TWEI); reader likes the comment; critic dislikes it (1 TWEI, half to the author)")

    say("6. Settle the day, sign with 2 of 3 oracles, publish, claim")
    _set_time(chain, (today + 1) * DAY + 60)
    _mine(chain)
    outcome = job.run(today, deployer)
    say(f"   epoch {today}: {', '.join(outcome.done)} done; root active after the {challenge} s challenge period")
    _wait(chain, challenge + 1)
    sent = job.claim(today, deployer, progress=False)
    say(f"   claimed for {sent} accounts in multiproof sweeps")
    balances = {name: int(token.balanceOf(account)) for account, name in names.items()}
    say(f"   what each account earned and paid today (each started with {format_twei(START)} TWEI):")
    for account, name in names.items():
        say(f"   {name:<9} {_ledger(engagement, distributor, post_id, account, balances[name])}")

    say("7. PnL reports (each buys a report instance for 1 TWEI)")
    result = DemoResult(
        addresses={"TweiToken": token.address, "RewardDistributor": distributor.address, "Engagement": engagement.address},
        post_id=post_id,
        comment_id=comment_id,
        epoch=today,
        balances=balances,
    )
    for who in (author, commenter):
        buy_report(engagement, token, who, post_id)
        report = build_report(
            who.address,
            post_id,
            fetch_flows(engagement, post_id=post_id, account=who.address),
            iter_breakdowns(out / "settlements", chain.chain_id),
        )
        name = names[who.address]
        result.reports[name] = report
        result.pictures[name] = render_png(report, out / f"pnl-{name}.png")
        say("")
        say(render_text(report, engagement.reportPrice()))
        say(f"   picture: {result.pictures[name]}")
    _catch_up_with_the_wall_clock(chain, say)
    return result


def _catch_up_with_the_wall_clock(chain: Any, say: Callable[[str], None]) -> None:
    """On a node started behind the wall clock (twei.toolchain.devnode: `make demo-anvil`,
    `make site`), move the chain to now: the site's oracle takes reads at the wall clock's time,
    so a read on the demo's site then falls on the chain's today and is settled once that day
    ends. A chain already ahead (the embedded one starts now) is left where it is: time only
    moves forward."""
    now = int(time.time())
    if int(chain.pending_timestamp) < now:
        _set_time(chain, now)
        _mine(chain)
        say("")
        say(f"The chain's clock is the wall clock's again ({utc(now)}): reads on the site settle with today.")
