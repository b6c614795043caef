"""Deploy and wire the three Twei contracts on any Ape network, safely re-runnable.

`deploy_all` deploys `TweiToken`, `RewardDistributor` and `Engagement`, gives the distributor
the token's `MINTER_ROLE`, revokes it from every other holder (the deployer, an earlier
distributor of an interrupted run) and seals it to the distributor alone, names the guardian,
hands the admin role of all three to an OpenZeppelin `TimelockController` (`TweiTimelock`;
required off the local chains, see `check_governance`), and records everything in
``deployments/<chain id>.json``: addresses, blocks, parameters and ABI hashes. A re-run reads
that file and reuses each contract whose code is still there, whose ABI hash matches what the
project compiles today and whose parameters match the config; anything else is deployed anew
(and whatever depends on it too).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from twei.errors import ConfigError
from twei.toolchain.standard_json import PROJECT_ROOT, standard_json_input
from twei.wallet import token_list, watch_asset_params
from twei.params import ENGAGEMENT_DEFAULTS, TOKEN_SUPPLY_CAP, EngagementParams
from twei.units import twei

__all__ = [
    "DeployConfig",
    "Deployment",
    "Contracts",
    "load_config",
    "deploy_all",
    "deploy_token",
    "deployment_path",
    "recorded_address",
    "LOCAL_CHAIN_IDS",
    "MIN_TIMELOCK_DELAY",
    "check_governance",
]

#: Chains where a deploy needs no confirmation: py-evm (131277322940537), Anvil, Ganache.
LOCAL_CHAIN_IDS = frozenset({131277322940537, 31337, 1337})
DEFAULT_DAILY_CAP = twei(1_000_000)
DEFAULT_CHALLENGE_PERIOD = 3600
#: The shortest timelock a deploy off the local chains accepts (SPEC §5): two days.
MIN_TIMELOCK_DELAY = 2 * 86_400


@dataclass(frozen=True)
class DeployConfig:
    """Everything a deploy decides; defaults are SPEC §2's, a TOML file may override any."""

    oracles: tuple[str, ...]
    threshold: int
    treasury: str
    guardian: str
    token_cap: int = TOKEN_SUPPLY_CAP
    daily_cap: int = DEFAULT_DAILY_CAP
    challenge_period: int = DEFAULT_CHALLENGE_PERIOD
    engagement: EngagementParams = ENGAGEMENT_DEFAULTS
    #: Seconds every admin action waits in a `TweiTimelock` that becomes the admin of all three
    #: contracts (0: the deployer stays admin).
    timelock_delay: int = 0
    #: Who may schedule timelocked operations (default: the deployer).
    timelock_proposers: tuple[str, ...] = ()
    #: Who may execute them once due (empty: anyone).
    timelock_executors: tuple[str, ...] = ()

    def as_record(self) -> dict[str, Any]:
        record = asdict(self)
        record["oracles"] = list(self.oracles)
        record["timelock_proposers"] = list(self.timelock_proposers)
        record["timelock_executors"] = list(self.timelock_executors)
        return record


