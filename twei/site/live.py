"""Pushing the post page's live sections to every open page (Server-Sent Events).

Polling made each open page cost a render, and a signed-in one a round of chain calls, every
second; a popular post then needed a process per fifty readers. Here the work follows the
chain instead of the readers (the design of Discourse's MessageBus and Mastodon's streaming
server, in one process):

- one task indexes each new block once (:meth:`EngagementIndex.refresh`) and takes what it
  touched (:class:`~twei.site.chain.Changes`: posts, accounts, or everything);
- an open page (a :class:`Subscriber`: a post, maybe an account) is sent something only when
  its post or its account was touched;
- the sections whose HTML depends on the post and only a little on the account ("votes",
  "comments") are rendered once per block per distinct *key* (the account-dependent inputs the
  template reads: its vote, its own comments and reactions, a too-small balance), so ten
  thousand readers who did not act share one render and one encoded message; the sections
  that are the account's own are rendered again only when an event names the account;
- each event carries the block as its ``id``: a reconnecting EventSource sends it back as
  ``Last-Event-ID``, and a page already at the current block is not sent the snapshot again.

The snapshot is the state, not a diff, so a page that reconnects (to this replica or another)
misses nothing: its first event is the current state. Block numbers mean the same on every
replica, so a page back from a replica that had indexed further than this one is sent nothing of
a block up to its ``Last-Event-ID`` (:attr:`Subscriber.seen`), and the first block after it in
full. A display name set through another replica (a shared store, PostgreSQL) is read each tick
(:meth:`LiveHub.names_elsewhere`) and pushed as if set here.
"""

from __future__ import annotations

import asyncio
import os
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from anyio import to_thread
from sse_starlette import ServerSentEvent
from eth_utils import to_checksum_address

from twei.site.chain import Changes
from twei.site.view import PostPage, SiteView

__all__ = ["LiveHub", "Subscriber", "SHARED", "OWN"]

log = logging.getLogger(__name__)

#: Sections rendered once per block per key (see the module), and the account's own ones.
SHARED = ("votes", "comments")
OWN = ("account", "read-to-earn", "pnl", "comment-level")

#: A step slower than this is logged as a warning (the pages are late by that much).
SLOW_STEP_S = float(os.environ.get("TWEI_SITE_SLOW_STEP_S", "1.0"))

Render = Callable[[PostPage, tuple[str, ...]], dict[str, str]]


class Subscriber:
    """One open page: its post, its account, what it was last sent, and the next message."""

    __slots__ = ("post_id", "account", "seen", "sent", "keys", "_next", "_wake")

    def __init__(self, post_id: int, account: str | None, seen: int = -1) -> None:
        self.post_id = post_id
        self.account = to_checksum_address(account) if account else None
        #: The block the page had already (its ``Last-Event-ID``, maybe from another replica):
        #: nothing of a block up to it is sent again.
        self.seen = seen
        self.sent: dict[str, str] = {}
        self.keys: tuple[Any, Any] | None = None  # what the shared sections read of the account
        self._next: tuple[int, bytes] | None = None
        self._wake = asyncio.Event()

    def push(self, block: int, data: bytes) -> None:
        """Keep the newest message only: a slow page skips to the latest state."""
        self._next = (block, data)
        self._wake.set()

    async def next(self) -> tuple[int, bytes]:
        while self._next is None:
            self._wake.clear()
            await self._wake.wait()
        out, self._next = self._next, None
        return out


