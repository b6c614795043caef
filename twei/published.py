"""The published files of a day checked against what the chain published for that day.

A day's tree (``<epoch>.json``) and breakdown (``<epoch>.breakdown.json``) are plain files on a
disk or behind a URL: anyone with write access to them (a compromised web server, a wrong copy,
another deployment's folder) could change a figure the page shows or a proof a claim sends. The
chain holds what the oracles signed for the day: ``RootPublished(epoch, root, total, dataHash,
activatesAt)``, where ``dataHash`` is the keccak256 of the breakdown's exact bytes
(:meth:`twei.breakdown.Breakdown.write`) and ``root`` the tree's Merkle root. So a breakdown is
used only when its keccak256 is the day's ``dataHash``, and a tree only when its root is the day's
root (:class:`twei.claim.SettlementSource` already re-hashes every node and compares the root).

The site keeps these per epoch from the distributor's events in its index
(:mod:`twei.site.chain`); `ape run claim` reads them with one ``eth_getLogs``
(:func:`published_roots`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi import decode
from eth_utils import keccak, to_checksum_address

from twei.errors import FileMismatch

__all__ = ["PublishedRoot", "ROOT_PUBLISHED", "ROOT_REVOKED", "published_roots", "check_breakdown_bytes"]

ROOT_PUBLISHED = keccak(text="RootPublished(uint64,bytes32,uint256,bytes32,uint256)")
ROOT_REVOKED = keccak(text="RootRevoked(uint64,bytes32,address)")


@dataclass(frozen=True)
class PublishedRoot:
    """What the chain published for one day (a revoked root is not kept)."""

    epoch: int
    root: bytes
    total: int
    data_hash: bytes


def published_roots(web3: Any, distributor: str, from_block: int = 0) -> dict[int, PublishedRoot]:
    """Every day's published root that is not revoked (epoch -> :class:`PublishedRoot`), from the
    distributor's ``RootPublished`` and ``RootRevoked`` events since ``from_block``."""
    logs = web3.eth.get_logs(
        {
            "address": to_checksum_address(distributor),
            "fromBlock": int(from_block),
            "toBlock": "latest",
            "topics": [["0x" + ROOT_PUBLISHED.hex(), "0x" + ROOT_REVOKED.hex()]],
        }
    )
    roots: dict[int, PublishedRoot] = {}
    for log in sorted(logs, key=lambda lg: (lg["blockNumber"], lg["logIndex"])):
        topic, epoch = bytes(log["topics"][0]), int.from_bytes(bytes(log["topics"][1]), "big")
        data = bytes(log["data"])
        if topic == ROOT_PUBLISHED:
            root, total, data_hash, _ = decode(["bytes32", "uint256", "bytes32", "uint256"], data)
            roots[epoch] = PublishedRoot(epoch, bytes(root), int(total), bytes(data_hash))
        elif epoch in roots and bytes(decode(["bytes32"], data[:32])[0]) == roots[epoch].root:
            del roots[epoch]  # RootRevoked
    return roots


def check_breakdown_bytes(raw: bytes, epoch: int, published: PublishedRoot | None, where: str) -> None:
    """Refuse (:class:`FileMismatch`) a breakdown whose keccak256 is not the day's ``dataHash``,
    or one of a day the chain published no root for."""
    if published is None:
        raise FileMismatch(f"{where}: the chain published no root for day {epoch}, so its breakdown cannot be checked")
    if keccak(raw) != published.data_hash:
        raise FileMismatch(
            f"{where} does not match the dataHash published on-chain for day {epoch}"
            f" (0x{published.data_hash.hex()}): the file was altered; nothing is used from it"
        )
