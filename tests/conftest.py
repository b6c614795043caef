"""Role accounts and factories shared by every test.

Contract tests run on the embedded chain and, marked ``chain``, again on Anvil and Ganache;
Ape isolates each test in a chain snapshot, so fixtures may deploy freely.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.ganache_compat import is_ganache, use_evm_methods
from twei.params import TOKEN_SUPPLY_CAP

# Property tests send real transactions, each example a random sequence of several: 15 examples in
# process and 4 on a node over HTTP (every CI run draws new sequences; raise the counts locally
# with a profile of your own). The whole suite on three chains must stay under 20 minutes on two
# cores, and with 25 and 6 it took 25.
settings.register_profile(
    "embedded", max_examples=15, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.register_profile(
    "node", max_examples=4, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.environ.get("TWEI_HYPOTHESIS_PROFILE", "embedded"))


@pytest.fixture(scope="session", autouse=True)
def _ganache_test_hooks(chain):
    """On Ganache, give Ape snapshots and time travel through `evm_*` (see ganache_compat)."""
    if is_ganache(chain.provider):
        use_evm_methods(chain.provider)


@pytest.fixture(scope="session")
def deployer(accounts):
    """Deploys everything and holds every admin role."""
    return accounts[0]


@pytest.fixture(scope="session")
def minter(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def alice(accounts):
    return accounts[2]


@pytest.fixture(scope="session")
def bob(accounts):
    return accounts[3]


@pytest.fixture(scope="session")
def carol(accounts):
    return accounts[4]


@pytest.fixture(scope="session")
def treasury(accounts):
    """Receives the treasury's part of every fee; holds no role."""
    return accounts[5]


@pytest.fixture(scope="session")
def dave(accounts):
    return accounts[6]


@pytest.fixture(scope="session")
def eve(accounts):
    return accounts[7]


@pytest.fixture(scope="session")
def outsider(accounts):
    """Holds no role anywhere."""
    return accounts[9]


@pytest.fixture(scope="module")
def create_token(project, deployer):
    """Factory: a fresh TweiToken with the given admin and cap."""

    def create(admin=None, cap=TOKEN_SUPPLY_CAP):
        return deployer.deploy(project.TweiToken, admin or deployer, cap)

    return create


def token_with_minter(create_token, deployer, minter):
    contract = create_token()
    contract.grantRole(contract.MINTER_ROLE(), minter, sender=deployer)
    return contract


@pytest.fixture(scope="module")
def token(create_token, deployer, minter):
    """A TweiToken whose `minter` account holds MINTER_ROLE: deployed once per module, and every
    test starts from it as deployed (Ape reverts each test's transactions). A module whose tests
    run a script in process with `--network` deploys per test instead (`tests/distributor/per_test.py`)."""
    return token_with_minter(create_token, deployer, minter)


@pytest.fixture
def fund(token, minter):
    """Factory: mint `amount` wei of Twei to an account."""

    def mint(account, amount):
        token.mint(account, amount, sender=minter)

    return mint


@pytest.fixture(scope="session")
def oz_merkle():
    """The JavaScript reference tree (tests/merkle/oz_merkle.js, @openzeppelin/merkle-tree) through
    node: `oz_merkle({"cmd": "build", ...})` returns its parsed JSON answer."""
    node = shutil.which("node")
    assert node, "node is needed (make setup installs the npm packages it runs)"
    helper = Path(__file__).parent / "merkle" / "oz_merkle.js"

    def run(request):
        out = subprocess.run(
            [node, str(helper)], input=json.dumps(request), capture_output=True, text=True, check=True
        )
        return json.loads(out.stdout)

    return run


# -- PostgreSQL: one private cluster for the session (Debian's server, started here) --------


@pytest.fixture(scope="session")
def pg_cluster():
    """A throw-away PostgreSQL server on a unix socket (see twei.toolchain.postgres)."""
    from twei.toolchain.postgres import TempCluster

    cluster = TempCluster()
    try:
        yield cluster
    finally:
        cluster.destroy()


_databases = iter(range(1, 1_000_000))


@pytest.fixture
def pg_url(pg_cluster) -> str:
    """URL of a new empty database on the session's cluster."""
    if not pg_cluster.running():  # a fault test stopped it and failed before restarting
        pg_cluster.start()
    return pg_cluster.create_database(f"t{next(_databases)}")
