"""`ape run deploy --network ...`: deploy and wire TweiToken, RewardDistributor and Engagement."""

import os
from pathlib import Path

import click
from ape import accounts, chain, project
from ape.cli import network_option

from twei.cli import friendly_errors, load_account, say
from twei.jobcli import JobCommand, finish
from twei.deploy import (
    LOCAL_CHAIN_IDS,
    check_network,
    config_from_env,
    deploy_all,
    load_config,
    local_fallback,
)
from twei.errors import ConfigError


@click.command("deploy", cls=JobCommand)
@network_option()
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="TOML file overriding the SPEC §2 parameters (see deploy.example.toml).")
@click.option("--account", "alias", envvar="TWEI_DEPLOYER",
              help="Ape account alias that deploys (default on local chains: test account 0).")
@click.option("--yes", is_flag=True, help="Confirm a deploy to a non-local network.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (README: Operating Twei): the chain id and the addresses.")
@friendly_errors
def cli(config_file, alias, yes, as_json):
    """Deploy (or reuse) the three contracts and record them in deployments/<chain id>.json."""
    check_network(chain.chain_id, yes)
    local = chain.chain_id in LOCAL_CHAIN_IDS
    if alias:
        deployer = load_account(accounts, alias, role="deployer (TWEI_DEPLOYER)")
    elif local:
        deployer = accounts.test_accounts[0]
    else:
        raise ConfigError("no deployer: pass --account ALIAS or set TWEI_DEPLOYER in .env")
    fallback = local_fallback(accounts.test_accounts) if local else {}
    config = load_config(config_file, **config_from_env(dict(os.environ), fallback))
    contracts = deploy_all(project, chain, deployer, config, Path.cwd(), say=say)
    addresses = {"TweiToken": contracts.token.address, "RewardDistributor": contracts.distributor.address,
                 "Engagement": contracts.engagement.address}
    finish(" ".join(f"{name} {address}" for name, address in addresses.items()), chain_id=chain.chain_id, **addresses)
