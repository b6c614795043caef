"""Storage of the reading-time oracle: the interface, the embedded SQLite default, PostgreSQL.

:func:`open_store` picks one from the settings: PostgreSQL when ``TWEI_ORACLE_DATABASE_URL`` is
set, else the SQLite file ``TWEI_ORACLE_DB``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twei.oracle.store.base import (
    Batch,
    HeartbeatRecord,
    OracleStore,
    PostRecord,
    QualifyingRead,
    ReadPage,
    SessionRecord,
    StoreTransaction,
    utc_day,
)
from twei.oracle.store.sqlite import SQLiteStore

if TYPE_CHECKING:
    from twei.oracle.settings import OracleSettings

__all__ = [
    "Batch",
    "HeartbeatRecord",
    "OracleStore",
    "PostRecord",
    "QualifyingRead",
    "ReadPage",
    "SessionRecord",
    "SQLiteStore",
    "StoreTransaction",
    "open_store",
    "utc_day",
]


def open_store(settings: OracleSettings) -> OracleStore:
    """The store the settings name, migrated to the latest schema."""
    if settings.database_url is not None:
        from twei.oracle.store.postgres import PostgresStore  # psycopg only when used

        return PostgresStore(
            settings.database_url.get_secret_value(),
            max_size=settings.pg_pool_size,
            timeout=settings.pg_timeout_s,
        )
    return SQLiteStore(settings.db, synchronous=settings.sqlite_synchronous)
