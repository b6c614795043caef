"""The reward distributor as a state machine: random days of roots, waits, revocations, pauses,
activations and claims against the real contract, checked step by step against a Python model.

Rules: publish (a valid root for today or a backlog day; or one with too few, repeated or foreign
signatures, a stale or future epoch, a decreasing total, a total above the daily or the token's
cap, a tree whose leaves add up to more than its total; or a revoked root sent again), wait
(across challenge periods and UTC days), revoke (the guardian, or an outsider who may not),
revoke-and-correct, pause, unpause, activatePendingRoot, claim (by the account or a relayer),
claimMany, claims with the previous root's proof, the multiproof sweep (from the views' root or
the previous one), and claims that must fail. Every call that the model says must revert is
checked for its exact custom error (and its arguments).

Invariants after every step: the token's supply is the active total (the distributor is its only
minter, and sealed); the distributor holds the active total minus everything claimed; no account
has claimed more than its leaf in the active tree; no 24 hours mint more than the daily cap
(every mint is kept, every window summed); a revoked (epoch, root, total) is never active; the
model equals the chain (`activeRoot`, `previousRoot`, `pendingRoot`, `dueRoot`, `mintWindow`,
`claimed`, balances, levels); and for every account `currentLevelOf` and `isActiveLeaf` (its leaf
of the root the views call active, and of the pending root) say what the model says: a level is
current only when its record comes from that root and claims are not paused. At the end of every
example: the distributor is not wedged, i.e. after waiting a day a root adding as much as may be
minted publishes, activates and pays everyone.

Each example starts from the same deployed state (a chain snapshot, restored in `teardown`), in one
of three setups: empty with an unbounded token, or with an unclaimed root and a token close to its
cap (two caps). Rules are never switched off per example (no swarm testing, see `__init__`).
Interesting paths are labelled with `hypothesis.event` (see `--hypothesis-show-statistics`)
and counted in `STATS`, which both tests check: the statistics test over fixed scripted examples
(`FIXED_EXAMPLES`: among them a revoked root sent again, a previous-root claim and sweep, a due
root the cap blocks) and derandomized ones, the random test over what it drew.
"""

from __future__ import annotations

import functools
import time
from collections import Counter
from dataclasses import dataclass, field, replace

import ape
import pytest
from eth_abi import decode, encode
from eth_account import Account
from eth_utils import keccak
from hexbytes import HexBytes
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.strategies._internal.featureflags import FeatureFlags
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.distributor.conftest import NO_DATA, make_tree
from tests.helpers import CHALLENGE_PERIOD, ORACLE_KEYS, ZERO_ADDRESS
from twei.params import TOKEN_SUPPLY_CAP
from twei.signing import DailyRoot, sign_with_quorum

pytestmark = pytest.mark.chain

DAY = 86_400
PEOPLE = 4
THRESHOLD = 2
#: Small, so that a backlog of roots runs into it.
DAILY_CAP = 1_000
#: The tight setup's token cap: its first root leaves room for about one more day.
TIGHT_CAP = 2_500
#: The nearly full setup's token cap: less than a day's cap left to mint.
NEARLY_FULL_CAP = 1_700
#: Steps per example: each step is a transaction or two and a handful of calls, so a few dozen
#: examples take well under a minute in process.
STEPS = 12
#: The statistics test's examples (fixed whatever the profile, derandomized).
STATS_EXAMPLES = 12
#: The random test's examples on Anvil and Ganache, where a transaction costs ten times more
#: (Ganache's six took three and a half minutes of a suite that must stay under twenty): there
#: they prove the machine's transactions behave the same over RPC; the exploration is the
#: embedded run's (STATS_EXAMPLES new draws every run, and the statistics test).
NODE_EXAMPLES = 3
#: The random test's new draws on the embedded chain, every run (3 minutes for 12 on the loaded
#: 2 cores: the statistics test explores the machine's paths; this one adds fresh sequences).
RANDOM_EXAMPLES = 6
ZERO32 = HexBytes(b"\0" * 32)

#: Labels seen per example, summed over examples ("runs" counts examples).
STATS: Counter[str] = Counter()


# ----------------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class Root:
    epoch: int
    root: HexBytes
    total: int
    leaves: tuple[int, ...]  # cumulative amount per person
    levels: tuple[int, ...]
    tree: object
    activates_at: int = 0
    data_hash: bytes = NO_DATA
    signatures: tuple = ()


