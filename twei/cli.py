"""What every `ape run` script shares, so each job runs unattended (SPEC §6):

* ``.env`` is read when this module is imported (each script imports it first thing), before
  Ape's network choice reads ``ape-config.yaml``; if Ape had read the config already, it reads
  it again, so ``${TWEI_SEPOLIA_RPC}`` expands from ``.env`` (nothing to export);
* Ape's log lines (``INFO: Confirmed 0x…``) go to stderr, so stdout carries only results;
* accounts are loaded with autosign on, unlocked by ``APE_ACCOUNTS_<alias>_PASSPHRASE``: no
  prompt ever, and a missing account or passphrase is one line;
* errors become one line and a non-zero exit.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from dotenv import load_dotenv

from twei.errors import ConfigError, TweiError

__all__ = ["friendly_errors", "signer_for", "load_account", "check_address", "contract_at", "say", "prepare_environment"]

F = TypeVar("F", bound=Callable[..., Any])

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


def prepare_environment(env_file: Path | None = None) -> None:
    """Read ``.env`` (the working directory's, or ``TWEI_ENV_FILE``) into the environment without
    overriding what is set already, re-read Ape's config if it was read before, and send Ape's
    log lines to stderr."""
    path = env_file or Path(os.environ.get("TWEI_ENV_FILE", ".env"))
    if path.is_file() and load_dotenv(path, override=False):
        _reload_ape_config()
    _ape_logs_to_stderr()
    _quiet_ape_for_logs()
    missing = _unset_network_variable(sys.argv)
    if missing:
        line = f"{missing} is not set (add it to {path}): ape-config.yaml takes this network's RPC URL from it"
        if "--json" in sys.argv:  # the job's JSON object even before its command runs
            from twei.exitcodes import ExitCode
            from twei.jsonout import emit

            job = next((sys.argv[i + 1] for i, arg in enumerate(sys.argv[:-1]) if arg == "run"), "job")
            emit(job, ExitCode.NEEDS_HUMAN, line, error=line)
        click.echo(f"Error: {line}", err=True)
        raise SystemExit(1)


def _unset_network_variable(argv: list[str]) -> str | None:
    """The ``${VAR}`` that ape-config.yaml gives as the URL of the network on the command line,
    if it is unset (Ape would fail later with a long traceback: ``Invalid uri: ${VAR}``)."""
    choice = next((argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "--network"), None)
    choice = choice or next((arg.split("=", 1)[1] for arg in argv if arg.startswith("--network=")), None)
    config = Path("ape-config.yaml")
    if not choice or choice.count(":") != 2 or not config.is_file():
        return None
    ecosystem, network, provider = choice.split(":")
    try:
        import yaml

        uri = yaml.safe_load(config.read_text())[provider][ecosystem][network]["uri"]
    except (ImportError, KeyError, TypeError, ValueError):
        return None
    found = re.fullmatch(r"\$\{?(\w+)\}?", str(uri).strip())
    if found and not os.environ.get(found.group(1)):
        return found.group(1)
    return None


def _reload_ape_config() -> None:
    try:
        from ape.utils.basemodel import ManagerAccessMixin
    except ImportError:  # Ape not installed: the oracle alone
        return
    project = ManagerAccessMixin.local_project
    if "config" in getattr(project, "__dict__", {}):  # Ape read ape-config.yaml before .env
        project.reload_config()


class _ToStderr(dict):
    """Echo options for every log level: stderr."""

    def get(self, key: Any, default: Any = None) -> dict[str, bool]:
        return {"err": True}

    def __getitem__(self, key: Any) -> dict[str, bool]:
        return {"err": True}


def _ape_logs_to_stderr() -> None:
    """Ape echoes its log lines through click, INFO and SUCCESS to stdout: send all to stderr."""
    try:
        from ape import logging as ape_logging
    except ImportError:
        return
    ape_logging.CLICK_ECHO_KWARGS = _ToStderr()  # handlers Ape makes later (a --verbosity change)
    for handler in ape_logging.logger._logger.handlers:
        if isinstance(handler, ape_logging.ClickHandler):
            handler.echo_kwargs = _ToStderr()


#: Ape's warnings a job's log never needs: autosign's, said once per account and transaction,
#: about what the job means to do (it signs unattended on purpose).
_NOISE = ("Using cached key for", "Danger! This account will now sign any transaction")


def _quiet_ape_for_logs() -> None:
    """No progress bars or Ape's autosign warnings in a job's log: off a terminal (cron, systemd)
    Ape's per-transaction "Confirmations (0/2)" bar would write a redraw line each second."""
    try:
        import logging

        from ape import logging as ape_logging
    except ImportError:
        return

    class _DropNoise(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return not any(text in record.getMessage() for text in _NOISE)

    ape_logging.logger._logger.addFilter(_DropNoise())
    if not sys.stderr.isatty():
        import ape.api.transactions as transactions
        from tqdm import tqdm

        transactions.tqdm = functools.partial(tqdm, disable=True)  # type: ignore[attr-defined]


def say(line: str) -> None:
    """A log line: stderr (stdout is for results)."""
    click.echo(line, err=True)


def friendly_errors(func: F) -> F:
    """Turn a `TweiError` (and a failed contract call) into ``Error: <message>`` and exit code
    1, with no traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except TweiError as err:
            raise click.ClickException(str(err)) from err
        except Exception as err:
            from ape.exceptions import ContractLogicError

            if isinstance(err, ContractLogicError):
                raise click.ClickException(f"the chain refused it: {_one_line(err)}") from err
            raise

    return wrapper  # type: ignore[return-value]


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text[:300] or type(err).__name__


def check_address(value: str, what: str = "address") -> str:
    """``value`` checksummed, or :class:`ConfigError` if it is not a 20-byte hex address."""
    if not _ADDRESS.match(value or ""):
        raise ConfigError(f"{what} {value!r} is not an address (0x and 40 hex digits)")
    from eth_utils import to_checksum_address

    return to_checksum_address(value)


def contract_at(chain: Any, container: Any, address: str) -> Any:
    """``container.at(address)``, or one line if the chain has no code there (a record written
    for another chain, or for an embedded chain that ended with its process)."""
    if not chain.provider.get_code(address):
        raise ConfigError(
            f"no contract at {address} on chain {chain.chain_id}: the deployment record is not of this"
            " chain's state (the embedded chain ends with `make demo`; run `make demo-anvil` to keep a node)"
        )
    return container.at(address)


def load_account(accounts: Any, alias: str, role: str = "account") -> Any:
    """The Ape account ``alias`` with autosign on: it signs without asking, unlocked by
    ``APE_ACCOUNTS_<alias>_PASSPHRASE``. One line (ConfigError) if it is missing or locked."""
    try:
        account = accounts.load(alias)
    except Exception as err:  # Ape raises KeyError/AccountsError variants for a missing alias
        raise ConfigError(
            f"no Ape account named {alias!r} for the {role}: import it with"
            f" `.venv/bin/ape accounts import {alias}` (see `ape accounts list`)"
        ) from err
    if hasattr(account, "set_autosign"):  # a keyfile account; test accounts sign anyway
        variable = f"APE_ACCOUNTS_{alias}_PASSPHRASE"
        passphrase = os.environ.get(variable)
        if not passphrase:
            raise ConfigError(f"{variable} is not set (in .env or the environment): the {role} {alias!r} cannot sign unattended")
        try:
            account.set_autosign(True, passphrase=passphrase)
        except Exception as err:
            raise ConfigError(f"{variable} does not unlock the account {alias!r}: {_one_line(err)}") from err
    return account


def signer_for(accounts: Any, who: str) -> Any:
    """An Ape account by alias, or (local chains) the test account with this address."""
    if who.upper().startswith("TEST::"):  # Ape's own syntax for its test accounts
        try:
            return accounts.test_accounts[int(who[6:])]
        except (ValueError, IndexError) as err:
            raise ConfigError(f"{who} is not one of Ape's test accounts") from err
    if who.startswith("0x"):
        for account in accounts.test_accounts:
            if account.address.lower() == who.lower():
                return account
        raise ConfigError(f"{who} is not a local test account: use an Ape account alias")
    return load_account(accounts, who)


# Every `ape run` script imports this module first: the environment is ready before Ape parses
# the script's --network option.
prepare_environment()
