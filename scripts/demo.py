"""`ape run demo`: the platform's whole day on a local chain (see twei.demo).

The embedded chain by default (`make demo`); `--network http://127.0.0.1:8545` runs the same day
on an Anvil node that stays up afterwards (`make demo-anvil`), so `report`, `claim` and `settle`
can be pointed at it with `--root demo-output`."""

import os
from pathlib import Path

import click
from ape import accounts, chain, project
from ape.cli import network_option

from twei.cli import friendly_errors
from twei.jobcli import JobCommand, finish
from twei.demo import run_demo


@click.command("demo", cls=JobCommand)
@network_option()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("demo-output"),
              show_default=True, help="Folder for the day's files (emptied first).")
@click.option("--ape-logs", is_flag=True, help="Keep Ape's own log lines (compiling, each transaction) on stderr.")
@friendly_errors
def cli(out, ape_logs):
    """Deploy, read, comment, vote, settle, claim and report: one day of Twei on a local chain."""
    if not ape_logs:  # the narration only: no compiler input list, no `INFO: Confirmed 0x…` per transaction
        from ape.logging import LogLevel, logger

        logger.set_level(LogLevel.WARNING)
    result = run_demo(project, chain, accounts.test_accounts, out, say=click.echo)
    uri = getattr(chain.provider, "uri", "") or ""
    port = os.environ.get("SITE_PORT") or "8000"  # `make site SITE_PORT=...` passes its port
    click.echo("")
    if chain.provider.name != "test" and uri.startswith("http"):  # a node, not the embedded chain
        click.echo(f"The post page: `.venv/bin/ape run site --network {uri} --root {out} --port {port}` serves it at"
                   f" http://127.0.0.1:{port}/posts/{result.post_id} (Ctrl-C stops it).")
    else:
        click.echo("The post page needs a chain your browser wallet can reach: `make site` runs this day on Anvil"
                   f" and serves it at http://127.0.0.1:{port}/posts/{result.post_id} (Ctrl-C stops it).")
