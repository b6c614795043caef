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
import gc
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
#: A garbage collection slower than this is logged as a warning.
SLOW_GC_S = float(os.environ.get("TWEI_SITE_SLOW_GC_S", "0.2"))
#: With this many pages open, what is alive after a push is frozen out of the collector's scans
#: (:meth:`LiveHub.keep_collections_short`), and thawed and collected once every
#: :data:`THAW_EVERY_S`.
FREEZE_FROM = int(os.environ.get("TWEI_SITE_FREEZE_FROM", "1000"))
THAW_EVERY_S = float(os.environ.get("TWEI_SITE_THAW_EVERY_S", "600"))

#: Pages whose messages the event loop computes before it lets them be sent (see
#: :meth:`LiveHub.fan_out_async`).
SLICE = 500

Render = Callable[[PostPage, tuple[str, ...]], dict[str, str]]

#: A message that needs a render or a chain read: computed in a thread instead.
_LATER = object()


class _Block:
    """One block's fan-out: what changed, and what is computed once for all the pages it goes to."""

    __slots__ = ("changes", "number", "shared", "encoded", "deltas")

    def __init__(self, changes: Changes, number: int) -> None:
        self.changes = changes
        self.number = number
        self.shared: dict[tuple[Any, ...], str | Parts] = {}  # (post, section, key) -> html or parts
        self.encoded: dict[tuple[Any, ...], bytes] = {}  # the sections sent -> the event, encoded once
        self.deltas: dict[tuple[int, int], tuple[Parts, dict[str, Any] | None]] = {}  # (old, new) -> delta


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


