"""The settlement job's settings: one pydantic-settings object from the environment and ``.env``.

``TWEI_ORACLE_ACCOUNTS`` (Ape keyfile aliases) name the oracle keys this process signs with;
``TWEI_ORACLE_KEYS`` (plain private keys) is for local dev chains only (twei.secrets). Set
``TWEI_EXPECTED_ORACLE_KEYS=0`` where each oracle signs on its own machine (`ape run settle
--sign-only`). The pool rates
default to SPEC §2 (twei.economy.PoolRates).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["SettleSettings", "LIVE_CONFIRMATIONS"]

#: Default reorg allowance on live networks: on Ethereum a reorg deeper than a couple of blocks
#: is rare since the merge, and twelve blocks are seconds on an L2 (set TWEI_CONFIRMATIONS=64 to
#: wait for finality on L1).
LIVE_CONFIRMATIONS = 12


class SettleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TWEI_", env_file=".env", extra="ignore", frozen=True)

    #: Comma-separated oracle private keys held by this process (tests and the demo hold several).
    oracle_keys: SecretStr = SecretStr("")
    #: Comma-separated Ape keyfile aliases of the oracle keys this machine signs with (live
    #: chains: twei.secrets.oracle_keys; each unlocked by APE_ACCOUNTS_<alias>_PASSPHRASE).
    oracle_accounts: str = ""
    #: How many of the distributor's oracle keys this machine must hold (0: every signature comes
    #: from other machines). Fewer is a failure that needs a human (exit code 1), not a wait.
    expected_oracle_keys: int = Field(default=1, ge=0)
    #: The node exporter's textfile folder: the job writes twei_settle.prom there (unset: none).
    metrics_dir: Path | None = None
    settlements_dir: Path = Path("settlements")
    #: The reading oracle's SQLite store (its qualifying reads are the day's Read Rewards).
    oracle_db: Path = Path("oracle/oracle.db")
    #: Blocks per eth_getLogs page.
    log_page_blocks: int = 2_000
    #: Gas budget of one `sweep` (one multiproof for a batch of accounts).
    claim_gas_budget: int = 8_000_000
    #: The reorg allowance: blocks below the head the job leaves unread, and how deep a block at
    #: or after a day's end must be before the day is settled. Unset: 0 on local dev chains,
    #: :data:`LIVE_CONFIRMATIONS` elsewhere.
    confirmations: int | None = Field(default=None, ge=0)
    #: Processes a large day's build uses (the reads pass by reader range, the breakdown beside
    #: the tree; twei.settlement.job). Unset: two, or one on a one-core machine. Set 1 where the
    #: job shares busy cores: the workers' overhead then costs more than they save.
    settle_workers: int | None = Field(default=None, ge=1)

    def confirmations_on(self, chain_id: int) -> int:
        """The confirmations to wait for on ``chain_id`` (the setting, else the default)."""
        if self.confirmations is not None:
            return self.confirmations
        from twei.deploy import LOCAL_CHAIN_IDS

        return 0 if chain_id in LOCAL_CHAIN_IDS else LIVE_CONFIRMATIONS

    def keys(self) -> list[str]:
        return [k.strip() for k in self.oracle_keys.get_secret_value().split(",") if k.strip()]

    def job_db(self, chain_id: int) -> Path:
        return self.settlements_dir / str(chain_id) / "job.db"
