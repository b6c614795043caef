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
