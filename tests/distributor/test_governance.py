"""Delayed governance of the distributor (IDistributorGovernance): an oracle set, a higher daily
cap and a guardian's removal each wait `GOVERNANCE_DELAY` in public; a guardian vetoes oracle sets
and removals (its own included); the daily cap never exceeds the one given at construction.
Every revert path of these functions is hit here."""

import ape
import pytest
from eth_abi import encode
from eth_utils import keccak
from hexbytes import HexBytes

from tests.helpers import DAILY_CAP

pytestmark = pytest.mark.chain

DAY = 86_400
ZERO32 = HexBytes(b"\0" * 32)
ADMIN = HexBytes(b"\0" * 32)
ROOT_A = HexBytes("0x" + "aa" * 32)


@pytest.fixture
def later(chain):
    """Mine a block at `timestamp` (from the head: after a revert the pending time may lag)."""

    def mine(timestamp):
        chain.mine(timestamp=max(timestamp, chain.blocks.head.timestamp + 1))

    return mine


def set_hash(addresses, threshold):
    return HexBytes(keccak(encode(["address[]", "uint8"], [addresses, threshold])))


# ------------------------------------------------------------------------------- the daily cap


def test_max_daily_cap__is_the_cap_given_at_construction(distributor):
    assert distributor.maxDailyCap() == DAILY_CAP == distributor.dailyCap()


def test_daily_cap__above_the_maximum_reverts(distributor, deployer):
    """The audit's `setDailyCap(2**96 - 1)`: refused, and nothing is scheduled."""
    with ape.reverts(distributor.DailyCapAboveMaximum, dailyCap=2**96 - 1, maximum=DAILY_CAP):
        distributor.setDailyCap(2**96 - 1, sender=deployer)
    assert distributor.pendingDailyCap() == (0, 0)


def test_daily_cap__a_raise_waits_the_delay_then_anyone_applies_it(distributor, deployer, outsider, later):
    distributor.setDailyCap(100, sender=deployer)  # lowering: at once
    assert distributor.dailyCap() == 100
    tx = distributor.setDailyCap(DAILY_CAP, sender=deployer)
    due = tx.timestamp + DAY
    assert tx.events == [distributor.DailyCapRaiseScheduled(DAILY_CAP, due)]
    assert distributor.pendingDailyCap() == (DAILY_CAP, due)
    assert distributor.dailyCap() == 100
    later(due - 100)
    with ape.reverts(distributor.ChangeNotDue, effectiveAt=due):
        distributor.applyDailyCap(sender=outsider)
    later(due)
    tx = distributor.applyDailyCap(sender=outsider)
    assert tx.events == [distributor.DailyCapSet(DAILY_CAP)]
    assert distributor.dailyCap() == DAILY_CAP
    assert distributor.pendingDailyCap() == (0, 0)
    with ape.reverts(distributor.NoScheduledChange):
        distributor.applyDailyCap(sender=outsider)


def test_daily_cap__lowering_drops_a_scheduled_raise(distributor, deployer, outsider, later):
    distributor.setDailyCap(100, sender=deployer)
    tx = distributor.setDailyCap(500, sender=deployer)
    distributor.setDailyCap(50, sender=deployer)
    assert distributor.dailyCap() == 50
    assert distributor.pendingDailyCap() == (0, 0)
    later(tx.timestamp + DAY)
    with ape.reverts(distributor.NoScheduledChange):
        distributor.applyDailyCap(sender=outsider)
    assert distributor.dailyCap() == 50


# ------------------------------------------------------------------------------- the oracle set


def test_oracles__a_new_set_is_announced_and_waits_the_delay(distributor, oracles, deployer, outsider, later):
    fresh = [oracles[1].address, oracles[2].address]
    tx = distributor.setOracles(fresh, 1, sender=deployer)
    due = tx.timestamp + DAY
    assert tx.events == [distributor.OraclesScheduled(fresh, 1, due)]
    assert distributor.pendingOracles() == (set_hash(fresh, 1), due)
    assert distributor.oracles() == [o.address for o in oracles]  # nothing changed yet
    assert distributor.threshold() == 2
    later(due - 100)
    with ape.reverts(distributor.ChangeNotDue, effectiveAt=due):
        distributor.applyOracles(fresh, 1, sender=outsider)
    later(due)
    tx = distributor.applyOracles(fresh, 1, sender=outsider)
    assert tx.events == [distributor.OraclesSet(fresh, 1)]
    assert distributor.oracles() == fresh
    assert distributor.threshold() == 1
    assert distributor.pendingOracles() == (ZERO32, 0)
    with ape.reverts(distributor.NoScheduledChange):
        distributor.applyOracles(fresh, 1, sender=outsider)


