"""What the post page shows from the chain: an index of the Engagement contract's events.

The page needs, for one post: its author and content hash, its pluses and minuses and who gave
them, its comments with their content hashes, likes and dislikes, and every `Flow` of every
account on it (the PnL block). None of that is readable from storage alone (a comment's content
hash is only in its event), so the site keeps an index of the contract's events in memory and
brings it up to date with one `eth_getLogs` over the new blocks at most every
``refresh_interval_s`` (a page render or a live poll triggers it). A transaction is therefore on
the page as soon as the node answers with its block, well inside the two seconds SPEC §1 allows.

Plain web3.py (the provider Ape connected to), not Ape's contract wrappers: the site answers
many requests from a thread pool, and each call here is one JSON-RPC request with no per-call
conversion layer.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from twei.addresses import checksum
from hexbytes import HexBytes
from web3 import Web3

from twei.flows import FlowCategory, FlowRecord
from twei.published import PublishedRoot

__all__ = ["Contracts", "PostState", "CommentState", "Changes", "EngagementIndex", "abi_of"]

log = logging.getLogger(__name__)

PLUS, MINUS = 0, 1  # IEngagement.Vote
LIKE, DISLIKE = 0, 1  # IEngagement.Reaction


def abi_of(container: Any) -> list[dict[str, Any]]:
    """The JSON ABI of an Ape contract container (what web3.py and viem take)."""
    return [item.model_dump(mode="json", by_alias=True, exclude_none=True) for item in container.contract_type.abi]


@dataclass
class Contracts:
    """The three contracts as web3.py objects, with where the index starts."""

    web3: Web3
    chain_id: int
    token: Any
    engagement: Any
    distributor: Any
    abis: dict[str, list[dict[str, Any]]]
    start_block: int = 0

    @classmethod
    def connect(
        cls, web3: Web3, chain_id: int, addresses: dict[str, str], abis: dict[str, list[dict[str, Any]]], start_block: int = 0
    ) -> Contracts:
        def at(name: str) -> Any:
            return web3.eth.contract(address=checksum(addresses[name]), abi=abis[name])

        return cls(web3, chain_id, at("TweiToken"), at("Engagement"), at("RewardDistributor"), abis, start_block)

    def address(self, name: str) -> str:
        return {"TweiToken": self.token, "Engagement": self.engagement, "RewardDistributor": self.distributor}[name].address


@dataclass
class CommentState:
    comment_id: int
    post_id: int
    commenter: str
    content_hash: bytes
    block: int
    timestamp: int = 0
    likes: int = 0
    dislikes: int = 0
    reactors: dict[str, int] = field(default_factory=dict)  # reactor -> LIKE/DISLIKE


@dataclass
class PostState:
    post_id: int
    author: str
    content_hash: bytes
    word_count: int
    block: int
    voters: dict[str, int] = field(default_factory=dict)  # voter -> PLUS/MINUS
    comments: list[int] = field(default_factory=list)
    report_buyers: dict[str, int] = field(default_factory=dict)  # buyer -> instances bought

    @property
    def pluses(self) -> int:
        return sum(1 for v in self.voters.values() if v == PLUS)

    @property
    def minuses(self) -> int:
        return sum(1 for v in self.voters.values() if v == MINUS)


@dataclass
class Changes:
    """What the blocks indexed since the last :meth:`EngagementIndex.take_changes` touched: the
    posts named by an Engagement event, the accounts named by any event of the three contracts
    (a balance, an allowance, a claim, a vote...), and ``everything`` when an event changes what
    every page shows (a root published or activated, claims paused, a fee, the treasury)."""

    block: int = -1
    posts: set[int] = field(default_factory=set)
    accounts: set[str] = field(default_factory=set)
    everything: bool = False

    def __bool__(self) -> bool:
        return bool(self.posts or self.accounts or self.everything)


#: Distributor events that concern their account only (any other one concerns every page).
_ACCOUNT_ONLY = {"Claimed"}


class EngagementIndex:
    """Posts, comments, votes, reactions, report purchases and flows, from the events; and, from
    the token's and the distributor's events, the block at which each account's chain state
    (balance, allowance, level, claim) last changed, so that state is read once per change
    rather than once per request (:meth:`touched_at`)."""

    def __init__(
        self, contracts: Contracts, *, refresh_interval_s: float = 0.25, max_range: int = 5_000, keep_blocks: int = 64,
        _shadow: bool = False,
    ) -> None:
        self.contracts = contracts
        self.refresh_interval_s = refresh_interval_s
        self.max_range = max_range
        #: How deep a reorganisation is undone from the blocks kept (deeper: a whole rebuild).
        self.keep_blocks = keep_blocks
        #: The blocks with events among the last ``keep_blocks`` indexed, and each tip the index
        #: stood at: (number, hash, logs).
        self._recent: list[tuple[int, bytes, list[Any]]] = []
        #: The index as it was below those blocks (built lazily; a shadow keeps none of its own).
        self._base: EngagementIndex | None = None
        self._shadow = _shadow
        #: The first block of every eth_getLogs range asked (what a reorganisation re-read).
        self.read_from: list[int] = []
        self.block = contracts.start_block - 1  # the last block indexed
        self.posts: dict[int, PostState] = {}
        self.comments: dict[int, CommentState] = {}
        self.flows: dict[int, list[FlowRecord]] = defaultdict(list)
        #: What the chain published for each day (root and dataHash), from the distributor's
        #: RootPublished/RootRevoked events: the published files are checked against it.
        self.roots: dict[int, PublishedRoot] = {}
        self._checked = 0.0
        self._hash: bytes | None = None  # of the last block indexed
        self._lock = threading.Lock()
        self._touched: dict[str, int] = {}  # account -> the last block an event named it
        self.global_block = -1  # the last block with an event that concerns every page
        self.timestamp = 0  # of the latest block seen
        self._changes = Changes()
        self._decoders: dict[tuple[str, bytes], tuple[str, str, Any]] = {}
        for kind, contract in (("engagement", contracts.engagement), ("token", contracts.token), ("distributor", contracts.distributor)):
            for item in contract.abi:
                if item.get("type") != "event" or item.get("anonymous"):
                    continue
                event = getattr(contract.events, item["name"])()
                self._decoders[(contract.address.lower(), bytes(HexBytes(event.topic)))] = (kind, item["name"], event)

    def refresh(self, force: bool = False) -> int:
        """Index the blocks mined since the last call (at most every ``refresh_interval_s``
        unless ``force``); the block the index is at.

        A reorganisation (the indexed block's hash changed: a testnet reorg, or a dev chain
        reverted to a snapshot) is rolled back to the fork point: the last kept block whose hash
        the chain still has; only the blocks after it are read again (:meth:`_rolled_back`). The
        new state is built beside the served one and swapped in (a page asked meanwhile shows the
        last good state, never a 404); a reorganisation deeper than ``keep_blocks`` rebuilds from
        the first block, also beside."""
        now = time.monotonic()
        if not force and now - self._checked < self.refresh_interval_s:
            return self.block
        with self._lock:
            if not force and time.monotonic() - self._checked < self.refresh_interval_s:
                return self.block
            eth = self.contracts.web3.eth
            latest = eth.get_block("latest")
            self.timestamp = int(latest["timestamp"])
            if self._hash is not None and not (latest["number"] == self.block and bytes(latest["hash"]) == self._hash):
                if latest["number"] < self.block or bytes(eth.get_block(self.block)["hash"]) != self._hash:
                    fresh = self._rolled_back(eth, latest)
                    if fresh is None:
                        log.warning("the chain reorganised deeper than %s blocks: indexing again beside the served index", self.keep_blocks)
                        fresh = self._rebuilt(latest)
                    self._swap_in(fresh)
                    self._checked = time.monotonic()
                    return self.block
            self._catch_up(eth, latest)
            self._checked = time.monotonic()
            return self.block

    _STATE = ("block", "_hash", "posts", "comments", "flows", "roots", "_touched", "global_block", "_recent", "_base")

    def _new(self, shadow: bool = False) -> EngagementIndex:
        return type(self)(
            self.contracts, refresh_interval_s=self.refresh_interval_s, max_range=self.max_range,
            keep_blocks=self.keep_blocks, _shadow=shadow,
        )

    def _rebuilt(self, latest: Any) -> EngagementIndex:
        """A new index of the chain as it is now, built while this one keeps answering (a page
        asked meanwhile shows the last good state, never a 404)."""
        fresh = self._new()
        fresh.read_from = self.read_from
        fresh._catch_up(self.contracts.web3.eth, latest)
        return fresh

    def _rolled_back(self, eth: Any, latest: Any) -> EngagementIndex | None:
        """The index rolled back to the fork point and brought up to ``latest``, built beside
        this one; None if the fork is below the blocks kept.

        The fork point is the highest kept block (with events, or a tip) whose hash the chain still has at
        its height (a block's hash commits to all its ancestors, so everything up to it is still
        canonical), else the base below them. The new state is the base's, copied, with the
        kept blocks up to the fork applied again from memory, then the chain's logs after the
        fork: the only blocks read again."""
        base = self._base if self._base is not None else self._new(shadow=True)
        fork, kept = None, 0
        for i in range(len(self._recent) - 1, -1, -1):
            number, digest, _ = self._recent[i]
            if number <= latest["number"] and bytes(eth.get_block(number)["hash"]) == digest:
                fork, kept = number, i + 1
                break
        if fork is None:
            if base._hash is not None and (base.block > latest["number"] or bytes(eth.get_block(base.block)["hash"]) != base._hash):
                return None
            fork = base.block
        log.warning("the chain reorganised below block %s: rolling back to block %s beside the served index", self.block, fork)
        fresh = self._new()
        fresh.read_from = self.read_from
        for name in ("posts", "comments", "flows", "roots", "_touched", "global_block"):
            setattr(fresh, name, copy.deepcopy(getattr(base, name)))
        fresh._base = base
        for number, digest, logs in self._recent[:kept]:
            for raw in logs:
                fresh._apply(raw)
            fresh._recent.append((number, digest, logs))
        fresh.block = fork
        fresh._catch_up(eth, latest)
        return fresh

    def _swap_in(self, fresh: EngagementIndex) -> None:
        for name in self._STATE:
            setattr(self, name, getattr(fresh, name))
        self.timestamp = fresh.timestamp or self.timestamp
        self.global_block = self.block  # every account's state is read again
        self._changes.everything = True

    def _catch_up(self, eth: Any, latest: Any) -> None:
        """Index the blocks after ``self.block`` up to ``latest``; keep the logs of the last
        ``keep_blocks`` blocks (a reorganisation is undone from them) and fold older ones into
        the base."""
        while self.block < latest["number"]:
            start = self.block + 1
            end = min(latest["number"], start + self.max_range - 1)
            addresses = [self.contracts.engagement.address, self.contracts.token.address, self.contracts.distributor.address]
            self.read_from.append(start)
            logs = eth.get_logs({"address": addresses, "fromBlock": start, "toBlock": end})
            for raw in sorted(logs, key=lambda lg: (lg["blockNumber"], lg["logIndex"])):
                self._apply(raw)
                if self._shadow:
                    continue
                number = int(raw["blockNumber"])
                if not self._recent or self._recent[-1][0] != number:
                    self._recent.append((number, bytes(raw["blockHash"]), []))
                self._recent[-1][2].append(raw)
            self.block = end
        self._hash = bytes(latest["hash"]) if self.block == latest["number"] else bytes(eth.get_block(self.block)["hash"])
        if not self._shadow and (not self._recent or self._recent[-1][0] != self.block):
            self._recent.append((self.block, self._hash, []))  # the tip: a fork point to the block
        self._fold(self.block - self.keep_blocks)

    def _fold(self, below: int) -> None:
        """Apply the kept blocks at or below ``below`` to the base (they are deep enough)."""
        if self._shadow:
            return
        while self._recent and self._recent[0][0] <= below:
            number, digest, logs = self._recent.pop(0)
            if self._base is None:
                self._base = self._new(shadow=True)
            for raw in logs:
                self._base._apply(raw)
            self._base.block, self._base._hash = number, digest

    def _reset(self) -> None:
        self.block = self.contracts.start_block - 1
        self._hash = None
        self.posts.clear()
        self.comments.clear()
        self.flows.clear()
        self.roots.clear()
        self._touched.clear()
        self._recent.clear()
        self._base = None
        self.global_block = -1
        self._changes.everything = True

    def touched_at(self, account: str) -> int:
        """The last block at which an event changed something of ``account`` or of every
        account (-1: none since the index started); state read at a block at or after it is
        current."""
        return max(self._touched.get(account, -1), self.global_block)

    def take_changes(self) -> Changes:
        """What changed since the last call (the live hub pushes it to the open pages)."""
        with self._lock:
            out, self._changes = self._changes, Changes()
            out.block = self.block
            return out

    def _apply(self, raw: Any) -> None:
        topics = raw["topics"]
        key = (str(raw["address"]).lower(), bytes(topics[0])) if topics else None
        if key not in self._decoders:
            return
        kind, name, event = self._decoders[key]
        args = event.process_log(raw)["args"]
        block = int(raw["blockNumber"])
        for value in args.values():
            if isinstance(value, str) and len(value) == 42 and value.startswith("0x"):
                account = checksum(value)
                self._touched[account] = block
                self._changes.accounts.add(account)
        if kind == "distributor" and name == "RootPublished":
            epoch = int(args["epoch"])
            self.roots[epoch] = PublishedRoot(epoch, bytes(args["root"]), int(args["total"]), bytes(args["dataHash"]))
        elif kind == "distributor" and name == "RootRevoked":
            known = self.roots.get(int(args["epoch"]))
            if known is not None and known.root == bytes(args["root"]):
                del self.roots[known.epoch]
        if kind != "engagement" or "postId" not in args:
            if (kind == "distributor" and name not in _ACCOUNT_ONLY) or kind == "engagement":
                self.global_block = block
                self._changes.everything = True
            return
        self._changes.posts.add(int(args["postId"]))
        if name == "PostPublished":
            pid = int(args["postId"])
            self.posts[pid] = PostState(pid, checksum(args["author"]), bytes(args["contentHash"]), int(args["wordCount"]), block)
        elif name == "Commented":
            cid, pid = int(args["commentId"]), int(args["postId"])
            self.comments[cid] = CommentState(cid, pid, checksum(args["commenter"]), bytes(args["contentHash"]), block)
            if pid in self.posts:
                self.posts[pid].comments.append(cid)
        elif name == "Voted":
            post = self.posts.get(int(args["postId"]))
            if post is not None:
                post.voters[checksum(args["voter"])] = int(args["vote"])
        elif name == "Reacted":
            comment = self.comments.get(int(args["commentId"]))
            if comment is not None:
                comment.reactors[checksum(args["reactor"])] = int(args["reaction"])
                if int(args["reaction"]) == LIKE:
                    comment.likes += 1
                else:
                    comment.dislikes += 1
        elif name == "ReportPurchased":
            post = self.posts.get(int(args["postId"]))
            if post is not None:
                buyer = checksum(args["buyer"])
                post.report_buyers[buyer] = post.report_buyers.get(buyer, 0) + 1
        elif name == "Flow":
            self.flows[int(args["postId"])].append(
                FlowRecord(
                    transaction_hash="0x" + bytes(raw["transactionHash"]).hex(),
                    log_index=int(raw["logIndex"]),
                    post_id=int(args["postId"]),
                    account=checksum(args["account"]),
                    category=FlowCategory(int(args["category"])),
                    amount=int(args["amount"]),
                )
            )

    def flows_of(self, post_id: int, account: str) -> list[FlowRecord]:
        account = checksum(account)
        return [f for f in self.flows.get(post_id, ()) if f.account == account]
