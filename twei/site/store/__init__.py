"""Where the site keeps post texts and display names: the interface, SQLite, PostgreSQL.

:func:`open_backend` picks one: PostgreSQL when given a ``postgresql://`` URL (the site's
``TWEI_SITE_DATABASE_URL``; several site replicas share it), else a SQLite file (the default, one
process: the demo and a single-replica site). The rules (what a valid text or name is, who
signed it) are the same for both and live in :mod:`twei.site.texts`; a backend only keeps rows
and enforces, under concurrency, what must hold across replicas (one name per look-alike
skeleton, a name never replaced by an older signature).
"""

from __future__ import annotations

from pathlib import Path

from twei.site.store.base import Claim, NameChange, TextBackend, TextStoreUnavailable
from twei.site.store.sqlite import SQLiteTexts

__all__ = ["Claim", "NameChange", "SQLiteTexts", "TextBackend", "TextStoreUnavailable", "open_backend", "is_database_url"]


def is_database_url(where: str | Path) -> bool:
    return isinstance(where, str) and where.startswith(("postgresql://", "postgres://"))


def open_backend(where: str | Path) -> TextBackend:
    """PostgreSQL for a ``postgresql://`` URL, else the SQLite file at ``where``."""
    if is_database_url(where):
        from twei.site.store.postgres import PostgresTexts  # psycopg only when used

        return PostgresTexts(str(where))
    return SQLiteTexts(where)
