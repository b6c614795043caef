"""Make ``solc`` 0.8.30 available to py-solc-x / ape-solidity without any download.

py-solc-x finds compilers as executables named ``solc-v<version>`` in ``$SOLCX_BINARY_PATH``
(default ``~/.solcx``). Its own ``install_solc`` downloads a binary, which these offline machines
cannot do, so we place one there ourselves: a native ``solc`` of the right version when the
machine has one on ``PATH``, otherwise a small launcher for ``solc_adapter.js`` that drives the
npm ``solc`` (solc-js) package installed in the project's ``node_modules``.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

from twei.errors import ToolchainError

SOLC_VERSION = "0.8.30"
ADAPTER = Path(__file__).with_name("solc_adapter.js")
_VERSION_LINE = re.compile(r"^Version: (\d+\.\d+\.\d+)", re.MULTILINE)


def binary_dir() -> Path:
    """The folder py-solc-x searches, as py-solc-x itself computes it."""
    return Path(os.environ.get("SOLCX_BINARY_PATH", Path.home() / ".solcx"))


def binary_path(version: str = SOLC_VERSION) -> Path:
    return binary_dir() / f"solc-v{version}"


def reported_version(executable: str | os.PathLike[str]) -> str | None:
    """The version an executable reports on ``--version``, or None if it does not answer."""
    try:
        out = subprocess.run(
            [str(executable), "--version"], capture_output=True, text=True, timeout=60, check=False
        ).stdout
    except OSError:
        return None
    match = _VERSION_LINE.search(out)
    return match.group(1) if match else None


def _native_solc(version: str) -> str | None:
    found = shutil.which("solc")
    if found and reported_version(found) == version:
        return found
    return None


def _launcher_text(node: str) -> str:
    return f'#!/bin/sh\nexec "{node}" "{ADAPTER}" "$@"\n'


def ensure_solc(version: str = SOLC_VERSION) -> Path:
    """Install (or repair) ``solc-v<version>`` in py-solc-x's folder and return its path.

    Idempotent: an existing executable that already reports the right version is kept.
    """
    target = binary_path(version)
    native = _native_solc(version)
    if native:
        if target.is_symlink() and os.readlink(target) == native:
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        target.symlink_to(native)
    else:
        node = shutil.which("node")
        if node is None:
            raise ToolchainError("node is not on PATH: it is needed to run the solc-js compiler")
        text = _launcher_text(node)
        if target.is_file() and not target.is_symlink() and target.read_text() == text:
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        target.write_text(text)
        target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    got = reported_version(target)
    if got != version:
        raise ToolchainError(
            f"{target} reports solc {got or 'nothing'}, expected {version}: "
            "is the npm `solc` package installed (npm ci)?"
        )
    return target


def main() -> None:
    print(f"solc {SOLC_VERSION}: {ensure_solc()}")


if __name__ == "__main__":
    main()
