"""A crowd on one post page: N signed-in pages held open on one site process while a script acts.

``python -m bench.site_crowd --clients 10000`` sets up the chain as ``bench.site`` does (Anvil
with one-second blocks, `ape run site` on it, a post with comments), then:

- opens ``--clients`` Server-Sent Event streams of ``/posts/1/stream?account=…``, each for its own
  account (random addresses, plus the three accounts that act), from ``--client-processes``
  separate processes running aiohttp (not browsers);
- measures the site process while they are open and idle: CPU (its own, from /proc) and memory;
- sends ``--rounds`` rounds of a comment, a like and a transfer, one action every ``--gap`` s,
  then (``--pause``) the guardian pauses claims, and for each one measures, from the moment its
  receipt is available, when every page that must show it received an event at (or after) its
  block: every page for a comment, a like or the pause (an event that changes every page's own
  sections), the receiver's own page for a transfer. Prints p50/p99/max of those latencies, the
  CPU and memory;
- with Debian's `wrk` (``make bench-tools``), the per-request figures of the issue's table:
  ``/posts/1/live`` without and with an account, 1 and 50 connections.

Prints figures, asserts nothing. The file-descriptor limit must allow the clients (``ulimit -n``:
both processes raise their soft limit to the hard one).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from web3 import Web3
from web3.logs import DISCARD

from bench.site import AUTHOR, COMMENTER, LIKER, set_up
from tests.ops.testnet import SEPOLIA, Site, address

GUARDIAN = 6  # the Anvil account the bench's deployment names guardian (tests.ops.testnet)


def _raise_fd_limit(need: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < need:
        raise SystemExit(f"ulimit -n is {hard}: {need} descriptors are needed for this many clients")


# -- the crowd (a separate process) ------------------------------------------------------------
def crowd(base: str, accounts: list[str], conn) -> None:
    """Open one stream per account; report 'open' when all got their first event, then record
    (block, time) of every event until told to stop; send back the records."""
    _raise_fd_limit(len(accounts) + 100)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(_crowd(base, accounts, conn))


async def _crowd(base: str, accounts: list[str], conn) -> None:
    import aiohttp

    records: list[list[tuple[int, float, int]]] = [[] for _ in accounts]
    opened = asyncio.Semaphore(400)  # connections being opened at once (the ramp)
    first = asyncio.Event()
    started = [0]
    stop = asyncio.Event()
    failures: list[str] = []
    received = [0]

    async def one(i: int, session: aiohttp.ClientSession) -> None:
        url = f"{base}/posts/1/stream?account={accounts[i]}"
        got_first = False
        async with opened:
            try:
                response = await session.get(url, timeout=aiohttp.ClientTimeout(total=None, sock_read=None))
            except Exception as err:  # noqa: BLE001
                failures.append(f"{type(err).__name__}: {err}")
                return
        try:
            block = None
            size = 0  # the bytes of the event being read (from its first line to its data)
            async for raw in response.content:
                line = raw.decode().rstrip("\r\n")
                received[0] += len(raw)
                size += len(raw)
                if not line:
                    size = 0
                elif line.startswith("id:"):
                    block = int(line[3:].strip())
                elif line.startswith("data:") and block is not None:
                    records[i].append((block, time.time(), size))
                    if not got_first:
                        got_first = True
                        started[0] += 1
                        if started[0] == len(accounts):
                            first.set()
                if stop.is_set():
                    break
        except Exception as err:  # noqa: BLE001
            failures.append(f"{type(err).__name__}: {err}")
        finally:
            response.release()

    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        t0 = time.monotonic()
        tasks = [asyncio.create_task(one(i, session)) for i in range(len(accounts))]
        loop = asyncio.get_running_loop()
        while not first.is_set():  # noqa: ASYNC110
            await asyncio.sleep(1)
            if failures and len(failures) + started[0] >= len(accounts):
                break
        conn.send(("open", started[0], time.monotonic() - t0, failures[:3], len(failures)))
        await loop.run_in_executor(None, conn.recv)  # "stop"
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    conn.send(("records", records, received[0]))


# -- the site process ------------------------------------------------------------------------
class Proc:
    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.tick = os.sysconf("SC_CLK_TCK")

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.tick

    def rss_mb(self) -> float:
        match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{self.pid}/status").read_text())
        return int(match.group(1)) / 1024 if match else float("nan")


def _site_pid(net: Site) -> int:
    return net._site.pid  # noqa: SLF001 (the bench's own Site)


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def _wrk(url: str, connections: int, seconds: int = 5) -> str:
    if shutil.which("wrk") is None:
        return "wrk not installed (make bench-tools)"
    done = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True, text=True, timeout=seconds + 30,
    )
    rate = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    p50 = re.search(r"50%\s+([\d.]+\w+)", done.stdout)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    return f"{float(rate.group(1)):,.0f}/s, p50 {p50.group(1)}" + (f" ({non2xx.group(1)} non-2xx)" if non2xx else "") if rate and p50 else done.stdout[-300:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--gap", type=float, default=1.5, help="seconds between two actions")
    parser.add_argument("--comments", type=int, default=10, help="comments on the post before the crowd")
    parser.add_argument("--client-processes", type=int, default=2, help="processes holding the streams")
    parser.add_argument("--pause", action=argparse.BooleanOptionalAction, default=True,
                        help="last, the guardian pauses claims (an event for every page)")
    parser.add_argument("--pause-wait", type=float, default=120, help="seconds the pages are given to show the pause")
    parser.add_argument("--wrk-seconds", type=int, default=5, help="0: skip the per-request figures")
    args = parser.parse_args()
    _raise_fd_limit(args.clients + 200)

    with tempfile.TemporaryDirectory() as tmp:
        net = Site(Path(tmp))
        try:
            base, contracts, w3 = set_up(net, args.comments)
            proc = Proc(_site_pid(net))
            print(f"site process {proc.pid}: {proc.rss_mb():.0f} MB before the crowd")
            actors = [address(i) for i in (AUTHOR, COMMENTER, LIKER)]
            accounts = actors + [Web3.to_checksum_address(os.urandom(20)) for _ in range(args.clients - len(actors))]
            random.shuffle(accounts)
            print("per request (wrk, loopback):" if args.wrk_seconds else "", end="\n" if args.wrk_seconds else "")
            for label, url in (("anonymous", f"{base}/posts/1/live"), ("signed-in", f"{base}/posts/1/live?account={actors[2]}")):
                for c in (1, 50) if args.wrk_seconds else ():
                    print(f"  /posts/1/live {label}, {c} connection(s): {_wrk(url, c, args.wrk_seconds)}")

            # The crowd in --client-processes processes, each holding its share of the streams: one
            # process reading 10,000 streams was itself the bottleneck (the site pushed each block
            # at 16 % of a core while the latencies grew: the sockets were not read fast enough).
            ctx = multiprocessing.get_context("spawn")
            shares = [accounts[k::args.client_processes] for k in range(args.client_processes)]
            pipes, crowd_procs = [], []
            cpu0 = proc.cpu_s()
            for share in shares:
                ours, theirs = ctx.Pipe()
                crowd_proc = ctx.Process(target=crowd, args=(base.rstrip("/"), share, theirs), daemon=True)
                crowd_proc.start()
                pipes.append(ours)
                crowd_procs.append(crowd_proc)
            opened = failed = 0
            ramp_s = 0.0
            failures: list[str] = []
            for ours in pipes:
                _, n, seconds, some, count = ours.recv()
                opened, ramp_s, failed = opened + n, max(ramp_s, seconds), failed + count
                failures += some
            clients = [Proc(p.pid) for p in crowd_procs]
            client_cpu0 = sum(c.cpu_s() for c in clients)
            print(f"{opened:,} of {len(accounts):,} streams open and sent their first state in {ramp_s:.1f} s"
                  f" (site CPU {proc.cpu_s() - cpu0:.1f} s for the ramp){'; failures: ' + str(failed) + ' ' + str(failures) if failed else ''}")
            idle0, t_idle = proc.cpu_s(), time.monotonic()
            time.sleep(10)
            idle = (proc.cpu_s() - idle0) / (time.monotonic() - t_idle)
            print(f"idle with {opened:,} open pages: site CPU {idle * 100:.1f}% of a core, RSS {proc.rss_mb():.0f} MB")

            actions = _actions(net, w3, contracts, args.rounds, args.pause)
            cpu1, t1 = proc.cpu_s(), time.monotonic()
            sent = []
            for what, who, send in actions:
                tx = send()
                receipt = w3.eth.wait_for_transaction_receipt(tx, timeout=60, poll_latency=0.02)
                if receipt["status"] != 1:
                    try:
                        w3.eth.call({k: v for k, v in w3.eth.get_transaction(tx).items() if k in ("from", "to", "data", "input", "value")}, receipt["blockNumber"] - 1)
                        why = "?"
                    except Exception as err:  # noqa: BLE001
                        why = str(err)[:200]
                    print(f"  {what} by {who} reverted (block {receipt['blockNumber']}): {why}; not counted")
                    continue
                sent.append((what, who, receipt["blockNumber"], time.time()))
                time.sleep(args.gap)
            time.sleep(args.pause_wait if args.pause else 3)
            busy = (proc.cpu_s() - cpu1) / (time.monotonic() - t1)
            client_busy = (sum(c.cpu_s() for c in clients) - client_cpu0) / (time.monotonic() - t1)
            rss = proc.rss_mb()
            for ours in pipes:
                ours.send("stop")
            records_by_account: dict[str, list] = {}
            received = 0
            for ours, share in zip(pipes, shares):
                _, records, got = ours.recv()
                records_by_account.update(zip(share, records))
                received += got
            records = [records_by_account[a] for a in accounts]
            for crowd_proc in crowd_procs:
                crowd_proc.join(30)
        finally:
            log = (Path(tmp) / "site.log").read_text() if (Path(tmp) / "site.log").exists() else ""
            net.close()
    steps = [line for line in log.splitlines() if "pages sent an update" in line]
    print(f"site log: {len(steps)} pushes; slowest: {sorted(steps, key=lambda l: -float(l.rsplit(' in ', 1)[1].split()[0]))[:3]}")

    index = {a: i for i, a in enumerate(accounts)}
    by_kind: dict[str, list[float]] = {}
    sizes: dict[str, list[int]] = {}  # the bytes of the first event showing the action, per page
    missing = 0
    for what, who, block, at in sent:
        targets = range(len(accounts)) if what != "transfer" else [index[address(AUTHOR)]]
        for i in targets:
            events = [(t, n) for b, t, n in records[i] if b >= block]
            if not events:
                missing += what != "pause"  # (a pause changes only the pages with a claim to refuse)
                continue
            first, size = min(events)
            by_kind.setdefault(what, []).append(max(0.0, first - at))
            sizes.setdefault(what, []).append(size)
    print(f"the crowd received {received / 2**20:,.0f} MiB in all")
    print(f"{len(sent)} actions, one every {args.gap} s; site CPU {busy * 100:.0f}% of a core, RSS {rss:.0f} MB;"
          f" the crowd's {args.client_processes} process(es) {client_busy * 100:.0f}% of a core;"
          f" pages that never showed an action: {missing}")
    print("update latency, from the receipt to the event on each page that must show it"
          " (and the bytes of that event, per page):")
    for what, samples in by_kind.items():
        print(f"  {what:8} {len(samples):>8,} deliveries: p50 {statistics.median(samples):.2f} s,"
              f" p99 {_pct(samples, 0.99):.2f} s, max {max(samples):.2f} s;"
              f" {statistics.median(sizes[what]):,.0f} bytes per page (max {max(sizes[what]):,})")
    everything = [s for samples in by_kind.values() for s in samples]
    print(f"  all      {len(everything):>8,} deliveries: p50 {statistics.median(everything):.2f} s, p99 {_pct(everything, 0.99):.2f} s")


def _actions(net: Site, w3: Web3, contracts: dict[str, str], rounds: int, pause: bool):
    """``rounds`` × (a comment, a like of it, a transfer of 0.01 Twei to a reader), as (what, account,
    send) with send() -> tx hash. The like's comment is the one just sent (its id from the
    receipt). The third is the account-only path (an event naming one reader): a claim takes
    it too, but the day's claims were all made by `ape run bootstrap`, and a claim of nothing
    new changes nothing on the page (so nothing is pushed to measure). With ``pause``, last, the
    guardian pauses claims: an event that changes every page's own sections (as a root does)."""
    import json

    abis = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{net.site_port}/site/abi.json").read())
    engagement = w3.eth.contract(address=contracts["Engagement"], abi=abis["Engagement"])
    token = w3.eth.contract(address=contracts["TweiToken"], abi=abis["TweiToken"])
    commenter, liker = address(COMMENTER), address(LIKER)
    last_comment: list[int] = []

    def comment(n: int):
        def send():
            tx = engagement.functions.comment(1, Web3.keccak(text=f"crowd comment {n}"), 10**21).transact({"from": commenter})
            receipt = w3.eth.wait_for_transaction_receipt(tx, timeout=60, poll_latency=0.02)
            last_comment.append(int(engagement.events.Commented().process_receipt(receipt, errors=DISCARD)[0]["args"]["commentId"]))
            return tx
        return send

    out = []
    for n in range(rounds):
        out.append(("comment", commenter, comment(n)))
        out.append(("like", liker, lambda: engagement.functions.like(last_comment[-1]).transact({"from": liker})))
        out.append(("transfer", AUTHOR, lambda: token.functions.transfer(address(AUTHOR), 10**16).transact({"from": liker})))
    if pause:  # an event for every page: each page's own sections change (its claim is refused)
        distributor = w3.eth.contract(address=contracts["RewardDistributor"], abi=abis["RewardDistributor"])
        out.append(("pause", GUARDIAN, lambda: distributor.functions.pause().transact({"from": address(GUARDIAN)})))
    return out


if __name__ == "__main__":
    main()
