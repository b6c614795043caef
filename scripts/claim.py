"""`ape run claim --account A [--for ADDRESS]`: claim the account's daily rewards (see twei.claim)."""

import click
from ape import chain, project
from ape.cli import ConnectedProviderCommand, account_option, network_option

from twei.claim import SettlementSource, deployed_distributor, plan_claim, send_claim
from twei.cli import friendly_errors
from twei.units import format_twei


@click.command(cls=ConnectedProviderCommand)
@network_option()
@account_option()
@click.option("--for", "beneficiary", default=None, help="Claim for this address (default: the account).")
@click.option(
    "--settlements",
    envvar="TWEI_SETTLEMENTS",
    default=".",
    show_default=True,
    help="Folder or base URL of the published settlements/<chain id>/<epoch>.json files.",
)
@click.option("--distributor", envvar="TWEI_DISTRIBUTOR", default=None, help="Distributor address (default: deployments/<chain id>.json).")
@click.option("--dry-run", is_flag=True, help="Show what is claimable without sending.")
@friendly_errors
def cli(account, beneficiary, settlements, distributor, dry_run):
    """Show what is claimable under the active daily root and claim it (the Twei goes to the account)."""
    address = distributor or deployed_distributor(chain.chain_id)
    contract = project.RewardDistributor.at(address)
    plan = plan_claim(contract, SettlementSource(settlements, chain.chain_id), beneficiary or account.address)
    if isinstance(plan, str):
        click.echo(plan)
        return
    click.echo(plan.describe())
    if not plan.worth_sending:
        click.echo("Nothing to claim: everything earned is already claimed and the level is recorded.")
        return
    if dry_run:
        return
    receipt = send_claim(contract, plan, account)
    click.echo(f"Claimed {format_twei(plan.claimable)} TWEI for {plan.account} (level {plan.level}) in {receipt.txn_hash}.")