def test_oracles__applying_another_set_than_the_announced_one_reverts(
    distributor, oracles, deployer, outsider, later
):
    fresh = [oracles[1].address, oracles[2].address]
    tx = distributor.setOracles(fresh, 2, sender=deployer)
    later(tx.timestamp + DAY)
    for other in (([oracles[0].address, oracles[2].address], 2), (fresh, 1), (list(reversed(fresh)), 2)):
        with ape.reverts(distributor.NoScheduledChange):
            distributor.applyOracles(*other, sender=outsider)
    distributor.applyOracles(fresh, 2, sender=outsider)


def test_oracles__none_scheduled_cannot_be_applied_or_vetoed(distributor, oracles, guardian, outsider):
    addresses = [o.address for o in oracles]
    with ape.reverts(distributor.NoScheduledChange):
        distributor.applyOracles(addresses, 2, sender=outsider)
    with ape.reverts(distributor.NoScheduledChange):
        distributor.vetoOracles(sender=guardian)


def test_oracles__the_guardian_vetoes_a_scheduled_set(distributor, oracles, deployer, guardian, outsider, later):
    tx = distributor.setOracles([deployer.address], 1, sender=deployer)
    veto = distributor.vetoOracles(sender=guardian)
    assert veto.events == [distributor.OraclesVetoed(guardian)]
    assert distributor.pendingOracles() == (ZERO32, 0)
    later(tx.timestamp + DAY)
    with ape.reverts(distributor.NoScheduledChange):
        distributor.applyOracles([deployer.address], 1, sender=outsider)
    assert distributor.oracles() == [o.address for o in oracles]


def test_oracles__a_veto_by_anyone_but_a_guardian_reverts(distributor, deployer, outsider):
    distributor.setOracles([deployer.address], 1, sender=deployer)
    for who in (outsider, deployer):  # the admin cannot veto either (a guardian's power)
        with ape.reverts(
            distributor.AccessControlUnauthorizedAccount, account=who, neededRole=distributor.GUARDIAN_ROLE()
        ):
            distributor.vetoOracles(sender=who)
    assert distributor.pendingOracles()[1] != 0


def test_oracles__rescheduling_replaces_the_set_and_restarts_the_wait(
    distributor, oracles, deployer, outsider, later
):
    first = [oracles[0].address, oracles[1].address]
    second = [oracles[1].address, oracles[2].address]
    tx = distributor.setOracles(first, 2, sender=deployer)
    later(tx.timestamp + DAY - 60)
    again = distributor.setOracles(second, 2, sender=deployer)
    later(tx.timestamp + DAY + 60)
    with ape.reverts(distributor.ChangeNotDue, effectiveAt=again.timestamp + DAY):
        distributor.applyOracles(second, 2, sender=outsider)
    later(again.timestamp + DAY)
    with ape.reverts(distributor.NoScheduledChange):
        distributor.applyOracles(first, 2, sender=outsider)
    distributor.applyOracles(second, 2, sender=outsider)
    assert distributor.oracles() == second


# ------------------------------------------------------------------------------- the guardian


def test_guardian__revoke_and_renounce_are_refused(distributor, deployer, guardian):
    role = distributor.GUARDIAN_ROLE()
    with ape.reverts(distributor.GuardianRemovalIsDelayed):
        distributor.revokeRole(role, guardian, sender=deployer)
    with ape.reverts(distributor.GuardianRemovalIsDelayed):
        distributor.renounceRole(role, guardian, sender=guardian)
    assert distributor.hasRole(role, guardian)


def test_guardian__other_roles_still_revoke_and_renounce_at_once(distributor, deployer, outsider):
    distributor.grantRole(ADMIN, outsider, sender=deployer)
    distributor.revokeRole(ADMIN, outsider, sender=deployer)
    assert not distributor.hasRole(ADMIN, outsider)
    distributor.grantRole(ADMIN, outsider, sender=deployer)
    distributor.renounceRole(ADMIN, outsider, sender=outsider)
    assert not distributor.hasRole(ADMIN, outsider)