@dataclass
class Model:
    """What the distributor should hold. `active` is the activated root (what was minted);
    `pending` a published root, which counts as active once due (`effective`)."""

    token_cap: int
    active: Root | None = None
    pending: Root | None = None
    paused: bool = False
    claimed: list[int] = field(default_factory=lambda: [0] * PEOPLE)
    levels: list[int] = field(default_factory=lambda: [0] * PEOPLE)
    epochs: list[int] = field(default_factory=lambda: [0] * PEOPLE)  # the root epoch of each record
    previous: Root | None = None  # the root active before `active`
    ledger: tuple[int, int] = (0, 0)  # (last minting activation's time, minted since a 24 h gap)
    mints: list = field(default_factory=list)  # every (time, amount) minted, for the window check
    minting: bool = False  # an activation in the step's transaction: its time is the block's
    revoked: set = field(default_factory=set)  # (epoch, root, total)
    revoked_roots: list = field(default_factory=list)  # the revoked Roots, as they were sent

    def copy(self) -> Model:
        """A copy to try a call on (roots are immutable and shared)."""
        return replace(
            self,
            claimed=list(self.claimed),
            levels=list(self.levels),
            epochs=list(self.epochs),
            mints=list(self.mints),
            revoked=set(self.revoked),
            revoked_roots=list(self.revoked_roots),
        )

    @property
    def active_total(self) -> int:
        return self.active.total if self.active else 0

    @property
    def active_epoch(self) -> int:
        return self.active.epoch if self.active else 0

    @property
    def distributor_balance(self) -> int:
        return self.active_total - sum(self.claimed)

    def due(self, now: int) -> bool:
        return self.pending is not None and now >= self.pending.activates_at

    def window(self, now: int) -> int:
        """What counts against the rolling cap at `now`."""
        return self.ledger[1] if now < self.ledger[0] + DAY else 0

    def mintable(self, now: int) -> bool:
        """Whether the due root's activation fits the rolling cap at `now`."""
        increment = self.pending.total - self.active_total
        return increment == 0 or self.window(now) + increment <= DAILY_CAP

    def effective(self, now: int) -> Root | None:
        """The root the views call active: a due root only when the cap lets it activate."""
        return self.pending if self.due(now) and self.mintable(now) else self.active

    def previous_view(self, now: int) -> Root | None:
        """The root the views call previous."""
        return self.active if self.due(now) and self.mintable(now) else self.previous

    def current(self, now: int, person: int) -> bool:
        """`currentLevelOf`'s `current`."""
        effective = self.effective(now)
        return not self.paused and self.epochs[person] >= (effective.epoch if effective else 0)

    def stamp(self, timestamp: int):
        """The transaction whose activation the model predicted was mined at `timestamp`."""
        if self.minting:
            self.ledger = (timestamp, self.ledger[1])
            self.mints[-1] = (timestamp, self.mints[-1][1])
            self.minting = False

    def latest(self) -> Root | None:
        """The root the next one builds on (a pending root activates before it is accepted)."""
        return self.pending or self.active

    def activate(self, now: int):
        """Activate the due pending root; returns an expected error or None."""
        increment = self.pending.total - self.active_total
        if increment:
            already = self.window(now)
            if already + increment > DAILY_CAP:
                available = self.ledger[0] + DAY
                return ("DailyCapReached", dict(availableAt=available, minted=already, increment=increment, dailyCap=DAILY_CAP))
            self.ledger = (now, already + increment)
            self.mints.append((now, increment))
            self.minting = True
        if self.active is not None:
            self.previous = self.active
        self.active, self.pending = self.pending, None
        return None

    def publish(self, now: int, epoch: int, root: HexBytes, total: int, signers: list):
        """Mirror `publishRoot`'s checks in order; returns (error, activated) and updates self
        (the caller works on a copy and drops it on error)."""
        today = now // DAY
        if epoch > today:
            return ("EpochInFuture", dict(epoch=epoch, today=today)), False
        activated = False
        if self.pending is not None:
            if not self.due(now):
                p = self.pending
                return ("PendingRootNotDue", dict(epoch=p.epoch, activatesAt=p.activates_at)), False
            error = self.activate(now)
            if error:
                return error, False
            activated = True
        if epoch <= self.active_epoch:
            return ("EpochNotIncreasing", dict(epoch=epoch, latest=self.active_epoch)), activated
        previous = self.active_total
        if total < previous:
            return ("TotalDecreased", dict(total=total, previous=previous)), activated
        increment = total - previous
        if increment > DAILY_CAP:
            return ("TotalAboveDailyCap", dict(total=total, previous=previous, dailyCap=DAILY_CAP)), activated
        mintable = max(self.token_cap - self.active_total, 0)  # the supply is the active total
        if increment > mintable:
            return ("TotalAboveSupplyCap", dict(increment=increment, mintable=mintable)), activated
        if (epoch, bytes(root), total) in self.revoked:
            return ("RootWasRevoked", dict(epoch=epoch, root=root, total=total)), activated
        if len(signers) < THRESHOLD:
            return ("InsufficientSignatures", dict(count=len(signers), threshold=THRESHOLD)), activated
        seen = set()
        for signer in signers:
            if signer == "stranger":
                return ("SignerNotOracle", {}), activated
            if signer in seen:
                return ("DuplicateSigner", {}), activated
            seen.add(signer)
        return None, activated

    def prove(self, now: int, root: HexBytes | None):
        """Which root a proof leading to `root` claims from, as `_claim` and `sweep` decide:
        returns (error, epoch, from_previous, activated), activating a due root it proves."""
        open_root = None if self.paused or self.active is None else self.active.root
        if root is not None and root == open_root:
            return None, self.active.epoch, False, False
        if self.paused:
            return ("ClaimsArePaused", {}), 0, False, False
        if self.due(now) and root == self.pending.root:
            error = self.activate(now)
            if error:
                return error, 0, False, False
            return None, self.active.epoch, False, True
        if self.previous is None or root != self.previous.root:
            return ("InvalidProof", dict(account=None)), 0, False, False
        return None, self.previous.epoch, True, False

    def record(self, person: int, amount: int, level: int, epoch: int, from_previous: bool) -> int:
        """Record a proven leaf; returns what is owed (the caller pays it)."""
        pay = max(amount - self.claimed[person], 0)
        self.claimed[person] += pay
        if not (from_previous and self.epochs[person] > epoch):  # an old proof never undoes a newer level
            self.levels[person], self.epochs[person] = level, epoch
        return pay

    def claim(self, now: int, person: int, root: HexBytes | None, amount: int, level: int):
        """Mirror `_claim` for a proof leading to `root` (None: to no root); returns
        (error, paid, activated, from_previous) and updates self."""
        error, epoch, from_previous, activated = self.prove(now, root)
        if error:
            return error, 0, False, False
        balance = self.distributor_balance
        pay = self.record(person, amount, level, epoch, from_previous)
        if pay > balance:
            return ("ERC20InsufficientBalance", dict(balance=balance, needed=pay)), 0, activated, from_previous
        return None, pay, activated, from_previous

    def sweep(self, now: int, people: list[int], root: Root):
        """Mirror `sweep` of `people`'s leaves of `root`: one proof check, every record, then the
        token pays each account owed something, in order. Returns (error, owed, activated,
        from_previous)."""
        error, epoch, from_previous, activated = self.prove(now, root.root)
        if error:
            if error[0] == "InvalidProof":
                error = ("InvalidProof", dict(account=ZERO_ADDRESS))
            return error, [], False, False
        balance = self.distributor_balance
        owed = [self.record(p, root.leaves[p], root.levels[p], epoch, from_previous) for p in people]
        for pay in owed:
            if pay > balance:
                return ("ERC20InsufficientBalance", dict(balance=balance, needed=pay)), [], activated, from_previous
            balance -= pay
        return None, owed, activated, from_previous


# ----------------------------------------------------------------------------------- the harness