def load_config(path: Path | None, **base: Any) -> DeployConfig:
    """``base`` values (from `.env` or the caller), overridden by the TOML file at ``path``.

    Amounts in the file are in TWEI (strings or numbers), like ``publish_tribute = "5"``.
    """
    values = dict(base)
    engagement = asdict(ENGAGEMENT_DEFAULTS)
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text())
        except (OSError, tomllib.TOMLDecodeError) as err:
            raise ConfigError(f"cannot read deploy config {path}: {err}") from err
        for key in ("token_cap", "daily_cap"):
            if key in data:
                values[key] = twei(data.pop(key))
        for key in (
            "oracles", "threshold", "treasury", "guardian", "challenge_period",
            "timelock_delay", "timelock_proposers", "timelock_executors",
        ):
            if key in data:
                values[key] = data.pop(key)
        for key, value in data.pop("engagement", {}).items():
            if key not in engagement:
                raise ConfigError(f"unknown engagement parameter {key!r} in {path}")
            is_amount = key not in ("dislike_author_share_bps", "comment_min_level")
            engagement[key] = twei(value) if is_amount else int(value)
        if data:
            raise ConfigError(f"unknown deploy setting(s) in {path}: {', '.join(sorted(data))}")
    values["engagement"] = EngagementParams(**engagement)
    values["oracles"] = tuple(values.get("oracles") or ())
    for key in ("timelock_proposers", "timelock_executors"):
        values[key] = tuple(values.get(key) or ())
    if not 3600 <= int(values.get("challenge_period", DEFAULT_CHALLENGE_PERIOD)) < 86_400:
        raise ConfigError(
            f"challenge_period {values['challenge_period']} must be at least 3600 s (a guardian can"
            " react) and under 86400 s (a root is active before the next day's)"
        )
    if int(values.get("timelock_delay", 0)) < 0:
        raise ConfigError(f"timelock_delay {values['timelock_delay']} must be 0 (none) or a number of seconds")
    missing = [k for k in ("oracles", "threshold", "treasury", "guardian") if not values.get(k)]
    if missing:
        raise ConfigError(f"deploy config lacks {', '.join(missing)} (set them in .env or the file)")
    if not 0 < int(values["threshold"]) <= len(values["oracles"]):
        raise ConfigError(
            f"threshold {values['threshold']} must be between 1 and the {len(values['oracles'])} oracles"
        )
    return DeployConfig(**values)


def deployment_path(root: Path, chain_id: int) -> Path:
    return Path(root) / "deployments" / f"{chain_id}.json"


def abi_hash(container: Any) -> str:
    """sha256 of the contract's ABI as compiled today: a changed interface means a new deploy."""
    abi = [item.model_dump(mode="json") for item in container.contract_type.abi]
    return hashlib.sha256(json.dumps(abi, sort_keys=True).encode()).hexdigest()


@dataclass
class Deployment:
    chain_id: int
    contracts: dict[str, dict[str, Any]] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)

    def address(self, name: str) -> str:
        return self.contracts[name]["address"]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")
        tmp.replace(path)  # never a half-written record

    @classmethod
    def load(cls, path: Path, chain_id: int) -> Deployment:
        if not path.exists():
            return cls(chain_id=chain_id)
        try:
            return cls(**json.loads(path.read_text()))
        except (ValueError, TypeError) as err:
            raise ConfigError(f"{path} is not a deployment record: {err}") from err


@dataclass(frozen=True)
class Contracts:
    """The deployed (or reused) contracts and their record."""

    token: Any
    distributor: Any
    engagement: Any
    record: Deployment


def deploy_token(project: Any, deployer: Any, *, admin: Any = None, cap: int = TOKEN_SUPPLY_CAP):
    """Deploy a `TweiToken` whose `DEFAULT_ADMIN_ROLE` goes to ``admin`` (default: the deployer)."""
    return deployer.deploy(project.TweiToken, admin or deployer, cap)


