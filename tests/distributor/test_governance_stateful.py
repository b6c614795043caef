"""The distributor's delayed governance as a state machine: random schedules, vetoes, applications
and waits by the admin (who is also the attacker: it wants to be the quorum), the guardians and
anyone, checked step by step against a Python model.

Rules: the admin schedules an oracle set (its own key alone, the attack; or an honest rotation),
a daily cap (lower, higher, the maximum, above it) or a guardian's removal; a guardian vetoes
(the scheduled set, a removal, its own included), or someone who is no guardian tries to; anyone
applies a set (the announced one or another), a cap raise or a removal; time passes (less than,
about and more than the delay); a root signed by the honest quorum or by the admin alone is
offered (`eth_call`: accepted or not, nothing changes). Every call the model says must revert is
checked for its exact custom error.

Invariants after every step: no governance change before its delay (the chain's oracle set,
threshold, daily cap, guardians and everything scheduled equal the model's, which applies a
change only once it is due); a veto works (a vetoed change never applies); no root without the
quorum (a root is accepted exactly when its signers are a quorum of the applied set); the daily
cap never exceeds the immutable maximum. Interesting paths are labelled with `hypothesis.event`
and counted in `STATS`, which the statistics test checks.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field

import ape
import pytest
from hexbytes import HexBytes
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from hypothesis.strategies._internal.featureflags import FeatureFlags

from tests.distributor.conftest import NO_DATA
from tests.ganache_compat import is_ganache
from twei.signing import DailyRoot, sign_with_quorum

pytestmark = pytest.mark.chain

DAY = 86_400
MAX_CAP = 1_000
STEPS = 8
#: The random test's examples (at most the profile's): each step is a transaction and ten calls,
#: so a few examples in the embedded stage (the statistics test adds its own fixed ones).
EXAMPLES = 3
STATS_EXAMPLES = 6
ROOT = HexBytes("0x" + "cc" * 32)
STATS: Counter[str] = Counter()


@dataclass
class Model:
    oracles: tuple[str, ...]
    threshold: int
    cap: int
    guardians: set[str]
    pending_set: tuple[tuple[str, ...], int, int] | None = None  # (oracles, threshold, due)
    pending_cap: tuple[int, int] | None = None  # (cap, due)
    removals: dict[str, int] = field(default_factory=dict)  # guardian -> due


@dataclass
class Harness:
    chain: object
    token: object
    distributor: object
    admin: object
    guardians: list
    outsider: object
    oracles: list  # eth-account keys of the honest set

    def head(self) -> int:
        return self.chain.blocks.head.timestamp

    def mine(self, seconds: int) -> int:
        self.chain.mine(timestamp=max(self.chain.pending_timestamp, self.head() + 1) + seconds)
        return self.head()


@pytest.fixture(scope="module")
def harness(create_token, create_distributor, oracles, chain, deployer, guardian, alice, outsider):
    token = create_token()
    d = create_distributor(token, oracles, threshold=2, daily_cap=MAX_CAP)
    token.sealMinters(d, sender=deployer)
    d.grantRole(d.GUARDIAN_ROLE(), alice, sender=deployer)  # a second guardian
    assert d.maxDailyCap() == MAX_CAP
    return Harness(chain, token, d, deployer, [guardian, alice], outsider, list(oracles))


def step(function):
    @functools.wraps(function)
    def run(self, **kwargs):
        self.clean = False
        function(self, **kwargs)

    return run


class GovernanceMachine(RuleBasedStateMachine):
    h: Harness | None = None

    def __init__(self):
        super().__init__()
        # Every rule on in every example (no swarm testing), as in test_stateful.py.
        assert hasattr(self._rules_strategy, "enabled_rules_strategy"), "Hypothesis changed"
        self._rules_strategy.enabled_rules_strategy = st.just(FeatureFlags())
        h = self.h
        self.snapshot = h.chain.snapshot()
        self.m = Model(
            oracles=tuple(o.address for o in h.oracles),
            threshold=2,
            cap=MAX_CAP,
            guardians={g.address for g in h.guardians},
        )
        self.labels: set[str] = set()
        self.clean = True
        self.role = h.distributor.GUARDIAN_ROLE()

    def note(self, label: str):
        event(label)
        self.labels.add(label)

    def expect(self, error, send, **args):
        """`send()` must succeed if `error` is None, else revert with that custom error."""
        if error is None:
            return send()
        with ape.reverts(getattr(self.h.distributor, error), **args):
            send()
        self.note(f"reverted: {error}")
        return None

    def due(self, at: int | None) -> str | None:
        """The error of applying a change scheduled for `at` (None: none) at the next block."""
        if at is None:
            return "NoScheduledChange"
        # The next block is at least a second after the head: a change due then applies.
        return "ChangeNotDue" if self.h.head() + 1 < at else None

    @initialize(attack=st.booleans(), stage_one=st.booleans())
    def start(self, attack, stage_one):
        """Every example starts mid-attack (or mid-rotation): the admin has scheduled an oracle set
        and perhaps the first guardian's removal (stage 1), so that short examples reach the
        delay's end, the vetoes and the applications."""
        h, d = self.h, self.h.distributor
        chosen = ((h.admin.address,), 1) if attack else ((h.oracles[1].address, h.oracles[2].address), 2)
        tx = d.setOracles(list(chosen[0]), chosen[1], sender=h.admin)
        self.m.pending_set = (chosen[0], chosen[1], tx.timestamp + DAY)
        self.note("scheduled the attacker as quorum" if attack else "scheduled a rotation")
        if stage_one:
            tx = d.scheduleGuardianRemoval(h.guardians[0], sender=h.admin)
            self.m.removals[h.guardians[0].address] = tx.timestamp + DAY
            self.note("the admin removes a guardian")

    # Five rules, each drawing what it does: with few rules, a short example often schedules,
    # waits out the delay and applies (or vetoes) in a handful of steps.

    @rule(kind=st.sampled_from(
        ["attacker set", "rotation", "cap", "cap", "removal", "removal", "revoke at once"]
    ), value=st.sampled_from([1, MAX_CAP // 2, MAX_CAP, 2**96 - 1]), whom=st.integers(0, 2),
        by=st.sampled_from(["admin", "admin", "itself", "outsider"]))
    @step
    def schedule(self, kind, value, whom, by):
        """The admin (the attacker) schedules an oracle set, a daily cap or a guardian's removal;
        or tries the audit's instant `revokeRole`."""
        h, d = self.h, self.h.distributor
        if kind in ("attacker set", "rotation"):
            attack = kind == "attacker set"
            chosen = ((h.admin.address,), 1) if attack else ((h.oracles[1].address, h.oracles[2].address), 2)
            tx = d.setOracles(list(chosen[0]), chosen[1], sender=h.admin)
            self.m.pending_set = (chosen[0], chosen[1], tx.timestamp + DAY)
            self.note("scheduled the attacker as quorum" if attack else "scheduled a rotation")
        elif kind == "cap":
            if value > MAX_CAP:
                self.expect("DailyCapAboveMaximum", lambda: d.setDailyCap(value, sender=h.admin), dailyCap=value)
                return
            tx = d.setDailyCap(value, sender=h.admin)
            if value <= self.m.cap:
                self.m.cap, self.m.pending_cap = value, None
                self.note("lowered the cap")
            else:
                self.m.pending_cap = (value, tx.timestamp + DAY)
                self.note("scheduled a raise")
        elif kind == "removal":
            who = ([*h.guardians, h.outsider])[whom]
            sender = {"admin": h.admin, "itself": who, "outsider": h.outsider}[by]
            if sender.address not in (h.admin.address, who.address):
                self.expect("AccessControlUnauthorizedAccount",
                            lambda: d.scheduleGuardianRemoval(who, sender=sender), account=sender)
            elif who.address not in self.m.guardians:
                self.expect("NotGuardian", lambda: d.scheduleGuardianRemoval(who, sender=sender), account=who)
            else:
                tx = d.scheduleGuardianRemoval(who, sender=sender)
                self.m.removals[who.address] = tx.timestamp + DAY
                self.note("the admin removes a guardian" if sender.address == h.admin.address
                          else "a guardian renounces")
        else:
            self.expect("GuardianRemovalIsDelayed",
                        lambda: d.revokeRole(self.role, h.guardians[whom % 2], sender=h.admin))

    @rule(kind=st.sampled_from(["oracles", "removal"]), voter=st.integers(0, 2), whom=st.integers(0, 1))
    @step
    def veto(self, kind, voter, whom):
        """A guardian (or the admin, who may not) vetoes the scheduled set or a removal."""
        h, d = self.h, self.h.distributor
        sender = ([*h.guardians, h.admin])[voter]
        who = h.guardians[whom]
        send = (lambda: d.vetoOracles(sender=sender)) if kind == "oracles" else (
            lambda: d.vetoGuardianRemoval(who, sender=sender))
        if sender.address not in self.m.guardians:
            self.expect("AccessControlUnauthorizedAccount", send, account=sender)
            return
        pending = self.m.pending_set if kind == "oracles" else self.m.removals.get(who.address)
        self.expect(None if pending else "NoScheduledChange", send)
        if not pending:
            return
        if kind == "oracles":
            self.note("vetoed the attacker" if pending[0] == (h.admin.address,) else "vetoed a set")
            self.m.pending_set = None
        else:
            del self.m.removals[who.address]
            self.note("a guardian vetoed its own removal" if sender.address == who.address else "vetoed a removal")

    @rule(kind=st.sampled_from(["oracles", "oracles", "other set", "cap", "removal"]), whom=st.integers(0, 1))
    @step
    def apply(self, kind, whom):
        """Anyone applies the scheduled set (or another one), the cap raise or a removal."""
        h, d = self.h, self.h.distributor
        if kind in ("oracles", "other set"):
            pending = self.m.pending_set
            chosen = (pending[0], pending[1]) if pending and kind == "oracles" else ((h.outsider.address,), 1)
            error = self.due(pending[2] if pending else None)
            if error is None and chosen != (pending[0], pending[1]):
                error = "NoScheduledChange"
            self.expect(error, lambda: d.applyOracles(list(chosen[0]), chosen[1], sender=h.outsider))
            if error is None:
                self.m.oracles, self.m.threshold = chosen
                self.m.pending_set = None
                self.note("applied the attacker as quorum" if chosen[0] == (h.admin.address,) else "applied a set")
        elif kind == "cap":
            pending = self.m.pending_cap
            error = self.due(pending[1] if pending else None)
            self.expect(error, lambda: d.applyDailyCap(sender=h.outsider))
            if error is None:
                self.m.cap, self.m.pending_cap = pending[0], None
                self.note("raised the cap")
        else:
            who = h.guardians[whom]
            error = self.due(self.m.removals.get(who.address))
            self.expect(error, lambda: d.removeGuardian(who, sender=h.outsider))
            if error is None:
                del self.m.removals[who.address]
                self.m.guardians.discard(who.address)
                self.note("removed a guardian")

    # Coarse waits: no step lands within seconds of a change's instant, where the model and the
    # next block's timestamp could disagree by a second.
    @rule(seconds=st.sampled_from([DAY // 2 + 600, DAY + 3_600]))
    @step
    def wait(self, seconds):
        self.h.mine(seconds)
        self.note("waited")

    @rule(attacker=st.booleans())
    @step
    def offer_root(self, attacker):
        """A root signed by the admin alone, or by the first two honest oracles (eth_call only)."""
        h, d = self.h, self.h.distributor
        keys = [h.admin.private_key] if attacker else [o.key for o in h.oracles[:2]]
        signers = [h.admin.address] if attacker else [o.address for o in h.oracles[:2]]
        epoch = (h.head() + 1) // DAY
        message = DailyRoot.make(
            chain_id=h.chain.chain_id, distributor=d.address, epoch=epoch, root=ROOT, total=1, data_hash=NO_DATA
        )
        args = (epoch, ROOT, 1, NO_DATA, sign_with_quorum(keys, message))
        send = functools.partial(d.publishRoot.call, *args, sender=h.outsider)
        # Ganache's eth_call returns no revert data: there a refused root is sent as a transaction
        # (a reverted transaction changes nothing the model follows).
        refused = functools.partial(d.publishRoot, *args, sender=h.outsider) if is_ganache(h.chain.provider) else send
        if len(signers) < self.m.threshold:
            self.expect("InsufficientSignatures", refused)
        elif not set(signers) <= set(self.m.oracles):
            self.expect("SignerNotOracle", refused)
        else:
            send()
            self.note("the attacker is the quorum" if attacker else "the honest quorum signs")

    # ----------------------------------------------------------------------------- invariants

    @invariant()
    def chain_equals_model(self):
        if self.h is None:
            return
        h, d, m = self.h, self.h.distributor, self.m
        assert tuple(d.oracles()) == m.oracles
        assert d.threshold() == m.threshold
        assert d.dailyCap() == m.cap <= MAX_CAP  # maxDailyCap() is immutable: checked once below
        assert (d.pendingOracles()[1] or None) == (m.pending_set[2] if m.pending_set else None)
        assert d.pendingDailyCap() == (m.pending_cap or (0, 0))
        for g in h.guardians:
            assert d.hasRole(self.role, g) == (g.address in m.guardians)
            assert d.guardianRemovalAt(g) == m.removals.get(g.address, 0)
        # A veto works, and the attacker is the quorum only through an unvetoed, due schedule:
        # the model applies nothing else, and the chain equals it.
        self.clean = True

    def teardown(self):
        try:
            if self.clean:
                STATS["runs"] += 1
                STATS.update(self.labels)
        finally:
            self.h.chain.restore(self.snapshot)


def _machine(harness):
    return type("Governance", (GovernanceMachine,), {"h": harness})


def _summary() -> str:
    runs = STATS["runs"]
    return f"{runs} runs: " + ", ".join(
        f"{label} {count / runs:.0%}" for label, count in sorted(STATS.items()) if label != "runs"
    )


def test_governance_machine__no_change_before_its_delay_and_vetoes_hold(harness):
    STATS.clear()
    profile = settings()
    run_state_machine_as_test(
        _machine(harness),
        settings=settings(max_examples=min(EXAMPLES, profile.max_examples), stateful_step_count=STEPS),
    )
    print(_summary())
    # What this run explored, not only that nothing failed: every example began mid-attack or
    # mid-rotation, and went on from there.
    runs = STATS["runs"]
    assert runs >= 1
    assert STATS["scheduled the attacker as quorum"] + STATS["scheduled a rotation"] >= runs


def test_governance_machine__explores_vetoes_waits_and_the_attack(harness):
    """Over a fixed, derandomized set of examples the machine vetoes the attacker, waits out a
    delay, applies a set and removes or keeps a guardian: the paths the invariants must hold on."""
    if harness.chain.provider.name != "test":
        pytest.skip("the exploration statistics do not depend on the chain: embedded only")
    STATS.clear()
    run_state_machine_as_test(
        _machine(harness),
        settings=settings(max_examples=STATS_EXAMPLES, stateful_step_count=STEPS, derandomize=True, database=None),
    )
    runs = STATS["runs"]
    print(_summary())
    assert runs >= STATS_EXAMPLES // 2
    share = {label: STATS[label] / runs for label in STATS if label != "runs"}
    assert share.get("scheduled the attacker as quorum", 0) >= 0.3
    assert share.get("waited", 0) >= 0.5
    assert STATS["vetoed the attacker"] >= 1
    assert STATS["applied a set"] + STATS["applied the attacker as quorum"] + STATS["raised the cap"] >= 1
    assert STATS["a guardian vetoed its own removal"] >= 1
    assert STATS["reverted: GuardianRemovalIsDelayed"] >= 1
