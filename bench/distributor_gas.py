"""Gas of RewardDistributor on the embedded chain and on Anvil (a benchmark: prints, asserts nothing).

    .venv/bin/python -m bench.distributor_gas [--network ethereum:local:test] [--network ethereum:local:foundry]

Proofs are 20 levels, as in a tree of a million leaves: the benchmark builds a 128-leaf tree and
extends every proof with 13 fixed siblings above its root (the contract cannot tell the difference,
and the calldata and hashing are those of a 20-level proof).

The normal path: the daily job publishes a root, and right after its challenge period calls
``activatePendingRoot`` (which mints the day's increment), so claims find the root active and the
next ``publishRoot`` finds the previous root already activated. The claim rows are measured that
way. The fallback paths are measured too: a ``publishRoot`` that still has to activate (and mint)
the previous root, and a claim that activates the root because nobody has yet. "first mint" is the
very first activation (zero balances and ledger become non-zero); every other mint is a later one.
The sweep (the operator's daily `sweep`, one OpenZeppelin multiproof for many accounts) is
measured with multiproofs from two real trees of 1,048,576 leaves (``--sweep-leaves``), for 100
accounts picked three ways: at random across the tree (the worst case: each account brings about
13 proof nodes of its own), every 10th leaf in heap order (a day where one account in ten has
something to claim), and 100 neighbours (the job's own order when every account has). "new" rows
pay the accounts' first Twei (their token balance and record go from zero); "repeat" rows sweep
the same accounts again from the next day's tree. The previous-root fallback is a claim whose
proof is for the root before the active one (a wallet holding yesterday's file).

The sweep's flags go packed, 256 to a 32-byte word (``MultiProof.proof_flag_bits``); the rows
"flags" and "flag words" give how many flags and words a multiproof has. Issue 26's last round
(embedded chain, before -> after): the sweep per repeat account at random 28,879 -> 25,840
(bool[] flags cost a calldata word each; the leaves are now hashed and re-read in assembly),
neighbours 17,421 -> 16,649, every 10th leaf 20,359 -> 19,002, new holders at random
63,055 -> 60,022; claimMany per repeat account @100 30,054 -> 30,027, then 29,620 once it pays
the batch with one transferBatch (first claim 94,552 -> 94,530, repeat 60,340 -> 60,318: the
single claim pays inside `_claim` as before); publishRoot unchanged (94,839).

Morpho URD's "97,635 + 38,736" reads as two transactions (submitting a root, then accepting it
after the timelock), so it compares with publishRoot + activatePendingRoot together.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from twei.merkle import DISTRIBUTOR_LEAF_ENCODING, StandardMerkleTree, keccak, process_proof
from twei.signing import DailyRoot, sign_with_quorum
from twei.units import twei

ROOT_DIR = Path(__file__).resolve().parents[1]
DEPTH = 20
LEAVES = 128  # 7 levels, padded to DEPTH
ORACLE_KEYS = ["0x" + f"{i:02x}" * 32 for i in range(0x11, 0x16)]
PEERS = {
    "first claim (new holder)": ("95,561", "98,506", 95_000),
    "repeat claim": ("61,363", "64,279", 61_000),
    "claimMany per repeat account @100": ("-", "-", 30_000),
    "sweep per repeat account @100 (random leaves of 1,048,576)": ("-", "-", 26_000),
    "publishRoot 3 signatures (previous root already activated)": ("-", "97,635 + 38,736", 100_000),
}
CHALLENGE_PERIOD = 3600  # the contract's minimum


def signatures(n: int) -> str:
    return f"{n} signature{'s' if n > 1 else ''}"


class DeepTree:
    """A real StandardMerkleTree whose proofs are lengthened to DEPTH levels."""

    def __init__(self, entries):
        self.tree = StandardMerkleTree.of(entries, DISTRIBUTOR_LEAF_ENCODING)
        levels = (len(entries) - 1).bit_length()
        self.pad = [keccak(b"pad" + bytes([i])) for i in range(DEPTH - levels)]
        self.root = process_proof(self.tree.tree[0], self.pad)
        self.total = sum(int(v[1]) for v in self.tree.values)

    def claim(self, index):
        account, amount, level = self.tree.values[index]
        return account, int(amount), int(level), self.tree.proof_nodes(index) + self.pad


def big_tree(n: int, day: int, seed: int = 7) -> StandardMerkleTree:
    """A real tree of ``n`` leaves: deterministic addresses, amounts growing with ``day``."""
    import numpy

    rng = numpy.random.default_rng(seed)
    raw = rng.bytes(20 * n)
    values = [("0x" + raw[20 * i : 20 * i + 20].hex(), 1_000 * day + i % 997, 1 + day % 7) for i in range(n)]
    return StandardMerkleTree.of(values, DISTRIBUTOR_LEAF_ENCODING)


def sweep_args(tree: StandardMerkleTree, indices) -> tuple:
    proof = tree.get_multi_proof(indices)
    leaves = [(a, int(v), int(lv)) for a, v, lv in proof.values]
    return leaves, proof.proof, proof.proof_flag_bits


def measure(network_choice: str, sweep_leaves: int) -> dict[str, int]:
    from ape import accounts, chain, networks, project

    results: dict[str, int] = {}
    with networks.parse_network_choice(network_choice):
        deployer, holder, other, sender = accounts.test_accounts[:4]
        token = deployer.deploy(project.TweiToken, deployer, twei(10**10))
        minter_role = token.MINTER_ROLE()
        from eth_account import Account

        oracles = [Account.from_key(k) for k in ORACLE_KEYS]
        randoms = ["0x" + keccak(bytes([i, j])).hex()[:40] for i in range(LEAVES) for j in range(1)]

        def deploy(threshold):
            d = deployer.deploy(
                project.RewardDistributor,
                deployer,
                token,
                [o.address for o in oracles],
                threshold,
                twei(10**6),
                CHALLENGE_PERIOD,
            )
            token.grantRole(minter_role, d, sender=deployer)
            return d

        def publish(d, epoch, deep, threshold):
            message = DailyRoot.make(
                chain_id=chain.chain_id, distributor=d.address, epoch=epoch, root=deep.root, total=deep.total,
                data_hash=b"\0" * 32,
            )
            sigs = sign_with_quorum([o.key for o in oracles[:threshold]], message)
            return d.publishRoot(epoch, deep.root, deep.total, b"\0" * 32, sigs, sender=sender)

        def wait():
            now = max(chain.pending_timestamp, chain.blocks.head.timestamp + 1)
            chain.mine(timestamp=now + CHALLENGE_PERIOD + 1)

        def day(n):
            base = [holder.address, other.address] + randoms[2:]
            return DeepTree([(a, twei(n) + i, 5 + n) for i, a in enumerate(base[:LEAVES])])

        def activate(d):
            return d.activatePendingRoot(sender=sender)

        # publishRoot. The normal path: the daily job activates each root right after its period
        # (activatePendingRoot, which mints), so the next publishRoot finds nothing to activate.
        # The fallback: the previous root is still pending when the next is published, and
        # publishRoot activates and mints it (the first time ever: zero balances become non-zero).
        for threshold in (1, 3, 5):
            sigs = signatures(threshold)
            d = deploy(threshold)
            first = publish(d, 1, day(1), threshold)
            wait()
            second = publish(d, 2, day(2), threshold)  # activates day 1: the first mint ever
            wait()
            fallback = publish(d, 3, day(3), threshold)  # activates day 2, a later mint
            wait()
            job = activate(d)  # day 3: the daily job, a later mint
            normal = publish(d, 4, day(4), threshold)
            results[f"publishRoot {sigs}, first root"] = first.gas_used
            results[f"publishRoot {sigs}, activating the previous root (first mint)"] = second.gas_used
            results[f"publishRoot {sigs}, activating the previous root (later mint)"] = fallback.gas_used
            results[f"publishRoot {sigs} (previous root already activated)"] = normal.gas_used
        results["activatePendingRoot (daily job)"] = job.gas_used

        # Claims: each root is activated by the daily job beforehand, as on the normal path.
        d = deploy(2)
        d1 = day(1)
        publish(d, 1, d1, 2)
        wait()
        activate(d)  # the first mint ever, not measured
        results["first claim (new holder)"] = d.claim(*d1.claim(0), sender=holder).gas_used
        results["first claim sent by a third party"] = d.claim(*d1.claim(1), sender=sender).gas_used
        results["claim with nothing left to pay"] = d.claim(*d1.claim(0), sender=holder).gas_used
        many_first = d.claimMany([d1.claim(i) for i in range(10, 110)], sender=sender)
        results["claimMany per new account @100"] = many_first.gas_used // 100

        d2 = day(2)
        publish(d, 2, d2, 2)
        wait()
        activate(d)
        results["repeat claim"] = d.claim(*d2.claim(0), sender=holder).gas_used
        results["repeat claim sent by a third party"] = d.claim(*d2.claim(1), sender=sender).gas_used
        ten = d.claimMany([d2.claim(i) for i in range(10, 20)], sender=sender)
        results["claimMany per repeat account @10"] = ten.gas_used // 10
        hundred = d.claimMany([d2.claim(i) for i in range(20, 120)], sender=sender)
        # 100 accounts: 90 of them repeat holders (20..109), 10 first-timers (110..119).
        results["claimMany per account @100 (90 repeat + 10 new)"] = hundred.gas_used // 100

        d3 = day(3)
        publish(d, 3, d3, 2)
        wait()
        activate(d)
        hundred = d.claimMany([d3.claim(i) for i in range(10, 110)], sender=sender)
        results["claimMany per repeat account @100"] = hundred.gas_used // 100

        # The fallback: nobody activated day 4, so the first claim after its period does (and
        # mints: not the first mint). Claimed by a repeat holder, as most claimants are.
        d4 = day(4)
        publish(d, 4, d4, 2)
        wait()
        fallback_claim = d.claim(*d4.claim(10), sender=sender)
        results["claim that activates the root (fallback, repeat holder)"] = fallback_claim.gas_used

        # A proof for the previous root (day 4 is active, the file is day 3's): the fallback.
        results["repeat claim from the previous root (fallback)"] = d.claim(*d3.claim(120), sender=sender).gas_used
        d5 = day(5)
        publish(d, 5, d5, 2)
        wait()
        activate(d)
        results["claimMany per repeat account @100, previous-root proofs"] = (
            d.claimMany([d4.claim(i) for i in range(10, 110)], sender=sender).gas_used // 100
        )

        # The sweep, with multiproofs from two real trees of `sweep_leaves` leaves.
        import random

        t1, t2 = big_tree(sweep_leaves, 1), big_tree(sweep_leaves, 2)
        for t in (t1, t2):
            t.total = sum(int(v[1]) for v in t.values)  # noqa: B010 (what publish reads)
        picks = random.Random(26).sample(range(sweep_leaves), 200)

        def groups(tree):
            # Neighbours and every 10th leaf in the tree's own heap order (the job's order).
            by_heap = sorted(range(sweep_leaves), key=lambda i: tree.tree_indices[i], reverse=True)
            middle = sweep_leaves // 2
            return {
                "random leaves": picks[:100],
                "every 10th leaf": by_heap[middle - 1_000 : middle : 10],
                "neighbours": by_heap[middle + 1_000 : middle + 1_100],
            }

        size = f"{sweep_leaves:,}"
        sd = deploy(2)
        publish(sd, 1, t1, 2)
        wait()
        activate(sd)
        for name, indices in groups(t1).items():
            args = sweep_args(t1, indices)
            results[f"sweep per new account @100 ({name} of {size})"] = sd.sweep(*args, sender=sender).gas_used // 100
        new_many = sd.claimMany(
            [(t1.values[i][0], int(t1.values[i][1]), int(t1.values[i][2]), t1.get_proof(i)) for i in picks[100:200]],
            sender=sender,
        )
        results[f"claimMany per new account @100 (random leaves of {size})"] = new_many.gas_used // 100
        for indices in groups(t2).values():  # make tomorrow's groups holders (not measured)
            sd.sweep(*sweep_args(t1, indices), sender=sender)
        publish(sd, 2, t2, 2)
        wait()
        activate(sd)
        for name, indices in groups(t2).items():
            args = sweep_args(t2, indices)
            multiproof = sd.sweep(*args, sender=sender)
            results[f"sweep per repeat account @100 ({name} of {size})"] = multiproof.gas_used // 100
            results[f"  (its multiproof: nodes, {name})"] = len(args[1])
            results[f"  (its multiproof: flags, {name})"] = len(args[0]) + len(args[1]) - 1
            results[f"  (its multiproof: flag words, {name})"] = len(args[2])
        repeat_many = sd.claimMany(
            [(t2.values[i][0], int(t2.values[i][1]), int(t2.values[i][2]), t2.get_proof(i)) for i in picks[100:200]],
            sender=sender,
        )
        results[f"claimMany per repeat account @100 (random leaves of {size})"] = repeat_many.gas_used // 100
    return results


@click.command()
@click.option("--network", "network_choices", multiple=True, default=("ethereum:local:test", "ethereum:local:foundry"))
@click.option("--sweep-leaves", default=1 << 20, show_default=True, help="Leaves of the sweep's trees.")
def main(network_choices, sweep_leaves):
    os.environ["PATH"] = f"{ROOT_DIR / 'node_modules' / '.bin'}:{os.environ['PATH']}"
    columns = {choice: measure(choice, sweep_leaves) for choice in network_choices}
    names = list(next(iter(columns.values())))
    header = ["operation (20-level proofs)"] + [c.split(":")[-1] for c in network_choices] + ["1inch", "Morpho URD", "target"]
    rows = []
    for name in names:
        peer = PEERS.get(name, ("", "", None))
        target = f"<= {peer[2]:,}" if peer[2] else ""
        rows.append([name] + [f"{columns[c][name]:,}" for c in network_choices] + [peer[0], peer[1], target])
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    for r in [header] + rows:
        click.echo(" | ".join(str(v).ljust(w) for v, w in zip(r, widths)))


if __name__ == "__main__":
    main()
