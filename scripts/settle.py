"""`ape run settle`: settle one UTC day (see twei.settlement); `--sign-only`: one oracle's signature
from the published files; `--genesis genesis.json`: publish a genesis root of levels (and
starting balances; `ape run bootstrap` writes one from its command line).

One run per chain at a time: a second run waits for the lock on the job's store (`--lock-wait`),
then exits with one line. Logs go to stderr; stdout has the outcome line only (or, with `--json`,
one JSON object: twei.jsonout). Exit codes: twei.exitcodes (0 done, 10 not yet, 1 needs a human,
75 transient)."""

from pathlib import Path

import click
from ape import accounts, chain, project
from ape.cli import network_option

from twei.cli import friendly_errors, say
from twei.errors import ConfigError, StepNotDue
from twei.jobcli import JobCommand, finish
from twei.secrets import check_held_keys, oracle_keys
from twei.settlement.day import DAY
from twei.settlement.files import sign_published_day
from twei.settlement.genesis import read_genesis
from twei.settlement.runner import for_root, deployed_at, deployed_contracts, job_lock, make_job, sender_account
from twei.settlement.settings import SettleSettings
from twei.settlement.timeline import check_after_deployment
from twei.metrics.job import JobMetrics


@click.command("settle", cls=JobCommand)
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
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (README: Operating Twei) instead of the outcome line.")
@friendly_errors
def cli(epoch, do_claim, dry_run, genesis, sign_only, sender, root, lock_wait, as_json):
    """Settle a UTC day: fetch events and reads, build the tree, sign, publish, optionally claim.

    Safe to run again at any time: whatever is already done is skipped."""
    settings = for_root(SettleSettings(), root)  # the site folder's store and files, or refused
    metrics = JobMetrics(settings.metrics_dir, chain.chain_id)
    with metrics.run():
        _settle(settings, metrics, epoch, do_claim, dry_run, genesis, sign_only, sender, root, lock_wait)


def _settle(settings, metrics, epoch, do_claim, dry_run, genesis, sign_only, sender, root, lock_wait):
    today = int(chain.pending_timestamp) // DAY
    default_epoch = epoch is None
    epoch = today - 1 if epoch is None else epoch
    if epoch < 0 or epoch >= today:
        raise ConfigError(f"epoch {epoch} is not a finished UTC day (today on this chain is day {today})")
    _, distributor, _, _ = deployed_contracts(project, chain, root)
    keys = oracle_keys(settings, accounts, chain.chain_id)
    metrics.keys(keys, distributor, settings.expected_oracle_keys)
    if not dry_run:  # a forgotten key: needs a human, not an endless wait for signatures
        check_held_keys(keys, [str(o) for o in distributor.oracles()], settings.expected_oracle_keys)
    if sign_only:
        if not keys:
            raise ConfigError("no oracle key to sign with: set TWEI_ORACLE_ACCOUNTS (TWEI_ORACLE_KEYS on local chains)")
        paths = [
            str(sign_published_day(settings.settlements_dir, chain.chain_id, distributor.address, epoch, key, epoch - 1))
            for key in keys
        ]
        finish("; ".join(f"wrote {path}" for path in paths), epoch=epoch, signatures=paths)
        return
    levels, amounts = read_genesis(Path(genesis)) if genesis else ({}, {})
    if not genesis:
        # The deployment's own day (and the days before it) have nothing to settle: with the
        # default epoch that is "not yet" (the hourly timer is early, not broken); a day named
        # on the command line is a mistake.
        check_after_deployment(epoch, deployed_at(project, chain, root), requested=not default_epoch)
    account = None if dry_run else sender_account(accounts, chain, sender)
    if account is not None:
        metrics.sender(chain.provider.get_balance(account.address))
    with job_lock(settings, chain.chain_id, lock_wait):
        job = make_job(project, chain, settings, root, say, keys=keys)
        try:
            if genesis:
                outcome = job.genesis(epoch, levels, account, amounts=amounts, dry_run=dry_run)
                if do_claim and not dry_run:
                    outcome.claims_sent = job.claim(epoch, account, progress=False)
                    outcome.note("claim", True)
            else:
                outcome = job.run(epoch, account, claim=do_claim, dry_run=dry_run)
        finally:
            metrics.chain_state_or_say(job, say)
    if outcome.quiet:
        line = f"epoch {outcome.epoch}: a quiet day, nothing to publish (the root on the chain carries it)"
    else:
        line = (
            f"epoch {outcome.epoch}: done {', '.join(outcome.done) or 'nothing'}; "
            f"already done {', '.join(outcome.skipped) or 'nothing'}; {outcome.claims_sent} claims sent"
        )
    metrics.outcome(outcome)
    finish(line, epoch=outcome.epoch, steps_done=outcome.done, steps_skipped=outcome.skipped,
           claims_sent=outcome.claims_sent, quiet=outcome.quiet, chain_id=chain.chain_id)
