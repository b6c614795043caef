"""Random sequences of roots, claims, revocations and pauses against a model of the distributor.

Invariants checked after every step: no account is ever paid more than its cumulative amount in the
active root; the sum paid never exceeds the active total; a root without quorum, with a repeated
signer, signed for another chain or contract, or out of epoch order is rejected; a pending root
that is not revoked always becomes active once its period has passed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ape
import pytest
from hexbytes import HexBytes
from hypothesis import given
from hypothesis import strategies as st

from tests.distributor.conftest import NO_DATA, claim_args, make_tree, tree_total
from tests.helpers import CHALLENGE_PERIOD
from tests.helpers import ONE

pytestmark = pytest.mark.chain

PEOPLE = 3
SIGNATURE_KINDS = ["quorum", "quorum", "quorum", "one signer", "repeated", "other chain", "other contract", "old epoch"]

publish = st.tuples(
    st.just("publish"),
    st.lists(st.integers(0, 5 * ONE), min_size=PEOPLE, max_size=PEOPLE),
    st.lists(st.integers(0, 30), min_size=PEOPLE, max_size=PEOPLE),
    st.sampled_from(SIGNATURE_KINDS),
)
claim = st.tuples(st.just("claim"), st.integers(0, PEOPLE - 1), st.sampled_from(["active", "latest"]))
actions = st.lists(
    st.one_of(
        publish,
        claim,
        claim,
        st.tuples(st.just("wait"), st.sampled_from([0, CHALLENGE_PERIOD + 10])),
        st.tuples(st.just("revoke")),
        st.tuples(st.just("pause")),
        st.tuples(st.just("unpause")),
        st.tuples(st.just("claimMany")),
    ),
    min_size=1,
    max_size=10,
)


@dataclass
class Root:
    tree: object
    epoch: int
    total: int
    due: bool = False


@dataclass
class Model:
    active: Root | None = None
    pending: Root | None = None
    paused: bool = False
    paid: list[int] = field(default_factory=lambda: [0] * PEOPLE)

    def effective(self) -> Root | None:
        return self.pending if self.pending and self.pending.due else self.active

    def latest(self) -> Root | None:
        return self.pending or self.active


@given(actions=actions)
def test_distributor__random_days_keep_invariants(
    create_token,
    create_distributor,
    oracles,
    sign_root,
    pass_challenge,
    alice,
    bob,
    carol,
    guardian,
    deployer,
    outsider,
    chain,
    actions,
):
    people = [alice, bob, carol]
    # A fresh pair per example rather than chain.isolate(): time only moves forward, which the
    # challenge periods need (py-evm refuses to time-travel from a reverted snapshot's head).
    token = create_token()
    distributor = create_distributor(token, oracles)
    model = Model()
    epoch = 0
    for action in actions:
        kind = action[0]
        if kind == "publish":
            _, increments, levels, signing = action
            base = model.latest()
            previous = [int(v[1]) for v in base.tree.values] if base else [0] * PEOPLE
            tree = make_tree(
                [(p, previous[i] + increments[i], levels[i]) for i, p in enumerate(people)]
            )
            total = tree_total(tree)
            effective = model.effective()
            next_epoch = epoch + 1 if signing != "old epoch" else (effective.epoch if effective else 0)
            signers = {"one signer": oracles[:1], "repeated": [oracles[0], oracles[0]]}.get(
                signing, oracles[:2]
            )
            signatures = sign_root(
                distributor,
                next_epoch,
                tree.root,
                total,
                signers,
                chain_id=chain.chain_id + 1 if signing == "other chain" else None,
                verifying=token.address if signing == "other contract" else None,
            )

            def send():
                return distributor.publishRoot(
                    next_epoch, tree.root, total, NO_DATA, signatures, sender=outsider
                )

            if model.pending and not model.pending.due:
                with ape.reverts(distributor.PendingRootNotDue):
                    send()
                continue
            expected = {
                "one signer": distributor.InsufficientSignatures,
                "repeated": distributor.DuplicateSigner,
                "other chain": distributor.SignerNotOracle,
                "other contract": distributor.SignerNotOracle,
                "old epoch": distributor.EpochNotIncreasing,
            }.get(signing)
            if expected is not None:
                with ape.reverts(expected):
                    send()
                continue
            send()
            epoch = next_epoch
            model.active = effective
            model.pending = Root(tree, epoch, total)
        elif kind == "wait":
            if action[1]:
                pass_challenge(action[1])
                if model.pending:
                    model.pending.due = True
        elif kind == "revoke":
            if model.pending and not model.pending.due:
                distributor.revokePendingRoot(sender=guardian)
                model.pending = None
                epoch = model.active.epoch if model.active else 0
            else:
                with ape.reverts(distributor.NoPendingRoot):
                    distributor.revokePendingRoot(sender=guardian)
        elif kind == "pause":
            if model.paused:
                with ape.reverts(distributor.ClaimsArePaused):
                    distributor.pause(sender=guardian)
            else:
                distributor.pause(sender=guardian)
                model.paused = True
        elif kind == "unpause":
            if model.paused:
                distributor.unpause(sender=deployer)
                model.paused = False
            else:
                with ape.reverts(distributor.ClaimsNotPaused):
                    distributor.unpause(sender=deployer)
        elif kind in ("claim", "claimMany"):
            which = action[2] if kind == "claim" else "active"
            chosen = model.effective() if which == "active" else model.latest()
            if chosen is None:
                continue
            indexes = [action[1]] if kind == "claim" else list(range(PEOPLE))
            args = [claim_args(chosen.tree, i) for i in indexes]
            effective = model.effective()

            def send():
                if kind == "claim":
                    return distributor.claim(*args[0], sender=outsider)
                return distributor.claimMany(args, sender=outsider)

            if model.paused:
                with ape.reverts(distributor.ClaimsArePaused):
                    send()
            elif effective is None or chosen.tree.root != effective.tree.root:
                with ape.reverts(distributor.InvalidProof):
                    send()
            else:
                send()
                for i in indexes:
                    cumulative = int(chosen.tree.values[i][1])
                    model.paid[i] = max(model.paid[i], cumulative)
                if model.pending and model.pending.due:
                    model.active, model.pending = model.pending, None
        # Invariants.
        effective = model.effective()
        cumulative = [int(v[1]) for v in effective.tree.values] if effective else [0] * PEOPLE
        balances = [token.balanceOf(p) for p in people]
        assert balances == model.paid
        assert [distributor.claimed(p) for p in people] == model.paid
        assert all(paid <= cum for paid, cum in zip(balances, cumulative))
        active_total = effective.total if effective else 0
        assert sum(balances) <= active_total
        assert sum(balances) + token.balanceOf(distributor) <= active_total
        assert distributor.activeRoot()[0] == (
            HexBytes(effective.tree.root) if effective else HexBytes(b"\0" * 32)
        )
        assert distributor.paused() == model.paused
