"""The oracle's core: one writer thread per process applies the rules and group-commits.

Requests put an operation on a queue; the writer takes everything waiting (up to
``max_batch``), opens ONE write transaction, reads the committed state of every session the
batch touches *locked against other writers* (:meth:`StoreTransaction.sessions_for_update`),
applies each operation to it in order, writes all resulting rows, commits, and only then
resolves each request's future. So an acknowledged heartbeat is always durable, and the
commit's fsync is paid once per batch instead of once per heartbeat (group commit).

Session state lives in the database, not in this process: several processes (replicas behind a
load balancer, one PostgreSQL database) can serve the same reading session, its heartbeats
arriving at any of them, concurrently, out of order or replayed. Each batch works from the
latest committed state under the row locks, so ``seq`` only grows, no interval is credited
twice and the cap holds; the reward claim is serialised per (reader, post) by
:meth:`StoreTransaction.reward_taken`. Only posts, which never change once registered, are
cached in memory.

If the transaction fails (the database away, a full disk), every request of the batch that
would have succeeded is answered 503 (:class:`~twei.errors.OracleUnavailable`, ``Retry-After``)
and nothing of it is kept in memory: the retry starts again from the committed state. Two
failures are not the batch's: a deadlock or serialisation failure between replicas runs the
batch again, and a write the store refuses for one operation's data runs each operation alone,
so only that one is refused (see :meth:`Oracle._process`).

One focus per reader (SPEC §4): the batch also locks the readers of its sessions (after the
sessions, both in sorted order) and reads their watermark, the last instant credited to any of
their sessions; a heartbeat credits only what lies after it, and moves it.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import random
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import Any

from twei.errors import (
    OracleError,
    OracleUnavailable,
    PostConflict,
    ReplayedHeartbeat,
    SessionFinished,
    SessionInFuture,
    StoreRefused,
    UnknownPost,
    UnknownSession,
)
from twei.metrics import HEARTBEATS, SESSIONS_STARTED, STORE_BATCH, STORE_FAILURES
from twei.oracle.rules import (
    DEFAULT_RULES,
    Beat,
    ReadState,
    Rules,
    apply_beat,
    check_client_time,
    read_reward_wei,
    time_to_read_ms,
)
from twei.oracle.store.base import (
    Batch,
    HeartbeatRecord,
    OracleStore,
    PostRecord,
    SessionRecord,
    StoreTransaction,
)

__all__ = ["Oracle", "HeartbeatInput", "ReadStatus", "Clock"]

log = logging.getLogger(__name__)

#: Seconds since the epoch, like :func:`time.time`; injectable so tests can move time.
Clock = Callable[[], float]

_STOP = object()
#: Tries of a batch that met a deadlock or serialisation failure before it is answered 503.
_RETRIES = 8


@dataclass(frozen=True, slots=True)
class HeartbeatInput:
    """A heartbeat as the client reports it (already type-checked by the HTTP layer)."""

    seq: int
    visible: bool
    focused: bool
    scroll_pct: float
    idle_ms: int | None
    client_ms: int


@dataclass(frozen=True, slots=True)
class ReadStatus:
    """What a reader has of one post: the figures behind the page's Read-to-Earn box."""

    post_id: int
    reader: str
    time_to_read_ms: int
    credited_ms: int
    max_scroll_pct: float
    qualified: bool
    rewarded: bool
    own_post: bool
    sessions: int
    settled_wei: int
    pending_wei: int

    @property
    def earned_wei(self) -> int:
        return self.settled_wei + self.pending_wei


@dataclass(slots=True)
class _Op:
    fn: Callable[..., Any]
    args: tuple
    loop: asyncio.AbstractEventLoop | None
    future: asyncio.Future | Future


