"""Benchmark: how long the settlement job takes to learn what N accounts can still claim.
Prints figures, asserts nothing.

    .venv/bin/python -m bench.claim_check [--accounts 1000] [--network ethereum:local:test]

A genesis root with N accounts (each some Twei and a level) is published and activated; half the
accounts claim it. Then, before: two view calls per account (``claimed``, ``levelOf``), as the
job did; after: the distributor's ``Claimed`` events read in pages of blocks
(twei.settlement.claims.claimed_totals). Both must agree; the job's whole ``pending_claims``
(tree load and proofs included) is timed too.

Measured 2026-11-26 on the embedded chain (shared 2-core machine), 1,000 accounts, 500 claimed:

    before: claimed() + levelOf() per account     20.49 s wall   19.56 s CPU
    after:  Claimed events in pages                0.18 s wall    0.18 s CPU   (the same answer)
    the job's whole pending_claims again           0.01 s (events already stored; tree and proofs)
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from eth_account import Account

from twei.units import twei

ORACLE_KEYS = ["0x" + f"{i:02x}" * 32 for i in range(0x11, 0x14)]
CHALLENGE = 3600


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--network", default="ethereum:local:test")
    args = parser.parse_args()

    from ape import accounts, chain, networks, project

    from twei.settlement.claims import claimed_totals
    from twei.settlement.day import DAY
    from twei.settlement.job import SettlementJob, plan_batches
    from twei.settlement.store import JobStore

    with networks.parse_network_choice(args.network), tempfile.TemporaryDirectory() as tmp:
        deployer, sender = accounts.test_accounts[:2]
        token = deployer.deploy(project.TweiToken, deployer, twei(10**10))
        oracles = [Account.from_key(k).address for k in ORACLE_KEYS]
        distributor = deployer.deploy(
            project.RewardDistributor, deployer, token, oracles, 2, twei(1_000_000), CHALLENGE
        )
        token.grantRole(token.MINTER_ROLE(), distributor, sender=deployer)
        start_block = chain.blocks.height
        job = SettlementJob(
            chain_id=chain.chain_id, store=JobStore(Path(tmp) / "job.db"), settlements=Path(tmp),
            distributor=distributor, keys=ORACLE_KEYS[:2],
        )
        rng = random.Random(7)
        people = [Account.create().address for _ in range(args.accounts)]
        levels = {a: rng.randrange(0, 20) for a in people}
        amounts = {a: rng.randrange(1, 10**18) for a in people}
        epoch = chain.blocks.head.timestamp // DAY - 1
        job.genesis(epoch, levels, sender, amounts=amounts)
        chain.mine(timestamp=chain.blocks.head.timestamp + CHALLENGE + 1)
        claims = job.pending_claims(epoch)[: args.accounts // 2]
        t0 = time.perf_counter()
        for batch in plan_batches(claims, job.claim_gas_budget):
            distributor.claimMany(batch, sender=sender)
        print(f"set-up: {args.accounts:,} leaves, {len(claims):,} claimed in {time.perf_counter() - t0:.1f} s")

        t0, c0 = time.perf_counter(), time.process_time()
        before = {a: (int(distributor.claimed(a)), int(distributor.levelOf(a))) for a in people}
        t1, c1 = time.perf_counter(), time.process_time()
        after = claimed_totals(job.store, distributor, start_block, job.page_blocks, 0)
        t2, c2 = time.perf_counter(), time.process_time()
        pending = job.pending_claims(epoch)
        t3, c3 = time.perf_counter(), time.process_time()
        agree = all(after.get(a, (0, 0)) == before[a] for a in people)
        print(f"{'check of ' + format(args.accounts, ',') + ' accounts':44} {'wall s':>8} {'CPU s':>8}")
        print(f"{'before: claimed() + levelOf() per account':44} {t1 - t0:8.2f} {c1 - c0:8.2f}")
        print(f"{'after: Claimed events in pages':44} {t2 - t1:8.2f} {c2 - c1:8.2f}")
        print(f"{'after: whole pending_claims (tree, proofs)':44} {t3 - t2:8.2f} {c3 - c2:8.2f}")
        print(f"agree: {agree}; still to claim: {len(pending):,}")


if __name__ == "__main__":
    main()
