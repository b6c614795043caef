"""Contracts deployed per test, for the modules where one deploy per module breaks Ape's isolation.

`token` and `distributor` are module-scoped elsewhere: deployed once, and Ape reverts each test
to them. Two kinds of module import these two fixtures instead and deploy per test:

* a module whose tests run a script in process with `--network` (test_claim_files_checked.py,
  test_claim_script.py): Ape's network context, when it is left, ends the test's chain snapshot,
  so the next test would start from the last one's state (a root already published);
* test_guardian_and_admin.py: on Anvil, after tests/deploy, its test of the constructor's reverts
  failed inside Ape's error decoding (eth_abi `InvalidPointer`, not the custom error) with
  module-scoped contracts, every time; deployed per test it passes. Not understood further: Ape
  caches a contract type per address, and once every module starts from one snapshot the same
  addresses come back in every module with other contracts at them.
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
