"""Schema creation and upgrades for both stores: plain versioned SQL files, applied in order.

``migrations/NNNN_name.sql`` holds version NNNN for every engine; ``NNNN_name.sqlite.sql`` or
``NNNN_name.postgresql.sql`` beside it, if present, replaces it for that engine (a change the
two dialects spell differently). Each store applies the versions its database lacks, each in one
transaction together with its row in ``schema_migrations (version, name, applied_ms)``, so a
crash mid-upgrade leaves the previous version whole (PostgreSQL's DDL is transactional; SQLite's
too). Replicas starting together are serialised: PostgreSQL by an advisory lock, SQLite by
``BEGIN IMMEDIATE`` and the version's primary key.

Why plain files rather than a library: the schema is three tables in SQL both engines accept,
the stores speak SQL directly (no ORM, so Alembic would bring SQLAlchemy only for this), and
the whole mechanism is the sixty lines below; yoyo-migrations would fit too but adds its own
connection handling beside psycopg's pool for no gain at this size. Written by hand for that
reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

__all__ = ["Migration", "migrations", "MIGRATIONS_TABLE", "latest_version"]

Engine = Literal["sqlite", "postgresql"]

MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)"
)
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+?)(?:\.(sqlite|postgresql))?\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema version as one engine runs it."""

    version: int
    name: str
    sql: str


def migrations(engine: Engine, folder: Path | None = None) -> list[Migration]:
    """Every version for ``engine``, in order (``folder`` defaults to the packaged files)."""
    root = folder if folder is not None else resources.files("twei.oracle.store") / "migrations"
    chosen: dict[int, tuple[int, str, str]] = {}  # version -> (specificity, name, sql)
    for entry in root.iterdir():
        match = _FILE.match(entry.name)
        if match is None:
            continue
        version, name, only = int(match[1]), match[2], match[3]
        if only is not None and only != engine:
            continue
        rank = 1 if only else 0
        current = chosen.get(version)
        if current is not None and current[0] == rank and current[1] != name:
            raise ValueError(f"two migrations numbered {version:04d}: {current[1]}, {name}")
        if current is None or rank > current[0]:
            chosen[version] = (rank, name, entry.read_text(encoding="utf-8"))
    found = [Migration(v, name, sql) for v, (_, name, sql) in sorted(chosen.items())]
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise ValueError(f"migration versions must run 1, 2, 3…: {[m.version for m in found]}")
    return found


def latest_version(engine: Engine, folder: Path | None = None) -> int:
    """The version a fully migrated database is at."""
    found = migrations(engine, folder)
    return found[-1].version if found else 0
