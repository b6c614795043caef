"""Putting the site together on a connected chain (`ape run site`, the demo, the tests).

The contracts' addresses and first blocks come from ``deployments/<chain id>.json`` (what
`ape run deploy` recorded), their ABIs from the compiled project, the published trees and
breakdowns from ``settlements/``, and the oracle (mounted in the same app) from its usual
settings. Nothing here sends a transaction.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit
from typing import Any

from fastapi import FastAPI

from twei.deploy import Deployment, deployment_path
from twei.errors import ConfigError
from twei.site.app import SiteInfo, create_site
from twei.site.chain import Contracts, abi_of
from twei.site.texts import TextStore
from twei.site.view import SiteView

__all__ = ["CHAIN_NAMES", "site_contracts", "build_site", "wallet_rpc_url"]

NAMES = ("TweiToken", "Engagement", "RewardDistributor")
CHAIN_NAMES = {1: "Ethereum", 11155111: "Sepolia", 17000: "Holesky", 31337: "Anvil", 1337: "Ganache"}


def wallet_rpc_url(node_uri: str) -> str:
    """The RPC URL the page offers a wallet that lacks the chain: the node's own only when it is
    a dev node on loopback. A remote node's URL is never put in the page, since it would publish
    the operator's RPC URL, API key included, to every reader (``--rpc-url`` names a public one)."""
    parts = urlsplit(node_uri)
    return node_uri if parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1") else ""


def site_contracts(project: Any, chain: Any, root: Path) -> Contracts:
    """The deployed contracts of the connected chain as web3.py objects."""
    chain_id = chain.chain_id
    path = deployment_path(root, chain_id)
    record = Deployment.load(path, chain_id)
    missing = [n for n in NAMES if n not in record.contracts]
    if missing:
        raise ConfigError(f"{path} records no {', '.join(missing)}: run `ape run deploy` on this network first")
    blocks = [record.contracts[n].get("block") or 0 for n in NAMES]
    abis = {name: abi_of(getattr(project, name)) for name in NAMES}
    return Contracts.connect(
        chain.provider.web3,
        chain_id,
        {n: record.address(n) for n in NAMES},
        abis,
        start_block=min(blocks),
    )


def build_site(
    contracts: Contracts,
    root: Path,
    *,
    oracle_app: FastAPI | None = None,
    rpc_url: str = "",
    chain_name: str | None = None,
    interval_ms: int = 15_000,
    texts_db: Path | None = None,
    database_url: str | None = None,
    job_db: Path | None = None,
    domain: str | None = None,
) -> tuple[FastAPI, SiteView]:
    """The site app (with the oracle mounted when given) and the view it renders. Texts and
    names go to PostgreSQL at ``database_url`` (shared by several replicas) or else to the
    SQLite file ``texts_db`` (default ``<root>/site/texts.db``); the chain index is always the
    process's own."""
    root = Path(root)
    texts = TextStore(database_url or texts_db or root / "site" / "texts.db", chain_id=contracts.chain_id)
    view = SiteView(contracts, texts, root / "settlements", job_db=job_db)
    info = SiteInfo(
        chain_id=contracts.chain_id,
        chain_name=chain_name or CHAIN_NAMES.get(contracts.chain_id, f"chain {contracts.chain_id}"),
        rpc_url=rpc_url,
        token=contracts.address("TweiToken"),
        engagement=contracts.address("Engagement"),
        distributor=contracts.address("RewardDistributor"),
        interval_ms=interval_ms,
        domain=domain,
    )
    return create_site(view, info, oracle_app=oracle_app), view
