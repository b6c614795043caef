"""Storage of the reading-time oracle: the interface and the embedded SQLite default."""

from twei.oracle.store.base import (
    Batch,
    HeartbeatRecord,
    OracleStore,
    PostRecord,
    QualifyingRead,
    SessionRecord,
    utc_day,
)
from twei.oracle.store.sqlite import SQLiteStore

__all__ = [
    "Batch",
    "HeartbeatRecord",
    "OracleStore",
    "PostRecord",
    "QualifyingRead",
    "SessionRecord",
    "SQLiteStore",
    "utc_day",
]
