"""twei.secrets: .env.example's placeholders refused, oracle keys from encrypted Ape keyfiles on a
live chain (plain keys only on local chains), and a machine missing its expected key refused."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from eth_account import Account

from twei.errors import ConfigError
from twei.oracle import OracleSettings, serve
from twei.secrets import check_held_keys, oracle_keys, refuse_placeholders
from twei.settlement.settings import SettleSettings

KEYS = ["0x" + f"{i:064x}" for i in (11, 12, 13)]
ADDRESSES = [Account.from_key(k).address for k in KEYS]


def example_values() -> dict[str, str]:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / ".env.example").read_text()
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#"))


@pytest.mark.parametrize("name", ["TWEI_ORACLE_API_KEY", "TWEI_SEPOLIA_RPC"])
def test_placeholders__env_example_values_are_refused_by_name(name):
    value = example_values()[name]
    with pytest.raises(ConfigError, match=f"^{name} still holds the placeholder of .env.example"):
        refuse_placeholders(environ={name: value})
    refuse_placeholders(environ={name: "a-real-value-8f3b"})  # a value of one's own passes


def test_placeholders__the_oracle_does_not_start_with_them(tmp_path):
    settings = OracleSettings(_env_file=None, api_key="change-me", db=tmp_path / "o.db")
    with pytest.raises(ConfigError, match="TWEI_ORACLE_API_KEY still holds the placeholder"):
        serve(settings)  # refused before uvicorn starts: nothing listens, nothing is created
    assert not (tmp_path / "o.db").exists()
    # the database URL's SECRET password too
    with pytest.raises(ConfigError, match="TWEI_ORACLE_DATABASE_URL"):
        serve(OracleSettings(_env_file=None, api_key="k-8f3b", database_url="postgresql://twei:SECRET@db:5432/twei"))


@dataclass
class Keyfile:
    keyfile: dict


class Accounts:
    """Ape's `accounts.load` over encrypted keyfiles (as `ape accounts import` writes them)."""

    def __init__(self, files: dict[str, dict]) -> None:
        self.files = files

    def load(self, alias: str) -> Keyfile:
        if alias not in self.files:
            raise KeyError(alias)
        return Keyfile(self.files[alias])


def test_oracle_keys__unlocked_from_keyfiles_and_plain_keys_refused_on_a_live_chain(monkeypatch):
    accounts = Accounts({"oracle1": Account.encrypt(KEYS[0], "pass-1", iterations=2**10)})
    monkeypatch.setenv("APE_ACCOUNTS_oracle1_PASSPHRASE", "pass-1")
    live = SettleSettings(_env_file=None, oracle_accounts="oracle1")
    assert oracle_keys(live, accounts, 11155111) == [KEYS[0]]
    with pytest.raises(ConfigError, match="TWEI_ORACLE_KEYS holds plain private keys"):
        oracle_keys(SettleSettings(_env_file=None, oracle_keys=KEYS[1]), accounts, 11155111)
    assert oracle_keys(SettleSettings(_env_file=None, oracle_keys=KEYS[1]), accounts, 1337) == [KEYS[1]]
    monkeypatch.setenv("APE_ACCOUNTS_oracle1_PASSPHRASE", "wrong")
    with pytest.raises(ConfigError, match="does not unlock the oracle account 'oracle1'"):
        oracle_keys(live, accounts, 11155111)
    monkeypatch.delenv("APE_ACCOUNTS_oracle1_PASSPHRASE")
    with pytest.raises(ConfigError, match="APE_ACCOUNTS_oracle1_PASSPHRASE is not set"):
        oracle_keys(live, accounts, 11155111)
    with pytest.raises(ConfigError, match="no Ape account named 'nobody'"):
        oracle_keys(SettleSettings(_env_file=None, oracle_accounts="nobody"), accounts, 11155111)


def test_held_keys__fewer_than_expected_is_refused_and_a_stray_key_does_not_count():
    assert check_held_keys(KEYS[:2], ADDRESSES, expected=2) == sorted(ADDRESSES[:2])
    with pytest.raises(ConfigError, match="holds 0 of the 1 oracle key\\(s\\).*no oracle key given"):
        check_held_keys([], ADDRESSES, expected=1)
    stray = "0x" + f"{99:064x}"
    with pytest.raises(ConfigError, match="holds 0 of the 1 .*1 of them not an oracle"):
        check_held_keys([stray], ADDRESSES, expected=1)
    assert check_held_keys([], ADDRESSES, expected=0) == []  # every signature from other machines


def test_jobs__refuse_placeholders_on_a_live_network_before_connecting(monkeypatch):
    """Every `ape run` job (twei.jobcli.JobCommand): .env.example's RPC placeholder is refused in
    one line with exit code 1 before Ape connects; on the embedded chain a demo may keep it."""
    import click
    from ape.cli import network_option
    from click.testing import CliRunner

    from twei.jobcli import JobCommand

    @click.command("probe", cls=JobCommand)
    @network_option()
    def probe():
        click.echo("ran")

    monkeypatch.setenv("TWEI_SEPOLIA_RPC", example_values()["TWEI_SEPOLIA_RPC"])
    run = CliRunner().invoke(probe, ["--network", "ethereum:sepolia:node"])
    assert run.exit_code == 1
    assert run.output.strip().splitlines() == [
        "Error: TWEI_SEPOLIA_RPC still holds the placeholder of .env.example (https://sepolia.example.org/rpc):"
        " set your own value in .env (a key: `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
    ]
    run = CliRunner().invoke(probe, ["--network", "ethereum:local:test"])
    assert (run.exit_code, run.output.strip()) == (0, "ran")
