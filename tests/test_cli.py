"""What every `ape run` script shares (twei.cli): .env, the network's RPC variable, addresses."""

from __future__ import annotations

import pytest

from twei.cli import _unset_network_variable, check_address
from twei.errors import ConfigError


def test_cli__an_unset_rpc_variable_of_the_chosen_network_is_named(monkeypatch):
    monkeypatch.delenv("TWEI_SEPOLIA_RPC", raising=False)
    argv = ["ape", "run", "deploy", "--network", "ethereum:sepolia:node", "--yes"]
    assert _unset_network_variable(argv) == "TWEI_SEPOLIA_RPC"
    assert _unset_network_variable(["ape", "run", "deploy", "--network=ethereum:sepolia:node"]) == "TWEI_SEPOLIA_RPC"
    monkeypatch.setenv("TWEI_SEPOLIA_RPC", "http://127.0.0.1:8545")
    assert _unset_network_variable(argv) is None
    assert _unset_network_variable(["ape", "run", "demo"]) is None
    assert _unset_network_variable(["ape", "run", "demo", "--network", "http://127.0.0.1:8545"]) is None


@pytest.mark.parametrize("value", ["0x123", "", "f39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "0x" + "g" * 40])
def test_cli__a_bad_address_is_one_line(value):
    with pytest.raises(ConfigError, match="is not an address"):
        check_address(value, "--for")


def test_cli__an_address_comes_back_checksummed():
    assert check_address("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266") == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


def test_cli__an_unset_rpc_variable_with_json_is_still_one_json_object_on_stdout(monkeypatch, capsys, tmp_path):
    """Before the job's command runs (where the network is chosen), `--json` still gets its object."""
    import json
    import sys

    from twei.cli import prepare_environment

    monkeypatch.delenv("TWEI_SEPOLIA_RPC", raising=False)
    monkeypatch.setattr(sys, "argv", ["ape", "run", "settle", "--network", "ethereum:sepolia:node", "--json"])
    with pytest.raises(SystemExit) as end:
        prepare_environment(tmp_path / "no.env")
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert (end.value.code, doc["job"], doc["status"], doc["exit_code"]) == (1, "settle", "needs_human", 1)
    assert "TWEI_SEPOLIA_RPC is not set" in doc["message"] and err.startswith("Error: TWEI_SEPOLIA_RPC is not set")
