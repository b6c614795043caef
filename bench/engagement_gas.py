"""Gas of every Engagement action on the embedded chain, against the targets of issue 4.

Run from the project root: ``.venv/bin/python -m bench.engagement_gas``. Prints a table and
asserts nothing.

The level source is the real RewardDistributor. The bench accounts are generated up front and put
at level 13 in one daily root of 2**20 leaves (the rest are filler accounts), so every proof has
exactly 20 nodes, as in a day of a million accounts. The root is published with oracle signatures,
the challenge period passes and the daily job's ``activatePendingRoot`` activates it (and mints).
Then the commenter and the "comment" actors claim under it, so ``comment`` finds their recorded
level current (the fast path: one view call reading two distributor slots); the "comment + 20-level
proof" actors never claim, so they comment with ``commentWithLevel`` (``commentWithLevelAndPermit``
in the permit form), proving their leaf in the active root.

Each action is measured three times per payment form, by an account that has never acted:

* **first**: the fee goes to a treasury that holds no Twei yet (its balance slot is written from
  zero, the expensive case), the account's vote/reaction bitmap word is new and, in the permit
  form, the payer's permit nonce is still 0;
* **repeat**: the same account again, on a target whose id is in the same 256-id bitmap word;
* **new word**: the same account again, on a target 256+ ids away (its bitmap word is written
  from zero: the steady-state worst case for votes and reactions; for the other actions it is
  just another repeat).

"allowance" means the payer approved 1,000 TWEI once beforehand (a finite allowance, so the token
writes it down on every payment); "unlimited" means it approved `2**256 - 1`, which OpenZeppelin's
ERC-20 never writes down (one storage write less per transfer); "permit" means the `*WithPermit` form with a fresh EIP-2612
permit for exactly the fee. Totals are whole-transaction gas (21,000 base included).

Issue 26's last gas round (allowance form, first action, before -> after): comment 112,363 ->
109,804 and commentWithLevel 125,594 -> 123,438 (the next id shares the treasury's slot, fees are
read from their slot without a memory copy, `currentLevelOf` reads the distributor's state slot in
place); publishPost 99,505 -> 97,340, buyReport 78,414 -> 76,216, minus 99,224 -> 99,008.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ape import accounts, chain, networks, project
from ape.logging import logger
from eth_account import Account

from twei.merkle import DISTRIBUTOR_LEAF_ENCODING, StandardMerkleTree, keccak
from twei.params import ENGAGEMENT_DEFAULTS, TOKEN_SUPPLY_CAP
from twei.permit import sign_permit
from twei.signing import DailyRoot, sign_with_quorum
from twei.units import twei

__all__ = ["main"]

CONTENT = b"\x22" * 32
WORDS = 1_190
ALLOWANCE = twei(1_000)
FUNDS = twei(10_000)
UNLIMITED = 2**256 - 1
FREE = ("plus", "like")
PROVEN = "comment + 20-level proof"

#: The daily root: 2**20 leaves, so every proof is exactly DEPTH nodes.
DEPTH = 20
LEVEL = ENGAGEMENT_DEFAULTS.comment_min_level
EARNED = twei(100)  # each bench account's cumulative amount in the root
FILLER_EARNED = 10**15  # each filler account's (wei)
ORACLE_KEYS = ["0x" + f"{i:02x}" * 32 for i in range(0x11, 0x14)]
THRESHOLD = 2
DAILY_CAP = twei(10_000_000)
CHALLENGE_PERIOD = 3600
TREASURY = 7  # IEngagement.Parameter.Treasury
NO_DATA = b"\x00" * 32

#: Issue 4's targets, whole transaction, embedded chain.
TARGETS = {
    "publishPost": 110_000,
    "comment": 110_000,
    PROVEN: 125_000,
    "plus": 55_000,
    "minus": 90_000,
    "like": 55_000,
    "dislike": 90_000,
    "buyReport": 80_000,
}
#: The author, the commenter, then one account per measured row.
ACCOUNTS = 2 + sum(1 if action in FREE else 3 for action in TARGETS)


@dataclass
class Row:
    action: str
    form: str
    first: int
    repeat: int
    new_word: int


class Bench:
    """A fresh deployment with an author, a commenter, two posts and two comments to act on."""

    def __init__(self) -> None:
        self.deployer = accounts.test_accounts[0]
        # New accounts need new leaves: generate them all, then build the day's tree with them.
        self._pool = [accounts.test_accounts.generate_test_account() for _ in range(ACCOUNTS)]
        self.tree = _daily_tree([a.address for a in self._pool])
        # The bench accounts lead the tree's values, in pool order.
        self._index = {a.address: i for i, a in enumerate(self._pool)}
        self.token = self.deployer.deploy(project.TweiToken, self.deployer, TOKEN_SUPPLY_CAP)
        minter = self.token.MINTER_ROLE()
        # The deployer keeps MINTER_ROLE to fund the accounts (minters are not sealed here).
        self.token.grantRole(minter, self.deployer, sender=self.deployer)
        oracles = [Account.from_key(key) for key in ORACLE_KEYS]
        self.distributor = self.deployer.deploy(
            project.RewardDistributor,
            self.deployer,
            self.token,
            [o.address for o in oracles],
            THRESHOLD,
            DAILY_CAP,
            CHALLENGE_PERIOD,
        )
        self.token.grantRole(minter, self.distributor, sender=self.deployer)
        self._activate_root(oracles)
        self.engagement = self.deployer.deploy(
            project.Engagement,
            self.token,
            self.deployer,
            accounts.test_accounts[5],
            self.distributor,
            ENGAGEMENT_DEFAULTS.as_struct(),
        )
        self._treasuries = 0
        self.author = self.new_account()
        self.commenter = self.new_account(claim=True)
        self.posts: list[int] = []
        self.comments: list[int] = []
        self._targets()
        # Push the id counter into the next 256-id bitmap word, then make one more of each.
        while self.engagement.lastId() < 256:
            self.engagement.buyReport(self.posts[0], FUNDS, sender=self.commenter)
        self._targets(1)

    def _activate_root(self, oracles: list[Any]) -> None:
        """Publish the day's root, let its challenge period pass, activate it (the daily job)."""
        d = self.distributor
        epoch = chain.blocks.head.timestamp // 86_400
        total = sum(int(value[1]) for value in self.tree.values)
        message = DailyRoot.make(
            chain_id=chain.chain_id,
            distributor=d.address,
            epoch=epoch,
            root=self.tree.root,
            total=total,
            data_hash=NO_DATA,
        )
        signatures = sign_with_quorum([o.key for o in oracles[:THRESHOLD]], message)
        d.publishRoot(epoch, self.tree.root, total, NO_DATA, signatures, sender=self.deployer)
        now = max(chain.pending_timestamp, chain.blocks.head.timestamp + 1)
        chain.mine(timestamp=now + CHALLENGE_PERIOD)
        d.activatePendingRoot(sender=self.deployer)

    def leaf(self, account: Any) -> tuple[int, int, list[bytes]]:
        """`account`'s (cumulative amount, level, 20-node proof) in the active root."""
        index = self._index[account.address]
        _, amount, level = self.tree.values[index]
        return int(amount), int(level), self.tree.proof_nodes(index)  # 2**DEPTH leaves: DEPTH nodes

    def new_account(self, *, allowance: int = ALLOWANCE, claim: bool = False) -> Any:
        """The next bench account, with ether, 10,000 TWEI and an allowance (0: none); with
        `claim`, its claim under the active root has recorded its level (so it is current)."""
        if not self._pool:
            raise RuntimeError("more bench accounts used than ACCOUNTS generated")
        account = self._pool.pop(0)
        self.deployer.transfer(account, 10**18)
        self.token.mint(account, FUNDS, sender=self.deployer)
        if claim:
            self.distributor.claim(account, *self.leaf(account), sender=self.deployer)
        if allowance:
            self.token.approve(self.engagement, allowance, sender=account)
        return account

    def fresh_treasury(self) -> None:
        """Point fees at an address that has never held Twei."""
        self._treasuries += 1
        # A treasury change waits a day, then anyone switches it (`applyParameterChange`).
        self.engagement.setTreasury(f"0x{0xFEE0000 + self._treasuries:040x}", sender=self.deployer)
        now = max(chain.pending_timestamp, chain.blocks.head.timestamp + 1)
        chain.mine(timestamp=now + self.engagement.PARAMETER_DELAY())
        self.engagement.applyParameterChange(TREASURY, sender=self.deployer)

    def permit(self, owner: Any, value: int) -> tuple[int, int, bytes, bytes]:
        signed = sign_permit(
            owner.private_key,
            token_name=self.token.name(),
            token_address=self.token.address,
            chain_id=chain.chain_id,
            spender=self.engagement.address,
            value=value,
            nonce=self.token.nonces(owner),
            deadline=chain.pending_timestamp + 3600,
        )
        return signed.deadline, signed.v, signed.r, signed.s

    def _targets(self, count: int = 2) -> None:
        for _ in range(count):
            self.posts.append(self._id(self.engagement.publishPost(CONTENT, WORDS, FUNDS, sender=self.author)))
            self.comments.append(self._id(self.engagement.comment(self.posts[0], CONTENT, FUNDS, sender=self.commenter)))

    @staticmethod
    def _id(tx: Any) -> int:
        for log in tx.events:
            if log.event_name == "Commented":
                return log.commentId
            if log.event_name == "PostPublished":
                return log.postId
        raise RuntimeError(f"{tx.txn_hash} published nothing")


