"""`ape run oracle`: serve the reading-time oracle over HTTP (see twei.oracle.app)."""

import click

from twei.cli import friendly_errors
from twei.oracle import OracleSettings, serve


@click.command()
@click.option("--host", default=None, help="Interface to listen on (TWEI_ORACLE_HOST).")
@click.option("--port", type=int, default=None, help="Port (TWEI_ORACLE_PORT).")
@click.option("--db", default=None, help="SQLite file (TWEI_ORACLE_DB).")
@friendly_errors
def cli(host, port, db):
    """Serve the reading-time oracle and the post page's tracker script."""
    overrides = {k: v for k, v in {"host": host, "port": port, "db": db}.items() if v is not None}
    serve(OracleSettings(**overrides))