def deploy_all(
    project: Any,
    chain: Any,
    deployer: Any,
    config: DeployConfig,
    root: Path,
    say: Callable[[str], None] = print,
) -> Contracts:
    """Deploy (or reuse) and wire the three contracts; write the deployment record. Off the local
    chains, refuses (before any transaction) a config that would leave one key in charge."""
    check_governance(config, chain.chain_id, deployer.address)
    path = deployment_path(root, chain.chain_id)
    record = Deployment.load(path, chain.chain_id)
    fresh: set[str] = set()

    def ensure(name: str, params: dict[str, Any], depends: tuple[str, ...], build: Callable[[], Any]):
        container = getattr(project, name)
        known = record.contracts.get(name)
        reusable = (
            known is not None
            and not fresh.intersection(depends)
            and known.get("abi_hash") == abi_hash(container)
            and known.get("parameters") == params
            and chain.provider.get_code(known["address"])
        )
        if reusable:
            say(f"{name}: reusing {known['address']}")
            return container.at(known["address"])
        contract = build()
        receipt = contract.creation_metadata.receipt if contract.creation_metadata else None
        record.contracts[name] = {
            "address": contract.address,
            "block": receipt.block_number if receipt else None,
            "tx": receipt.txn_hash if receipt else None,
            "abi_hash": abi_hash(container),
            "parameters": params,
        }
        fresh.add(name)
        record.save(path)  # a crash later still knows what exists
        say(f"{name}: deployed at {contract.address}")
        return contract

    admin = deployer.address
    token = ensure(
        "TweiToken",
        {"admin": admin, "cap": config.token_cap},
        (),
        lambda: deploy_token(project, deployer, cap=config.token_cap),
    )
    distributor = ensure(
        "RewardDistributor",
        {
            "admin": admin,
            "oracles": list(config.oracles),
            "threshold": config.threshold,
            "daily_cap": config.daily_cap,
            "challenge_period": config.challenge_period,
        },
        ("TweiToken",),
        lambda: _unsealed(token, "TweiToken") and deployer.deploy(
            project.RewardDistributor,
            admin,
            token.address,
            list(config.oracles),
            config.threshold,
            config.daily_cap,
            config.challenge_period,
        ),
    )
    engagement = ensure(
        "Engagement",
        {"admin": admin, "treasury": config.treasury, **asdict(config.engagement)},
        ("TweiToken", "RewardDistributor"),
        lambda: deployer.deploy(
            project.Engagement,
            token.address,
            admin,
            config.treasury,
            distributor.address,
            config.engagement.as_struct(),
        ),
    )

    minter = token.MINTER_ROLE()
    if not token.hasRole(minter, distributor.address):
        token.grantRole(minter, distributor.address, sender=deployer)
        say(f"TweiToken: MINTER_ROLE granted to the distributor {distributor.address}")
    if not token.mintersSealed():
        # Every other minter goes first: the deployer, or the distributor of a run interrupted
        # before its seal (re-run with other parameters, it deployed a new one). They are the
        # accounts of the token's `RoleGranted(MINTER_ROLE)` events that still hold the role;
        # `sealMinters` then refuses anything but the distributor alone, so a missed one would
        # stop the deploy here rather than be sealed in.
        start = int(record.contracts.get("TweiToken", {}).get("block") or 0)
        granted = token.RoleGranted.range(start, chain.blocks.height + 1, search_topics={"role": minter})
        for holder in sorted({str(log.account) for log in granted}):
            if holder.lower() != str(distributor.address).lower() and token.hasRole(minter, holder):
                token.revokeRole(minter, holder, sender=deployer)
                say(f"TweiToken: MINTER_ROLE revoked from {holder} (only the distributor mints)")
        token.sealMinters(distributor.address, sender=deployer)
        say("TweiToken: minters sealed to the distributor (nobody can grant or revoke MINTER_ROLE again)")
    guardian_role = distributor.GUARDIAN_ROLE()
    if not distributor.hasRole(guardian_role, config.guardian):
        distributor.grantRole(guardian_role, config.guardian, sender=deployer)
        say(f"RewardDistributor: GUARDIAN_ROLE granted to {config.guardian}")

    if config.timelock_delay:
        proposers = list(config.timelock_proposers) or [deployer.address]
        executors = list(config.timelock_executors) or [ZERO_ADDRESS]  # the zero address: anyone
        timelock = ensure(
            "TweiTimelock",
            {"min_delay": config.timelock_delay, "proposers": proposers, "executors": executors},
            (),
            # No extra admin (zero address): the timelock governs its own roles.
            lambda: deployer.deploy(project.TweiTimelock, config.timelock_delay, proposers, executors, ZERO_ADDRESS),
        )
        hand_admin_to_timelock(
            (("TweiToken", token), ("RewardDistributor", distributor), ("Engagement", engagement)),
            timelock.address,
            deployer,
            say,
        )
        kept = roles_kept(
            (("TweiToken", token), ("RewardDistributor", distributor), ("Engagement", engagement),
             ("TweiTimelock", timelock)),
            deployer.address,
        )
        if kept and chain.chain_id not in LOCAL_CHAIN_IDS:
            raise ConfigError(f"the deployer {deployer.address} still holds {', '.join(kept)}; it must keep no role")

    record.parameters = config.as_record()
    record.save(path)
    say(f"recorded in {path}")
    for written in write_wallet_files(root, chain.chain_id, token.address):
        say(f"wallet file: {written}")
    for written in write_verification_inputs(root):
        say(f"explorer verification input: {written}")
    return Contracts(token=token, distributor=distributor, engagement=engagement, record=record)


