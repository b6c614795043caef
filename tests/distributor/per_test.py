"""Contracts deployed per test, for the modules whose tests run a script in process.

`token` and `distributor` are module-scoped elsewhere: deployed once, and Ape reverts each test
to them. A script run in process with `--network` enters Ape's network context, and leaving it
ends the test's chain snapshot, so the next test would start from the last one's state (a root
already published). Those modules import these two fixtures instead and deploy per test.
"""

from __future__ import annotations

import pytest

from tests.conftest import token_with_minter


@pytest.fixture(name="token")
def per_test_token(create_token, deployer, minter):
    return token_with_minter(create_token, deployer, minter)


@pytest.fixture(name="distributor")
def per_test_distributor(create_distributor, token, oracles):
    return create_distributor(token, oracles)
