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

The comments are sent as their parts (:class:`Parts`): a block that adds a comment or changes one
(its likes) sends that comment's fragment and the section's head, not the section (a popular
post's comments were 15 KB a page a push). A page is sent the whole section when it has no part
of it yet, or when the new list does not extend the one it was sent (a reorg). So that a diff
never lands on the wrong base, what a page was sent (:attr:`Subscriber.sent`) is always what it
shows once it has read its queue: a message is computed against it and queued under the page's
lock, in that order; a slow page gets every message (past :data:`MAX_PENDING` waiting, the rest
are dropped and it is sent a snapshot after them); a snapshot is taken under the same lock and
empties the queue (what was waiting is older than it). The script applies a stream's messages in
the order they come. The parts are upserts (a comment's fragment replaces the element with its
id, else goes after the comment before it), so one applied twice does no harm.

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
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from anyio import to_thread
from sse_starlette import ServerSentEvent

from twei.addresses import checksum
from twei.site.chain import Changes
from twei.site.view import PostPage, SiteView

__all__ = ["LiveHub", "Parts", "Subscriber", "SHARED", "OWN", "PARTS"]

log = logging.getLogger(__name__)

#: Sections rendered once per block per key (see the module), and the account's own ones.
SHARED = ("votes", "comments")
OWN = ("account", "read-to-earn", "pnl", "comment-level")
#: An own section that, for a page without an account, shows the post's public figures (its
#: comments, likes, votes): rendered once per block like the shared ones, for every visitor.
ANONYMOUS_SHARED = "pnl"
#: Sections sent as their parts (:class:`Parts`) once a page has them.
PARTS = ("comments",)

#: Messages a page may have waiting; past it, they are dropped and the page is sent a snapshot.
MAX_PENDING = int(os.environ.get("TWEI_SITE_MAX_PENDING", "32"))

#: A step slower than this is logged as a warning (the pages are late by that much).
SLOW_STEP_S = float(os.environ.get("TWEI_SITE_SLOW_STEP_S", "1.0"))

Render = Callable[[PostPage, tuple[str, ...]], dict[str, str]]


class Parts:
    """The comments section as its parts: a head (the title and the count) and one fragment per
    comment, in page order. :attr:`html` is the whole section, as ``_comments.html`` renders it."""

    __slots__ = ("head", "items", "_html")

    def __init__(self, head: str, items: dict[int, str]) -> None:
        self.head = head
        self.items = items
        self._html: str | None = None

    @property
    def html(self) -> str:
        if self._html is None:
            self._html = self.head + '<ol class="comments">\n' + "".join(self.items.values()) + "</ol>"
        return self._html

    def delta(self, old: Parts) -> dict[str, Any] | None:
        """What turns a page showing ``old`` into this: the head if it changed, and each comment
        new or changed as ``[id, id of the comment before it or None, fragment]``; None when it
        cannot (a comment of ``old`` is gone or moved: the whole section is sent)."""
        kept = [cid for cid in self.items if cid in old.items]
        if len(kept) != len(old.items) or kept != list(old.items):
            return None
        out: dict[str, Any] = {}
        if self.head != old.head:
            out["head"] = self.head
        changed, before = [], None
        for cid, html in self.items.items():
            if old.items.get(cid) != html:
                changed.append([cid, before, html])
            before = cid
        if changed:
            out["items"] = changed
        return out


class Subscriber:
    """One open page: its post, its account, what it was sent, and its queue of messages."""

    __slots__ = ("post_id", "account", "seen", "sent", "keys", "lock", "_queue", "_stalled", "_wake")

    def __init__(self, post_id: int, account: str | None, seen: int = -1) -> None:
        self.post_id = post_id
        self.account = checksum(account) if account else None
        #: The block the page had already (its ``Last-Event-ID``, maybe from another replica):
        #: nothing of a block up to it is sent again.
        self.seen = seen
        #: What the page was sent of each section: its HTML, or its :class:`Parts`.
        self.sent: dict[str, str | Parts] = {}
        self.keys: tuple[Any, Any] | None = None  # what the shared sections read of the account
        #: Held while a message is computed against :attr:`sent` and queued, and while a
        #: snapshot is taken (threads); the event loop only reads the queue.
        self.lock = threading.Lock()
        self._queue: deque[tuple[int, bytes] | None] = deque()
        self._stalled = False  # MAX_PENDING were waiting: nothing more is queued until a snapshot
        self._wake = asyncio.Event()

    def push(self, block: int, data: bytes) -> None:
        """Queue a message (with :attr:`lock` held). Each is sent, in order: a diff needs the
        ones before it. Past :data:`MAX_PENDING` waiting, the next ones are dropped and the
        page is sent a snapshot once it has read those."""
        if self._stalled:
            return
        if len(self._queue) >= MAX_PENDING:
            self._stalled = True
            self._queue.append(None)
            return
        self._queue.append((block, data))

    def wake(self) -> None:
        """Messages were queued (called on the event loop)."""
        self._wake.set()

    def restart(self) -> None:
        """A snapshot was taken (with :attr:`lock` held): what was waiting is older than it."""
        self._queue.clear()
        self._stalled = False

    async def next(self) -> tuple[int, bytes] | None:
        """The next message; None: the page fell behind, send it a snapshot
        (:meth:`LiveHub.snapshot`)."""
        while not self._queue:
            self._wake.clear()
            await self._wake.wait()
        return self._queue.popleft()


class LiveHub:
    def __init__(self, view: SiteView, render: Render, parts: Callable[[PostPage], Parts], *, tick_s: float = 0.1) -> None:
        self.view = view
        self.render = render
        self.parts = parts  # the comments section as its parts
        self.tick_s = tick_s
        #: The comments' parts last rendered per (post, key): a page that opens is given the same
        #: object when its render is equal, so the next block's diff is computed and encoded once
        #: for all of them (not once per page's own snapshot).
        self._latest: dict[tuple[int, Any], Parts] = {}
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
        self._extra.accounts.add(checksum(account))
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
        """Every section for a page that just opened, or fell behind (None: the post is gone)."""
        with sub.lock:
            page = self.view.page(sub.post_id, sub.account)
            if page is None:
                return None
            sections = self._render(page, SHARED + OWN)
            sub.keys = self._keys(sub)  # here, not in the first push after it: that one is for everybody
            if sub.keys is not None:
                parts = sections["comments"]
                latest = self._latest.setdefault((sub.post_id, sub.keys[1]), parts)
                if latest.head == parts.head and latest.items == parts.items:
                    sections["comments"] = latest
                else:
                    self._latest[(sub.post_id, sub.keys[1])] = parts
            sub.sent.update(sections)
            sub.restart()
            return page.block, json.dumps({"block": page.block, "sections": _whole(sections)})

    def _render(self, page: PostPage, names: tuple[str, ...]) -> dict[str, str | Parts]:
        out: dict[str, str | Parts] = dict(self.render(page, tuple(n for n in names if n not in PARTS)))
        for name in names:
            if name in PARTS:
                out[name] = self.parts(page)
        return {name: out[name] for name in names}

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
                messages = await to_thread.run_sync(self.step)  # (queued there)
                for sub, _, _ in messages:
                    sub.wake()
                self.pushed += len(messages)
            except asyncio.CancelledError:
                raise
            except Exception:  # a node hiccup: the next tick tries again, the pages keep their state
                log.exception("live update failed; retrying")
                await asyncio.sleep(1)

    def step(self) -> list[tuple[Subscriber, int, bytes]]:
        """One tick: refresh the index, and compute and queue the message of every page it
        changed (returned: the pages to wake)."""
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
        shared: dict[tuple[Any, ...], str | Parts] = {}  # (post, section, key) -> html or parts
        encoded: dict[tuple[Any, ...], bytes] = {}  # the sections sent -> the event, encoded once
        deltas: dict[tuple[int, int], tuple[Parts, dict[str, Any] | None]] = {}  # (old, new) -> delta
        block = self.view.index.block
        out = []
        for post_id, subs in list(self._subs.items()):
            post_changed = changes.everything or post_id in changes.posts
            for sub in list(subs):
                with sub.lock:  # (a snapshot of this page waits, and this waits for one)
                    data = self._message(sub, changes, post_changed, block, shared, encoded, deltas)
                if data is not None:
                    out.append((sub, block, data))
        self._latest = {(post, key): parts for (post, _, key), parts in shared.items() if isinstance(parts, Parts)}
        return out

    def _message(
        self, sub: Subscriber, changes: Changes, post_changed: bool, block: int,
        shared: dict[tuple[Any, ...], str | Parts], encoded: dict[tuple[Any, ...], bytes],
        deltas: dict[tuple[int, int], tuple[Parts, dict[str, Any] | None]],
    ) -> bytes | None:
        """The page's message for this block, computed against what it was sent and queued (with
        its lock held); None: nothing to send."""
        if block <= sub.seen and not sub.sent:
            return None  # the page has this block already (from the replica it came from)
        own = changes.everything or (sub.account is not None and sub.account in changes.accounts)
        if not (own or post_changed):
            return None
        try:
            sections = self._sections(sub, own, shared)
        except Exception:  # one page's failure is not every page's
            log.exception("could not render post %s for %s", sub.post_id, sub.account)
            return None
        if sections is None:
            return None
        whole: dict[str, str] = {}
        parts: dict[str, dict[str, Any]] = {}
        for name, new in sections.items():
            old = sub.sent.get(name)
            if isinstance(new, Parts):
                if old is new:
                    continue
                if isinstance(old, Parts):
                    memo = deltas.get((id(old), id(new)))
                    if memo is None:  # (old is kept in the memo: its id is not reused)
                        memo = deltas[(id(old), id(new))] = (old, new.delta(old))
                    delta = memo[1]
                    if delta == {}:
                        continue  # the same: the page keeps the object it shares with others
                        # (a render of its own, after an event for every page, would make its
                        # next diff its own too: one computed and encoded per page)
                    if delta is not None:
                        sub.sent[name] = new
                        parts[name] = delta
                        continue
                whole[name] = new.html  # the page has none of it, or a list this does not extend
                sub.sent[name] = new
            elif old != new:
                whole[name] = new
                sub.sent[name] = new
        if not (whole or parts):
            return None
        key = tuple((n, id(h)) for n, h in whole.items()) + tuple((n, id(d)) for n, d in parts.items())
        data = encoded.get(key)
        if data is None:
            message: dict[str, Any] = {"block": block, "sections": whole}
            if parts:
                message["parts"] = parts
            data = encoded[key] = ServerSentEvent(data=json.dumps(message), id=str(block)).encode()
        sub.push(block, data)
        return data

    def _sections(self, sub: Subscriber, own: bool, shared: dict[tuple[Any, ...], str | Parts]) -> dict[str, str | Parts] | None:
        if own:
            sub.keys = None
            page = self.view.page(sub.post_id, sub.account)
            return None if page is None else self._render(page, SHARED + OWN)
        keys = sub.keys  # an account's keys change only with an event naming it (then ``own``)
        if keys is None:
            keys = sub.keys = self._keys(sub)
        if keys is None:
            return None
        out: dict[str, str | Parts] = {}
        page = None
        named = list(zip(SHARED, keys, strict=True))
        if sub.account is None:  # a visitor's "pnl" is the post's public figures: the post's too
            named.append((ANONYMOUS_SHARED, ("anonymous",)))
        for name, key in named:
            memo = (sub.post_id, name, key)
            html = shared.get(memo)
            if html is None:
                page = page or self.view.page(sub.post_id, sub.account)
                if page is None:
                    return None
                html = shared[memo] = self._render(page, (name,))[name]
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


def _whole(sections: dict[str, str | Parts]) -> dict[str, str]:
    return {name: html.html if isinstance(html, Parts) else html for name, html in sections.items()}
