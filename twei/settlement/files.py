"""The published files of a day, and the oracle's check-and-sign step that works from them alone.

Beside each other in ``settlements/<chain id>/``:

* ``<epoch>.json`` — the tree, OpenZeppelin ``StandardMerkleTree.dump()`` format, leaves
  ``(account, cumulative amount, level)`` for every account ever seen, in address order;
* ``<epoch>.breakdown.json`` — the day's lines (:mod:`twei.breakdown`); its keccak256 is ``dataHash``;
* ``<epoch>.sig.<oracle address>.json`` — one oracle's EIP-712 signature of
  ``DailyRoot(epoch, root, total, dataHash)``.

An oracle on its own machine runs :func:`sign_published_day` on the published files: it reloads
the tree (which re-hashes every node), recomputes ``total`` and ``dataHash`` from the files,
checks that every account's cumulative amount grew by exactly what the breakdown pays (against
the previous day's tree when it has it), and only then signs. The publisher collects whatever
signature files are there (:func:`collect_signatures`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from eth_utils import keccak, to_checksum_address

from twei.addresses import checksum
from twei.breakdown import Breakdown, breakdown_path
from twei.errors import SignatureError, SettlementError
from twei.merkle import DISTRIBUTOR_LEAF_ENCODING, StandardMerkleTree
from twei.signing import DailyRoot, recover_signer, sign_daily_root

__all__ = [
    "DayFiles",
    "tree_path",
    "signature_path",
    "write_tree",
    "load_day",
    "sign_published_day",
    "collect_signatures",
]


def tree_path(settlements: Path, chain_id: int, epoch: int) -> Path:
    return Path(settlements) / str(chain_id) / f"{epoch}.json"


def signature_path(settlements: Path, chain_id: int, epoch: int, oracle: str) -> Path:
    return Path(settlements) / str(chain_id) / f"{epoch}.sig.{to_checksum_address(oracle)}.json"


def write_tree(tree: StandardMerkleTree, path: Path) -> None:
    """Write the dump atomically (a crash leaves the old file or the new, never half of one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(tree.dump_json())
    tmp.replace(path)


@dataclass(frozen=True)
class DayFiles:
    """A day's files as read back and checked: the message the oracles sign."""

    epoch: int
    tree: StandardMerkleTree
    breakdown: Breakdown
    root: str
    total: int
    data_hash: bytes

    def message(self, chain_id: int, distributor: str) -> DailyRoot:
        return DailyRoot.make(
            chain_id=chain_id, distributor=distributor, epoch=self.epoch, root=self.root,
            total=self.total, data_hash=self.data_hash,
        )


def _cumulative(tree: StandardMerkleTree) -> dict[str, int]:
    return {checksum(a): int(amount) for a, amount, _ in tree.values}


def load_day(settlements: Path, chain_id: int, epoch: int, previous_epoch: int | None = None) -> DayFiles:
    """Read and verify a day's tree and breakdown; :class:`SettlementError` if they disagree."""
    path = tree_path(settlements, chain_id, epoch)
    bpath = breakdown_path(settlements, chain_id, epoch)
    if not path.exists() or not bpath.exists():
        raise SettlementError(f"no settlement files for epoch {epoch} in {path.parent}")
    tree = StandardMerkleTree.load(path)  # re-hashes every node and leaf
    if tree.leaf_encoding != list(DISTRIBUTOR_LEAF_ENCODING):
        raise SettlementError(f"{path} does not hold distributor leaves")
    raw = bpath.read_bytes()
    breakdown = Breakdown.from_bytes(raw)
    if breakdown.epoch != epoch or breakdown.chain_id != chain_id:
        raise SettlementError(f"{bpath} is for chain {breakdown.chain_id} epoch {breakdown.epoch}")
    cumulative = _cumulative(tree)
    if previous_epoch is not None and tree_path(settlements, chain_id, previous_epoch).exists():
        before = _cumulative(StandardMerkleTree.load(tree_path(settlements, chain_id, previous_epoch)))
        for account, amount in cumulative.items():
            if amount - before.get(account, 0) != breakdown.paid.get(account, 0):
                raise SettlementError(f"{account}'s cumulative amount does not grow by what the breakdown pays")
        if set(before) - set(cumulative):
            raise SettlementError("an account of the previous day has no leaf")
    if any(account not in cumulative for account in breakdown.paid):
        raise SettlementError("the breakdown pays an account that has no leaf")
    return DayFiles(epoch, tree, breakdown, tree.root, sum(cumulative.values()), keccak(raw))


def sign_published_day(
    settlements: Path, chain_id: int, distributor: str, epoch: int, private_key: str | bytes,
    previous_epoch: int | None = None,
) -> Path:
    """Verify the day's files and write this oracle's ``<epoch>.sig.<address>.json``."""
    day = load_day(settlements, chain_id, epoch, previous_epoch)
    message = day.message(chain_id, distributor)
    signer = Account.from_key(private_key).address
    path = signature_path(settlements, chain_id, epoch, signer)
    doc = {
        "epoch": epoch, "root": day.root, "total": str(day.total), "dataHash": "0x" + day.data_hash.hex(),
        "chainId": chain_id, "distributor": to_checksum_address(distributor), "signer": signer,
        "signature": "0x" + sign_daily_root(private_key, message).hex(),
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, indent=1))
    tmp.replace(path)
    return path


def collect_signatures(settlements: Path, message: DailyRoot, oracles: list[str]) -> dict[str, bytes]:
    """Valid signatures of ``message`` by current oracles, from the day's signature files
    (signer -> signature); files for another root, or by non-oracles, are ignored."""
    allowed = {to_checksum_address(o) for o in oracles}
    found: dict[str, bytes] = {}
    folder = Path(settlements) / str(message.chain_id)
    for path in sorted(folder.glob(f"{message.epoch}.sig.*.json")):
        try:
            doc = json.loads(path.read_text())
            signature = bytes.fromhex(doc["signature"][2:])
            signer = recover_signer(message, signature)
        except (ValueError, KeyError, SignatureError):
            continue
        if signer in allowed:
            found[signer] = signature
    return found
