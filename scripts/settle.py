"""`ape run settle`: settle one UTC day (see twei.settlement); `--sign-only`: one oracle's signature
from the published files; `--genesis genesis.json`: publish a genesis root of levels (and
starting balances; `ape run bootstrap` writes one from its command line).

One run per chain at a time: a second run waits for the lock on the job's store (`--lock-wait`),
then exits with one line. Logs go to stderr; stdout has the outcome line only."""

from pathlib import Path

import click
from ape import accounts, chain, project
from ape.cli import ConnectedProviderCommand, network_option

from twei.cli import friendly_errors, say
from twei.errors import ConfigError, StepNotDue
from twei.settlement.day import DAY
from twei.settlement.files import sign_published_day
from twei.settlement.genesis import read_genesis
from twei.settlement.runner import deployed_at, deployed_contracts, job_lock, make_job, sender_account
from twei.settlement.settings import SettleSettings
from twei.settlement.timeline import check_after_deployment


@click.command(cls=ConnectedProviderCommand)
@network_option()
@click.option("--epoch", type=int, default=None, help="UTC day number (default: the last finished day).")
@click.option("--claim", "do_claim", is_flag=True, help="Then claim for every account, in claimMany batches.")
@click.option("--dry-run", is_flag=True, help="Compute and write the files; send no transaction.")
@click.option("--genesis", type=click.Path(exists=True, dir_okay=False), default=None,
              help="JSON {address: level} or {address: {level, twei}}: publish a genesis root instead of settling a day.")
@click.option("--sign-only", is_flag=True,
              help="Oracle mode: verify the published files of --epoch and write a signature file per TWEI_ORACLE_KEYS key.")
@click.option("--sender", envvar="TWEI_SENDER", default=None,
              help="Ape account alias that sends the transactions (default on local chains: test account 0).")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Folder holding deployments/<chain id>.json.")
@click.option("--lock-wait", type=click.FloatRange(min=0), envvar="TWEI_LOCK_WAIT_S", default=600, show_default=True,
              help="Seconds to wait for another run on this chain to finish before giving up.")
@friendly_errors
def cli(epoch, do_claim, dry_run, genesis, sign_only, sender, root, lock_wait):
    """Settle a UTC day: fetch events and reads, build the tree, sign, publish, optionally claim.

    Safe to run again at any time: whatever is already done is skipped."""
    settings = SettleSettings()
    today = int(chain.pending_timestamp) // DAY
    epoch = today - 1 if epoch is None else epoch
    if epoch < 0 or epoch >= today:
        raise ConfigError(f"epoch {epoch} is not a finished UTC day (today on this chain is day {today})")
    if sign_only:
        _, distributor, _, _ = deployed_contracts(project, chain, root)
        if not settings.keys():
            raise ConfigError("TWEI_ORACLE_KEYS is empty: no key to sign with")
        for key in settings.keys():
            path = sign_published_day(settings.settlements_dir, chain.chain_id, distributor.address, epoch, key, epoch - 1)
            click.echo(f"wrote {path}")
        return
    levels, amounts = read_genesis(Path(genesis)) if genesis else ({}, {})
    if not genesis:
        check_after_deployment(epoch, deployed_at(project, chain, root))
    account = None if dry_run else sender_account(accounts, chain, sender)
    with job_lock(settings, chain.chain_id, lock_wait):
        job = make_job(project, chain, settings, root, say)
        try:
            if genesis:
                outcome = job.genesis(epoch, levels, account, amounts=amounts, dry_run=dry_run)
                if do_claim and not dry_run:
                    outcome.claims_sent = job.claim(epoch, account, progress=False)
                    outcome.note("claim", True)
            else:
                outcome = job.run(epoch, account, claim=do_claim, dry_run=dry_run)
        except StepNotDue as err:
            click.echo(f"Not yet: {err}")
            return
    click.echo(
        f"epoch {outcome.epoch}: done {', '.join(outcome.done) or 'nothing'}; "
        f"already done {', '.join(outcome.skipped) or 'nothing'}; {outcome.claims_sent} claims sent"
    )
