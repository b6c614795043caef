"""`ape run claim --account A [--for ADDRESS]`: claim the account's daily rewards (see twei.claim)."""

from pathlib import Path

import click
from ape import accounts, chain, project
from ape.cli import network_option

from twei.claim import SettlementSource, deployed_block, deployed_distributor, plan_claim, send_claim
from twei.published import published_roots
from twei.cli import check_address, contract_at, friendly_errors, say, signer_for
from twei.jobcli import JobCommand, finish
from twei.units import format_twei


@click.command("claim", cls=JobCommand)
@network_option()
@click.option("--account", "who", envvar="TWEI_ACCOUNT", required=True,
              help="Ape account alias that sends the claim (TEST::N or a test account's address on a local chain).")
@click.option("--for", "beneficiary", default=None, help="Claim for this address (default: the account).")
@click.option(
    "--settlements",
    envvar="TWEI_SETTLEMENTS",
    default=".",
    show_default=True,
    help="Folder or base URL of the published settlements/<chain id>/<epoch>.json files.",
)
@click.option("--distributor", envvar="TWEI_DISTRIBUTOR", default=None, help="Distributor address (default: deployments/<chain id>.json).")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Folder holding deployments/<chain id>.json.")
@click.option("--dry-run", is_flag=True, help="Show what is claimable without sending.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (README: Operating Twei).")
@friendly_errors
def cli(who, beneficiary, settlements, distributor, root, dry_run, as_json):
    """Show what is claimable under the active daily root and claim it (the Twei goes to the
    beneficiary). Logs on stderr; the outcome line on stdout."""
    if beneficiary is not None:
        beneficiary = check_address(beneficiary, "--for")
    if distributor is not None:
        distributor = check_address(distributor, "--distributor")
    account = signer_for(accounts, who)
    contract = contract_at(chain, project.RewardDistributor, distributor or deployed_distributor(chain.chain_id, root))
    source = SettlementSource(settlements, chain.chain_id)
    plan = plan_claim(contract, source, beneficiary or account.address)  # the tree's root is the active root
    if isinstance(plan, str):  # no active root yet, or none of its leaves is this account's
        finish(plan, account=beneficiary or account.address, claimed="0", tx=None)
        return
    # The day's breakdown is the one whose keccak256 the chain published (else exit 1, no gas).
    from_block = 0 if distributor is not None else deployed_block(chain.chain_id, root)
    source.check_against_chain(plan.epoch, published_roots(chain.provider.web3, contract.address, from_block).get(plan.epoch))
    say(plan.describe())
    fields = {"account": plan.account, "claimable": str(plan.claimable), "level": plan.level}
    if not plan.worth_sending:
        finish("Nothing to claim: everything earned is already claimed and the level is recorded.", **fields, claimed="0", tx=None)
        return
    if dry_run:
        finish(f"Would claim {format_twei(plan.claimable)} TWEI for {plan.account} (level {plan.level}).", **fields, claimed="0", tx=None)
        return
    from twei.actions import simulate

    simulate(contract.claim, *plan.args(), sender=account)
    receipt = send_claim(contract, plan, account)
    finish(f"Claimed {format_twei(plan.claimable)} TWEI for {plan.account} (level {plan.level}) in {receipt.txn_hash}.",
           **fields, claimed=str(plan.claimable), tx=str(receipt.txn_hash))
