"""Secrets an unattended job or service may start with, and the ones it must refuse.

* :func:`refuse_placeholders`: ``.env.example``'s placeholder values (``change-me``, the
  ``example.org`` RPC, a database URL's ``SECRET`` password) are refused at start, by the oracle,
  the site and every `ape run` job, in one line naming the variable: a copied ``.env`` left
  unfilled never runs in production with a key anyone can read in git.
* :func:`oracle_keys`: the oracle signing keys this machine holds. On a live chain they come from
  Ape keyfile accounts named in ``TWEI_ORACLE_ACCOUNTS`` (encrypted at rest, each unlocked by
  ``APE_ACCOUNTS_<alias>_PASSPHRASE``, as the operator's key is); plain keys in
  ``TWEI_ORACLE_KEYS`` are accepted on local dev chains only (tests and demos use Ape's test
  accounts).
* :func:`check_held_keys`: a machine expected to sign (``TWEI_EXPECTED_ORACLE_KEYS``, default 1)
  that holds fewer of the distributor's oracle keys fails: a forgotten key is a failure that
  needs a human, not a wait for signatures that never come.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from twei.errors import ConfigError

__all__ = ["PLACEHOLDER", "refuse_placeholders", "oracle_keys", "check_held_keys", "held_oracle_keys"]

#: Values (or parts of values) that .env.example ships as placeholders.
PLACEHOLDER = re.compile(r"^change-me$|example\.(org|com)|:SECRET@|^0x0{39}[1-9]$", re.IGNORECASE)

#: The variables whose placeholder value must never reach a running service or job.
SECRET_VARIABLES = (
    "TWEI_ORACLE_API_KEY",
    "TWEI_ORACLE_SESSION_SECRET",
    "TWEI_ORACLE_DATABASE_URL",
    "TWEI_SEPOLIA_RPC",
    "TWEI_ORACLE_KEYS",
)


def refuse_placeholders(names: Iterable[str] = SECRET_VARIABLES, environ: Mapping[str, str] | None = None) -> None:
    """:class:`ConfigError` naming the first variable still holding a placeholder value."""
    environ = os.environ if environ is None else environ
    for name in names:
        value = (environ.get(name) or "").strip()
        if value and any(PLACEHOLDER.search(part.strip()) for part in value.split(",")):
            raise ConfigError(
                f"{name} still holds the placeholder of .env.example ({_shown(value)}): set your own value in .env"
                " (a key: `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            )


def _shown(value: str) -> str:
    return value if len(value) <= 40 else value[:37] + "..."


def oracle_keys(settings: Any, accounts: Any | None, chain_id: int) -> list[str]:
    """The private keys this machine signs daily roots with: ``TWEI_ORACLE_ACCOUNTS``' keyfiles
    unlocked from the environment, and (local chains only) ``TWEI_ORACLE_KEYS``."""
    from twei.deploy import LOCAL_CHAIN_IDS

    plain = settings.keys()
    if plain and chain_id not in LOCAL_CHAIN_IDS:
        raise ConfigError(
            "TWEI_ORACLE_KEYS holds plain private keys: on a live chain import each oracle key as an Ape"
            " account (`.venv/bin/ape accounts import oracle1`) and list the aliases in TWEI_ORACLE_ACCOUNTS"
        )
    keys = list(plain)
    aliases = [a.strip() for a in (getattr(settings, "oracle_accounts", "") or "").split(",") if a.strip()]
    for alias in aliases:
        if alias.upper().startswith("TEST::"):  # Ape's test accounts: the demo's oracles are 6-8
            if chain_id not in LOCAL_CHAIN_IDS:
                raise ConfigError(f"{alias} is one of Ape's test accounts: an oracle key on a live chain is an Ape keyfile account")
            try:
                keys.append("0x" + bytes.fromhex(str(accounts.test_accounts[int(alias[6:])].private_key).removeprefix("0x")).hex())
            except (ValueError, IndexError) as err:
                raise ConfigError(f"{alias} is not one of Ape's test accounts") from err
            continue
        keys.append(_unlock(accounts, alias))
    return keys


def _unlock(accounts: Any, alias: str) -> str:
    """The private key of Ape keyfile account ``alias``, decrypted with its passphrase variable."""
    from eth_account import Account

    variable = f"APE_ACCOUNTS_{alias}_PASSPHRASE"
    try:
        account = accounts.load(alias)
    except Exception as err:  # Ape raises KeyError/AccountsError variants for a missing alias
        raise ConfigError(f"no Ape account named {alias!r} for an oracle key (TWEI_ORACLE_ACCOUNTS): import it with"
                          f" `.venv/bin/ape accounts import {alias}`") from err
    passphrase = os.environ.get(variable)
    if not passphrase:
        raise ConfigError(f"{variable} is not set (in .env or the environment): the oracle key {alias!r} cannot sign unattended")
    try:
        return "0x" + bytes(Account.decrypt(account.keyfile, passphrase)).hex()
    except (ValueError, TypeError) as err:
        raise ConfigError(f"{variable} does not unlock the oracle account {alias!r}") from err


def held_oracle_keys(keys: Sequence[str], oracles: Sequence[str]) -> list[str]:
    """The addresses of ``oracles`` whose key is among ``keys``."""
    from eth_account import Account

    wanted = {o.lower() for o in oracles}
    return sorted({Account.from_key(k).address for k in keys if Account.from_key(k).address.lower() in wanted})


def check_held_keys(keys: Sequence[str], oracles: Sequence[str], expected: int) -> list[str]:
    """The oracle addresses held; :class:`ConfigError` if fewer than ``expected``."""
    held = held_oracle_keys(keys, oracles)
    if len(held) < expected:
        stray = len(keys) - len(held)
        why = f"{len(keys)} key(s) given, {stray} of them not an oracle of the distributor" if keys else "no oracle key given"
        raise ConfigError(
            f"this machine holds {len(held)} of the {expected} oracle key(s) it is expected to sign with ({why}):"
            " set TWEI_ORACLE_ACCOUNTS (Ape accounts of the oracle keys; TWEI_ORACLE_KEYS on local chains),"
            " or TWEI_EXPECTED_ORACLE_KEYS=0 where every signature comes from other machines"
        )
    return held
