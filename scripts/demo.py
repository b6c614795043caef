"""`ape run demo`: the platform's whole day on the embedded chain (see twei.demo)."""

from pathlib import Path

import click
from ape import accounts, chain, project
from ape.cli import ConnectedProviderCommand, network_option

from twei.cli import friendly_errors
from twei.demo import run_demo


@click.command(cls=ConnectedProviderCommand)
@network_option()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("demo-output"),
              show_default=True, help="Folder for the day's files (emptied first).")
@friendly_errors
def cli(out):
    """Deploy, read, comment, vote, settle, claim and report: one day of Twei on a local chain."""
    run_demo(project, chain, accounts.test_accounts, out, say=click.echo)