CONTRACTS = ("TweiToken", "RewardDistributor", "Engagement")
ZERO_ADDRESS = "0x" + "00" * 20
DEFAULT_ADMIN_ROLE = b"\x00" * 32


def _unsealed(token: Any, name: str) -> bool:
    """True, or a ConfigError before any transaction if the token's minters are sealed (a new
    distributor could never mint: it needs a new token too)."""
    if token.mintersSealed():
        raise ConfigError(
            f"{name} at {token.address} has sealed its minters to the deployed distributor; a new"
            " RewardDistributor could never mint. Deploy a new token with it (a fresh deployments/"
            " record), or keep the current distributor"
        )
    return True


def hand_admin_to_timelock(contracts: Any, timelock: str, deployer: Any, say: Callable[[str], None]) -> None:
    """Make ``timelock`` the admin of each contract, then drop the deployer's admin role (grant
    first: a contract is never left without an admin). Idempotent."""
    for name, contract in contracts:
        if not contract.hasRole(DEFAULT_ADMIN_ROLE, timelock):
            contract.grantRole(DEFAULT_ADMIN_ROLE, timelock, sender=deployer)
            say(f"{name}: DEFAULT_ADMIN_ROLE granted to the timelock {timelock}")
        if contract.hasRole(DEFAULT_ADMIN_ROLE, deployer.address):
            contract.renounceRole(DEFAULT_ADMIN_ROLE, deployer.address, sender=deployer)
            say(f"{name}: the deployer renounced DEFAULT_ADMIN_ROLE (every admin action now waits in the timelock)")


def _write_json(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)
    return path


def write_wallet_files(root: Path, chain_id: int, token_address: str) -> list[Path]:
    """``deployments/<chain id>.tokenlist.json`` and ``<chain id>.watchAsset.json``."""
    folder = Path(root) / "deployments"
    return [
        _write_json(folder / f"{chain_id}.tokenlist.json", token_list({chain_id: token_address})),
        _write_json(folder / f"{chain_id}.watchAsset.json", watch_asset_params(token_address)),
    ]


def write_verification_inputs(root: Path, sources: Path = PROJECT_ROOT) -> list[Path]:
    """``deployments/verify/<Contract>.json``: the standard-JSON input an explorer verifies with."""
    return [
        _write_json(
            Path(root) / "deployments" / "verify" / f"{name}.json",
            standard_json_input(sources, entries=[f"contracts/{name}.sol"]),
        )
        for name in CONTRACTS
    ]


def recorded_address(root: Path, chain_id: int, name: str) -> str:
    """The address `ape run deploy` recorded for contract ``name`` on the chain."""
    path = deployment_path(root, chain_id)
    record = Deployment.load(path, chain_id)
    if name not in record.contracts:
        raise ConfigError(f"{path} records no {name}: run `ape run deploy` on this network first")
    return record.address(name)


