"""Guardian (revoke, pause) and admin (oracles, cap, period, unpause): each change with its event."""

import ape
import pytest
from eth_account import Account
from hexbytes import HexBytes

from tests.distributor.per_test import per_test_distributor, per_test_token  # noqa: F401  (fixtures: see there)
from tests.helpers import CHALLENGE_PERIOD, DAILY_CAP

pytestmark = pytest.mark.chain

ROOT_A = HexBytes("0x" + "aa" * 32)
ROOT_B = HexBytes("0x" + "bb" * 32)
ZERO32 = HexBytes(b"\0" * 32)


def test_deploy__parameters_and_events(distributor, oracles, token):
    assert distributor.oracles() == [o.address for o in oracles[:3]]
    assert distributor.threshold() == 2
    assert distributor.dailyCap() == DAILY_CAP
    assert distributor.challengePeriod() == CHALLENGE_PERIOD
    assert distributor.token() == token.address
    assert not distributor.paused()


def test_revoke__pending_root_never_activates(distributor, publish_root, pass_challenge, guardian, token):
    publish_root(distributor, 4, ROOT_A, total=100)
    tx = distributor.revokePendingRoot(sender=guardian)
    assert tx.decode_logs(distributor.RootRevoked) == [
        distributor.RootRevoked(epoch=4, root=ROOT_A, guardian=guardian)
    ]
    pass_challenge()
    assert distributor.activeRoot() == (ZERO32, 0, 0)
    assert distributor.pendingRoot() == (ZERO32, 0, 0, 0)
    assert token.balanceOf(distributor) == 0


def test_revoke__same_epoch_may_be_republished(distributor, publish_root, pass_challenge, guardian):
    publish_root(distributor, 4, ROOT_A, total=100)
    distributor.revokePendingRoot(sender=guardian)
    publish_root(distributor, 4, ROOT_B, total=90)
    pass_challenge()
    assert distributor.activeRoot() == (ROOT_B, 4, 90)


def test_revoke__without_pending_root_reverts(distributor, guardian):
    with ape.reverts(distributor.NoPendingRoot):
        distributor.revokePendingRoot(sender=guardian)


def test_revoke__after_challenge_period_reverts(distributor, publish_root, pass_challenge, guardian):
    publish_root(distributor, 4, ROOT_A, total=100)
    pass_challenge()
    with ape.reverts(distributor.NoPendingRoot):
        distributor.revokePendingRoot(sender=guardian)


def test_revoke__by_non_guardian_reverts(distributor, publish_root, outsider):
    publish_root(distributor, 4, ROOT_A, total=100)
    role = distributor.GUARDIAN_ROLE()
    with ape.reverts(distributor.AccessControlUnauthorizedAccount, account=outsider.address, neededRole=role):
        distributor.revokePendingRoot(sender=outsider)


def test_pause__events_and_flag(distributor, guardian, deployer):
    tx = distributor.pause(sender=guardian)
    assert tx.decode_logs(distributor.ClaimsPaused) == [distributor.ClaimsPaused(guardian=guardian)]
    assert distributor.paused()
    tx = distributor.unpause(sender=deployer)
    assert tx.decode_logs(distributor.ClaimsUnpaused) == [distributor.ClaimsUnpaused(admin=deployer)]
    assert not distributor.paused()


def test_pause__keeps_the_active_root_visible(distributor, publish_root, pass_challenge, guardian):
    publish_root(distributor, 1, ROOT_A, total=5)
    pass_challenge()
    publish_root(distributor, 2, ROOT_B, total=5)  # activates ROOT_A
    distributor.pause(sender=guardian)
    assert distributor.activeRoot() == (ROOT_A, 1, 5)


def test_pause__publishing_continues(distributor, publish_root, pass_challenge, guardian, token):
    distributor.pause(sender=guardian)
    publish_root(distributor, 1, ROOT_A, total=5)
    pass_challenge()
    publish_root(distributor, 2, ROOT_B, total=6)
    assert distributor.activeRoot() == (ROOT_A, 1, 5)
    assert token.balanceOf(distributor) == 5


def test_pause__twice_reverts(distributor, guardian):
    distributor.pause(sender=guardian)
    with ape.reverts(distributor.ClaimsArePaused):
        distributor.pause(sender=guardian)


def test_unpause__when_not_paused_reverts(distributor, deployer):
    with ape.reverts(distributor.ClaimsNotPaused):
        distributor.unpause(sender=deployer)


def test_pause_and_unpause__need_their_roles(distributor, guardian, outsider):
    with ape.reverts(distributor.AccessControlUnauthorizedAccount, account=outsider.address):
        distributor.pause(sender=outsider)
    distributor.pause(sender=guardian)
    # The guardian may stop claims but not restart them.
    with ape.reverts(distributor.AccessControlUnauthorizedAccount, account=guardian.address):
        distributor.unpause(sender=guardian)


def test_set_oracles__rotates_with_event_after_the_delay(distributor, deployer, pass_challenge, outsider):
    fresh = [Account.from_key("0x" + f"{i:02x}" * 32).address for i in (0x61, 0x62, 0x63, 0x64)]
    distributor.setOracles(fresh, 3, sender=deployer)
    pass_challenge(distributor.GOVERNANCE_DELAY())
    tx = distributor.applyOracles(fresh, 3, sender=outsider)
    assert tx.decode_logs(distributor.OraclesSet) == [distributor.OraclesSet(oracles=fresh, threshold=3)]
    assert distributor.oracles() == fresh
    assert distributor.threshold() == 3


