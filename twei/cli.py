"""What every `ape run` script shares: errors become one line and a non-zero exit."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from twei.errors import TweiError

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(func: F) -> F:
    """Turn a `TweiError` into ``Error: <message>`` and exit code 1, with no traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except TweiError as err:
            raise click.ClickException(str(err)) from err

    return wrapper  # type: ignore[return-value]


def signer_for(accounts: Any, who: str) -> Any:
    """An Ape account by alias, or (local chains) the test account with this address."""
    if who.startswith("0x"):
        for account in accounts.test_accounts:
            if account.address.lower() == who.lower():
                return account
        raise click.ClickException(f"{who} is not a local test account: use an Ape account alias")
    try:
        return accounts.load(who)
    except Exception as err:  # Ape raises its own IndexError/AccountsError variants for a missing alias
        raise click.ClickException(f"no Ape account named {who!r} (see `ape accounts list`)") from err