def check_governance(config: DeployConfig, chain_id: int, deployer: str) -> None:
    """Off the local chains, a :class:`ConfigError` (before any transaction) unless no single key
    ends up in charge (SPEC §5): the admin of all three contracts is a `TimelockController` whose
    delay is at least `MIN_TIMELOCK_DELAY` and whose proposers are addresses the operator names
    (a multisig in practice), none of them the deploying key; the guardian is neither the
    deploying key nor a proposer (the guardian's veto is what stops a rogue admin). The deployer
    then renounces everything. Local chains (tests, the demo) are exempt."""
    if chain_id in LOCAL_CHAIN_IDS:
        return
    if config.timelock_delay < MIN_TIMELOCK_DELAY:
        raise ConfigError(
            f"chain {chain_id}: timelock_delay is {config.timelock_delay} s; off the local chains the admin"
            f" must be a timelock of at least {MIN_TIMELOCK_DELAY} s (2 days): set timelock_delay"
        )
    proposers = {p.lower() for p in config.timelock_proposers}
    if not proposers:
        raise ConfigError(
            f"chain {chain_id}: name the timelock's proposer (timelock_proposers, a multisig): the deploying"
            " key may not propose"
        )
    if deployer.lower() in proposers:
        raise ConfigError(f"chain {chain_id}: the deploying key {deployer} may not be a timelock proposer")
    if config.guardian.lower() == deployer.lower():
        raise ConfigError(f"chain {chain_id}: the guardian may not be the deploying key {deployer}")
    if config.guardian.lower() in proposers:
        raise ConfigError(
            f"chain {chain_id}: the guardian {config.guardian} may not be a timelock proposer (its veto"
            " must come from another key than the admin's)"
        )


def roles_kept(contracts: Any, account: str) -> list[str]:
    """Every role ``account`` still holds in ``contracts`` ((name, contract) pairs), by name."""
    names = ("DEFAULT_ADMIN_ROLE", "GUARDIAN_ROLE", "MINTER_ROLE", "PROPOSER_ROLE", "CANCELLER_ROLE", "EXECUTOR_ROLE")
    kept = []
    for contract_name, contract in contracts:
        for role_name in names:
            getter = getattr(contract, role_name, None)
            if getter is not None and contract.hasRole(getter(), account):
                kept.append(f"{contract_name}.{role_name}")
    return kept


def check_network(chain_id: int, confirmed: bool) -> None:
    """Refuse a non-local chain unless the operator confirmed it (``--yes``)."""
    if chain_id not in LOCAL_CHAIN_IDS and not confirmed:
        raise ConfigError(f"chain {chain_id} is not a local chain: re-run with --yes to deploy there")


def config_from_env(environ: dict[str, str], fallback: dict[str, Any]) -> dict[str, Any]:
    """Deploy settings from the environment (`.env`): ``TWEI_ORACLES`` (comma-separated),
    ``TWEI_THRESHOLD``, ``TWEI_TREASURY``, ``TWEI_GUARDIAN``; ``fallback`` fills the gaps."""
    values = dict(fallback)
    if environ.get("TWEI_ORACLES"):
        values["oracles"] = tuple(a.strip() for a in environ["TWEI_ORACLES"].split(",") if a.strip())
    if environ.get("TWEI_THRESHOLD"):
        try:
            values["threshold"] = int(environ["TWEI_THRESHOLD"])
        except ValueError as err:
            raise ConfigError(f"TWEI_THRESHOLD must be a whole number, not {environ['TWEI_THRESHOLD']!r}") from err
    for key in ("treasury", "guardian"):
        if environ.get(f"TWEI_{key.upper()}"):
            values[key] = environ[f"TWEI_{key.upper()}"]
    if environ.get("TWEI_TIMELOCK_DELAY"):
        try:
            values["timelock_delay"] = int(environ["TWEI_TIMELOCK_DELAY"])
        except ValueError as err:
            raise ConfigError(
                f"TWEI_TIMELOCK_DELAY must be a number of seconds, not {environ['TWEI_TIMELOCK_DELAY']!r}"
            ) from err
    for key in ("timelock_proposers", "timelock_executors"):
        if environ.get(f"TWEI_{key.upper()}"):
            values[key] = tuple(a.strip() for a in environ[f"TWEI_{key.upper()}"].split(",") if a.strip())
    return values


def local_fallback(test_accounts: Any) -> dict[str, Any]:
    """On a local chain, Ape's test accounts play every role: 6–8 are the oracles (2 of 3),
    5 the treasury, 0 deploys and guards."""
    return {
        "oracles": tuple(test_accounts[i].address for i in (6, 7, 8)),
        "threshold": 2,
        "treasury": test_accounts[5].address,
        "guardian": test_accounts[0].address,
    }
