"""The genesis file: the levels and starting balances a new network (or a migration) begins with.

``{"0xAddress": 13}`` (a level) or ``{"0xAddress": {"level": 13, "twei": "20"}}`` (a level and a
starting balance in TWEI, paid by the genesis root's claims). `ape run bootstrap` writes one from
its command line; `ape run settle --genesis FILE` publishes one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from decimal import InvalidOperation
from pathlib import Path
from typing import Any

from eth_utils import is_hex_address, to_checksum_address

from twei.errors import ConfigError
from twei.units import twei

__all__ = ["read_genesis", "genesis_entries", "write_genesis"]

MAX_LEVEL = 65_535  # the leaf's uint16


def _amount(value: Any, where: str) -> int:
    try:
        amount = twei(str(value))
    except (InvalidOperation, ValueError, TypeError) as err:
        raise ConfigError(f"{where}: {value!r} is not an amount of TWEI") from err
    if amount < 0:
        raise ConfigError(f"{where}: a starting balance cannot be negative")
    return amount


def parse_genesis(data: Mapping[str, Any], where: str = "genesis") -> tuple[dict[str, int], dict[str, int]]:
    """(levels, amounts in wei) from the file's mapping; :class:`ConfigError` on any bad entry."""
    if not isinstance(data, Mapping) or not data:
        raise ConfigError(f"{where} must be a non-empty JSON object {{address: level or {{level, twei}}}}")
    levels: dict[str, int] = {}
    amounts: dict[str, int] = {}
    for address, entry in data.items():
        if not is_hex_address(address):
            raise ConfigError(f"{where}: {address!r} is not an address")
        account = to_checksum_address(address)
        if isinstance(entry, Mapping):
            level, balance = entry.get("level", 0), entry.get("twei", 0)
        else:
            level, balance = entry, 0
        if not isinstance(level, int) or isinstance(level, bool) or not 0 <= level <= MAX_LEVEL:
            raise ConfigError(f"{where}: the level of {account} must be a whole number 0–{MAX_LEVEL}, not {level!r}")
        levels[account] = level
        if balance:
            amounts[account] = _amount(balance, f"{where}: {account}")
    return levels, amounts


def read_genesis(path: Path) -> tuple[dict[str, int], dict[str, int]]:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as err:
        raise ConfigError(f"{path} is not a genesis JSON file: {err}") from err
    return parse_genesis(data, str(path))


def genesis_entries(addresses: Iterable[str], level: int, balance: str) -> dict[str, dict[str, Any]]:
    """The same level and starting balance for each address (checked as the file would be)."""
    data = {str(a): {"level": level, "twei": str(balance)} for a in addresses}
    parse_genesis(data, "bootstrap")
    return {to_checksum_address(a): entry for a, entry in data.items()}


def write_genesis(path: Path, entries: Mapping[str, Any]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dict(entries), indent=2, sort_keys=True) + "\n")
    return path
