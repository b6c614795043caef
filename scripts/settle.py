"""`ape run settle`: settle one UTC day (see twei.settlement); `--sign-only`: one oracle's signature
from the published files; `--genesis levels.json`: publish a genesis root of levels."""

import json
from pathlib import Path

import click
from ape import accounts, chain, project
from ape.cli import ConnectedProviderCommand, network_option

from twei.cli import friendly_errors
from twei.deploy import LOCAL_CHAIN_IDS, Deployment, deployment_path
from twei.errors import ConfigError, StepNotDue
from twei.settlement import JobStore, SettlementJob
from twei.settlement.day import DAY
from twei.settlement.files import sign_published_day
from twei.settlement.settings import SettleSettings


def _contracts(root: Path):
    record = Deployment.load(deployment_path(root, chain.chain_id), chain.chain_id)
    try:
        engagement = record.contracts["Engagement"]
        distributor = record.contracts["RewardDistributor"]
    except KeyError as err:
        raise ConfigError(f"deployments/{chain.chain_id}.json has no {err}: run `ape run deploy` first") from err
    return (
        project.Engagement.at(engagement["address"]),
        project.RewardDistributor.at(distributor["address"]),
        int(engagement.get("block") or 0),
        int(distributor.get("block") or 0),
    )


def _job(settings: SettleSettings, root: Path, say) -> SettlementJob:
    engagement, distributor, block, distributor_block = _contracts(root)
    reads = None
    from twei.oracle.settings import OracleSettings

    oracle = OracleSettings()
    if oracle.database_url is not None:  # the oracle's PostgreSQL (TWEI_ORACLE_DATABASE_URL)
        from twei.oracle.store import open_store

        reads = open_store(oracle)
    elif settings.oracle_db.exists():
        from twei.oracle.store.sqlite import SQLiteStore

        reads = SQLiteStore(settings.oracle_db)
    return SettlementJob(
        chain_id=chain.chain_id,
        store=JobStore(settings.job_db(chain.chain_id)),
        settlements=settings.settlements_dir,
        engagement=engagement,
        distributor=distributor,
        reads=reads,
        keys=settings.keys(),
        start_block=block,
        distributor_block=distributor_block,
        page_blocks=settings.log_page_blocks,
        confirmations=settings.confirmations_on(chain.chain_id),
        claim_gas_budget=settings.claim_gas_budget,
        say=say,
    )


@click.command(cls=ConnectedProviderCommand)
@network_option()
@click.option("--epoch", type=int, default=None, help="UTC day number (default: the last finished day).")
@click.option("--claim", "do_claim", is_flag=True, help="Then claim for every account, in claimMany batches.")
@click.option("--dry-run", is_flag=True, help="Compute and write the files; send no transaction.")
@click.option("--genesis", type=click.Path(exists=True, dir_okay=False), default=None,
              help="JSON {address: level}: publish a genesis root of levels instead of settling a day.")
@click.option("--sign-only", is_flag=True,
              help="Oracle mode: verify the published files of --epoch and write a signature file per TWEI_ORACLE_KEYS key.")
@click.option("--sender", envvar="TWEI_SENDER", default=None,
              help="Ape account alias that sends the transactions (default on local chains: test account 0).")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Folder holding deployments/<chain id>.json.")
@friendly_errors
def cli(epoch, do_claim, dry_run, genesis, sign_only, sender, root):
    """Settle a UTC day: fetch events and reads, build the tree, sign, publish, optionally claim.

    Safe to run again at any time: whatever is already done is skipped."""
    settings = SettleSettings()
    today = int(chain.pending_timestamp) // DAY
    epoch = today - 1 if epoch is None else epoch
    if epoch < 0 or epoch >= today:
        raise ConfigError(f"epoch {epoch} is not a finished UTC day (today on this chain is day {today})")
    if sign_only:
        _, distributor, _, _ = _contracts(root)
        if not settings.keys():
            raise ConfigError("TWEI_ORACLE_KEYS is empty: no key to sign with")
        for key in settings.keys():
            path = sign_published_day(settings.settlements_dir, chain.chain_id, distributor.address, epoch, key, epoch - 1)
            click.echo(f"wrote {path}")
        return
    job = _job(settings, root, click.echo)
    if sender:
        account = accounts.load(sender)
    elif chain.chain_id in LOCAL_CHAIN_IDS:
        account = accounts.test_accounts[0]
    else:
        raise ConfigError("no sender: pass --sender ALIAS or set TWEI_SENDER in .env")
    try:
        if genesis:
            try:
                levels = json.loads(Path(genesis).read_text())
            except ValueError as err:
                raise ConfigError(f"{genesis} is not JSON {{address: level}}: {err}") from err
            outcome = job.genesis(epoch, levels, account, dry_run=dry_run)
        else:
            outcome = job.run(epoch, account, claim=do_claim, dry_run=dry_run)
    except StepNotDue as err:
        click.echo(f"Not yet: {err}")
        return
    click.echo(
        f"epoch {outcome.epoch}: done {', '.join(outcome.done) or 'nothing'}; "
        f"already done {', '.join(outcome.skipped) or 'nothing'}; {outcome.claims_sent} claims sent"
    )
