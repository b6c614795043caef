"""The settlement job's settings: one pydantic-settings object from the environment and ``.env``.

``TWEI_ORACLE_KEYS`` (comma-separated private keys) are the oracle keys this process signs with;
leave it empty where each oracle signs on its own machine (`ape run settle sign`). The pool rates
default to SPEC §2 (twei.economy.PoolRates).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["SettleSettings"]


class SettleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TWEI_", env_file=".env", extra="ignore", frozen=True)

    #: Comma-separated oracle private keys held by this process (tests and the demo hold several).
    oracle_keys: SecretStr = SecretStr("")
    settlements_dir: Path = Path("settlements")
    #: The reading oracle's SQLite store (its qualifying reads are the day's Read Rewards).
    oracle_db: Path = Path("oracle/oracle.db")
    #: Blocks per eth_getLogs page.
    log_page_blocks: int = 2_000
    #: Gas budget of one `claimMany` batch.
    claim_gas_budget: int = 8_000_000

    def keys(self) -> list[str]:
        return [k.strip() for k in self.oracle_keys.get_secret_value().split(",") if k.strip()]

    def job_db(self, chain_id: int) -> Path:
        return self.settlements_dir / str(chain_id) / "job.db"
