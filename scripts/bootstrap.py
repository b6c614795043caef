"""`ape run bootstrap ADDRESS... --level 13 --twei 20`: start a new network's economy in one
command: a genesis root giving each address a level and a starting balance (see
twei.settlement.genesis), built, signed by the oracle keys of TWEI_ORACLE_KEYS, published, and,
once its challenge period is over, claimed for everyone. Run it again to finish what is due."""

import json
from pathlib import Path

import click
from ape import accounts, chain, project
from ape.cli import network_option

from twei.cli import check_address, friendly_errors, say
from twei.jobcli import JobCommand, finish
from twei.errors import ConfigError, StepNotDue
from twei.settlement.day import DAY
from twei.settlement.genesis import genesis_entries, parse_genesis, read_genesis, write_genesis
from twei.settlement.runner import for_root, job_lock, make_job, sender_account, signing_keys
from twei.settlement.settings import SettleSettings
from twei.settlement.timeline import utc


def address_of(who: str) -> str:
    """An address as given, or the address of an Ape account alias (no unlocking needed)."""
    if who.startswith("0x"):
        return check_address(who)
    try:
        return accounts.load(who).address
    except Exception as err:  # Ape raises KeyError/AccountsError variants for a missing alias
        raise ConfigError(f"{who!r} is neither an address nor an Ape account alias") from err


@click.command("bootstrap", cls=JobCommand)
@network_option()
@click.argument("addresses", nargs=-1, metavar="ADDRESS_OR_ALIAS...")
@click.option("--level", type=click.IntRange(0, 65_535), default=13, show_default=True,
              help="Level of every address (13 may comment).")
@click.option("--twei", "balance", default="20", show_default=True, help="Starting balance of every address, in TWEI.")
@click.option("--file", "genesis_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Or a genesis file {address: {level, twei}} (then no ADDRESS arguments).")
@click.option("--sender", envvar="TWEI_SENDER", default=None,
              help="Ape account alias that sends the transactions (default on local chains: test account 0).")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Folder holding deployments/<chain id>.json.")
@click.option("--lock-wait", type=click.FloatRange(min=0), envvar="TWEI_LOCK_WAIT_S", default=600, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (README: Operating Twei).")
@friendly_errors
def cli(addresses, level, balance, genesis_file, sender, root, lock_wait, as_json):
    """Publish (and then claim) the genesis root of a new network's levels and balances."""
    settings = for_root(SettleSettings(), root)  # the site folder's store and files, or refused
    path = settings.settlements_dir / str(chain.chain_id) / "genesis.json"
    if genesis_file is not None:
        if addresses:
            raise click.UsageError("give ADDRESS arguments or --file, not both")
        levels, amounts = read_genesis(genesis_file)
        write_genesis(path, json.loads(genesis_file.read_text()))
    elif addresses:
        entries = genesis_entries([address_of(a) for a in addresses], level, balance)
        levels, amounts = parse_genesis(entries)
        write_genesis(path, entries)
    elif path.exists():  # a re-run: the genesis written before
        levels, amounts = read_genesis(path)
    else:
        raise click.UsageError("name the addresses to seed (or --file genesis.json)")
    account = sender_account(accounts, chain, sender)
    epoch = int(chain.pending_timestamp) // DAY - 1
    with job_lock(settings, chain.chain_id, lock_wait):
        job = make_job(project, chain, settings, root, say)
        job.keys = signing_keys(accounts, chain, settings, job.distributor)
        genesis = next((e for e in job.store.epochs() if e.genesis), None)
        if genesis is not None:
            epoch = genesis.epoch
        outcome = job.genesis(epoch, levels, account, amounts=amounts)
        say(f"genesis of day {epoch}: {len(levels)} accounts ({path}); {', '.join(outcome.done)} done")
        try:
            sent = job.claim(epoch, account, progress=False)
        except StepNotDue as err:
            _, _, _, activates_at = job.distributor.pendingRoot()
            raise StepNotDue(
                f"the genesis root activates at {utc(int(activates_at))}; run the same command again after"
                " that to pay the starting balances (or each account runs `ape run claim`)"
            ) from err
    finish(f"genesis of day {epoch}: active; claimed for {sent} accounts", epoch=epoch, accounts=len(levels),
           claims_sent=sent, genesis_file=str(path))
