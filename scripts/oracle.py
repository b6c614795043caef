"""`ape run oracle`: serve the reading-time oracle over HTTP (see twei.oracle.app)."""

import click

from twei.cli import friendly_errors
from twei.oracle import OracleSettings, serve


@click.command()
@click.option("--host", default=None, help="Interface to listen on (TWEI_ORACLE_HOST).")
@click.option("--port", type=int, default=None, help="Port (TWEI_ORACLE_PORT).")
@click.option("--db", default=None, help="SQLite file (TWEI_ORACLE_DB).")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="Processes on the port (TWEI_ORACLE_WORKERS).")
@friendly_errors
def cli(host, port, db, workers):
    """Serve the reading-time oracle and the post page's tracker script."""
    given = {"host": host, "port": port, "db": db, "workers": workers}
    overrides = {k: v for k, v in given.items() if v is not None}
    serve(OracleSettings(**overrides))
