"""The site over the demo's day on the connected chain: its contracts, published files, oracle
store and texts, served by FastAPI's TestClient (the oracle mounted, as `ape run site` does)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from twei.demo import run_demo
from twei.oracle.app import create_app
from twei.oracle.settings import OracleSettings
from twei.site.chain import Contracts, abi_of
from twei.site.serve import build_site

NAMES = ("TweiToken", "Engagement", "RewardDistributor")


@pytest.fixture(scope="package")
def day(project, chain, accounts, tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "day"
    result = run_demo(project, chain, accounts, out, say=lambda line: None)
    return result, out


@pytest.fixture(scope="package")
def contracts(project, chain, day) -> Contracts:
    result, _ = day
    abis = {name: abi_of(getattr(project, name)) for name in NAMES}
    return Contracts.connect(chain.provider.web3, chain.chain_id, result.addresses, abis)


@pytest.fixture(scope="package")
def site(chain, day, contracts):
    """(TestClient, SiteView) over the demo's day; the client's lifespan runs the oracle."""
    _, out = day
    settings = OracleSettings(
        _env_file=None, db=out / "oracle.db", chain_id=chain.chain_id, settlements_dir=out / "settlements"
    )
    app, view = build_site(
        contracts, out, oracle_app=create_app(settings), job_db=out / "settlements" / str(chain.chain_id) / "job.db"
    )
    view.index.refresh_interval_s = 0  # every request sees the chain as it is
    app.state.hub.tick_s = 3_600  # the live tests step the hub themselves
    with TestClient(app) as client:
        yield client, view


@pytest.fixture
def client(site):
    """The site's client, with the per-client request counts of earlier tests forgotten."""
    site[0].app.state.rate_counts.reset()
    return site[0]


@pytest.fixture
def view(site):
    return site[1]