def _log_slow_collections() -> None:
    """Log each garbage collection that holds the process longer than :data:`SLOW_GC_S` (the
    pages wait that long): with ten thousand pages open the heap holds millions of objects."""
    started: list[float] = [0.0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
            return
        elapsed = time.perf_counter() - started[0]
        if elapsed > SLOW_GC_S:
            log.warning("garbage collection of generation %d took %.0f ms (%d collected)", info["generation"], elapsed * 1000, info["collected"])

    if not any(getattr(c, "__qualname__", "").startswith("_log_slow_collections") for c in gc.callbacks):
        gc.callbacks.append(callback)


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
        self._thawed = time.monotonic()  # when the frozen objects were last thawed and collected
        self._frozen_pages = 0  # pages open at the last freeze
        self._closed = 0  # pages closed since the last thaw

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
        self._closed += 1
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
        _log_slow_collections()
        while True:
            try:
                await asyncio.sleep(self.tick_s)
                if not self._subs:  # nobody to tell: what changed is in every new page's snapshot
                    self.view.index.take_changes()
                    await to_thread.run_sync(self.names_elsewhere)
                    self._extra = Changes()
                    continue
                changes = await to_thread.run_sync(self.changes)
                if changes:
                    start = time.perf_counter()
                    sent = await self.fan_out_async(changes)
                    self._log(changes, sent, time.perf_counter() - start)
                    self.keep_collections_short(after_push=True)
                else:
                    self.keep_collections_short()
            except asyncio.CancelledError:
                raise
            except Exception:  # a node hiccup: the next tick tries again, the pages keep their state
                log.exception("live update failed; retrying")
                await asyncio.sleep(1)

    def keep_collections_short(self, after_push: bool = False) -> None:
        """Keep the garbage collector's full scans short while many pages are open.

        Ten thousand open pages are millions of objects (each stream's tasks, its page state),
        and a full collection scanned them all: 1.4 s, during which no page was sent anything
        (the 10,000-page benchmark's slowest pushes). Once this many pages are open, what is
        alive is frozen (``gc.freeze``: moved out of the scanned generations) after each push
        and whenever a tenth more pages opened since the last freeze; the collector then scans
        only what was made since. What the frozen objects leave in cycles when their pages close
        is collected when they are thawed: every :data:`THAW_EVERY_S`, right after a push (the
        moment the pages have the least to wait for), and as soon as a quarter of the frozen
        pages closed (a crowd that comes and goes, or opens and drops streams on purpose, leaves
        at most that much uncollected), one full collection."""
        pages = self.open_pages
        if pages < FREEZE_FROM:
            if gc.get_freeze_count():
                gc.unfreeze()
            self._closed = 0
            return
        churned = self._closed > max(FREEZE_FROM, self._frozen_pages) // 4
        if not (after_push or churned or pages > self._frozen_pages * 1.1):
            return
        if churned or (after_push and time.monotonic() - self._thawed > THAW_EVERY_S):
            gc.unfreeze()
            gc.collect()
            self._thawed = time.monotonic()
            self._closed = 0
        gc.freeze()
        self._frozen_pages = pages

    def changes(self) -> Changes:
        """Refresh the index and take what changed since the last call, on-chain and off."""
        self.view.index.refresh(force=True)
        changes = self.view.index.take_changes()
        self.names_elsewhere()
        extra, self._extra = self._extra, Changes()
        changes.posts |= extra.posts
        changes.accounts |= extra.accounts
        return changes

    def step(self) -> list[tuple[Subscriber, int, bytes]]:
        """One tick in the calling thread (the tests): refresh the index, compute and queue the
        message of every page it changed, and return them (the pages to wake)."""
        changes = self.changes()
        if not changes:
            return []
        start = time.perf_counter()
        out = self.fan_out(changes)
        self._log(changes, len(out), time.perf_counter() - start)
        return out

    def _log(self, changes: Changes, sent: int, elapsed: float) -> None:
        self.pushed += sent
        log.log(
            logging.WARNING if elapsed > SLOW_STEP_S else logging.INFO,
            "block %s: %d posts, %d accounts%s changed; %d of %d pages sent an update in %.0f ms",
            changes.block, len(changes.posts), len(changes.accounts), " (everything)" if changes.everything else "",
            sent, self.open_pages, elapsed * 1000,
        )

    def fan_out(self, changes: Changes) -> list[tuple[Subscriber, int, bytes]]:
        """Every changed page's message, computed here (one thread: the tests, :meth:`step`)."""
        block = _Block(changes, self.view.index.block)
        out, rest = self._prepare(block)
        for sub in rest:
            with sub.lock:
                data = self._message(sub, block)
            if data is not None:
                out.append((sub, block.number, data))
        self._finish(block)
        return out

    async def fan_out_async(self, changes: Changes) -> int:
        """Every changed page's message, the cheap part on the event loop (returns how many).

        The renders and chain reads are done first in a thread (:meth:`_prepare`). What is left
        for the pages that did not act is dictionary work (their sections are the shared renders,
        their diffs and encodings memoised), done here in slices of :data:`SLICE` pages with
        the pages woken after each, so their sends start at once. It is not a thread because a
        thread computing the messages while the loop sends the last block's was slower than
        either alone: each send gives up the GIL and got it back only at the thread's next
        switch (5 ms), and a 10,000-page push took 1.8 s instead of 0.7 s. A page whose lock a
        snapshot holds, or whose message needs a render after all, is done in a thread after."""
        block = _Block(changes, self.view.index.block)
        out, rest = await to_thread.run_sync(self._prepare, block)
        for sub, _, _ in out:
            sub.wake()
        sent = len(out)
        later: list[Subscriber] = []
        for i, sub in enumerate(rest, 1):
            if not sub.lock.acquire(blocking=False):  # a snapshot is being taken: in a thread
                later.append(sub)
                continue
            try:
                data = self._message(sub, block, render=False)
            finally:
                sub.lock.release()
            if data is _LATER:
                later.append(sub)
            elif data is not None:
                sub.wake()
                sent += 1
            if i % SLICE == 0:
                await asyncio.sleep(0)  # the pages woken so far are sent theirs
        if later:

            def rest_of_them() -> list[Subscriber]:
                woken = []
                for sub in later:
                    with sub.lock:
                        if self._message(sub, block) is not None:
                            woken.append(sub)
                return woken

            woken = await to_thread.run_sync(rest_of_them)
            for sub in woken:
                sub.wake()
            sent += len(woken)
        self._finish(block)
        return sent

    def _prepare(self, block: _Block) -> tuple[list[tuple[Subscriber, int, bytes]], list[Subscriber]]:
        """The part of a fan-out that renders or reads the chain: the message of every page whose
        account an event named (its own sections), and the keys and shared renders the other
        changed pages need; returns those messages and the other changed pages."""
        changes = block.changes
        out, rest = [], []
        if changes.everything:  # every open page's account, a few hundred to a JSON-RPC batch
            self.view.account_chains([s.account for subs in list(self._subs.values()) for s in list(subs) if s.account])
        for post_id, subs in list(self._subs.items()):
            post_changed = changes.everything or post_id in changes.posts
            for sub in list(subs):
                if changes.everything or (sub.account is not None and sub.account in changes.accounts):
                    with sub.lock:  # (a snapshot of this page waits, and this waits for one)
                        data = self._message(sub, block)
                    if data is not None:
                        out.append((sub, block.number, data))
                elif post_changed:
                    if block.number <= sub.seen and not sub.sent:
                        continue  # the page has this block already (from the replica it came from)
                    try:
                        self._shared(sub, block)
                    except Exception:  # one page's failure is not every page's
                        log.exception("could not render post %s for %s", sub.post_id, sub.account)
                        continue
                    rest.append(sub)
        return out, rest

    def _finish(self, block: _Block) -> None:
        self._latest = {(post, key): parts for (post, _, key), parts in block.shared.items() if isinstance(parts, Parts)}

    def _message(self, sub: Subscriber, block: _Block, *, render: bool = True) -> bytes | None | object:
        """The page's message for this block, computed against what it was sent and queued (with
        its lock held); None: nothing to send; with ``render=False``, :data:`_LATER` when it would
        need a render or a chain read (the caller does it in a thread)."""
        changes = block.changes
        if block.number <= sub.seen and not sub.sent:
            return None  # the page has this block already (from the replica it came from)
        own = changes.everything or (sub.account is not None and sub.account in changes.accounts)
        if not (own or changes.everything or sub.post_id in changes.posts):
            return None
        try:
            sections = self._sections(sub, own, block, render)
        except Exception:  # one page's failure is not every page's
            log.exception("could not render post %s for %s", sub.post_id, sub.account)
            return None
        if sections is None or sections is _LATER:
            return sections
        whole: dict[str, str] = {}
        parts: dict[str, dict[str, Any]] = {}
        for name, new in sections.items():
            old = sub.sent.get(name)
            if isinstance(new, Parts):
                if old is new:
                    continue
                if isinstance(old, Parts):
                    memo = block.deltas.get((id(old), id(new)))
                    if memo is None:  # (old is kept in the memo: its id is not reused)
                        memo = block.deltas[(id(old), id(new))] = (old, new.delta(old))
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
        data = block.encoded.get(key)
        if data is None:
            message: dict[str, Any] = {"block": block.number, "sections": whole}
            if parts:
                message["parts"] = parts
            data = block.encoded[key] = ServerSentEvent(data=json.dumps(message), id=str(block.number)).encode()
        sub.push(block.number, data)
        return data

    def _sections(self, sub: Subscriber, own: bool, block: _Block, render: bool = True) -> dict[str, str | Parts] | None | object:
        if own:  # its own sections rendered for it; the shared ones by its keys, as for others
            if not render:
                return _LATER
            sub.keys = None
            page = self.view.page(sub.post_id, sub.account)
            if page is None:
                return None
            keys = sub.keys = self._keys(sub)
            if keys is None:
                return None
            mine = self._render(page, OWN)
            for name, key in self._named(sub, keys):
                mine[name] = block.shared.get((sub.post_id, name, key)) or self._render_shared(sub, name, key, block, page)
            return {name: mine[name] for name in SHARED + OWN}
        keys = sub.keys  # an account's keys change only with an event naming it (then ``own``)
        if keys is None:
            if not render:
                return _LATER
            keys = sub.keys = self._keys(sub)
        if keys is None:
            return None
        out: dict[str, str | Parts] = {}
        for name, key in self._named(sub, keys):
            html = block.shared.get((sub.post_id, name, key))
            if html is None:
                if not render:
                    return _LATER
                html = self._render_shared(sub, name, key, block)
                if html is None:
                    return None
            out[name] = html
        return out

    def _shared(self, sub: Subscriber, block: _Block) -> None:
        """Make sure the page's keys and the shared renders it needs exist (in a thread: this
        may read the chain and render), so that its message is then dictionary work."""
        keys = sub.keys
        if keys is None:
            keys = self._keys(sub)
            with sub.lock:
                if sub.keys is None:
                    sub.keys = keys
                keys = sub.keys
        if keys is None:
            return
        for name, key in self._named(sub, keys):
            if (sub.post_id, name, key) not in block.shared:
                self._render_shared(sub, name, key, block)

    @staticmethod
    def _named(sub: Subscriber, keys: tuple[Any, Any]) -> list[tuple[str, Any]]:
        named = list(zip(SHARED, keys, strict=True))
        if sub.account is None:  # a visitor's "pnl" is the post's public figures: the post's too
            named.append((ANONYMOUS_SHARED, ("anonymous",)))
        return named

    def _render_shared(self, sub: Subscriber, name: str, key: Any, block: _Block, page: PostPage | None = None) -> str | Parts | None:
        page = page or self.view.page(sub.post_id, sub.account)
        if page is None:
            return None
        html = block.shared[(sub.post_id, name, key)] = self._render(page, (name,))[name]
        return html

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