def test_guardian__removal_waits_the_delay_then_anyone_carries_it_out(
    distributor, deployer, guardian, outsider, later
):
    role = distributor.GUARDIAN_ROLE()
    tx = distributor.scheduleGuardianRemoval(guardian, sender=deployer)
    due = tx.timestamp + DAY
    assert tx.events == [distributor.GuardianRemovalScheduled(guardian, deployer, due)]
    assert distributor.guardianRemovalAt(guardian) == due
    later(due - 100)
    with ape.reverts(distributor.ChangeNotDue, effectiveAt=due):
        distributor.removeGuardian(guardian, sender=outsider)
    assert distributor.hasRole(role, guardian)
    later(due)
    tx = distributor.removeGuardian(guardian, sender=outsider)
    assert tx.events == [distributor.RoleRevoked(role, guardian, outsider)]
    assert not distributor.hasRole(role, guardian)
    assert distributor.guardianRemovalAt(guardian) == 0
    with ape.reverts(distributor.NoScheduledChange):
        distributor.removeGuardian(guardian, sender=outsider)


def test_guardian__renounces_through_the_same_delay(distributor, guardian, later):
    tx = distributor.scheduleGuardianRemoval(guardian, sender=guardian)
    assert tx.events == [distributor.GuardianRemovalScheduled(guardian, guardian, tx.timestamp + DAY)]
    later(tx.timestamp + DAY)
    distributor.removeGuardian(guardian, sender=guardian)
    assert not distributor.hasRole(distributor.GUARDIAN_ROLE(), guardian)


def test_guardian__vetoes_its_own_removal(distributor, deployer, guardian, outsider, later):
    """The answer to the two-stage attack: an admin cannot remove a guardian who objects."""
    tx = distributor.scheduleGuardianRemoval(guardian, sender=deployer)
    veto = distributor.vetoGuardianRemoval(guardian, sender=guardian)
    assert veto.events == [distributor.GuardianRemovalVetoed(guardian, guardian)]
    later(tx.timestamp + DAY)
    with ape.reverts(distributor.NoScheduledChange):
        distributor.removeGuardian(guardian, sender=outsider)
    assert distributor.hasRole(distributor.GUARDIAN_ROLE(), guardian)


def test_guardian__removal_by_anyone_but_the_admin_or_itself_reverts(distributor, guardian, outsider):
    with ape.reverts(distributor.AccessControlUnauthorizedAccount, account=outsider, neededRole=ADMIN):
        distributor.scheduleGuardianRemoval(guardian, sender=outsider)
    assert distributor.guardianRemovalAt(guardian) == 0


def test_guardian__a_second_guardian_cannot_schedule_the_first_ones_removal(
    distributor, deployer, guardian, alice
):
    distributor.grantRole(distributor.GUARDIAN_ROLE(), alice, sender=deployer)
    with ape.reverts(distributor.AccessControlUnauthorizedAccount, account=alice, neededRole=ADMIN):
        distributor.scheduleGuardianRemoval(guardian, sender=alice)


def test_guardian__removing_an_account_that_is_no_guardian_reverts(distributor, deployer, outsider):
    with ape.reverts(distributor.NotGuardian, account=outsider):
        distributor.scheduleGuardianRemoval(outsider, sender=deployer)


def test_guardian__a_veto_with_nothing_scheduled_or_by_a_non_guardian_reverts(
    distributor, deployer, guardian, outsider
):
    with ape.reverts(distributor.NoScheduledChange):
        distributor.vetoGuardianRemoval(guardian, sender=guardian)
    distributor.scheduleGuardianRemoval(guardian, sender=deployer)
    with ape.reverts(
        distributor.AccessControlUnauthorizedAccount, account=deployer, neededRole=distributor.GUARDIAN_ROLE()
    ):
        distributor.vetoGuardianRemoval(guardian, sender=deployer)
    assert distributor.guardianRemovalAt(guardian) != 0


@pytest.mark.parametrize(
    "call",
    [
        lambda d, s: d.setOracles([s.address], 1, sender=s),
        lambda d, s: d.setDailyCap(1, sender=s),
    ],
    ids=["setOracles", "setDailyCap"],
)
def test_schedulers__need_the_admin(distributor, outsider, call):
    with ape.reverts(distributor.AccessControlUnauthorizedAccount, account=outsider, neededRole=ADMIN):
        call(distributor, outsider)


def test_publish__still_needs_the_old_quorum_while_a_set_waits(
    distributor, oracles, deployer, publish_root, sign_root, outsider
):
    """A scheduled set signs nothing before it is applied."""
    distributor.setOracles([deployer.address], 1, sender=deployer)
    with ape.reverts(distributor.InsufficientSignatures, count=1, threshold=2):
        distributor.publishRoot(1, ROOT_A, 5, b"\0" * 32, sign_root(distributor, 1, ROOT_A, 5, oracles[:1]),
                                sender=outsider)
    publish_root(distributor, 1, ROOT_A, total=5)
