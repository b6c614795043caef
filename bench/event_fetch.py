"""Benchmark: how fast the settlement job reads Engagement events from a node (events per second).
Prints figures, asserts nothing.

    PATH=$PWD/node_modules/.bin:$PATH .venv/bin/python -m bench.event_fetch [--events 100000]

On Anvil (started by Ape's foundry plugin), one author publishes N/10 posts and nine accounts
give each post a plus: N events (PostPublished and Voted), sent with automine off and mined
``--per-block`` transactions a block, as a busy chain packs them. Then a fresh job store reads
them all with :func:`twei.settlement.events.fetch_events` (eth_getLogs in pages of blocks, decoded
from the ABI, a block header per block for its timestamp), and the rate is printed. The set-up
sends the transactions with ``eth_sendTransaction`` from Anvil's unlocked accounts (no Ape
transaction objects: it is not what is measured).

Measured 2026-11-26 on the shared 2-core machine, 100,000 events in 502 blocks (one page):

    Ape's get_contract_logs + decoder (before)         22.4 s wall  21.9 s CPU    4,474 events/s
    web3 eth.get_logs + the job's ABI decoder          16.7 s wall  15.8 s CPU    5,984 events/s
    raw eth_getLogs + the job's ABI decoder (now)       2.8 s wall   1.9 s CPU   35,511 events/s
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from twei.units import twei

CONTENT = "0x" + "11" * 32


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--per-block", type=int, default=200, help="transactions per block")
    parser.add_argument("--page-blocks", type=int, default=2_000)
    parser.add_argument("--network", default="ethereum:local:foundry")
    args = parser.parse_args()

    from ape import accounts, chain, networks, project
    from eth_account import Account

    from twei.params import ENGAGEMENT_DEFAULTS
    from twei.settlement.events import fetch_events
    from twei.settlement.store import JobStore

    posts = max(1, args.events // 10)
    with networks.parse_network_choice(args.network), tempfile.TemporaryDirectory() as tmp:
        deployer, author, *others = (accounts.test_accounts[i] for i in range(10))
        voters = [deployer, *others]  # nine: every account but the author
        token = deployer.deploy(project.TweiToken, deployer, twei(10**10))
        oracles = [Account.from_key("0x" + f"{i:02x}" * 32).address for i in (0x11, 0x12)]
        distributor = deployer.deploy(project.RewardDistributor, deployer, token, oracles, 1, twei(10**6), 3600)
        engagement = deployer.deploy(
            project.Engagement, token, deployer, deployer, distributor, ENGAGEMENT_DEFAULTS.as_struct()
        )
        token.grantRole(token.MINTER_ROLE(), deployer, sender=deployer)
        token.mint(author, twei(5) * posts, sender=deployer)
        token.approve(engagement, twei(5) * posts, sender=author)
        start_block = chain.blocks.height + 1
        rpc = chain.provider.make_request
        receipt = engagement.publishPost(bytes.fromhex(CONTENT[2:]), 1_190, twei(5), sender=author)
        first_id = int(next(log.postId for log in receipt.events if log.event_name == "PostPublished"))

        def send(sender: str, data: str, sent: int) -> None:
            rpc("eth_sendTransaction", [{"from": sender, "to": str(engagement.address), "data": data, "gas": hex(200_000)}])
            if sent % args.per_block == 0:
                rpc("evm_mine", [])

        t0 = time.perf_counter()
        rpc("evm_setAutomine", [False])
        sent = 0
        publish = engagement.publishPost.encode_input(bytes.fromhex(CONTENT[2:]), 1_190, twei(5)).hex()
        for _ in range(posts - 1):
            sent += 1
            send(author.address, "0x" + publish.removeprefix("0x"), sent)
        rpc("evm_mine", [])
        ids = range(first_id, first_id + posts)  # ids are sequential (posts and comments share them)
        for voter in voters:
            for post_id in ids:
                sent += 1
                send(voter.address, "0x" + engagement.plus.encode_input(post_id).hex().removeprefix("0x"), sent)
        rpc("evm_mine", [])
        rpc("evm_setAutomine", [True])
        head = chain.blocks.height
        print(f"set-up: {sent + 1:,} transactions in {head - start_block + 1:,} blocks, {time.perf_counter() - t0:.0f} s")

        store = JobStore(Path(tmp) / "job.db")
        t0, c0 = time.perf_counter(), time.process_time()
        stored = fetch_events(store, engagement, start_block, args.page_blocks)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        counts = {t: store.db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("posts", "votes")}
        print(f"fetch_events: {stored:,} events ({counts}) in {wall:.1f} s wall, {cpu:.1f} s CPU:"
              f" {stored / wall:,.0f} events/s (pages of {args.page_blocks:,} blocks)")


if __name__ == "__main__":
    main()
