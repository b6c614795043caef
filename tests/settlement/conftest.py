"""Fixtures for the settlement: the JS reference tree, and (for chain tests) the three contracts
wired as in production: Engagement reads levels from the REAL RewardDistributor."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

HELPER = Path(__file__).parents[1] / "merkle" / "oz_merkle.js"


@pytest.fixture(scope="session")
def oz_merkle():
    """The distributor branch's JS helper (tests/merkle/oz_merkle.js) through node."""
    node = shutil.which("node")
    assert node, "node is needed (make setup installs the npm packages it runs)"

    def run(request):
        out = subprocess.run(
            [node, str(HELPER)], input=json.dumps(request), capture_output=True, text=True, check=True
        )
        return json.loads(out.stdout)

    return run
