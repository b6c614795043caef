"""The offline solc: solc-js behind a native-solc command line that py-solc-x accepts."""

import json
import os
import subprocess
from pathlib import Path

import pytest
import solcx

from twei.errors import ToolchainError
from twei.toolchain import solc as solc_module
from twei.toolchain.solc import ADAPTER, SOLC_VERSION, ensure_solc, reported_version

IMPORTING = 'pragma solidity 0.8.30; import "lib/Two.sol"; contract One is Two {}'
IMPORTED = "pragma solidity 0.8.30; contract Two { function two() external pure returns (uint256) { return 2; } }"


def _std_input(sources):
    return json.dumps(
        {
            "language": "Solidity",
            "sources": sources,
            "settings": {"evmVersion": "shanghai", "outputSelection": {"*": {"*": ["abi"]}}},
        }
    )


@pytest.fixture
def solcx_dir(tmp_path, monkeypatch):
    folder = tmp_path / "solcx"
    monkeypatch.setenv("SOLCX_BINARY_PATH", str(folder))
    return folder


def test_adapter__reports_the_version_as_native_solc_does():
    out = subprocess.run(["node", ADAPTER, "--version"], capture_output=True, text=True, check=True)
    assert f"Version: {SOLC_VERSION}+commit" in out.stdout


def test_adapter__compiles_standard_json_resolving_imports_against_base_path(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "Two.sol").write_text(IMPORTED)
    proc = subprocess.run(
        ["node", ADAPTER, "--standard-json", "--base-path", str(tmp_path), "--allow-paths", "/x,/y"],
        input=_std_input({"One.sol": {"content": IMPORTING}}),
        capture_output=True,
        text=True,
        check=True,
    )
    output = json.loads(proc.stdout)  # nothing but JSON on stdout
    assert "One" in output["contracts"]["One.sol"]
    assert output["contracts"]["lib/Two.sol"]["Two"]["abi"][0]["name"] == "two"


def test_adapter__reports_a_missing_import_as_a_compile_error(tmp_path):
    proc = subprocess.run(
        ["node", ADAPTER, "--standard-json", "--base-path", str(tmp_path)],
        input=_std_input({"One.sol": {"content": IMPORTING}}),
        capture_output=True,
        text=True,
        check=True,
    )
    errors = json.loads(proc.stdout)["errors"]
    assert any("lib/Two.sol" in e["formattedMessage"] for e in errors if e["severity"] == "error")


def test_adapter__refuses_command_line_flags_it_would_otherwise_ignore():
    proc = subprocess.run(["node", ADAPTER, "--optimize"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "unsupported option --optimize" in proc.stderr


def test_ensure_solc__installs_a_launcher_py_solc_x_finds_and_uses(solcx_dir, tmp_path):
    path = ensure_solc()
    assert path == solcx_dir / f"solc-v{SOLC_VERSION}"
    assert str(solcx.get_installed_solc_versions()[0]) == SOLC_VERSION
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "Two.sol").write_text(IMPORTED)
    out = solcx.compile_standard(
        json.loads(_std_input({"One.sol": {"content": IMPORTING}})),
        solc_binary=path,
        base_path=tmp_path,
        allow_paths=[tmp_path],
    )
    assert "Two" in out["contracts"]["lib/Two.sol"]


def test_ensure_solc__is_idempotent(solcx_dir):
    first = ensure_solc()
    mtime = first.stat().st_mtime_ns
    assert ensure_solc() == first
    assert first.stat().st_mtime_ns == mtime


def test_ensure_solc__prefers_a_native_solc_of_the_same_version(solcx_dir, tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    native = bin_dir / "solc"
    native.write_text(f"#!/bin/sh\necho 'Version: {SOLC_VERSION}+commit.73712a01.Linux.g++'\n")
    native.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    path = ensure_solc()
    assert path.is_symlink() and Path(os.readlink(path)) == native


def test_ensure_solc__ignores_a_native_solc_of_another_version(solcx_dir, tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    native = bin_dir / "solc"
    native.write_text("#!/bin/sh\necho 'Version: 0.8.19+commit.7dd6d404.Linux.g++'\n")
    native.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    path = ensure_solc()
    assert not path.is_symlink()
    assert reported_version(path) == SOLC_VERSION


def test_ensure_solc__without_node_says_so(solcx_dir, monkeypatch):
    monkeypatch.setattr(solc_module.shutil, "which", lambda name: None)
    with pytest.raises(ToolchainError, match="node is not on PATH"):
        ensure_solc()