def test_set_oracles__may_keep_some_oracles(distributor, oracles, publish_root, pass_challenge, deployer):
    kept = [oracles[2].address, oracles[0].address]
    distributor.setOracles(kept, 2, sender=deployer)
    pass_challenge(distributor.GOVERNANCE_DELAY())
    distributor.applyOracles(kept, 2, sender=deployer)
    publish_root(distributor, 1, ROOT_A, total=1, signers=[oracles[0], oracles[2]])


@pytest.mark.parametrize(
    "case", ["empty", "zero address", "repeated"],
)
def test_set_oracles__invalid_set_reverts(distributor, oracles, deployer, case):
    addresses = {
        "empty": [],
        "zero address": [oracles[0].address, "0x" + "00" * 20],
        "repeated": [oracles[0].address, oracles[1].address, oracles[0].address],
    }[case]
    with ape.reverts(distributor.InvalidOracleSet):
        distributor.setOracles(addresses, 1, sender=deployer)


def test_set_oracles__more_than_256_reverts(distributor, deployer):
    addresses = ["0x" + (i + 1).to_bytes(20, "big").hex() for i in range(257)]
    with ape.reverts(distributor.InvalidOracleSet):
        distributor.setOracles(addresses, 1, sender=deployer)


@pytest.mark.parametrize("threshold", [0, 3])
def test_set_oracles__invalid_threshold_reverts(distributor, oracles, deployer, threshold):
    with ape.reverts(distributor.InvalidThreshold, threshold=threshold, oracles=2):
        distributor.setOracles([o.address for o in oracles[:2]], threshold, sender=deployer)


def test_set_daily_cap__with_event(distributor, publish_root, deployer):
    tx = distributor.setDailyCap(50, sender=deployer)
    assert tx.decode_logs(distributor.DailyCapSet) == [distributor.DailyCapSet(dailyCap=50)]
    assert distributor.dailyCap() == 50
    with ape.reverts(distributor.TotalAboveDailyCap, total=51, previous=0, dailyCap=50):
        publish_root(distributor, 1, ROOT_A, total=51)


def test_set_challenge_period__applies_to_later_roots(distributor, publish_root, chain, deployer):
    tx = distributor.setChallengePeriod(7200, sender=deployer)
    assert tx.decode_logs(distributor.ChallengePeriodSet) == [distributor.ChallengePeriodSet(challengePeriod=7200)]
    publish_root(distributor, 1, ROOT_A, total=1)
    assert distributor.pendingRoot()[3] == chain.blocks.head.timestamp + 7200


@pytest.mark.parametrize("period", [0, 60, 3599, 86400, 2**32 - 1])
def test_set_challenge_period__outside_an_hour_to_a_day_reverts(distributor, deployer, period):
    """Under an hour a guardian cannot react; a day or more and roots would queue behind each other."""
    with ape.reverts(distributor.ChallengePeriodOutOfRange, challengePeriod=period, minimum=3600, maximum=86399):
        distributor.setChallengePeriod(period, sender=deployer)
    assert distributor.challengePeriod() == CHALLENGE_PERIOD


@pytest.mark.parametrize("period", [3600, 86399])
def test_set_challenge_period__bounds_are_accepted(distributor, deployer, period):
    distributor.setChallengePeriod(period, sender=deployer)
    assert distributor.challengePeriod() == period


def test_set_daily_cap__zero_reverts(distributor, deployer):
    with ape.reverts(distributor.DailyCapZero):
        distributor.setDailyCap(0, sender=deployer)
    assert distributor.dailyCap() == DAILY_CAP


@pytest.mark.parametrize(
    "call",
    [
        lambda d, s: d.setOracles([s.address], 1, sender=s),
        lambda d, s: d.setDailyCap(1, sender=s),
        lambda d, s: d.setChallengePeriod(1, sender=s),
    ],
    ids=["setOracles", "setDailyCap", "setChallengePeriod"],
)
def test_admin_setters__need_admin_role(distributor, guardian, call):
    with ape.reverts(distributor.AccessControlUnauthorizedAccount, account=guardian.address, neededRole=HexBytes(b"\0" * 32)):
        call(distributor, guardian)


def test_constructor__invalid_parameters_revert(project, deployer, token, oracles):
    addresses = [o.address for o in oracles]
    with ape.reverts(project.RewardDistributor.InvalidThreshold):
        deployer.deploy(project.RewardDistributor, deployer, token, addresses, 4, DAILY_CAP, 3600)
    with ape.reverts(project.RewardDistributor.ChallengePeriodOutOfRange):
        deployer.deploy(project.RewardDistributor, deployer, token, addresses, 2, DAILY_CAP, 86400)
    with ape.reverts(project.RewardDistributor.ChallengePeriodOutOfRange):
        deployer.deploy(project.RewardDistributor, deployer, token, addresses, 2, DAILY_CAP, 0)
    with ape.reverts(project.RewardDistributor.DailyCapZero):
        deployer.deploy(project.RewardDistributor, deployer, token, addresses, 2, 0, 3600)
