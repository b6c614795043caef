"""The audit's attack, replayed whole against what `ape run deploy` builds: a rogue admin makes
itself the oracle quorum and mints. Stage 0 is the one-block version (`setOracles([itself], 1)`,
`revokeRole(GUARDIAN_ROLE, guardian)`, `setDailyCap(2**96 - 1)`); stage 1 removes the guardian
after its delay, stage 2 then changes the oracles with nobody left to veto. Each test shows where
it stops: at the guardian's veto (a default deploy with its own guardian key), at the timelock and
then the veto (a timelocked deploy), and, for the record, nowhere when one key is admin and
guardian (the local chains' default, which `check_governance` refuses everywhere else)."""

from dataclasses import replace

import ape
import pytest

from tests.distributor.conftest import NO_DATA, make_tree
from twei.deploy import check_governance, deploy_all, load_config, local_fallback
from twei.errors import ConfigError
from twei.signing import DailyRoot, sign_with_quorum

pytestmark = pytest.mark.chain

DAY = 86_400
SEPOLIA = 11155111


@pytest.fixture
def deploy(project, chain, deployer, tmp_path):
    def run(config):
        return deploy_all(project, chain, deployer, config, tmp_path, say=lambda line: None)

    return run


@pytest.fixture
def later(chain):
    def mine(seconds):
        chain.mine(timestamp=max(chain.pending_timestamp, chain.blocks.head.timestamp + 1) + seconds)
        return chain.blocks.head.timestamp

    return mine


def forged_root(distributor, chain, attacker, amount):
    """A root for today crediting `attacker` with `amount`, signed by the attacker alone."""
    epoch = chain.blocks.head.timestamp // DAY
    tree = make_tree([(attacker, amount, 0)])
    message = DailyRoot.make(
        chain_id=chain.chain_id, distributor=distributor.address, epoch=epoch, root=tree.root,
        total=amount, data_hash=NO_DATA,
    )
    signatures = sign_with_quorum([attacker.private_key], message)
    return (epoch, tree.root, amount, NO_DATA, signatures), tree


def stage_zero_is_refused(d, admin, guardian, chain):
    """The one-block attack: none of its three calls takes effect."""
    with ape.reverts(d.GuardianRemovalIsDelayed):
        d.revokeRole(d.GUARDIAN_ROLE(), guardian, sender=admin)
    with ape.reverts(d.DailyCapAboveMaximum, dailyCap=2**96 - 1, maximum=d.maxDailyCap()):
        d.setDailyCap(2**96 - 1, sender=admin)
    d.setOracles([admin.address], 1, sender=admin)  # scheduled only
    args, _ = forged_root(d, chain, admin, d.dailyCap())
    with ape.reverts(d.InsufficientSignatures):
        d.publishRoot(*args, sender=admin)


def test_attack__a_default_deploy_with_its_own_guardian_stops_at_the_veto(deploy, accounts, chain, later):
    admin, guardian = accounts[0], accounts[1]
    contracts = deploy(load_config(None, **{**local_fallback(accounts), "guardian": guardian.address}))
    d, token = contracts.distributor, contracts.token
    supply = token.totalSupply()

    stage_zero_is_refused(d, admin, guardian, chain)
    # Stage 1: the guardian's removal, announced a day ahead.
    d.scheduleGuardianRemoval(guardian, sender=admin)
    # The guardian, watching the events, vetoes both changes (its own removal too).
    d.vetoGuardianRemoval(guardian, sender=guardian)
    d.vetoOracles(sender=guardian)
    later(DAY)
    with ape.reverts(d.NoScheduledChange):
        d.removeGuardian(guardian, sender=admin)
    # Stage 2: the oracle set, with the guardian still there.
    with ape.reverts(d.NoScheduledChange):
        d.applyOracles([admin.address], 1, sender=admin)
    args, _ = forged_root(d, chain, admin, d.dailyCap())
    with ape.reverts(d.InsufficientSignatures, count=1, threshold=2):  # still the 2-of-3 quorum
        d.publishRoot(*args, sender=admin)
    assert list(d.oracles()) == list(contracts.record.parameters["oracles"])
    assert d.hasRole(d.GUARDIAN_ROLE(), guardian)
    assert token.totalSupply() == supply  # not one TWEI minted


