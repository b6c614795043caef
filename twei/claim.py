"""Claiming daily rewards from a wallet: find the account's leaf, show what is claimable, claim it.

The settlement job publishes `settlements/<chain id>/<epoch>.json` (OpenZeppelin
`StandardMerkleTree.dump()` format) in a folder or behind a base URL. A claim must prove a leaf of
the distributor's *active* root, so the file used is the one of the active epoch (a later, still
pending day cannot be claimed yet); its root is checked against the chain before anything is sent.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twei.deploy import recorded_address
from twei.errors import ClaimError, FileMismatch, MerkleError
from twei.merkle import StandardMerkleTree
from twei.published import PublishedRoot, check_breakdown_bytes
from twei.units import format_twei

__all__ = [
    "ClaimPlan",
    "SettlementSource",
    "deployed_block",
    "deployed_distributor",
    "find_leaf",
    "plan_claim",
    "send_claim",
]

_EPOCH_FILE = re.compile(r"^(\d+)\.json$")


class SettlementSource:
    """Where the daily tree files are: a folder or a base URL.

    Both may point at the folder holding ``settlements/``, at ``settlements/`` itself, or at the
    chain's folder ``settlements/<chain id>/``.
    """

    def __init__(self, location: str | Path, chain_id: int):
        self.location = str(location)
        self.chain_id = chain_id
        self.is_url = self.location.startswith(("http://", "https://"))

    # -- folders

    def _folder(self) -> Path:
        base = Path(self.location)
        for candidate in (base / "settlements" / str(self.chain_id), base / str(self.chain_id), base):
            if candidate.is_dir() and any(_EPOCH_FILE.match(p.name) for p in candidate.iterdir()):
                return candidate
        raise ClaimError(f"no settlement files for chain {self.chain_id} under {base}")

    def epochs(self) -> list[int]:
        """Epochs with a file, highest first (folders only: a URL cannot be listed)."""
        if self.is_url:
            return []
        return sorted(
            (int(m.group(1)) for p in self._folder().iterdir() if (m := _EPOCH_FILE.match(p.name))),
            reverse=True,
        )

    def load(self, epoch: int) -> StandardMerkleTree:
        """The tree of ``epoch``; :class:`ClaimError` if missing or malformed."""
        try:
            if self.is_url:
                text = self._fetch(epoch)
            else:
                path = self._folder() / f"{epoch}.json"
                if not path.is_file():
                    raise ClaimError(f"no settlement file for epoch {epoch} in {path.parent}")
                text = path.read_text()
            return StandardMerkleTree.load(json.loads(text))
        except (MerkleError, ValueError, KeyError) as err:
            raise ClaimError(f"the settlement file of epoch {epoch} is not a valid tree: {err}") from err

    def _fetch(self, epoch: int) -> str:
        base = self.location.rstrip("/")
        tried = []
        for prefix in (f"{base}/settlements/{self.chain_id}", f"{base}/{self.chain_id}", base):
            url = f"{prefix}/{epoch}.json"
            tried.append(url)
            try:
                with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (http(s) only)
                    return response.read().decode()
            except urllib.error.HTTPError as err:
                if err.code != 404:
                    raise ClaimError(f"{url}: HTTP {err.code}") from err
            except urllib.error.URLError as err:
                raise ClaimError(f"{url}: {err.reason}") from err
        raise ClaimError(f"no settlement file for epoch {epoch} at {', '.join(tried)}")

    def tree_for_root(self, epoch: int, root: str) -> StandardMerkleTree:
        """The tree whose root is ``root``: the file of ``epoch``, else (folders) the highest that
        matches. A file of ``epoch`` that is there but is not that tree (altered: a leaf or a node
        no longer hashes to the root published on-chain) is refused with :class:`FileMismatch`."""
        problem = None
        try:
            tree = self.load(epoch)
            if tree.root == root:
                return tree
            problem = f"its root is {tree.root}"
        except FileMismatch:
            raise
        except ClaimError as err:
            if self.is_url:
                raise
            if (self._folder() / f"{epoch}.json").is_file():
                problem = str(err)
        for other in self.epochs():
            if other == epoch:
                continue
            try:
                tree = self.load(other)
            except ClaimError:
                continue
            if tree.root == root:
                return tree
        if problem is not None:
            raise FileMismatch(
                f"the tree file of day {epoch} does not match the root published on-chain ({root}): {problem};"
                " nothing is claimed or shown from it"
            )
        raise ClaimError(f"no settlement file holds the active root {root} (epoch {epoch})")

    def breakdown_bytes(self, epoch: int) -> bytes | None:
        """The exact bytes of the day's breakdown file, or None where there is none."""
        if self.is_url:
            base = self.location.rstrip("/")
            for prefix in (f"{base}/settlements/{self.chain_id}", f"{base}/{self.chain_id}", base):
                try:
                    with urllib.request.urlopen(f"{prefix}/{epoch}.breakdown.json", timeout=30) as response:  # noqa: S310
                        return response.read()
                except urllib.error.HTTPError as err:
                    if err.code != 404:
                        raise ClaimError(f"{prefix}/{epoch}.breakdown.json: HTTP {err.code}") from err
                except urllib.error.URLError as err:
                    raise ClaimError(f"{prefix}: {err.reason}") from err
            return None
        path = self._folder() / f"{epoch}.breakdown.json"
        return path.read_bytes() if path.is_file() else None

    def check_against_chain(self, epoch: int, published: PublishedRoot | None) -> None:
        """Refuse (:class:`FileMismatch`) the day's breakdown if it is not the one whose keccak256
        the chain published as the day's ``dataHash`` (:mod:`twei.published`)."""
        raw = self.breakdown_bytes(epoch)
        if raw is not None:
            check_breakdown_bytes(raw, epoch, published, f"the breakdown file of day {epoch}")


