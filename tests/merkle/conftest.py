"""The JavaScript reference tree, run through node."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

HELPER = Path(__file__).with_name("oz_merkle.js")


@pytest.fixture(scope="session")
def oz_merkle():
    """Call the JS helper: `oz_merkle({"cmd": "build", ...})` returns its parsed JSON answer."""
    node = shutil.which("node")
    assert node, "node is needed (make setup installs the npm packages it runs)"

    def run(request):
        out = subprocess.run(
            [node, str(HELPER)], input=json.dumps(request), capture_output=True, text=True, check=True
        )
        return json.loads(out.stdout)

    return run
