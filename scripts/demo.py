"""`ape run demo`: the platform's day on the embedded chain (see twei.demo)."""

import click
from ape import accounts, project
from ape.cli import ConnectedProviderCommand, network_option

from twei.cli import friendly_errors
from twei.demo import run_demo


@click.command(cls=ConnectedProviderCommand)
@network_option()
@friendly_errors
def cli():
    """Deploy the token on a local chain and show what a wallet sees."""
    run_demo(project, accounts.test_accounts[0], say=click.echo)