class LiveHub:
    def __init__(self, view: SiteView, render: Render, *, tick_s: float = 0.1) -> None:
        self.view = view
        self.render = render
        self.tick_s = tick_s
        self._subs: dict[int, set[Subscriber]] = {}
        self._extra = Changes()  # what changed off-chain (a display name)
        self.pushed = 0  # messages queued, for the benchmark and the tests

    # -- pages -----------------------------------------------------------------------------
    @property
    def open_pages(self) -> int:
        return sum(len(s) for s in self._subs.values())

    def subscribe(self, post_id: int, account: str | None, seen: int = -1) -> Subscriber:
        sub = Subscriber(post_id, account, seen)
        self._subs.setdefault(post_id, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        subs = self._subs.get(sub.post_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subs[sub.post_id]

    def touch(self, account: str) -> None:
        """Something of ``account`` changed off-chain (its display name): its pages get their
        own sections again and every page its comments."""
        self._extra.accounts.add(to_checksum_address(account))
        self._extra.posts.update(self._subs)

    def names_elsewhere(self) -> None:
        """Touch the accounts whose display name was set through another replica (a shared
        store) since the last tick. A store that cannot be read now only delays the names: the
        chain's updates still go out."""
        try:
            changed = self.view.texts.changed_names()
        except Exception as err:  # noqa: BLE001 (the database away: names wait, blocks do not)
            log.warning("could not read the names changed elsewhere: %s", err)
            return
        for account in changed:
            self.touch(account)

    def snapshot(self, sub: Subscriber) -> tuple[int, str] | None:
        """Every section for a page that just opened (None: the post is gone)."""
        page = self.view.page(sub.post_id, sub.account)
        if page is None:
            return None
        sections = self.render(page, SHARED + OWN)
        sub.sent.update(sections)
        sub.keys = self._keys(sub)  # here, not in the first push after it: that one is for everybody
        return page.block, json.dumps({"block": page.block, "sections": sections})

    # -- the loop --------------------------------------------------------------------------
    async def run(self) -> None:
        """Index each block once and push what it changed, until cancelled."""
        while True:
            try:
                await asyncio.sleep(self.tick_s)
                if not self._subs:  # nobody to tell: what changed is in every new page's snapshot
                    self.view.index.take_changes()
                    await to_thread.run_sync(self.names_elsewhere)
                    self._extra = Changes()
                    continue
                messages = await to_thread.run_sync(self.step)
                for sub, block, data in messages:
                    sub.push(block, data)
                self.pushed += len(messages)
            except asyncio.CancelledError:
                raise
            except Exception:  # a node hiccup: the next tick tries again, the pages keep their state
                log.exception("live update failed; retrying")
                await asyncio.sleep(1)

    def step(self) -> list[tuple[Subscriber, int, bytes]]:
        """One tick: refresh the index and compute the message of every page it changed."""
        self.view.index.refresh(force=True)
        changes = self.view.index.take_changes()
        self.names_elsewhere()
        extra, self._extra = self._extra, Changes()
        changes.posts |= extra.posts
        changes.accounts |= extra.accounts
        if not changes:
            return []
        start = time.perf_counter()
        out = self.fan_out(changes)
        elapsed = time.perf_counter() - start
        log.log(
            logging.WARNING if elapsed > SLOW_STEP_S else logging.INFO,
            "block %s: %d posts, %d accounts%s changed; %d of %d pages sent an update in %.0f ms",
            changes.block, len(changes.posts), len(changes.accounts), " (everything)" if changes.everything else "",
            len(out), self.open_pages, elapsed * 1000,
        )
        return out

    def fan_out(self, changes: Changes) -> list[tuple[Subscriber, int, bytes]]:
        shared: dict[tuple[Any, ...], str] = {}  # (post, section, key) -> html
        encoded: dict[tuple[Any, ...], bytes] = {}  # the sections sent -> the event, encoded once
        block = self.view.index.block
        out = []
        for post_id, subs in list(self._subs.items()):
            post_changed = changes.everything or post_id in changes.posts
            for sub in list(subs):
                if block <= sub.seen and not sub.sent:
                    continue  # the page has this block already (from the replica it came from)
                own = changes.everything or (sub.account is not None and sub.account in changes.accounts)
                if not (own or post_changed):
                    continue
                try:
                    sections = self._sections(sub, own, shared)
                except Exception:  # one page's failure is not every page's
                    log.exception("could not render post %s for %s", post_id, sub.account)
                    continue
                if sections is None:
                    continue
                diff = {n: h for n, h in sections.items() if sub.sent.get(n) != h}
                if not diff:
                    continue
                sub.sent.update(diff)
                key = tuple((n, id(h)) for n, h in diff.items())
                data = encoded.get(key)
                if data is None:
                    text = json.dumps({"block": block, "sections": diff})
                    data = encoded[key] = ServerSentEvent(data=text, id=str(block)).encode()
                out.append((sub, block, data))
        return out

    def _sections(self, sub: Subscriber, own: bool, shared: dict[tuple[Any, ...], str]) -> dict[str, str] | None:
        if own:
            sub.keys = None
            page = self.view.page(sub.post_id, sub.account)
            return None if page is None else self.render(page, SHARED + OWN)
        keys = sub.keys  # an account's keys change only with an event naming it (then ``own``)
        if keys is None:
            keys = sub.keys = self._keys(sub)
        if keys is None:
            return None
        out: dict[str, str] = {}
        page = None
        for name, key in zip(SHARED, keys, strict=True):
            memo = (sub.post_id, name, key)
            html = shared.get(memo)
            if html is None:
                page = page or self.view.page(sub.post_id, sub.account)
                if page is None:
                    return None
                html = shared[memo] = self.render(page, (name,))[name]
            out[name] = html
        return out

    def _keys(self, sub: Subscriber) -> tuple[Any, Any] | None:
        """What the shared sections read of the account (two pages with equal keys get the
        same HTML): its vote, author or not, its comments and reactions, and its balance when
        it is below a fee (the refusal prints it)."""
        index = self.view.index
        post = index.posts.get(sub.post_id)
        if post is None:
            return None
        account = sub.account
        if account is None:
            return ("anonymous",), ("anonymous",)
        fees = self.view.fees()
        balance = self.view.account_chain(account).balance
        votes = (post.voters.get(account), account == post.author, balance if balance < fees["minus"] else None)
        mine = tuple(
            (cid, c.commenter == account, c.reactors.get(account))
            for cid in post.comments
            for c in (index.comments[cid],)
            if c.commenter == account or account in c.reactors
        )
        comments = (mine, balance if balance < fees["dislike"] else None)
        return votes, comments
