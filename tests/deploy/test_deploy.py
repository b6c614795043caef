"""`deploy_all`: three contracts wired, recorded, reused on a re-run, redeployed when changed."""

import json
from dataclasses import replace

import ape
import pytest

from twei.deploy import deploy_all, deployment_path, local_fallback, load_config
from twei.errors import ConfigError
from twei.params import TOKEN_SUPPLY_CAP

pytestmark = pytest.mark.chain

ADMIN = b"\x00" * 32


@pytest.fixture
def config(accounts):
    return load_config(None, **local_fallback(accounts))


@pytest.fixture
def deploy(project, chain, deployer, tmp_path):
    def run(config):
        lines = []
        contracts = deploy_all(project, chain, deployer, config, tmp_path, say=lines.append)
        return contracts, lines

    return run


def test_deploy__wires_roles_and_parameters(deploy, config, deployer):
    contracts, _ = deploy(config)
    token, distributor, engagement = contracts.token, contracts.distributor, contracts.engagement
    minter = token.MINTER_ROLE()
    assert token.hasRole(minter, distributor.address)
    assert not token.hasRole(minter, deployer.address)
    assert token.mintersSealed()
    assert token.cap() == TOKEN_SUPPLY_CAP
    assert distributor.hasRole(distributor.GUARDIAN_ROLE(), config.guardian)
    assert list(distributor.oracles()) == list(config.oracles)
    assert distributor.threshold() == config.threshold
    assert distributor.dailyCap() == config.daily_cap
    assert distributor.token() == token.address
    assert engagement.publishTribute() == config.engagement.publish_tribute
    assert engagement.dislikeAuthorShareBps() == config.engagement.dislike_author_share_bps
    assert engagement.commentMinLevel() == 13
    assert engagement.treasury() == config.treasury
    assert engagement.levels() == distributor.address


def test_deploy__records_addresses_blocks_parameters_and_abi_hashes(deploy, config, chain, tmp_path):
    contracts, _ = deploy(config)
    record = json.loads(deployment_path(tmp_path, chain.chain_id).read_text())
    assert record["chain_id"] == chain.chain_id
    assert record["contracts"]["TweiToken"]["address"] == contracts.token.address
    assert record["contracts"]["Engagement"]["address"] == contracts.engagement.address
    assert all(len(c["abi_hash"]) == 64 and c["block"] >= 0 for c in record["contracts"].values())
    assert record["parameters"]["threshold"] == config.threshold


def test_deploy__rerun_reuses_everything(deploy, config, chain):
    first, _ = deploy(config)
    height = chain.blocks.height
    second, lines = deploy(config)
    assert [second.token.address, second.distributor.address, second.engagement.address] == [
        first.token.address,
        first.distributor.address,
        first.engagement.address,
    ]
    assert chain.blocks.height == height  # not one transaction sent
    assert sum("reusing" in line for line in lines) == 3


def test_deploy__changed_parameter_redeploys_only_what_depends_on_it(deploy, config):
    first, _ = deploy(config)
    cheaper = replace(config, engagement=replace(config.engagement, report_price=2))
    second, _ = deploy(cheaper)
    assert second.token.address == first.token.address
    assert second.distributor.address == first.distributor.address
    assert second.engagement.address != first.engagement.address
    assert second.engagement.reportPrice() == 2


