"""`ape run site`: serve the post pages and the publish page, with the oracle on the same origin.

    ape run site --network http://127.0.0.1:8545 --root demo-output --port 8000

The page's wallet talks to the chain itself; `--rpc-url` is the URL offered to a wallet that
does not know the chain yet (`wallet_addEthereumChain`). Logs go to stderr; the URL of the site
is the one line on stdout.
"""

import os
from pathlib import Path

import click
from ape import chain, project
from ape.cli import network_option

from twei.cli import friendly_errors, say
from twei.jobcli import JobCommand, finish
from twei.oracle.settings import OracleSettings
from twei.site.serve import build_site, site_contracts, wallet_rpc_url


@click.command("site", cls=JobCommand)
@network_option()
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Folder holding deployments/ and settlements/ (and the site's texts, in site/).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--rpc-url", envvar="TWEI_SITE_RPC_URL", default="",
              help="Public RPC URL a wallet adds the chain with (TWEI_SITE_RPC_URL; default: the node's if on loopback).")
@click.option("--oracle-db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The oracle's SQLite store (default: TWEI_ORACLE_DB, else <root>/oracle.db).")
@click.option("--database-url", envvar="TWEI_SITE_DATABASE_URL", default=None, show_envvar=True,
              help="PostgreSQL URL of the texts and names several site replicas share (default: <root>/site/texts.db, SQLite).")
@friendly_errors
def cli(root, host, port, rpc_url, oracle_db, database_url):
    """Serve the site (post pages, publishing, live sections) and the reading oracle together."""
    import uvicorn

    from twei.errors import ConfigError
    from twei.oracle.app import create_app
    from twei.oracle.signin import require_domain

    if chain.provider.name == "test":
        raise ConfigError(
            "the site needs a chain a browser wallet can reach, not the embedded one:"
            " --network http://127.0.0.1:8545 (make site runs the demo's day on Anvil and serves it)"
        )
    contracts = site_contracts(project, chain, root)
    overrides = {"chain_id": chain.chain_id, "settlements_dir": root / "settlements"}
    if oracle_db is not None:
        overrides["db"] = oracle_db
    elif "TWEI_ORACLE_DB" not in os.environ and (root / "oracle.db").exists():
        overrides["db"] = root / "oracle.db"  # a demo folder keeps the oracle's store there
    settings = OracleSettings(**overrides)
    require_domain(host, settings.siwe_domain)  # the site serves the sign-in too
    app, _ = build_site(
        contracts,
        root,
        oracle_app=create_app(settings),
        rpc_url=rpc_url or wallet_rpc_url(getattr(chain.provider, "uri", "") or ""),
        interval_ms=settings.heartbeat_interval_ms,
        job_db=root / "settlements" / str(chain.chain_id) / "job.db",
        domain=settings.siwe_domain,
        database_url=database_url,
    )
    say(f"serving the site for chain {chain.chain_id} (Ctrl-C stops it)")
    click.echo(f"http://{host}:{port}/")
    uvicorn.run(app, host=host, port=port, log_level="warning")