class Harness:
    """The deployed contracts (two setups), accounts, signing and time helpers."""

    def __init__(self, chain, token, distributor, people, deployer, guardian, outsider, oracles, stranger, model):
        self.chain = chain
        self.token = token
        self.distributor = distributor
        self.people = people
        self.deployer = deployer
        self.guardian = guardian
        self.outsider = outsider
        self.oracles = oracles
        self.stranger = stranger
        self.model = model
        # A call may run a little after the head block on a node (its clock keeps going): time
        # boundaries that close to the head are stepped over first (`settle`).
        self.slack = 1 if chain.provider.name == "test" else 60

    def sign(self, epoch, root, total, signers, data_hash=NO_DATA, chain_id=None, verifying=None):
        message = DailyRoot.make(
            chain_id=self.chain.chain_id if chain_id is None else chain_id,
            distributor=verifying or self.distributor.address,
            epoch=epoch,
            root=root,
            total=total,
            data_hash=data_hash,
        )
        keys = [self.stranger.key if s == "stranger" else self.oracles[s].key for s in signers]
        return sign_with_quorum(keys, message)

    def read(self, contract, name, *args):
        """A view call through web3 (the invariants make five a step: Ape's call is slower)."""
        abi = contract.contract_type.view_methods[name]
        data = keccak(text=abi.selector)[:4] + encode([i.canonical_type for i in abi.inputs], args)
        raw = self.chain.provider.web3.eth.call({"to": contract.address, "data": HexBytes(data)})
        values = decode([o.canonical_type for o in abi.outputs], raw)
        return tuple(HexBytes(v) if isinstance(v, bytes) else v for v in values)

    def head(self) -> int:
        return self.chain.blocks.head.timestamp

    def mine_to(self, timestamp: int) -> int:
        floor = max(self.chain.pending_timestamp, self.head() + 1)
        self.chain.mine(timestamp=max(timestamp, floor))
        return self.head()


def _tree(people, leaves, levels):
    return make_tree([(p, amount, level) for p, amount, level in zip(people, leaves, levels)])


def _deploy(create_token, create_distributor, deployer, oracles, cap):
    token = create_token(cap=cap)
    distributor = create_distributor(token, oracles, threshold=THRESHOLD, daily_cap=DAILY_CAP)
    token.sealMinters(distributor, sender=deployer)
    return token, distributor


def _seasoned(harness, outsider):
    """Give `harness` its first root (750, unclaimed), active since the day before."""
    leaves, levels = (300, 200, 100, 150), (13, 20, 5, 0)
    tree = _tree(harness.people, leaves, levels)
    epoch = harness.mine_to(max(harness.head(), int(time.time())) + 60) // DAY - 1
    root = HexBytes(tree.root)
    signatures = harness.sign(epoch, root, 750, [0, 1])
    tx = harness.distributor.publishRoot(epoch, root, 750, NO_DATA, signatures, sender=outsider)
    harness.mine_to(tx.timestamp + CHALLENGE_PERIOD)
    tx = harness.distributor.activatePendingRoot(sender=outsider)
    harness.model.active = Root(epoch, root, 750, leaves, levels, tree)
    harness.model.ledger = (tx.timestamp, 750)
    harness.model.mints = [(tx.timestamp, 750)]
    return harness


@pytest.fixture(scope="module")
def harnesses(
    create_token, create_distributor, oracles, chain, deployer, guardian, outsider, alice, bob, carol, dave
):
    """Three setups, deployed once per module (Ape's module snapshot keeps them): an empty
    distributor over an unbounded token; one whose first root (750, unclaimed) is active, with a
    token cap of 2,500; the same with a cap of 1,700, where less than a day's cap is mintable."""
    roles = ([alice, bob, carol, dave], deployer, guardian, outsider, oracles, Account.from_key(ORACLE_KEYS[3]))
    setups = []
    for cap in (TOKEN_SUPPLY_CAP, TIGHT_CAP, NEARLY_FULL_CAP):
        token, distributor = _deploy(create_token, create_distributor, deployer, oracles, cap)
        setups.append(Harness(chain, token, distributor, *roles, Model(cap)))
    return [setups[0], _seasoned(setups[1], outsider), _seasoned(setups[2], outsider)]


# ----------------------------------------------------------------------------------- the machine


SIGNER_SETS = [[0, 1], [1, 2], [2, 0, 1], [0, 2]]
FAULTS = [
    "one signature",
    "no signature",
    "repeated signer",
    "stranger",
    "other chain",
    "other contract",
    "stale epoch",
    "future epoch",
    "decreasing total",
    "above daily cap",
    "above supply cap",
    "underfunded tree",
]


def step(function):
    """Marks the example unfinished while the rule runs (the invariant marks it finished again),
    so that the final check in `teardown` runs only after a step that completed."""

    @functools.wraps(function)
    def run(self, **kwargs):
        self.clean = False
        function(self, **kwargs)

    return run