def find_leaf(tree: StandardMerkleTree, account: str) -> int | None:
    """The index of ``account``'s leaf (addresses compared case-insensitively), or None."""
    wanted = account.lower()
    for index, value in tree.entries():
        if str(value[0]).lower() == wanted:
            return index
    return None


@dataclass(frozen=True)
class ClaimPlan:
    """What a claim for ``account`` would do, read from the chain and the active epoch's file."""

    account: str
    epoch: int
    cumulative: int
    level: int
    proof: list[str]
    claimed: int
    recorded_level: int

    @property
    def claimable(self) -> int:
        return max(0, self.cumulative - self.claimed)

    @property
    def worth_sending(self) -> bool:
        """Something to pay, or a level to record."""
        return self.claimable > 0 or self.level != self.recorded_level

    def args(self) -> tuple[str, int, int, list[str]]:
        """``claim(...)`` arguments."""
        return (self.account, self.cumulative, self.level, self.proof)

    def describe(self) -> str:
        return (
            f"{self.account}: earned {format_twei(self.cumulative)} TWEI up to day {self.epoch}, "
            f"claimed {format_twei(self.claimed)} TWEI, claimable {format_twei(self.claimable)} TWEI; "
            f"level {self.level} (recorded {self.recorded_level})"
        )


def plan_claim(distributor: Any, source: SettlementSource, account: str) -> ClaimPlan | str:
    """A :class:`ClaimPlan`, or a message saying why there is nothing to claim (not an error)."""
    root, epoch, _total = distributor.activeRoot()
    root_hex = "0x" + bytes(root).hex()
    if int(root_hex, 16) == 0:
        _, pending_epoch, _, activates_at = distributor.pendingRoot()
        if int(pending_epoch):
            from twei.settlement.timeline import utc

            return (
                f"No reward root is active yet: the root for epoch {int(pending_epoch)} activates at"
                f" {utc(int(activates_at))}; claim after that."
            )
        return "No reward root is active yet: none is published (the settlement publishes one after the first day)."
    tree = source.tree_for_root(int(epoch), root_hex)
    index = find_leaf(tree, account)
    if index is None:
        return f"{account} has no rewards in the active root (day {epoch}): nothing to claim."
    _, cumulative, level = tree.values[index]
    return ClaimPlan(
        account=str(tree.values[index][0]),
        epoch=int(epoch),
        cumulative=int(cumulative),
        level=int(level),
        proof=tree.get_proof(index),
        claimed=int(distributor.claimed(account)),
        recorded_level=int(distributor.levelOf(account)),
    )


def send_claim(distributor: Any, plan: ClaimPlan, sender: Any) -> Any:
    """Send the claim from ``sender`` (the Twei goes to ``plan.account`` whoever sends)."""
    return distributor.claim(*plan.args(), sender=sender)


def deployed_block(chain_id: int, root: str | Path = ".", name: str = "RewardDistributor") -> int:
    """The block `ape run deploy` recorded for ``name`` (0 without a record: the logs are then
    searched from the first block)."""
    from twei.deploy import Deployment, deployment_path

    path = deployment_path(Path(root), chain_id)
    if not path.exists():
        return 0
    return int(Deployment.load(path, chain_id).contracts.get(name, {}).get("block") or 0)


def deployed_distributor(chain_id: int, root: str | Path = ".") -> str:
    """The RewardDistributor address `ape run deploy` recorded in ``deployments/<chain id>.json``."""
    return recorded_address(Path(root), chain_id, "RewardDistributor")