def _daily_tree(bench_accounts: list[str]) -> StandardMerkleTree:
    """The day's tree: the bench accounts first (level 13), then fillers up to 2**DEPTH leaves."""
    values = [(a, str(EARNED), str(LEVEL)) for a in bench_accounts]
    values += [
        ("0x" + keccak(i.to_bytes(4, "big")).hex()[:40], str(FILLER_EARNED + i), str(i % 40))
        for i in range((1 << DEPTH) - len(bench_accounts))
    ]
    return StandardMerkleTree.of(values, DISTRIBUTOR_LEAF_ENCODING)


Call = Callable[[Any, int], Any]


def _actions(b: Bench) -> dict[str, tuple[Call, Call | None]]:
    """Per action: (with allowance, with permit), each called as f(account, repetition index)."""
    e = b.engagement
    fee = {
        "publishPost": e.publishTribute(),
        "comment": e.commentTribute(),
        "minus": e.minusFee(),
        "dislike": e.dislikeFee(),
        "buyReport": e.reportPrice(),
    }
    p, c = b.posts, b.comments
    return {
        "publishPost": (
            lambda a, i: e.publishPost(CONTENT, WORDS, fee["publishPost"], sender=a),
            lambda a, i: e.publishPostWithPermit(CONTENT, WORDS, *b.permit(a, fee["publishPost"]), sender=a),
        ),
        "comment": (
            lambda a, i: e.comment(p[i], CONTENT, fee["comment"], sender=a),
            lambda a, i: e.commentWithPermit(p[i], CONTENT, *b.permit(a, fee["comment"]), sender=a),
        ),
        PROVEN: (
            lambda a, i: e.commentWithLevel(p[i], CONTENT, b.leaf(a), fee["comment"], sender=a),
            lambda a, i: e.commentWithLevelAndPermit(
                p[i], CONTENT, b.leaf(a), *b.permit(a, fee["comment"]), sender=a
            ),
        ),
        "plus": (lambda a, i: e.plus(p[i], sender=a), None),
        "minus": (
            lambda a, i: e.minus(p[i], fee["minus"], sender=a),
            lambda a, i: e.minusWithPermit(p[i], *b.permit(a, fee["minus"]), sender=a),
        ),
        "like": (lambda a, i: e.like(c[i], sender=a), None),
        "dislike": (
            lambda a, i: e.dislike(c[i], fee["dislike"], sender=a),
            lambda a, i: e.dislikeWithPermit(c[i], *b.permit(a, fee["dislike"]), sender=a),
        ),
        "buyReport": (
            lambda a, i: e.buyReport(p[i], fee["buyReport"], sender=a),
            lambda a, i: e.buyReportWithPermit(p[i], *b.permit(a, fee["buyReport"]), sender=a),
        ),
    }