class DistributorMachine(RuleBasedStateMachine):
    """Subclassed per test with `harnesses` set."""

    harnesses: list[Harness] = []

    def __init__(self):
        super().__init__()
        # No swarm testing: by default Hypothesis switches a random subset of the rules off for
        # each example, and then most examples cannot go through a whole day (publish, wait,
        # claim). Every rule stays on (FeatureFlags without data enables everything). This is
        # Hypothesis's internal attribute (the version is pinned in requirements.lock): fail
        # loudly if an upgrade renames it rather than silently go back to swarms.
        assert hasattr(self._rules_strategy, "enabled_rules_strategy"), "Hypothesis changed"
        self._rules_strategy.enabled_rules_strategy = st.just(FeatureFlags())
        self.h: Harness | None = None
        self.m: Model | None = None
        self.snapshot = self.harnesses[0].chain.snapshot()
        self.labels: set[str] = set()
        self.clean = True
        self.final = False
        self.data_hashes = 0

    # -------------------------------------------------------------------------- helpers

    def note(self, label: str):
        if not self.final:  # the final check's own path is the same in every example
            event(label)
            self.labels.add(label)

    def settle(self) -> int:
        """Step over any time boundary (the pending root's activation, UTC midnight) within the
        slack after the head, so that every call of this step sees the same side of it; returns
        the head's timestamp, the `now` of the model."""
        while True:
            now = self.h.head()
            bounds = [(now // DAY + 1) * DAY, self.m.ledger[0] + DAY]  # a UTC day, the rolling cap
            if self.m.pending is not None:
                bounds.append(self.m.pending.activates_at)
            ahead = [b for b in bounds if now < b <= now + self.h.slack]
            if not ahead:
                return now
            self.h.mine_to(min(ahead))

    def wait_until(self, target: int):
        before = self.h.head()
        after = self.h.mine_to(target)
        self.settle()
        if self.h.head() // DAY > before // DAY:
            self.note("crossed a UTC day")
        if self.m.pending is not None and before < self.m.pending.activates_at <= self.h.head():
            self.note("waited out a challenge period")
            if not self.m.mintable(self.h.head()):
                self.note("due root blocked by the cap")
        return after

    def expect(self, outcome, send, contract=None):
        """Run `send()`: it must succeed if `outcome` is None, else revert with that error."""
        if outcome is None:
            return send()
        name, args = outcome
        contract = contract or (self.h.token if name.startswith("ERC20") else self.h.distributor)
        args = {k: v for k, v in args.items() if v is not None}
        with ape.reverts(getattr(contract, name), **args):
            send()
        self.note(f"reverted: {name}")
        return None

    def split(self, data, amount: int) -> list[int]:
        """`amount` split into PEOPLE random parts."""
        cuts = sorted(data.draw(st.lists(st.integers(0, amount), min_size=PEOPLE - 1, max_size=PEOPLE - 1)))
        bounds = [0, *cuts, amount]
        return [bounds[i + 1] - bounds[i] for i in range(PEOPLE)]

    def base(self):
        latest = self.m.latest()
        return (latest.leaves, latest.total, latest.epoch) if latest else ((0,) * PEOPLE, 0, 0)

    def grow(self, data) -> list[int]:
        """Random increments for the next root, within what it may add; often all of it."""
        room = self.room()
        total = data.draw(st.one_of(st.just(room), st.integers(room // 2, room), st.integers(0, room)))
        return self.split(data, total)

    def room(self) -> int:
        """The most the next root may add over the latest accepted one."""
        _, total, _ = self.base()
        return max(min(DAILY_CAP, self.m.token_cap - total), 0)

    def new_root(self, data, epoch, increments, extra=0, underfund=0):
        leaves, total, _ = self.base()
        leaves = tuple(a + b for a, b in zip(leaves, increments))
        levels = tuple(data.draw(st.lists(st.integers(0, 40), min_size=PEOPLE, max_size=PEOPLE)))
        tree = _tree(self.h.people, leaves, levels)
        return Root(epoch, HexBytes(tree.root), sum(leaves) + extra - underfund, leaves, levels, tree)

    def publish(self, root: Root, signers, data_hash=NO_DATA, signatures=None, label=None):
        now = self.settle()
        if signatures is None:
            signatures = self.h.sign(root.epoch, root.root, root.total, signers, data_hash)
        model = self.m.copy()
        error, activated = model.publish(now, root.epoch, root.root, root.total, signers)

        def send():
            return self.h.distributor.publishRoot(
                root.epoch, root.root, root.total, data_hash, signatures, sender=self.h.outsider
            )

        tx = self.expect(error, send)
        if error is not None:
            if error[0] == "RootWasRevoked":
                self.note("revoked root resubmitted")
            if error[0] == "DailyCapReached":
                self.note("daily cap reached")
            return False
        # Accepted: the model demanded `THRESHOLD` distinct oracles of the current set.
        assert len(set(signers)) >= THRESHOLD and "stranger" not in signers
        model.stamp(tx.timestamp)
        if activated:
            self.note("activated by publishRoot")
        model.pending = replace(
            root,
            activates_at=tx.timestamp + CHALLENGE_PERIOD,
            data_hash=data_hash,
            signatures=tuple(signatures),
        )
        self.m = model
        self.note(f"published ({label})" if label else "published")
        return True

    def claim_outcome(self, model, now, person, root: Root | None, amount=None, level=None, proof_root=None):
        """What a claim of `person` with a proof from `root` does to `model`."""
        amount = root.leaves[person] if amount is None else amount
        level = root.levels[person] if level is None else level
        target = proof_root if proof_root is not None else (root.root if root else None)
        return model.claim(now, person, target, amount, level)

    def claim_args(self, root: Root, person: int, amount=None):
        account, leaf_amount, level = root.tree.values[person]
        return (
            account,
            int(leaf_amount) if amount is None else amount,
            int(level),
            root.tree.get_proof(person),
        )

    def after_claims(self, outcomes, people, tx=None):
        if tx is not None:
            self.m.stamp(tx.timestamp)
        for error, paid, activated, from_previous in outcomes:
            if activated:
                self.note("activated by a claim")
            if paid:
                self.note("paid")
                if from_previous:
                    self.note("paid from the previous root")
            if from_previous:
                self.note("claimed from the previous root")
        for i in set(people):
            account = self.h.people[i]
            assert self.h.distributor.claimed(account) == self.m.claimed[i]
            assert self.h.token.balanceOf(account) == self.m.claimed[i]
            assert self.h.distributor.levelOf(account) == self.m.levels[i]

    # -------------------------------------------------------------------------- start

    @initialize(setup=st.sampled_from([1, 0, 1, 2]), offset=st.integers(0, DAY - 1))
    @step
    def start(self, setup, offset):
        """One of the two setups, `offset` seconds before a UTC midnight (Hypothesis favours small
        numbers: late in the day, where a root's period crosses into the next)."""
        self.h = self.harnesses[setup]
        self.m = self.h.model.copy()
        # Ahead of the wall clock too, so the embedded chain stamps each block one second on.
        floor = max(self.h.head(), int(time.time())) + 2 * 3600
        self.h.mine_to((floor // DAY + 2) * DAY - 1 - offset)
        self.settle()
        self.note(("empty setup", "seasoned setup", "nearly full setup")[setup])

    # -------------------------------------------------------------------------- publish

    @rule(data=st.data(), signers=st.sampled_from(SIGNER_SETS))
    @step
    def publish_today(self, data, signers):
        """The daily job: today's root, signed by a quorum."""
        self.settle()
        increments = self.grow(data)
        self.publish(self.new_root(data, self.h.head() // DAY, increments), signers, label="today")

    @rule(data=st.data(), signers=st.sampled_from(SIGNER_SETS))
    @step
    def publish_backlog(self, data, signers):
        """A missed day's root (epochs may be skipped)."""
        now = self.settle()
        today = now // DAY
        _, _, latest_epoch = self.base()
        epoch = data.draw(st.integers(max(latest_epoch + 1, today - 4), today)) if latest_epoch < today else today
        increments = self.grow(data)
        self.publish(self.new_root(data, epoch, increments), signers, label="backlog")

    @rule(data=st.data(), fault=st.sampled_from(FAULTS))
    @step
    def publish_faulty(self, data, fault):
        now = self.settle()
        today = now // DAY
        leaves, total, latest_epoch = self.base()
        epoch = max(latest_epoch + 1, today - 1) if latest_epoch < today else today
        increments = self.grow(data)
        extra = underfund = 0
        signers = [0, 1]
        chain_id = verifying = None
        if fault == "one signature":
            signers = [data.draw(st.sampled_from([0, 1, 2]))]
        elif fault == "no signature":
            signers = []
        elif fault == "repeated signer":
            signers = [1, 1]
        elif fault == "stranger":
            signers = data.draw(st.sampled_from([[0, "stranger"], ["stranger", 2]]))
        elif fault in ("other chain", "other contract"):
            chain_id = self.h.chain.chain_id + 1 if fault == "other chain" else None
            verifying = self.h.token.address if fault == "other contract" else None
        elif fault == "stale epoch":
            epoch = max(self.m.active_epoch - data.draw(st.integers(0, 2)), 0)
            if self.m.pending is not None:
                epoch = max(self.m.pending.epoch - data.draw(st.integers(0, 2)), 0)
        elif fault == "future epoch":
            epoch = today + data.draw(st.integers(1, 3))
        elif fault == "decreasing total":
            if total == 0:
                return  # nothing to decrease from
            increments = [0] * PEOPLE
            extra = -data.draw(st.integers(1, total)) - (sum(leaves) - total)
        elif fault == "above daily cap":
            increments = self.split(data, DAILY_CAP + data.draw(st.integers(1, 50)))
        elif fault == "above supply cap":
            mintable = max(self.m.token_cap - total, 0)
            increments = self.split(data, mintable + data.draw(st.integers(1, 50)))
        elif fault == "underfunded tree":
            grown = sum(increments)
            underfund = data.draw(st.integers(0, grown))
        root = self.new_root(data, epoch, increments, extra=extra, underfund=underfund)
        if chain_id is not None or verifying is not None:
            signatures = self.h.sign(root.epoch, root.root, root.total, signers, chain_id=chain_id, verifying=verifying)
            signers = ["stranger", "stranger"]  # they recover to addresses outside the set
        else:
            signatures = None
        if self.publish(root, signers, signatures=signatures, label=fault) and underfund:
            self.note("underfunded root accepted")

    @rule(data=st.data(), days=st.integers(2, 3))
    @step
    def catch_up_backlog(self, data, days):
        """The daily job after an outage: one root per missed day, each published once the
        previous one's period has passed; the daily cap stops the mints of one UTC day."""
        for _ in range(days):
            now = self.settle()
            _, _, latest_epoch = self.base()
            epoch = min(max(latest_epoch + 1, now // DAY - days), now // DAY)
            self.publish(self.new_root(data, epoch, self.grow(data)), [0, 1], label="backlog")
            if self.m.pending is None:
                return
            self.wait_until(self.m.pending.activates_at + data.draw(st.integers(0, 120)))

    @rule(data=st.data())
    @step
    def compromised_quorum_is_revoked(self, data):
        """A quorum signs a root that pays more than its total (or the guardian finds the
        pending one wrong): the guardian revokes it within its period."""
        now = self.settle()
        if self.m.pending is None or self.m.due(now):
            _, _, latest_epoch = self.base()
            epoch = min(latest_epoch + 1, now // DAY)
            increments = self.grow(data)
            grown = sum(increments)
            bad = self.new_root(data, epoch, increments, underfund=data.draw(st.integers(0, grown)))
            if not self.publish(bad, [2, 0], label="compromised"):
                return
        self._revoke(self.h.guardian)

    @precondition(lambda self: self.m is not None and self.m.revoked_roots)
    @rule(data=st.data())
    @step
    def resubmit_revoked(self, data):
        """Anyone sends a revoked root's transaction again, or its tree under another data hash."""
        root = data.draw(st.sampled_from(self.m.revoked_roots))
        data_hash, signatures = root.data_hash, list(root.signatures)
        if data.draw(st.booleans()):
            self.data_hashes += 1
            data_hash = keccak(text=f"another breakdown {self.data_hashes}")
            signatures = None
        self.publish(root, [0, 1], data_hash=data_hash, signatures=signatures, label="revoked again")

    # -------------------------------------------------------------------------- time

    @rule(seconds=st.integers(1, 900))
    @step
    def wait_briefly(self, seconds):
        self.wait_until(self.h.head() + seconds)

    @rule(offset=st.integers(-5, 900))
    @step
    def wait_for_challenge(self, offset):
        """To (about) the end of the pending root's period, or one period on."""
        now = self.settle()
        end = self.m.pending.activates_at if self.m.pending else now + CHALLENGE_PERIOD
        self.wait_until(end + offset)

    @rule(offset=st.integers(-5, 4 * 3600))
    @step
    def wait_past_midnight(self, offset):
        now = self.settle()
        self.wait_until((now // DAY + 1) * DAY + offset)

    @rule(days=st.integers(1, 3), seconds=st.integers(0, DAY - 1))
    @step
    def wait_days(self, days, seconds):
        self.wait_until(self.h.head() + days * DAY + seconds)

    # -------------------------------------------------------------------------- guardian, admin

    def _revoke(self, sender):
        now = self.settle()
        d = self.h.distributor
        if sender != self.h.guardian:
            with ape.reverts(d.AccessControlUnauthorizedAccount, account=sender.address, neededRole=d.GUARDIAN_ROLE()):
                d.revokePendingRoot(sender=sender)
            return False
        if self.m.pending is None or self.m.due(now):
            self.expect(("NoPendingRoot", {}), lambda: d.revokePendingRoot(sender=sender))
            return False
        d.revokePendingRoot(sender=sender)
        p = self.m.pending
        assert d.isRevoked(p.epoch, p.root, p.total)
        self.m.revoked.add((p.epoch, bytes(p.root), p.total))
        self.m.revoked_roots.append(p)
        self.m.pending = None
        self.note("revoked")
        return p

    @rule(by_guardian=st.booleans())
    @step
    def revoke(self, by_guardian):
        self._revoke(self.h.guardian if by_guardian else self.h.outsider)

    @rule(data=st.data())
    @step
    def revoke_and_correct(self, data):
        """The guardian revokes a bad root and the oracles publish a corrected one for its epoch."""
        now = self.settle()
        if self.m.pending is None or self.m.due(now):
            self._revoke(self.h.guardian)
            return
        bad = self._revoke(self.h.guardian)
        increments = self.grow(data)
        self.publish(self.new_root(data, bad.epoch, increments), [1, 2], label="correction")

    @rule(unpause=st.booleans())
    @step
    def pause_or_unpause(self, unpause):
        """The guardian pauses claims, or the admin resumes them (one rule: a pause blocks every
        claim until the unpause, so it should not come up too often)."""
        d = self.h.distributor
        if unpause:
            self._unpause()
        elif self.m.paused:
            self.expect(("ClaimsArePaused", {}), lambda: d.pause(sender=self.h.guardian))
        else:
            d.pause(sender=self.h.guardian)
            self.m.paused = True
            self.note("paused")
        assert d.paused() == self.m.paused

    def _unpause(self):
        d = self.h.distributor
        if not self.m.paused:
            self.expect(("ClaimsNotPaused", {}), lambda: d.unpause(sender=self.h.deployer))
        else:
            d.unpause(sender=self.h.deployer)
            self.m.paused = False

    @rule()
    @step
    def someone_activates(self):
        """Anyone calls `activatePendingRoot` (the daily job does, after the period)."""
        now = self.settle()
        model = self.m.copy()
        if model.pending is None:
            error = ("NoPendingRoot", {})
        elif not model.due(now):
            error = ("PendingRootNotDue", dict(epoch=model.pending.epoch, activatesAt=model.pending.activates_at))
        else:
            error = model.activate(now)
        tx = self.expect(error, lambda: self.h.distributor.activatePendingRoot(sender=self.h.outsider))
        if error is None:
            model.stamp(tx.timestamp)
            self.m = model
            self.note("activated by activatePendingRoot")
        elif error[0] == "DailyCapReached":
            self.note("daily cap reached")

    # -------------------------------------------------------------------------- claims

    def _claim(self, person, sender):
        now = self.settle()
        root = self.m.effective(now)
        if root is None:
            return
        model = self.m.copy()
        outcome = self.claim_outcome(model, now, person, root)
        error = outcome[0]
        if error and error[0] == "InvalidProof":
            error = (error[0], dict(account=self.h.people[person].address))
        tx = self.expect(error, lambda: self.h.distributor.claim(*self.claim_args(root, person), sender=sender))
        if error is None:
            self.m = model
            self.after_claims([outcome], [person], tx)
        elif error[0] == "DailyCapReached":
            self.note("daily cap reached")

    @rule()
    @step
    def claim_for_everyone(self):
        """A relayer claims for every account in one batch (Hypothesis's simplest example runs
        the first rule, by name, of those without arguments: this one)."""
        self._claim_many(list(range(PEOPLE)), stored=False)

    @rule(person=st.integers(0, PEOPLE - 1))
    @step
    def claim_own(self, person):
        """An account claims from the active root (activating a due one)."""
        self._claim(person, self.h.people[person])

    @rule(person=st.integers(0, PEOPLE - 1))
    @step
    def claim_relayed(self, person):
        """A relayer claims for an account: the Twei goes to the account."""
        self._claim(person, self.h.outsider)

    @rule(people=st.lists(st.integers(0, PEOPLE - 1), min_size=1, max_size=PEOPLE + 1), stored=st.booleans())
    @step
    def claim_many(self, people, stored):
        """A batch from the active root (or, `stored`, from the last activated one)."""
        self._claim_many(people, stored)

    def _claim_many(self, people, stored):
        now = self.settle()
        root = self.m.active if stored else self.m.effective(now)
        if root is None:
            return
        model = self.m.copy()
        outcomes, error = [], None
        for person in people:
            outcome = self.claim_outcome(model, now, person, root)
            if outcome[0] is not None:
                error = outcome[0]
                if error[0] == "InvalidProof":
                    error = (error[0], dict(account=self.h.people[person].address))
                break
            outcomes.append(outcome)
        batch = [self.claim_args(root, p) for p in people]
        tx = self.expect(error, lambda: self.h.distributor.claimMany(batch, sender=self.h.outsider))
        if error is None:
            self.m = model
            self.after_claims(outcomes, people, tx)
        elif error[0] == "DailyCapReached":
            self.note("daily cap reached")

    @rule(person=st.integers(0, PEOPLE - 1))
    @step
    def claim_previous(self, person):
        """A wallet holding yesterday's file: a proof for the root the views call previous."""
        now = self.settle()
        root = self.m.previous_view(now)
        if root is None:
            return
        model = self.m.copy()
        outcome = self.claim_outcome(model, now, person, root)
        error = outcome[0]
        if error and error[0] == "InvalidProof":
            error = (error[0], dict(account=self.h.people[person].address))
        tx = self.expect(error, lambda: self.h.distributor.claim(*self.claim_args(root, person), sender=self.h.outsider))
        if error is None:
            self.m = model
            self.after_claims([outcome], [person], tx)

    @rule(data=st.data(), which=st.sampled_from(["active", "previous", "pending", "forged"]))
    @step
    def sweep(self, data, which):
        """The operator's sweep: one multiproof for some accounts of the root the views call
        active (or previous, or of the pending root; or with a forged amount)."""
        now = self.settle()
        root = {"active": self.m.effective(now), "previous": self.m.previous_view(now), "pending": self.m.pending,
                "forged": self.m.effective(now)}[which]
        if root is None:
            return
        people = data.draw(st.lists(st.integers(0, PEOPLE - 1), min_size=1, max_size=PEOPLE, unique=True))
        proof = root.tree.get_multi_proof(people)
        order = [root.tree.values.index(v) for v in proof.values]  # the multiproof's leaf order
        leaves = [(a, int(v), int(lv)) for a, v, lv in proof.values]
        model = self.m.copy()
        if which == "forged":
            leaves[0] = (leaves[0][0], leaves[0][1] + 1, leaves[0][2])
            error, owed, activated, from_previous = model.sweep(now, order, replace(root, root=HexBytes(keccak(b"no such root"))))
        else:
            error, owed, activated, from_previous = model.sweep(now, order, root)
        tx = self.expect(error, lambda: self.h.distributor.sweep(leaves, proof.proof, proof.proof_flag_bits, sender=self.h.outsider))
        if error is None:
            self.m = model
            self.note("swept")
            outcomes = [(None, pay, activated and i == 0, from_previous) for i, pay in enumerate(owed)]
            self.after_claims(outcomes, order, tx)
        elif error[0] == "DailyCapReached":
            self.note("daily cap reached")

    @rule(
        person=st.integers(0, PEOPLE - 1),
        kind=st.sampled_from(["more than the leaf", "pending root", "foreign proof"]),
    )
    @step
    def claim_wrongly(self, person, kind):
        """A claim whose proof leads nowhere useful: it must revert (or, for a due pending root, pay)."""
        now = self.settle()
        root = self.m.pending if kind == "pending root" else self.m.effective(now)
        if root is None:
            return
        model = self.m.copy()
        account = self.h.people[person]
        if kind == "more than the leaf":
            args = self.claim_args(root, person, amount=root.leaves[person] + 1)
            outcome = model.claim(now, person, HexBytes(keccak(b"no such root")), 0, 0)
        elif kind == "foreign proof":
            other = (person + 1) % PEOPLE
            args = (account.address, root.leaves[person], root.levels[person], root.tree.get_proof(other))
            outcome = model.claim(now, person, HexBytes(keccak(b"no such root")), 0, 0)
        else:
            args = self.claim_args(root, person)
            outcome = self.claim_outcome(model, now, person, root)
        error = outcome[0]
        if error and error[0] == "InvalidProof":
            error = (error[0], dict(account=account.address))
        tx = self.expect(error, lambda: self.h.distributor.claim(*args, sender=account))
        if error is None:
            self.m = model
            self.after_claims([outcome], [person], tx)

    # -------------------------------------------------------------------------- invariants

    @invariant()
    def matches_the_chain(self):
        if self.h is None:  # before `start`
            return
        now = self.settle()
        m, d, token = self.m, self.h.distributor, self.h.token
        read = self.h.read
        effective = m.effective(now)
        expected_active = (effective.root, effective.epoch, effective.total) if effective else (ZERO32, 0, 0)
        active = read(d, "activeRoot")
        assert active == expected_active
        pending = m.pending if m.pending is not None and not m.due(now) else None
        expected_pending = (
            (pending.root, pending.epoch, pending.total, pending.activates_at) if pending else (ZERO32, 0, 0, 0)
        )
        assert read(d, "pendingRoot") == expected_pending
        due = m.pending if m.due(now) else None
        assert read(d, "dueRoot") == ((due.epoch, due.total - m.active_total) if due else (0, 0))
        assert read(d, "mintWindow") == m.ledger
        previous = m.previous_view(now)
        assert read(d, "previousRoot") == (
            (HexBytes((int.from_bytes(previous.root, "big") >> 32 << 32).to_bytes(32, "big")), previous.epoch)
            if previous else (ZERO32, 0)
        )
        # The level views, for every account: a record counts only if it comes from the root the
        # views call active, and nothing counts while claims are paused; a leaf is active only in
        # that root (the pending root's leaf too, when it is not yet that root).
        for i, account in enumerate(self.h.people):
            assert read(d, "currentLevelOf", account.address) == (m.levels[i], m.current(now, i))
            for root in {effective, m.pending} - {None}:
                _, amount, level, proof = self.claim_args(root, i)
                expected = not m.paused and effective is not None and root.root == effective.root
                assert read(d, "isActiveLeaf", account.address, amount, level, [HexBytes(p) for p in proof]) == (expected,)
        # Money: the distributor is the only minter, so the supply is what activations minted.
        assert read(token, "totalSupply") == (m.active_total,) and m.active_total <= m.token_cap
        assert read(token, "balanceOf", d.address) == (m.distributor_balance,) and m.distributor_balance >= 0
        # The model's own promises: no 24 hours mint more than the cap.
        assert m.ledger[1] <= DAILY_CAP
        for t, _ in m.mints:
            assert sum(a for u, a in m.mints if t - DAY < u <= t) <= DAILY_CAP
        leaves = m.active.leaves if m.active else (0,) * PEOPLE
        assert all(c <= leaf for c, leaf in zip(m.claimed, leaves))
        assert (active[1], bytes(active[0]), active[2]) not in m.revoked
        if m.revoked:  # the chain's own revocation record agrees
            assert not d.isRevoked(active[1], active[0], active[2])
        self.clean = True

    # -------------------------------------------------------------------------- the end

    def not_wedged(self):
        """From wherever the example stopped: a day later, a root adding the most that may be
        minted publishes (activating any pending root), activates a day after, and everyone can
        claim all of it."""
        h = self.h
        if self.m.paused:
            h.distributor.unpause(sender=h.deployer)
            self.m.paused = False
        self.wait_until(h.head() + DAY)
        now = self.settle()
        assert self.m.pending is None or self.m.due(now)
        leaves, total, _ = self.base()
        room = self.room()
        increments = [room // PEOPLE] * PEOPLE
        increments[0] += room - sum(increments)
        leaves = tuple(a + b for a, b in zip(leaves, increments))
        tree = _tree(h.people, leaves, (1,) * PEOPLE)
        root = Root(now // DAY, HexBytes(tree.root), total + room, leaves, (1,) * PEOPLE, tree)
        assert self.publish(root, [0, 1], label="final"), "no root publishes: the distributor is wedged"
        self.wait_until(h.head() + DAY)
        now = self.settle()
        model = self.m.copy()
        assert model.activate(now) is None
        model.stamp(h.distributor.activatePendingRoot(sender=h.outsider).timestamp)
        self.m = model
        assert h.token.totalSupply() == model.active_total
        people = [i for i in range(PEOPLE) if model.claimed[i] < leaves[i]]
        if people and sum(leaves) == root.total:  # no underfunded root left a gap
            h.distributor.claimMany([self.claim_args(root, i) for i in people], sender=h.outsider)
            for i in people:
                model.claimed[i] = leaves[i]
                model.levels[i] = 1
            assert h.token.balanceOf(h.distributor) == 0
        assert [h.distributor.claimed(p) for p in h.people] == model.claimed

    def teardown(self):
        try:
            # Only after a step that completed (a failing one already reports its error).
            if self.h is not None and self.clean:
                self.final = True
                self.not_wedged()
                STATS["runs"] += 1
                STATS.update(self.labels)
        finally:
            self.harnesses[0].chain.restore(self.snapshot)


def _machine(harnesses):
    return type("Distributor", (DistributorMachine,), {"harnesses": harnesses})


def _summary() -> str:
    runs = STATS["runs"]
    shares = sorted((label, count / runs) for label, count in STATS.items() if label != "runs")
    return f"{runs} runs: " + ", ".join(f"{label} {share:.0%}" for label, share in shares)


#: Draws from the example's data (the scripts' rules that take `data`).
DATA = object()

#: Scripted examples the statistics test always runs, each a list of (rule, arguments) ending in
#: the usual final check: paths a few random examples may miss, which a mutant must not survive.
FIXED_EXAMPLES = {
    # A compromised root revoked, then its transaction sent again (RootWasRevoked), then life goes on.
    "revoked root sent again": [
        ("start", dict(setup=1, offset=5_000)),
        ("compromised_quorum_is_revoked", dict(data=DATA)),
        ("resubmit_revoked", dict(data=DATA)),
        ("resubmit_revoked", dict(data=DATA)),
        ("wait_days", dict(days=1, seconds=0)),
        ("publish_today", dict(data=DATA, signers=[0, 1])),
        ("wait_for_challenge", dict(offset=1)),
        ("claim_for_everyone", dict()),
    ],
    # Yesterday's proofs after today's root activated: a claim, a sweep, then today's root.
    "previous root": [
        ("start", dict(setup=1, offset=30_000)),
        # A day past the seasoned setup's last mint, whatever the wall clock's hour: otherwise the
        # rolling cap may still count that mint and block today's root from activating.
        ("wait_days", dict(days=1, seconds=0)),
        ("claim_own", dict(person=2)),
        ("publish_today", dict(data=DATA, signers=[0, 1])),
        ("wait_for_challenge", dict(offset=1)),
        ("someone_activates", dict()),
        ("claim_previous", dict(person=0)),
        ("sweep", dict(data=DATA, which="previous")),
        ("sweep", dict(data=DATA, which="active")),
        ("claim_previous", dict(person=2)),
        ("claim_own", dict(person=1)),
    ],
    # A full cap minted in the evening; the next root is due after midnight but the rolling cap
    # blocks it: the views keep the old root, a claim from it pays, one from the due root
    # reverts; a day later it activates. Then a pause: no level counts.
    "due root blocked by the cap": [
        ("start", dict(setup=0, offset=40_000)),
        ("publish_today", dict(data=DATA, signers=[0, 1])),
        ("wait_for_challenge", dict(offset=1)),
        ("someone_activates", dict()),
        ("claim_own", dict(person=3)),
        ("wait_past_midnight", dict(offset=60)),
        ("publish_today", dict(data=DATA, signers=[1, 2])),
        ("wait_for_challenge", dict(offset=1)),
        ("claim_own", dict(person=3)),
        ("claim_wrongly", dict(person=3, kind="pending root")),
        ("sweep", dict(data=DATA, which="pending")),
        ("wait_days", dict(days=1, seconds=0)),
        ("claim_own", dict(person=3)),
        ("pause_or_unpause", dict(unpause=False)),
        ("claim_previous", dict(person=3)),
    ],
}


def _run_fixed(harnesses, script):
    """Run one scripted example through the machine: every step, then the invariants, then the
    final check (Hypothesis draws the scripts' `data`, derandomized: the same every time)."""

    @settings(max_examples=1, derandomize=True, database=None, deadline=None)
    @given(data=st.data())
    def run(data):
        machine = _machine(harnesses)()
        try:
            for name, arguments in script:
                getattr(machine, name)(**{k: data if v is DATA else v for k, v in arguments.items()})
                machine.matches_the_chain()
        finally:
            machine.teardown()

    run()


def test_machine__random_days_keep_every_invariant(harnesses):
    STATS.clear()
    # New draws every run, half as many as the statistics test's derandomized ones (the embedded
    # profile's 25 cost four minutes of a suite that must stay under twenty); a node runs fewer.
    on_node = harnesses[0].chain.provider.name != "test"
    examples = min(NODE_EXAMPLES if on_node else RANDOM_EXAMPLES, settings().max_examples)
    run_state_machine_as_test(_machine(harnesses), settings=settings(max_examples=examples, stateful_step_count=STEPS))
    print(_summary())  # with -s: what this run explored
    # What it explored: most examples ran to the final check, and published and paid.
    assert STATS["runs"] >= examples // 2
    assert STATS["published"] + STATS["published (today)"] + STATS["published (backlog)"] >= 1
    assert STATS["paid"] >= 1


def test_machine__most_runs_pay_revoke_and_cross_a_day(harnesses):
    """The machine explores what it should: over a fixed, derandomized set of examples, most pay
    someone, and many revoke a root and cross a UTC day; some hit the daily cap. Derandomized,
    they are the same examples on every chain (checked on Anvil and Ganache), so the node runs,
    where a transaction costs more, skip it."""
    if harnesses[0].chain.provider.name != "test":
        pytest.skip("the exploration statistics do not depend on the chain: embedded only")
    STATS.clear()
    for script in FIXED_EXAMPLES.values():
        _run_fixed(harnesses, script)
    assert STATS["runs"] == len(FIXED_EXAMPLES)  # each ran to its final check
    for label in (
        "revoked root resubmitted",
        "reverted: RootWasRevoked",
        "claimed from the previous root",
        "paid from the previous root",
        "swept",
        "due root blocked by the cap",
        "reverted: DailyCapReached",
    ):
        assert STATS[label] >= 1, label
    run_state_machine_as_test(
        _machine(harnesses),
        settings=settings(
            max_examples=STATS_EXAMPLES, stateful_step_count=STEPS, derandomize=True, database=None
        ),
    )
    runs = STATS["runs"]
    share = {label: STATS[label] / runs for label in STATS if label != "runs"}
    print(_summary())
    assert runs >= STATS_EXAMPLES // 2 + len(FIXED_EXAMPLES)
    assert share.get("paid", 0) > 0.5
    assert share.get("revoked", 0) >= 0.2
    assert share.get("crossed a UTC day", 0) >= 0.4
    assert STATS["daily cap reached"] >= 1