def test_deploy__a_new_distributor_on_a_sealed_token_is_refused_before_any_transaction(deploy, config, chain):
    """The sealed token could never let a second distributor mint: say so instead of deploying
    a distributor whose roots would wedge."""
    first, _ = deploy(config)
    height = chain.blocks.height
    with pytest.raises(ConfigError, match="sealed its minters"):
        deploy(replace(config, daily_cap=config.daily_cap // 2))
    assert chain.blocks.height == height
    assert first.token.hasRole(first.token.MINTER_ROLE(), first.distributor.address)


def test_deploy__recorded_address_without_code_is_deployed_again(deploy, config, chain, tmp_path):
    first, _ = deploy(config)
    path = deployment_path(tmp_path, chain.chain_id)
    record = json.loads(path.read_text())
    record["contracts"]["TweiToken"]["address"] = "0x000000000000000000000000000000000000dEaD"
    path.write_text(json.dumps(record))
    second, _ = deploy(config)
    assert second.token.address not in (first.token.address, "0x000000000000000000000000000000000000dEaD")
    # everything built on the token is new too
    assert second.distributor.token() == second.token.address
    assert second.engagement.address != first.engagement.address


def test_deploy__writes_token_list_and_watch_asset(deploy, config, chain, tmp_path):
    contracts, _ = deploy(config)
    folder = tmp_path / "deployments"
    tokens = json.loads((folder / f"{chain.chain_id}.tokenlist.json").read_text())["tokens"]
    assert tokens == [
        {
            "chainId": chain.chain_id,
            "address": contracts.token.address,
            "name": "Twei",
            "symbol": "TWEI",
            "decimals": 18,
        }
    ]
    watch = json.loads((folder / f"{chain.chain_id}.watchAsset.json").read_text())
    assert watch == {
        "type": "ERC20",
        "options": {"address": contracts.token.address, "symbol": "TWEI", "decimals": 18},
    }
    for name in ("TweiToken", "RewardDistributor", "Engagement"):
        verify = json.loads((folder / "verify" / f"{name}.json").read_text())
        assert f"contracts/{name}.sol" in verify["sources"]


def test_deploy__nobody_can_mint_around_the_distributor(deploy, config, deployer):
    """The token's admin (the deployer here) can no longer grant itself MINTER_ROLE."""
    contracts, _ = deploy(config)
    token = contracts.token
    with ape.reverts(token.MinterRoleSealed):
        token.grantRole(token.MINTER_ROLE(), deployer, sender=deployer)
    with ape.reverts(token.MinterRoleSealed):
        token.revokeRole(token.MINTER_ROLE(), contracts.distributor, sender=deployer)
    assert token.hasRole(token.MINTER_ROLE(), contracts.distributor)


def test_deploy__timelock_becomes_the_only_admin(deploy, config, deployer, project, accounts, chain):
    timelocked = replace(config, timelock_delay=2 * 86_400, timelock_proposers=(accounts[3].address,))
    contracts, lines = deploy(timelocked)
    timelock = project.TweiTimelock.at(contracts.record.address("TweiTimelock"))
    assert timelock.getMinDelay() == 2 * 86_400
    assert timelock.hasRole(timelock.PROPOSER_ROLE(), accounts[3])
    assert timelock.hasRole(timelock.EXECUTOR_ROLE(), "0x" + "00" * 20)  # anyone executes
    for contract in (contracts.token, contracts.distributor, contracts.engagement):
        assert contract.hasRole(ADMIN, timelock.address)
        assert not contract.hasRole(ADMIN, deployer)
    # What a hostile ex-admin tries next: nothing.
    with ape.reverts(contracts.engagement.AccessControlUnauthorizedAccount):
        contracts.engagement.setReportPrice(10**30, sender=deployer)
    with ape.reverts(contracts.distributor.AccessControlUnauthorizedAccount):
        contracts.distributor.setOracles([deployer.address], 1, sender=deployer)
    # A re-run changes nothing and needs no admin role.
    height = chain.blocks.height
    again, _ = deploy(timelocked)
    assert again.record.address("TweiTimelock") == timelock.address
    assert chain.blocks.height == height


def test_deploy__a_fee_change_through_the_timelock_waits_both_delays(deploy, config, project, accounts, chain):
    """Admin action = timelock delay, then the fee's own day: users see it coming twice over."""
    proposer = accounts[3]
    timelocked = replace(config, timelock_delay=3_600, timelock_proposers=(proposer.address,))
    contracts, _ = deploy(timelocked)
    timelock = project.TweiTimelock.at(contracts.record.address("TweiTimelock"))
    engagement = contracts.engagement
    data = engagement.setReportPrice.encode_input(7 * 10**18)
    salt = b"\x01" * 32
    timelock.schedule(engagement.address, 0, data, b"\x00" * 32, salt, 3_600, sender=proposer)
    with ape.reverts(timelock.TimelockUnexpectedOperationState):
        timelock.execute(engagement.address, 0, data, b"\x00" * 32, salt, sender=proposer)
    chain.mine(timestamp=max(chain.pending_timestamp, chain.blocks.head.timestamp + 1) + 3_600)
    timelock.execute(engagement.address, 0, data, b"\x00" * 32, salt, sender=proposer)
    assert engagement.reportPrice() == 10**18
    assert engagement.pendingParameterChange(5)[0] == 7 * 10**18


class Interrupted(Exception):
    """Stands for a deploy killed (Ctrl-C, a dropped node) at a given step."""


def test_deploy__interrupted_before_the_seal_then_rerun_with_other_oracles_leaves_one_minter(
    deploy, config, project, chain, deployer, tmp_path, accounts
):
    """The audit's case: a run stops between the grant and the seal, the operator re-runs with
    other oracles (a new distributor). The re-run revokes the first distributor, then seals the
    minters to the new one alone."""

    def stop_after_the_grant(line):
        if "MINTER_ROLE granted" in line:
            raise Interrupted(line)

    with pytest.raises(Interrupted):
        deploy_all(project, chain, deployer, config, tmp_path, say=stop_after_the_grant)
    record = json.loads(deployment_path(tmp_path, chain.chain_id).read_text())
    first = record["contracts"]["RewardDistributor"]["address"]
    token = project.TweiToken.at(record["contracts"]["TweiToken"]["address"])
    minter = token.MINTER_ROLE()
    assert token.hasRole(minter, first) and not token.mintersSealed()

    rotated = replace(config, oracles=(accounts[7].address, accounts[8].address), threshold=2)
    contracts, lines = deploy(rotated)
    assert contracts.token.address == token.address
    assert contracts.distributor.address != first
    assert f"TweiToken: MINTER_ROLE revoked from {first} (only the distributor mints)" in lines
    assert not token.hasRole(minter, first)
    assert token.mintersSealed() and token.hasRole(minter, contracts.distributor)
