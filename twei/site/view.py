"""What the post page shows, gathered from the chain index, the published files and the oracle.

One object (:class:`SiteView`) answers the page and its JSON helpers. Every figure comes from
the code the command line uses for the same thing, so the page and the scripts never disagree:
the PnL block is :func:`twei.report.build_report` over the post's `Flow` events and the
published breakdowns (as `ape run report`), what can be claimed is
:func:`twei.claim.plan_claim` over the published trees (as `ape run claim`), and *You earned* is
the oracle's :meth:`~twei.oracle.service.Oracle.read_status` with the settled Read Rewards of the
breakdowns.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from eth_utils import function_abi_to_4byte_selector, keccak
from hexbytes import HexBytes

from twei.addresses import checksum
from twei.breakdown import Breakdown, breakdown_path
from twei.claim import ClaimPlan, SettlementSource, find_leaf, plan_claim
from twei.errors import ClaimError, ConfigError, FileMismatch, TweiError
from twei.flows import FlowCategory, Side
from twei.published import check_breakdown_bytes
from twei.oracle.rules import DEFAULT_RULES, Rules, time_to_read_ms
from twei.report import PostReport, build_report
from twei.settlement.timeline import day_start, utc
from twei.site.avatar import identicon_svg, short_address
from twei.site.chain import LIKE, PLUS, Contracts, EngagementIndex
from twei.site.texts import TextStore

__all__ = ["SiteView", "Calls", "PostPage", "xp_for_level", "side_lines"]

log = logging.getLogger(__name__)


PAUSED = "Claims are paused by the guardian for now; what you earned stays claimable."


def xp_for_level(level: int) -> int:
    """SPEC §3: level L needs 10·L² XP."""
    return 10 * level * level


class Calls:
    """``contract.view(args)`` for a web3.py contract, the way Ape's contracts read (what
    :func:`twei.claim.plan_claim` expects)."""

    def __init__(self, contract: Any) -> None:
        self._contract = contract

    def __getattr__(self, name: str) -> Any:
        function = getattr(self._contract.functions, name)
        return lambda *args: function(*args).call()


#: The paying parameters a page shows, with their `IEngagement.Parameter` numbers.
_PRICED = (("the publish tribute", 0), ("the comment tribute", 1), ("a minus", 2), ("a dislike", 3), ("a report instance", 5))


class DistributorViews(Calls):
    """The distributor's views, with ``activeRoot()`` read once per indexed block: a render
    needs it for the PnL block, the level leaf and the claim (:func:`plan_claim`), and it only
    changes with a block."""

    def __init__(self, contract: Any, index: EngagementIndex) -> None:
        super().__init__(contract)
        self._index = index
        self._cache: dict[str, tuple[int, Any]] = {}
        self._lock = threading.Lock()

    def _per_block(self, name: str) -> Any:
        cached = self._cache.get(name)
        if cached is None or cached[0] != self._index.block:
            with self._lock:  # one reader asks the node; the threads behind it take its answer
                cached = self._cache.get(name)
                if cached is None or cached[0] != self._index.block:
                    block = self._index.block
                    cached = (block, getattr(self._contract.functions, name)().call())
                    self._cache[name] = cached
        return cached[1]

    def activeRoot(self) -> Any:  # noqa: N802 (the contract's names)
        return self._per_block("activeRoot")

    def pendingRoot(self) -> Any:  # noqa: N802
        return self._per_block("pendingRoot")

    def paused(self) -> Any:
        return self._per_block("paused")


class _Known:
    """The distributor's views with an account's ``claimed`` and ``levelOf`` already read (in
    the batch of :meth:`SiteView.account_chain`), for :func:`plan_claim`."""

    def __init__(self, views: DistributorViews, claimed: int, level: int) -> None:
        self._views, self._claimed, self._level = views, claimed, level

    def claimed(self, account: str) -> int:
        return self._claimed

    def levelOf(self, account: str) -> int:  # noqa: N802
        return self._level

    def __getattr__(self, name: str) -> Any:
        return getattr(self._views, name)


def _selector(contract: Any, name: str) -> bytes:
    """The 4-byte selector of ``contract``'s function ``name`` (one overload)."""
    item = next(i for i in contract.abi if i.get("type") == "function" and i["name"] == name)
    return function_abi_to_4byte_selector(item)