def _state(s: SessionRecord) -> ReadState:
    last = None
    if s.last_received_ms is not None:
        last = Beat(
            received_ms=s.last_received_ms,
            visible=s.last_visible,
            focused=s.last_focused,
            scroll_pct=s.last_scroll_pct,
            idle_ms=s.last_idle_ms,
        )
    return ReadState(
        time_to_read_ms=s.time_to_read_ms,
        credited_ms=s.credited_ms,
        max_scroll_pct=s.max_scroll_pct,
        last=last,
        qualified_at_ms=s.qualified_at_ms,
    )


def _resolve(results: list[tuple[_Op, Any, BaseException | None]]) -> None:
    for op, value, err in results:
        if op.future.done():  # the request was cancelled (client went away)
            continue
        if err is None:
            op.future.set_result(value)
        else:
            op.future.set_exception(err)


class Oracle:
    """Posts, reading sessions and heartbeats under the rules of SPEC §4."""

    def __init__(
        self,
        store: OracleStore,
        rules: Rules = DEFAULT_RULES,
        clock: Clock = time.time,
        max_batch: int = 2_000,
        max_start_ahead_ms: int = 86_400_000,
    ) -> None:
        self.store = store
        self.max_start_ahead_ms = max_start_ahead_ms
        self.rules = rules
        self.clock = clock
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._posts: dict[int, PostRecord] = {}  # registered posts never change: safe to cache
        # State of the batch being processed (writer thread only).
        self._tx: StoreTransaction | None = None
        self._live: dict[str, SessionRecord] = {}
        self._claimed: set[tuple[str, int]] = set()
        self._marks: dict[str, int] = {}  # reader -> focus watermark (credited_until_ms)
        self._partial: list[tuple[_Op, Any, BaseException | None]] = []
        self._thread = threading.Thread(target=self._run, name="oracle-writer", daemon=True)
        self._stopped = False
        self._thread.start()

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    # -- public API: async (for the web app) and sync (scripts, tests) --------------------
    async def register_post(
        self, post_id: int, author: str, word_count: int, title: str = "", body: str = ""
    ) -> tuple[PostRecord, bool]:
        """Register a post; returns it and whether it is new. Same data again is a no-op."""
        return await self._submit(
            self._op_register_post, post_id, author, word_count, title, body, self.now_ms()
        )

    async def start_session(
        self, post_id: int, reader: str, client_ms: int | None = None
    ) -> tuple[SessionRecord, PostRecord]:
        """Open a reading session of ``reader`` on ``post_id``; returns it and the post."""
        opened = await self._submit(self._op_start_session, post_id, reader, client_ms, self.now_ms())
        SESSIONS_STARTED.inc()
        return opened

    async def heartbeat(self, session_id: str, beat: HeartbeatInput) -> SessionRecord:
        """Apply one heartbeat; the server's receive time is taken now."""
        try:
            record = await self._submit(self._op_heartbeat, session_id, beat, self.now_ms())
        except Exception:
            HEARTBEATS.labels("refused").inc()
            raise
        HEARTBEATS.labels("accepted").inc()
        return record

    async def finish(self, session_id: str) -> SessionRecord:
        """Close a session: it takes no more heartbeats."""
        return await self._submit(self._op_finish, session_id, self.now_ms())

    def call(self, name: str, *args: Any) -> Any:
        """Synchronous form of the async methods above, e.g. ``call("start_session", 1, r)``."""
        now = self.now_ms()
        fn = {
            "register_post": self._op_register_post,
            "start_session": self._op_start_session,
            "heartbeat": self._op_heartbeat,
            "finish": self._op_finish,
        }[name]
        future: Future = Future()
        self._put(_Op(fn, (*args, now), None, future))
        return future.result()

    async def _submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._put(_Op(fn, args, loop, future))
        return await future

    def _put(self, op: _Op) -> None:
        if self._stopped:
            raise OracleUnavailable("the oracle is stopping")
        self._queue.put(op)

    def close(self) -> None:
        """Finish the queued work, stop the writer and close the store."""
        if not self._stopped:
            self._stopped = True
            self._queue.put(_STOP)
            self._thread.join()
            self.store.close()

    # -- reads (committed data only) ------------------------------------------------------
    def get_post(self, post_id: int) -> PostRecord | None:
        return self.store.get_post(post_id)

    def read_status(self, post_id: int, reader: str, settled_wei: int = 0) -> ReadStatus:
        """The reader's standing on the post: the rewarded session if any, else the best one.

        ``pending_wei`` is the read rate on a rewarded read not yet settled (``settled_wei`` 0).
        """
        post = self.store.get_post(post_id)
        if post is None:
            raise UnknownPost(f"unknown post {post_id}")
        sessions = self.store.reader_sessions(reader, post_id)
        rewarded = [s for s in sessions if s.rewarded]
        best = (
            rewarded[0]
            if rewarded
            else max(
                sessions, key=lambda s: (s.qualified_at_ms is not None, s.credited_ms), default=None
            )
        )
        pending = 0
        if rewarded and settled_wei == 0:
            pending = read_reward_wei(rewarded[0].credited_ms)
        return ReadStatus(
            post_id=post_id,
            reader=reader,
            time_to_read_ms=time_to_read_ms(post.word_count, self.rules),
            credited_ms=best.credited_ms if best else 0,
            max_scroll_pct=best.max_scroll_pct if best else 0.0,
            qualified=best is not None and best.qualified_at_ms is not None,
            rewarded=bool(rewarded),
            own_post=reader == post.author,
            sessions=len(sessions),
            settled_wei=settled_wei,
            pending_wei=pending,
        )

    # -- the writer -----------------------------------------------------------------------
    def _run(self) -> None:
        stop = False
        while not stop:
            first = self._queue.get()
            ops: list[_Op] = []
            if first is _STOP:
                stop = True
            else:
                ops.append(first)
            while len(ops) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    continue
                ops.append(item)
            if ops:
                self._process(ops)

    def _process(self, ops: list[_Op]) -> None:
        """Run ``ops`` in one transaction and answer them.

        A deadlock or serialisation failure between replicas runs the batch again (from the
        committed state: nothing of a failed try is kept). A write the store refuses for its
        data (a value out of a column's range that slipped past validation, say) is isolated:
        each operation runs again in a transaction of its own, so only the guilty one is
        refused (422) and the others are answered as if it had never come. Only a store that
        is away answers the whole batch 503.
        """
        for attempt in range(1, _RETRIES + 1):
            try:
                with STORE_BATCH.time():
                    results = self._attempt(ops)
            except Exception as err:
                if attempt < _RETRIES and self._transient(err):
                    log.info("oracle batch of %d conflicted (%s); running it again", len(ops), err)
                    time.sleep(random.uniform(0, 0.002 * attempt))
                    continue
                if self._data_error(err):
                    if len(ops) > 1:
                        for op in ops:
                            self._process([op])
                        return
                    log.warning("the store refused an operation: %s", err)
                    refused = StoreRefused(f"the store refused this request: {_first_line(err)}")
                    results = [(ops[0], None, refused)]
                else:
                    STORE_FAILURES.inc()
                    log.warning("oracle transaction failed; %d requests answered 503: %s",
                                len(ops), err)  # fmt: skip
                    failure = (
                        err
                        if isinstance(err, OracleUnavailable)
                        else OracleUnavailable(f"storage failed, nothing acknowledged: {err}")
                    )
                    # A request the rules refused keeps its own answer; the rest are 503.
                    refused = {id(op): e for op, _, e in self._partial if e is not None}
                    results = [(op, None, refused.get(id(op)) or failure) for op in ops]
            break
        by_loop: dict[Any, list] = {}
        for result in results:
            by_loop.setdefault(result[0].loop, []).append(result)
        for loop, group in by_loop.items():
            if loop is None:
                _resolve(group)
            else:
                try:
                    loop.call_soon_threadsafe(_resolve, group)
                except RuntimeError:  # that event loop is closed: nobody is waiting
                    pass

    def _attempt(self, ops: list[_Op]) -> list[tuple[_Op, Any, BaseException | None]]:
        """One try of the batch in one transaction; raises if the transaction fails (nothing of
        it is then kept, in the database or here)."""
        touched = {op.args[0] for op in ops if op.fn in (self._op_heartbeat, self._op_finish)}
        batch = Batch.empty()
        results: list[tuple[_Op, Any, BaseException | None]] = []
        self._partial = results  # what was decided before a failure (see _process)
        try:
            with self.store.transaction() as tx:
                self._tx = tx
                self._live = tx.sessions_for_update(touched)
                # Sessions first, then their readers, each in sorted order: every writer locks
                # in the same order, so replicas queue behind each other instead of deadlocking.
                self._marks = tx.readers_for_update({s.reader for s in self._live.values()})
                self._claimed = set()  # reward claims of this batch
                for op in ops:
                    try:
                        results.append((op, op.fn(batch, *op.args), None))
                    except OracleUnavailable:
                        raise  # the store failed mid-batch: the whole batch fails
                    except OracleError as err:
                        results.append((op, None, err))
                    except Exception as err:  # a bug: answer 500 for this request, keep serving
                        log.exception("oracle operation failed")
                        results.append((op, None, err))
                if batch:
                    tx.write(batch)
        except BaseException:
            for post in batch.posts:
                self._posts.pop(post.post_id, None)
            raise
        finally:
            self._tx = None
            self._live = {}
            self._marks = {}
        return results

    def _causes(self, err: BaseException) -> list[BaseException]:
        chain: list[BaseException] = []
        while err is not None and len(chain) < 10:
            chain.append(err)
            err = err.__cause__ or err.__context__  # type: ignore[assignment]
        return chain

    def _transient(self, err: BaseException) -> bool:
        check = getattr(self.store, "is_transient", None)
        return check is not None and any(check(e) for e in self._causes(err))

    def _data_error(self, err: BaseException) -> bool:
        check = getattr(self.store, "is_data_error", None)
        return check is not None and any(check(e) for e in self._causes(err))

    def _post(self, post_id: int) -> PostRecord:
        post = self._posts.get(post_id)
        if post is None:
            post = self._in_tx(lambda tx: tx.get_post(post_id))
            if post is None:
                raise UnknownPost(f"unknown post {post_id}")
            self._posts[post_id] = post
        return post

    def _in_tx(self, read: Callable[[StoreTransaction], Any]) -> Any:
        """A read inside the batch's transaction; a storage error fails the whole batch."""
        assert self._tx is not None
        try:
            return read(self._tx)
        except OracleError:
            raise
        except Exception as err:
            raise OracleUnavailable(f"storage failed, nothing acknowledged: {err}") from err

    def _session(self, session_id: str) -> SessionRecord:
        session = self._live.get(session_id)
        if session is None:
            raise UnknownSession(f"unknown session {session_id!r}")
        return session

    def _keep(self, batch: Batch, session: SessionRecord) -> None:
        batch.sessions[session.session_id] = session
        self._live[session.session_id] = session

    # Operations run on the writer thread. Each validates everything before changing state.
    def _op_register_post(
        self, batch: Batch, post_id: int, author: str, word_count: int, title: str, body: str,
        now_ms: int,
    ) -> tuple[PostRecord, bool]:  # fmt: skip
        try:
            existing = self._post(post_id)
        except UnknownPost:
            existing = None
        if existing is not None:
            same = (existing.author, existing.word_count, existing.title, existing.body) == (
                author, word_count, title, body,
            )  # fmt: skip
            if not same:
                raise PostConflict(f"post {post_id} is registered already with other data")
            return existing, False
        post = PostRecord(post_id, author, word_count, title, body, now_ms)
        batch.posts.append(post)
        self._posts[post_id] = post
        return post, True

    def _op_start_session(
        self, batch: Batch, post_id: int, reader: str, client_ms: int | None, now_ms: int
    ) -> tuple[SessionRecord, PostRecord]:
        post = self._post(post_id)
        if client_ms is not None and client_ms - now_ms > self.max_start_ahead_ms:
            raise SessionInFuture(
                f"client_time is {client_ms - now_ms} ms ahead of the server's clock"
                f" (at most {self.max_start_ahead_ms} ms: a session may not start in the future)"
            )
        session = SessionRecord(
            session_id=secrets.token_urlsafe(16),
            post_id=post_id,
            reader=reader,
            started_ms=now_ms,
            clock_offset_ms=0 if client_ms is None else client_ms - now_ms,
            time_to_read_ms=time_to_read_ms(post.word_count, self.rules),
        )
        self._keep(batch, session)
        return session, post

    def _op_heartbeat(
        self, batch: Batch, session_id: str, beat: HeartbeatInput, now_ms: int
    ) -> SessionRecord:
        session = self._session(session_id)
        if session.finished_ms is not None:
            raise SessionFinished(f"session {session_id!r} is finished")
        if beat.seq <= session.last_seq:
            raise ReplayedHeartbeat(
                f"seq {beat.seq} is not after the session's last seq {session.last_seq}"
                " (a replayed or out-of-order heartbeat)"
            )
        check_client_time(
            beat.client_ms, now_ms, session.clock_offset_ms, session.last_client_ms, self.rules
        )
        before = _state(session)
        mark = self._marks.get(session.reader)
        after = apply_beat(
            before,
            Beat(now_ms, beat.visible, beat.focused, beat.scroll_pct, beat.idle_ms),
            self.rules,
            not_before_ms=mark,
        )
        assert after.last is not None
        if after.credited_ms > before.credited_ms:
            # This reader's focus is credited up to now: no other session of theirs may be
            # credited for any instant before it.
            self._marks[session.reader] = batch.readers[session.reader] = max(
                mark or 0, after.last.received_ms
            )
        rewarded = session.rewarded
        if after.qualified and not before.qualified:
            rewarded = self._claim_reward(session)
        # Built field by field rather than with dataclasses.replace: this is the hot path.
        updated = SessionRecord(
            session.session_id, session.post_id, session.reader, session.started_ms,
            session.clock_offset_ms, session.time_to_read_ms, beat.seq, after.last.received_ms,
            beat.client_ms, beat.visible, beat.focused, beat.scroll_pct, beat.idle_ms,
            after.credited_ms, after.max_scroll_pct, after.qualified_at_ms, rewarded,
            session.finished_ms,
        )  # fmt: skip
        batch.heartbeats.append(
            HeartbeatRecord(
                session_id=session_id,
                seq=beat.seq,
                received_ms=after.last.received_ms,
                client_ms=beat.client_ms,
                visible=beat.visible,
                focused=beat.focused,
                scroll_pct=beat.scroll_pct,
                idle_ms=beat.idle_ms,
                credited_ms=after.credited_ms - before.credited_ms,
            )
        )
        self._keep(batch, updated)
        return updated

    def _claim_reward(self, session: SessionRecord) -> bool:
        """Whether this newly qualified session is the reader's one rewarded read of the post."""
        if session.reader == self._post(session.post_id).author:
            return False  # nobody earns for reading their own post
        key = (session.reader, session.post_id)
        if key in self._claimed:  # another session of this batch claimed it
            return False
        if self._in_tx(lambda tx: tx.reward_taken(session.reader, session.post_id)):
            return False
        self._claimed.add(key)
        return True

    def _op_finish(self, batch: Batch, session_id: str, now_ms: int) -> SessionRecord:
        session = self._session(session_id)
        if session.finished_ms is not None:
            raise SessionFinished(f"session {session_id!r} is finished already")
        updated = replace(session, finished_ms=now_ms)
        self._keep(batch, updated)
        return updated


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
