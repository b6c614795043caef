"""The oracle's settings: one pydantic-settings object read from the environment and ``.env``.

Every variable carries the prefix ``TWEI_ORACLE_`` (``TWEI_ORACLE_API_KEY``, ``TWEI_ORACLE_DB``,
``TWEI_ORACLE_HOST`` …). The rule thresholds default to SPEC §4 and are settable only so that
tests (and the browser test) can shrink them; production leaves them alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from twei.oracle.rules import Rules

__all__ = ["OracleSettings"]


class OracleSettings(BaseSettings):
    """Configuration of the HTTP service, its store and its rules."""

    model_config = SettingsConfigDict(
        env_prefix="TWEI_ORACLE_", env_file=".env", extra="ignore", frozen=True
    )

    #: Key the platform backend sends in ``X-API-Key`` to register posts. Unset: registering is
    #: refused (the service never runs with an open backend endpoint by accident).
    api_key: SecretStr | None = None
    #: Domain an EIP-4361 sign-in message must name (``oracle.example.com``, with ``:port`` if
    #: not the default). Unset: the request's ``Host`` (right for development; set it in
    #: production so that a message signed for another site is refused).
    siwe_domain: str | None = None
    #: Key of the sign-in tokens, the same on every replica. Unset: derived from ``api_key``
    #: (random per process if that is unset too: tokens then hold for one process only).
    session_secret: SecretStr | None = None
    #: How long a sign-in token holds (at most; a message's own expiration can shorten it).
    sign_in_ttl_s: int = Field(default=86_400, ge=60)
    #: How long an issued nonce may wait for its signed message.
    nonce_ttl_s: int = Field(default=600, ge=10)
    #: PostgreSQL URL (``postgresql://user:pass@host/db`` or ``postgresql:///db?host=/run/…``):
    #: when set, the oracle stores everything there and several replicas may share it; unset,
    #: it uses the embedded SQLite file ``db``.
    database_url: SecretStr | None = None
    #: Most connections one replica keeps to PostgreSQL (one writer plus page/read handlers).
    pg_pool_size: int = Field(default=8, ge=2)
    #: Seconds a request waits for PostgreSQL before it is answered 503 (with Retry-After).
    pg_timeout_s: float = Field(default=2.0, gt=0)
    db: Path = Path("oracle/oracle.db")
    #: ``FULL`` makes every acknowledged heartbeat survive a power cut; ``NORMAL`` only a crash.
    sqlite_synchronous: str = "FULL"
    host: str = "127.0.0.1"
    #: Event loop for uvicorn. uvloop: with the heartbeat served before FastAPI's middleware
    #: (twei.oracle.fastpath) it measured ~30 % more heartbeats/s at 1,000 connections than
    #: asyncio, p99 222-233 ms against 291 ms (bench/oracle_load.py, ``--loop``). (Before the fast
    #: path, under the full stack, it starved some connections for seconds: p99 3-6 s.)
    loop: Literal["asyncio", "uvloop"] = "uvloop"
    port: int = Field(default=8238, ge=1, le=65535)
    #: Processes serving on the one port (uvicorn workers). They share the sessions through the
    #: store, so any of them may take any heartbeat. Meant for PostgreSQL: on SQLite they take
    #: turns at the file for every write, which measured slower than one process
    #: (bench/oracle_load.py, ``oracle-2``).
    workers: int = Field(default=1, ge=1, le=64)
    #: Chain id whose settlement files (``settlements/<chain>/<epoch>.breakdown.json``) feed the
    #: settled amounts and the PnL block of the post page.
    chain_id: int = 1337
    settlements_dir: Path = Path("settlements")
    #: Largest request body accepted, in bytes (a heartbeat is ~150 bytes; a post up to ~1 MB).
    max_body_bytes: int = Field(default=1_048_576, ge=256)
    max_heartbeat_bytes: int = Field(default=1_024, ge=128)
    #: How often the page's tracker sends a heartbeat, in ms (SPEC §4: every 15 s).
    heartbeat_interval_ms: int = Field(default=15_000, ge=100)
    #: Most heartbeats the writer puts in one transaction (group commit).
    max_batch: int = Field(default=2_000, ge=1)

    #: Most a session's ``client_time`` may run ahead of the server's clock (a clock set a
    #: time zone wrong still starts; a session "starting" in the year 294,000 does not).
    max_session_start_ahead_ms: int = Field(default=86_400_000, ge=0)

    words_per_minute: int = Field(default=238, ge=1)
    max_gap_ms: int = Field(default=30_000, ge=1)
    active_window_ms: int = Field(default=60_000, ge=1)
    cap_factor: float = Field(default=1.5, gt=0)
    qualify_time_fraction: float = Field(default=0.5, ge=0)
    qualify_scroll_pct: float = Field(default=75.0, ge=0, le=100)
    max_clock_skew_ms: int = Field(default=5_000, ge=0)

    def rules(self) -> Rules:
        """The rule thresholds as the pure functions of :mod:`twei.oracle.rules` take them."""
        return Rules(
            words_per_minute=self.words_per_minute,
            max_gap_ms=self.max_gap_ms,
            active_window_ms=self.active_window_ms,
            cap_factor=self.cap_factor,
            qualify_time_fraction=self.qualify_time_fraction,
            qualify_scroll_pct=self.qualify_scroll_pct,
            max_clock_skew_ms=self.max_clock_skew_ms,
        )