class RawCalls:
    """``eth_call``s sent as one JSON-RPC batch over the node's HTTP endpoint, the calldata
    encoded by the caller: web3.py's per-call layers (ABI lookup, middlewares, formatters) cost
    a signed-in page more CPU than the node's answers. Without an HTTP endpoint (the embedded
    chain) each is one ``eth_call``."""

    def __init__(self, web3: Any) -> None:
        self.web3 = web3
        provider = web3.provider
        if hasattr(provider, "_get_active_provider"):  # web3's AutoProvider (what Ape may hand over)
            provider = provider._get_active_provider(use_cache=True) or provider  # noqa: SLF001
        uri = getattr(provider, "endpoint_uri", None)
        self.uri = str(uri) if uri and str(uri).startswith("http") else None
        self._session = requests.Session() if self.uri else None

    def calls(self, calls: list[tuple[str, bytes]]) -> list[bytes]:
        if self.uri is None:
            return [bytes(self.web3.eth.call({"to": to, "data": HexBytes(data)})) for to, data in calls]
        body = [
            {"jsonrpc": "2.0", "id": i, "method": "eth_call", "params": [{"to": to, "data": "0x" + data.hex()}, "latest"]}
            for i, (to, data) in enumerate(calls)
        ]
        answers = self._session.post(self.uri, json=body, timeout=30).json()
        if not isinstance(answers, list):
            raise ConfigError(f"the node refused a JSON-RPC batch: {str(answers)[:200]}")
        by_id = {a.get("id"): a for a in answers}
        out = []
        for i in range(len(calls)):
            answer = by_id.get(i) or {}
            if "result" not in answer:
                raise ConfigError(f"eth_call failed: {str(answer.get('error', answer))[:200]}")
            out.append(bytes(HexBytes(answer["result"])))
        return out


class CachedSource(SettlementSource):
    """The published trees, each parsed once: a tree is named by its root (a hash of every
    leaf), so the one found for a root stays right for that root."""

    def __init__(self, location: Path, chain_id: int) -> None:
        super().__init__(location, chain_id)
        self._found: dict[tuple[int, str], Any] = {}

    def tree_for_root(self, epoch: int, root: str) -> Any:
        key = (int(epoch), root.lower())
        tree = self._found.get(key)
        if tree is None:
            tree = self._found[key] = super().tree_for_root(epoch, root)
        return tree


@dataclass(frozen=True)
class AccountChain:
    """One account's chain state, read in one batch and kept until an event names the account
    (or concerns every account): what a signed-in page needs besides the index."""

    block: int
    root: Any
    balance: int
    allowance: int
    level: int
    level_current: bool
    plan: ClaimPlan | str


@dataclass
class CommentView:
    comment_id: int
    author: str
    name: str
    avatar: str
    text: str | None
    likes: int
    dislikes: int
    mine: bool
    my_reaction: str | None


@dataclass
class AccountView:
    address: str
    short: str
    name: str | None
    balance: int
    allowance: int
    level: int
    level_current: bool
    leaf_level: int | None
    claimable: int
    claim_message: str | None
    voted: str | None
    reports_bought: int
    is_author: bool


@dataclass
class PostPage:
    post_id: int
    author: str
    author_name: str
    author_avatar: str
    title: str
    paragraphs: list[str]
    verified: bool
    word_count: int
    time_to_read_ms: int
    pluses: int
    minuses: int
    comments: list[CommentView]
    fees: dict[str, int]
    block: int
    account: AccountView | None = None
    report: PostReport | None = None
    report_error: str | None = None
    earned: dict[str, Any] | None = None
    can_comment: bool = False
    level_message: str = ""
    #: The post's own figures, the same for everyone (no account needed): see
    #: :meth:`SiteView.public_figures`.
    public: dict[str, Any] | None = None