def measure() -> list[Row]:
    b = Bench()
    rows = []
    for action, (with_allowance, with_permit) in _actions(b).items():
        forms = (("allowance", with_allowance, ALLOWANCE), ("unlimited", with_allowance, UNLIMITED),
                 ("permit", with_permit, 0))
        for form, do, allowance in forms:
            if do is None or (action in FREE and form != "allowance"):
                continue
            # "comment" actors claim first (their level is current); PROVEN actors never claim.
            actor = b.new_account(allowance=allowance, claim=action == "comment")
            b.fresh_treasury()
            first, repeat, new_word = (do(actor, i).gas_used for i in range(3))
            rows.append(Row(action, "free" if action in FREE else form, first, repeat, new_word))
    return rows


def main() -> None:
    logger.set_level("ERROR")
    with networks.parse_network_choice("ethereum:local:test"):
        rows = measure()
    width = max(len(row.action) for row in rows)
    print(f"{'action':<{width}} {'form':<10} {'first':>8} {'repeat':>8} {'new word':>9} {'target':>8}")
    for row in rows:
        print(
            f"{row.action:<{width}} {row.form:<10} {row.first:>8,} {row.repeat:>8,} {row.new_word:>9,}"
            f" {TARGETS[row.action]:>8,}"
        )
    print("Targets are for the allowance/free forms; the other rows are shown beside them.")
    print(f"comment: level current (the commenter claimed under the active root); {PROVEN}: the")
    print(f"commenter has not claimed and proves its leaf in the active root of 2**{DEPTH} leaves.")


if __name__ == "__main__":
    main()
