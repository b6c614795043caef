"""The settlement job wired to a connected Ape network, as `ape run settle` and `ape run bootstrap`
run it: contracts from ``deployments/<chain id>.json``, the oracle's store, the settings, the
sender account, and the lock that keeps one run per chain at a time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from twei.cli import load_account
from twei.deploy import LOCAL_CHAIN_IDS, Deployment, deployment_path
from twei.errors import ConfigError
from twei.settlement.job import SettlementJob
from twei.settlement.lock import JobLock
from twei.settlement.settings import SettleSettings
from twei.settlement.store import JobStore

__all__ = ["deployed_contracts", "make_job", "sender_account", "job_lock", "deployed_at", "signing_keys", "for_root"]


def deployed_contracts(project: Any, chain: Any, root: Path) -> tuple[Any, Any, int, int]:
    """(Engagement, RewardDistributor, Engagement's block, the distributor's block)."""
    record = Deployment.load(deployment_path(root, chain.chain_id), chain.chain_id)
    try:
        engagement = record.contracts["Engagement"]
        distributor = record.contracts["RewardDistributor"]
    except KeyError as err:
        raise ConfigError(f"deployments/{chain.chain_id}.json has no {err}: run `ape run deploy` first") from err
    return (
        project.Engagement.at(engagement["address"]),
        project.RewardDistributor.at(distributor["address"]),
        int(engagement.get("block") or 0),
        int(distributor.get("block") or 0),
    )


def deployed_at(project: Any, chain: Any, root: Path) -> int | None:
    """The block time of the Engagement contract's deployment (None if no block is recorded)."""
    _, _, block, _ = deployed_contracts(project, chain, root)
    return int(chain.blocks[block].timestamp) if block else None


def for_root(settings: SettleSettings, root: Path) -> SettleSettings:
    """The settings for the site folder ``root`` (``--root``), as `ape run site --root` reads it:
    its settlements in ``<root>/settlements`` and, if the folder has one, the oracle's store
    ``<root>/oracle.db`` (a demo folder). A setting from the environment or ``.env`` that points
    elsewhere is refused: the day would be settled without the site's reads, whose readers would
    never be paid."""
    import os

    if Path(root).resolve() == Path.cwd().resolve() or not (Path(root) / "deployments").is_dir():
        return settings  # the working folder, or no site folder at all (then: "run deploy first")
    updates: dict[str, Path] = {}
    wanted = {"settlements_dir": (Path(root) / "settlements", "TWEI_SETTLEMENTS_DIR")}
    if (Path(root) / "oracle.db").exists():
        wanted["oracle_db"] = (Path(root) / "oracle.db", "TWEI_ORACLE_DB")
    for field, (path, variable) in wanted.items():
        given = os.environ.get(variable)
        if given and Path(given).resolve() != path.resolve():
            raise ConfigError(
                f"{variable}={given} is not the site folder's {path} (--root): the site writes and reads"
                f" there; unset {variable} or set it to that path"
            )
        updates[field] = path
    return settings.model_copy(update=updates)


def signing_keys(accounts: Any, chain: Any, settings: SettleSettings, distributor: Any) -> list[str]:
    """The oracle keys this machine signs with (twei.secrets.oracle_keys), checked against the
    distributor's oracles: fewer than ``TWEI_EXPECTED_ORACLE_KEYS`` is a ConfigError (a human
    must act), never a silent wait for signatures."""
    from twei.secrets import check_held_keys, oracle_keys

    keys = oracle_keys(settings, accounts, chain.chain_id)
    check_held_keys(keys, [str(o) for o in distributor.oracles()], settings.expected_oracle_keys)
    return keys


def make_job(
    project: Any, chain: Any, settings: SettleSettings, root: Path, say: Callable[[str], None],
    keys: list[str] | None = None,
) -> SettlementJob:
    engagement, distributor, block, distributor_block = deployed_contracts(project, chain, root)
    reads = None
    from twei.oracle.settings import OracleSettings

    oracle = OracleSettings()
    if oracle.database_url is not None:  # the oracle's PostgreSQL (TWEI_ORACLE_DATABASE_URL)
        from twei.oracle.store import open_store

        reads = open_store(oracle)
    elif settings.oracle_db.exists():
        from twei.oracle.store.sqlite import SQLiteStore

        reads = SQLiteStore(settings.oracle_db)
    return SettlementJob(
        chain_id=chain.chain_id,
        store=JobStore(settings.job_db(chain.chain_id)),
        settlements=settings.settlements_dir,
        engagement=engagement,
        distributor=distributor,
        reads=reads,
        keys=settings.keys() if keys is None else keys,
        start_block=block,
        distributor_block=distributor_block,
        page_blocks=settings.log_page_blocks,
        confirmations=settings.confirmations_on(chain.chain_id),
        claim_gas_budget=settings.claim_gas_budget,
        say=say,
        **({"workers": settings.settle_workers} if settings.settle_workers is not None else {}),
    )


def sender_account(accounts: Any, chain: Any, sender: str | None) -> Any:
    """The account that sends the transactions: an Ape account (autosign, its passphrase from the
    environment), or test account 0 on a local chain."""
    if sender:
        return load_account(accounts, sender, role="sender (TWEI_SENDER)")
    if chain.chain_id in LOCAL_CHAIN_IDS:
        return accounts.test_accounts[0]
    raise ConfigError("no sender: pass --sender ALIAS or set TWEI_SENDER in .env")


def job_lock(settings: SettleSettings, chain_id: int, wait_s: float) -> JobLock:
    """The lock of the chain's job store (``job.lock`` beside ``job.db``)."""
    return JobLock(settings.job_db(chain_id).with_suffix(".lock"), wait_s=wait_s)