class SiteView:
    def __init__(
        self,
        contracts: Contracts,
        texts: TextStore,
        settlements: Path,
        *,
        oracle: Any = None,
        job_db: Path | None = None,
        rules: Rules = DEFAULT_RULES,
        index: EngagementIndex | None = None,
    ) -> None:
        self.contracts = contracts
        self.index = index or EngagementIndex(contracts)
        self.texts = texts
        self.settlements = Path(settlements)
        self.oracle = oracle
        self.job_db = job_db
        self.rules = rules
        self.source = CachedSource(self.settlements, contracts.chain_id)
        self._breakdowns: dict[Path, tuple[Any, Breakdown]] = {}
        self._trees: dict[tuple[int, str], Any] = {}
        self._fees: tuple[int, int, dict[str, Any]] = (-2, 0, {})
        self._global_lock = threading.Lock()
        self._registered: set[int] = set()
        self._accounts: dict[str, AccountChain] = {}
        self._post_names: dict[int, tuple[Any, dict[str, str]]] = {}  # post -> (key, names): see _names
        self._account_names: tuple[int, dict[str, str | None]] = (-1, {})
        self._xp: tuple[Any, dict[str, int]] = (None, {})  # (the job store's mtime and size, account -> XP)
        self._local = threading.local()  # per thread: a read-only connection to the job store
        self.rpc = RawCalls(contracts.web3)
        self._post_texts: dict[tuple[int, bytes], tuple[str, str]] = {}
        self._selectors = {
            **{n: _selector(contracts.token, n) for n in ("balanceOf", "allowance")},
            **{n: _selector(contracts.distributor, n) for n in ("currentLevelOf", "claimed", "levelOf")},
        }
        self._listed: tuple[int, list[Breakdown] | ConfigError] = (-1, [])
        self._public: dict[int, tuple[Any, int, int]] = {}  # post -> (key, readers paid, Read Rewards)
        self._global: tuple[int, dict[str, Any]] = (-2, {})
        self._pruned = 0.0  # monotonic time of the last prune of unreferenced texts
        self.token = Calls(contracts.token)
        self.engagement = Calls(contracts.engagement)
        self.distributor = DistributorViews(contracts.distributor, self.index)

    # -- chain parameters ------------------------------------------------------------------
    def fees(self) -> dict[str, Any]:
        """The prices the contract holds now, and the changes scheduled to them (``scheduled``:
        what, new value, from when): read again only after an event that concerns every page
        (a fee scheduled or set) or once a scheduled change's time has come (it applies then
        without an event)."""
        key, due, fees = self._fees
        if key == self.index.global_block and self.index.timestamp < due:
            return fees
        with self._global_lock:
            key, due, fees = self._fees
            if key == self.index.global_block and self.index.timestamp < due:
                return fees
            global_block = self.index.global_block
            e = self.engagement
            pending = [(what, e.pendingParameterChange(parameter)) for what, parameter in _PRICED]
            fees = {
                "publish": int(e.publishTribute()),
                "comment": int(e.commentTribute()),
                "minus": int(e.minusFee()),
                "dislike": int(e.dislikeFee()),
                "report": int(e.reportPrice()),
                "min_level": int(e.commentMinLevel()),
                "scheduled": [{"what": what, "value": int(value), "at": utc(int(at))} for what, (value, at) in pending if int(at)],
            }
            due = min((int(at) for _, (_, at) in pending if int(at)), default=2**63)
            self._fees = (global_block, due, fees)
            return fees

    def treasury(self) -> str:
        """The treasury, read again only after an event that concerns every page."""
        if self._global[0] != self.index.global_block:
            with self._global_lock:
                if self._global[0] != self.index.global_block:
                    block = self.index.global_block
                    self._global = (block, {"treasury": checksum(self.engagement.treasury())})
        return self._global[1]["treasury"]

    def account_chain(self, account: str) -> AccountChain:
        """The account's balance, allowance, level and claim plan: from the cache while no
        event since names it, else read again in one JSON-RPC batch (when the provider takes
        batches) and kept."""
        account = checksum(account)
        cached = self._accounts.get(account)
        if cached is not None and self._current(cached, account):
            return cached
        return self._read_accounts([account])[0]

    def account_chains(self, accounts: list[str], per_batch: int = 200) -> None:
        """Read the state of those ``accounts`` the cache does not hold current, ``per_batch``
        accounts to a JSON-RPC batch: after an event for every page (a root, a pause), the
        open pages' accounts in a few dozen requests rather than one each."""
        stale = []
        for account in dict.fromkeys(checksum(a) for a in accounts):
            cached = self._accounts.get(account)
            if cached is None or not self._current(cached, account):
                stale.append(account)
        for i in range(0, len(stale), per_batch):
            self._read_accounts(stale[i : i + per_batch])

    def _current(self, cached: AccountChain, account: str) -> bool:
        return cached.block >= self.index.touched_at(account) and cached.root == self.distributor.activeRoot()

    def _read_accounts(self, accounts: list[str]) -> list[AccountChain]:
        root = self.distributor.activeRoot()
        block = self.index.block
        c = self.contracts
        sel = self._selectors
        spender = bytes(12) + bytes.fromhex(c.engagement.address[2:])
        calls = []
        for account in accounts:
            word = bytes(12) + bytes.fromhex(account[2:])
            calls += [
                (c.token.address, sel["balanceOf"] + word),
                (c.token.address, sel["allowance"] + word + spender),
                (c.distributor.address, sel["currentLevelOf"] + word),
                (c.distributor.address, sel["claimed"] + word),
                (c.distributor.address, sel["levelOf"] + word),
            ]
        answers = self.rpc.calls(calls)
        if len(self._accounts) + len(accounts) > 200_000:  # a bound: the cache holds the accounts of open pages
            self._accounts.clear()
        out = []
        for n, account in enumerate(accounts):
            mine = answers[5 * n : 5 * n + 5]
            balance, allowance, claimed, recorded = (int.from_bytes(mine[i][:32], "big") for i in (0, 1, 3, 4))
            level, current = int.from_bytes(mine[2][:32], "big"), bool(int.from_bytes(mine[2][32:64], "big"))
            try:
                plan: ClaimPlan | str = plan_claim(_Known(self.distributor, claimed, recorded), self.source, account)
            except ClaimError as err:
                plan = str(err)
            state = AccountChain(block, root, int(balance), int(allowance), int(level), bool(current), plan)
            self._accounts[account] = state
            out.append(state)
        return out

    # -- published files -------------------------------------------------------------------
    def active_epoch(self) -> int:
        return int(self.distributor.activeRoot()[1])

    def breakdowns(self) -> list[Breakdown]:
        """Every published breakdown of the chain that the chain vouches for (parsed once per
        file version, the folder looked at once per indexed block); ConfigError without the
        active root's, as `ape run report` refuses; FileMismatch if one is not the file whose
        keccak256 the chain published as its day's dataHash (no figure is shown from it)."""
        block = self.index.block
        if self._listed[0] != block:
            try:
                self._listed = (block, self._read_breakdowns())
            except (ConfigError, FileMismatch) as err:
                self._listed = (block, err)
        found = self._listed[1]
        if isinstance(found, (ConfigError, FileMismatch)):
            raise found
        return found

    def _read_breakdowns(self) -> list[Breakdown]:
        epoch = self.active_epoch()
        if epoch and not breakdown_path(self.settlements, self.contracts.chain_id, epoch).exists():
            raise ConfigError(
                f"the breakdown of the active root (day {day_start(epoch)}) is not published yet:"
                " the pool lines are shown once it is"
            )
        folder = self.settlements / str(self.contracts.chain_id)
        out = []
        for path in sorted(folder.glob("*.breakdown.json")) if folder.is_dir() else ():
            try:
                day = int(path.name.split(".")[0])
                published = self.index.roots.get(day)
                if published is None:
                    continue  # written before its root is sent, or revoked: nothing settled from it
                stat = path.stat()
                version = (stat.st_mtime_ns, stat.st_size, published.data_hash)
                cached = self._breakdowns.get(path)
                if cached is None or cached[0] != version:
                    raw = path.read_bytes()
                    check_breakdown_bytes(raw, day, published, f"The published breakdown of {day_start(day)}")
                    cached = (version, Breakdown.from_bytes(raw))
                    self._breakdowns[path] = cached
                out.append(cached[1])
            except FileMismatch as err:
                log.error("%s", err)
                raise
            except (OSError, ValueError, TweiError) as err:
                log.warning("skipping unreadable breakdown %s: %s", path, err)
        return out

    def active_tree(self) -> tuple[int, Any] | None:
        """The published tree of the active root (epoch, tree), or None if no root is active."""
        root, epoch, _ = self.distributor.activeRoot()
        root_hex = "0x" + bytes(root).hex()
        if int(root_hex, 16) == 0:
            return None
        key = (int(epoch), root_hex)
        if key not in self._trees:
            self._trees[key] = self.source.tree_for_root(int(epoch), root_hex)
        return int(epoch), self._trees[key]

    def claim_plan(self, account: str) -> ClaimPlan | str:
        try:
            return plan_claim(self.distributor, self.source, account)
        except ClaimError as err:
            return str(err)

    def leaf(self, account: str) -> tuple[int, int, list[str]] | None:
        """(cumulative amount, level, proof) of the account in the active root's tree."""
        try:
            active = self.active_tree()
        except ClaimError:
            return None
        if active is None:
            return None
        _, tree = active
        index = find_leaf(tree, account)
        if index is None:
            return None
        _, cumulative, level = tree.values[index]
        return int(cumulative), int(level), list(tree.get_proof(index))

    def xp_of(self, account: str) -> int | None:
        """The account's XP from the settlement job's store, when this machine has it: kept
        until the store's files change (a settlement), read through one read-only connection per
        thread."""
        if self.job_db is None:
            return None
        try:
            stat = os.stat(self.job_db)
        except OSError:
            return None
        try:  # (the store is in WAL mode: a settlement's writes land in its -wal file first)
            wal = os.stat(f"{self.job_db}-wal")
            stamp: tuple[int, ...] = (stat.st_ino, stat.st_mtime_ns, stat.st_size, wal.st_mtime_ns, wal.st_size)
        except OSError:
            stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if self._xp[0] != stamp:
            self._xp = (stamp, {})
        known = self._xp[1]
        if account in known:
            return known[account]
        try:
            opened = getattr(self._local, "job_db", None)
            if opened is None or opened[0] != stamp:  # (a store replaced by a new file: reopened)
                if opened is not None:
                    opened[1].close()
                opened = self._local.job_db = (stamp, sqlite3.connect(f"file:{self.job_db}?mode=ro", uri=True, timeout=1))
            row = opened[1].execute("SELECT xp FROM accounts WHERE address = ?", (account,)).fetchone()
        except sqlite3.Error as err:
            log.warning("cannot read XP from %s: %s", self.job_db, err)
            self._local.job_db = None
            return None
        if len(known) > 200_000:
            known.clear()
        xp = known[account] = int(row[0]) if row else 0
        return xp

    # -- what a comment needs --------------------------------------------------------------
    def comment_level(self, account: str) -> dict[str, Any]:
        """How the account comments now: with its claimed level ("claimed"), with the active
        root's leaf ("leaf"), or not at all ("refused", with the level and the XP missing)."""
        account = checksum(account)
        need = self.fees()["min_level"]
        chain = self.account_chain(account)
        level, current = chain.level, chain.level_current
        if current and int(level) >= need:
            return {"mode": "claimed", "level": int(level), "message": f"LVL {int(level)}: you can comment.", "leaf": None}
        leaf = self.leaf(account)
        if leaf is not None and leaf[1] >= need:
            amount, lvl, proof = leaf
            return {
                "mode": "leaf",
                "level": lvl,
                "message": f"LVL {lvl}: you can comment.",
                "leaf": {"cumulativeAmount": str(amount), "level": lvl, "proof": proof},
            }
        have = leaf[1] if leaf is not None else (int(level) if current else 0)
        return {"mode": "refused", "level": have, "message": self.level_message(account, have, need), "leaf": None}

    def level_message(self, account: str, level: int, need: int) -> str:
        xp = self.xp_of(account)
        target = xp_for_level(need)
        if xp is not None:
            missing = max(0, target - xp)
            return f"Commenting is available from LVL {need}. You are LVL {level} with {xp:,} XP: {missing:,} XP to go."
        missing = target - xp_for_level(level)
        return (
            f"Commenting is available from LVL {need} ({target:,} XP). You are LVL {level}:"
            f" at most {missing:,} XP to go."
        )

    # -- the page --------------------------------------------------------------------------
    def post_text(self, post_id: int, content_hash: bytes) -> tuple[str | None, str]:
        """The post's text if the platform holds the one on-chain (keccak256 equal to the
        hash), from the site's store or else the oracle's (`ape run publish` registers it
        there), and the title the oracle holds ("" if none)."""
        key = (post_id, bytes(content_hash))
        known = self._post_texts.get(key)
        if known is not None:
            return known
        record = self.oracle.get_post(post_id) if self.oracle is not None else None
        title = record.title if record is not None and record.title else ""
        text = self.texts.get(content_hash)
        if text is None and record is not None and record.body and keccak(text=record.body) == bytes(content_hash):
            text = record.body
        if text is not None and record is not None:
            self._post_texts[key] = (text, title)  # the oracle registers a post once: it stays
        return text, title

    def _prune_texts(self, every_s: float = 3_600) -> None:
        """Once an hour, drop the day-old texts that no post or comment on-chain names."""
        now = time.monotonic()
        if now - self._pruned < every_s:
            return
        self._pruned = now
        referenced = {p.content_hash for p in self.index.posts.values()}
        referenced |= {c.content_hash for c in self.index.comments.values()}
        dropped = self.texts.prune(referenced)
        if dropped:
            log.info("pruned %d texts no event references", dropped)

    def register_with_oracle(self, post_id: int, author: str, words: int, title: str, body: str) -> None:
        """A post published from the page is registered with the oracle, so readers earn for it."""
        if self.oracle is None or post_id in self._registered:
            return
        if self.oracle.get_post(post_id) is None:
            try:
                self.oracle.call("register_post", post_id, author, words, title[:300], body)
            except TweiError as err:
                log.warning("could not register post %s with the oracle: %s", post_id, err)
                return
        self._registered.add(post_id)

    def page(self, post_id: int, account: str | None, after: int | None = None) -> PostPage | None:
        """The page of ``post_id`` for ``account``; ``after``: a block the caller saw mined,
        so the index is brought up to date now rather than at its next interval (only for a
        block just ahead of the index: a made-up far block cannot make every request query)."""
        self.index.refresh(force=after is not None and self.index.block < after <= self.index.block + 64)
        self._prune_texts()
        post = self.index.posts.get(post_id)
        if post is None:
            return None
        text, oracle_title = self.post_text(post_id, post.content_hash)
        verified = text is not None
        title, paragraphs = _title_and_paragraphs(text or "", post_id)
        title = oracle_title or title
        if text is not None:
            self.register_with_oracle(post_id, post.author, post.word_count, title, text)
        account = checksum(account) if account else None
        comment_ids = post.comments
        names = self._names(post, account)
        comments = []
        for cid in comment_ids:
            c = self.index.comments[cid]
            body = self.texts.get(c.content_hash)
            reaction = c.reactors.get(account) if account else None
            comments.append(
                CommentView(
                    comment_id=cid,
                    author=c.commenter,
                    name=names.get(c.commenter) or short_address(c.commenter),
                    avatar=identicon_svg(c.commenter),
                    text=body,
                    likes=c.likes,
                    dislikes=c.dislikes,
                    mine=account == c.commenter,
                    my_reaction=None if reaction is None else ("like" if reaction == LIKE else "dislike"),
                )
            )
        page = PostPage(
            post_id=post_id,
            author=post.author,
            author_name=names.get(post.author) or short_address(post.author),
            author_avatar=identicon_svg(post.author),
            title=title,
            paragraphs=paragraphs,
            verified=verified,
            word_count=post.word_count,
            time_to_read_ms=time_to_read_ms(post.word_count, self.rules),
            pluses=post.pluses,
            minuses=post.minuses,
            comments=comments,
            fees=self.fees(),
            block=self.index.block,
        )
        if account:
            self._fill_account(page, post, account, names)
        else:
            page.public = self.public_figures(post, comments)
        return page

    def _names(self, post: Any, account: str | None) -> dict[str, str]:
        """The display names of the post's author, its commenters and ``account``: the post's
        read once per block and per change of names (not once per page), the account's once per
        change of names."""
        version = self.texts.names_version
        key = (self.index.block, version, len(post.comments))
        cached = self._post_names.get(post.post_id)
        if cached is None or cached[0] != key:
            authors = sorted({self.index.comments[c].commenter for c in post.comments} | {post.author})
            if len(self._post_names) > 10_000:
                self._post_names.clear()
            cached = self._post_names[post.post_id] = (key, self.texts.names(authors))
        names = cached[1]
        if account is None or account in names:
            return names
        if self._account_names[0] != version:
            self._account_names = (version, {})
        known = self._account_names[1]
        if account not in known:
            if len(known) > 200_000:
                known.clear()
            known[account] = self.texts.names([account]).get(account)
        return names if known[account] is None else {**names, account: known[account]}

    def public_figures(self, post: Any, comments: list[CommentView]) -> dict[str, Any]:
        """What anyone can check about the post, shown to a visitor without a wallet: its votes,
        comments, likes, dislikes and report instances (events), and what the pool paid its
        readers on the settled days (the breakdowns the chain vouches for: readers paid, Twei).
        The pool figures are computed once per post per list of breakdowns."""
        out: dict[str, Any] = {
            "pluses": post.pluses,
            "minuses": post.minuses,
            "comments": len(comments),
            "likes": sum(c.likes for c in comments),
            "dislikes": sum(c.dislikes for c in comments),
            "reports": sum(post.report_buyers.values()),
            "readers_paid": None,
            "read_rewards": None,
            "pool_note": None,
        }
        try:
            breakdowns = self.breakdowns()
        except FileMismatch as err:
            out["pool_note"] = f"{err}. The pool figures are not shown until the file is restored."
            return out
        except ConfigError as err:
            out["pool_note"] = str(err)
            return out
        key = (tuple(id(b) for b in breakdowns), self.active_epoch())  # each parsed once per file version
        cached = self._public.get(post.post_id)
        if cached is None or cached[0] != key:
            active, category = key[1], int(FlowCategory.READ_REWARDS)
            readers, paid = set(), 0
            for b in breakdowns:
                if b.epoch > active:  # published, not activated yet: not settled
                    continue
                for reader, lines in b.lines.items():
                    amount = lines.get((post.post_id, category), 0)
                    if amount:
                        readers.add(reader)
                        paid += amount
            cached = (key, len(readers), paid)
            self._public[post.post_id] = cached
        out["readers_paid"], out["read_rewards"] = cached[1], cached[2]
        return out

    def _fill_account(self, page: PostPage, post: Any, account: str, names: dict[str, str]) -> None:
        chain = self.account_chain(account)
        level, current = chain.level, chain.level_current
        leaf = self.leaf(account)
        plan = chain.plan
        claimable = plan.claimable if isinstance(plan, ClaimPlan) else 0
        if not isinstance(plan, ClaimPlan):
            claim_message: str | None = plan
        elif self.distributor.paused():  # a claim (even of a level alone) would revert
            claim_message = PAUSED
        elif not claimable:
            claim_message = "Nothing to claim: the published roots owe this account nothing more."
        else:
            claim_message = None
        vote = post.voters.get(account)
        treasury = self.treasury()
        page.account = AccountView(
            address=account,
            short=short_address(account),
            name=names.get(account),
            balance=chain.balance,
            allowance=chain.allowance,
            level=int(level),
            level_current=bool(current),
            leaf_level=leaf[1] if leaf else None,
            claimable=claimable,
            claim_message=claim_message,
            voted=None if vote is None else ("plus" if vote == PLUS else "minus"),
            reports_bought=post.report_buyers.get(account, 0),
            is_author=account == post.author,
        )
        mismatch = None
        try:
            breakdowns = self.breakdowns()
        except FileMismatch as err:  # an altered file: no figure from any breakdown
            page.report_error = mismatch = f"{err}. The pool figures are not shown until the file is restored."
            breakdowns = None
        except ConfigError as err:
            page.report_error = str(err)
            breakdowns = None
        if breakdowns is not None:
            page.report = build_report(account, page.post_id, self.index.flows_of(page.post_id, account), breakdowns, treasury=treasury)
        page.earned = self._earned(page.post_id, account, breakdowns or [])
        if mismatch:
            page.earned.update(settled=0, refused=mismatch)
        level_now = page.account.leaf_level if page.account.leaf_level is not None else (page.account.level if current else 0)
        need = page.fees["min_level"]
        page.can_comment = level_now >= need
        page.level_message = (
            f"LVL {level_now}: you can comment." if level_now >= need else self.level_message(account, level_now, need)
        )

    def _earned(self, post_id: int, account: str, breakdowns: list[Breakdown]) -> dict[str, Any]:
        """*You earned*: settled Read Rewards (with the day), else the pending credit, else None."""
        settled, day = 0, None
        active = self.active_epoch()
        for b in breakdowns:
            if b.epoch > active:  # published, not activated yet: not claimable, not settled
                continue
            amount = b.lines.get(account, {}).get((post_id, int(FlowCategory.READ_REWARDS)), 0)
            if amount:
                settled += amount
                day = day_start(b.epoch)
        out: dict[str, Any] = {"settled": settled, "day": day, "pending": 0, "credited_ms": 0, "rewarded": False, "own_post": False}
        if self.oracle is not None:
            try:
                status = self.oracle.read_status(post_id, account, settled)
            except TweiError:
                return out
            out.update(pending=status.pending_wei, credited_ms=status.credited_ms, rewarded=status.rewarded, own_post=status.own_post, qualified=status.qualified)
        return out


def _title_and_paragraphs(text: str, post_id: int) -> tuple[str, list[str]]:
    """A ``# heading`` first line is the title (as `ape run publish` reads a file)."""
    if not text:
        return f"Post {post_id}", []
    lines = text.strip().splitlines()
    title = f"Post {post_id}"
    if lines and lines[0].startswith("#"):
        title = lines[0].lstrip("#").strip() or title
        text = "\n".join(lines[1:])
    return title, [p.strip() for p in text.split("\n\n") if p.strip()]


def side_lines(report: PostReport | None, side: Side) -> list[tuple[str, int | None]]:
    cats = [c for c in FlowCategory if c.side is side]
    if report is None:
        return [(c.display_name, None) for c in cats]
    return [(c.display_name, report.lines.get(c, 0)) for c in cats]