def test_attack__a_timelocked_deploy_stops_at_the_timelock_then_at_the_veto(
    deploy, project, accounts, chain, later
):
    deployer, guardian, proposer = accounts[0], accounts[1], accounts[3]
    config = replace(
        load_config(None, **{**local_fallback(accounts), "guardian": guardian.address}),
        timelock_delay=2 * DAY,
        timelock_proposers=(proposer.address,),
    )
    check_governance(config, SEPOLIA, deployer.address)  # what the operator must deploy off the local chains
    contracts = deploy(config)
    d, token = contracts.distributor, contracts.token
    timelock = project.TweiTimelock.at(contracts.record.address("TweiTimelock"))
    supply = token.totalSupply()

    # The deploying key (leaked) holds nothing.
    for contract, call in (
        (d, lambda: d.setOracles([deployer.address], 1, sender=deployer)),
        (d, lambda: d.scheduleGuardianRemoval(guardian, sender=deployer)),
        (d, lambda: d.setDailyCap(1, sender=deployer)),
        (token, lambda: token.grantRole(token.MINTER_ROLE(), deployer, sender=deployer)),
        (contracts.engagement, lambda: contracts.engagement.setMinusFee(10**21, sender=deployer)),
    ):
        with ape.reverts(contract.AccessControlUnauthorizedAccount, account=deployer):
            call()
    # The proposer (a rogue multisig) schedules both stages through the timelock: two days public.
    targets = [d.address, d.address]
    payloads = [
        d.setOracles.encode_input([proposer.address], 1),
        d.scheduleGuardianRemoval.encode_input(guardian.address),
    ]
    zero, salt = b"\0" * 32, b"\x26" * 32
    timelock.scheduleBatch(targets, [0, 0], payloads, zero, salt, 2 * DAY, sender=proposer)
    later(DAY)
    with ape.reverts(timelock.TimelockUnexpectedOperationState):
        timelock.executeBatch(targets, [0, 0], payloads, zero, salt, sender=proposer)
    later(DAY)
    timelock.executeBatch(targets, [0, 0], payloads, zero, salt, sender=proposer)
    assert d.pendingOracles()[1] != 0 and d.guardianRemovalAt(guardian) != 0
    # Then the distributor's own day, in which the guardian vetoes both.
    d.vetoOracles(sender=guardian)
    d.vetoGuardianRemoval(guardian, sender=guardian)
    later(DAY)
    with ape.reverts(d.NoScheduledChange):
        d.removeGuardian(guardian, sender=proposer)
    with ape.reverts(d.NoScheduledChange):
        d.applyOracles([proposer.address], 1, sender=proposer)
    args, _ = forged_root(d, chain, proposer, d.dailyCap())
    with ape.reverts(d.InsufficientSignatures, count=1, threshold=2):  # still the 2-of-3 quorum
        d.publishRoot(*args, sender=proposer)
    assert token.totalSupply() == supply


def test_attack__one_key_as_admin_and_guardian_mints_a_days_cap_after_25_hours(deploy, accounts, chain, later):
    """The local chains' default deploy: test account 0 deploys, administers and guards. Nothing
    can veto it, so it mints one day's cap at T0 + 24 h (the delay) + 1 h (the challenge period):
    why `check_governance` refuses such a deploy off the local chains."""
    key = accounts[0]
    config = load_config(None, **local_fallback(accounts))
    assert config.guardian == key.address
    with pytest.raises(ConfigError):
        check_governance(config, SEPOLIA, key.address)
    contracts = deploy(config)
    d, token = contracts.distributor, contracts.token
    start = chain.blocks.head.timestamp
    stage_zero_is_refused(d, key, key, chain)  # still refused at once...
    later(DAY)
    d.applyOracles([key.address], 1, sender=key)  # ...but nobody vetoes after the delay
    args, tree = forged_root(d, chain, key, d.dailyCap())
    d.publishRoot(*args, sender=key)
    later(d.challengePeriod())
    d.claim(key, d.dailyCap(), 0, tree.get_proof(0), sender=key)
    assert token.balanceOf(key) == d.maxDailyCap() == config.daily_cap
    assert chain.blocks.head.timestamp - start <= 25 * 3600 + 60
