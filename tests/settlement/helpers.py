"""Building job stores by hand: events and reads at given times, without a chain."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from eth_utils import to_checksum_address

from twei.oracle.store.base import QualifyingRead
from twei.settlement.day import DAY
from twei.settlement.store import JobStore

EPOCH = 20_000  # some UTC day
A, B, C, D, E = (to_checksum_address(f"0x{n:040x}") for n in (0xA, 0xB, 0xC, 0xD, 0xE))


@dataclass
class Script:
    """Writes events into a store as the chain would: one log per block, times inside `epoch`."""

    store: JobStore
    block: int = 1
    reads: list[QualifyingRead] = field(default_factory=list)

    def _next(self, epoch: int) -> tuple[int, int]:
        self.block += 1
        return self.block, epoch * DAY + 60 + self.block

    def _add(self, **rows) -> None:
        with self.store.transaction() as db:
            self.store.add_events(db, **rows)
            self.store.set_meta(db, "last_block", self.block)

    def post(self, epoch, post_id, author):
        block, ts = self._next(epoch)
        self._add(posts=[(post_id, author, block, ts)])

    def comment(self, epoch, comment_id, post_id, commenter):
        block, ts = self._next(epoch)
        self._add(comments=[(comment_id, post_id, commenter, block, ts)])

    def vote(self, epoch, post_id, voter, minus=False):
        block, ts = self._next(epoch)
        self._add(votes=[(block, 0, ts, post_id, voter, int(minus))])

    def react(self, epoch, comment_id, post_id, reactor, dislike=False):
        block, ts = self._next(epoch)
        self._add(reactions=[(block, 0, ts, comment_id, post_id, reactor, int(dislike))])

    def read(self, epoch, reader, post_id, credited_seconds, at=3600):
        when = datetime.fromtimestamp(epoch * DAY + at, UTC)
        self.reads.append(QualifyingRead(reader, post_id, credited_seconds * 1000, when, f"s{len(self.reads)}"))

    def end_day(self, epoch):
        """A block after the day: the job may settle it."""
        with self.store.transaction() as db:
            self.store.set_meta(db, "last_block_ts", (epoch + 1) * DAY)

    def qualifying_reads(self, start: datetime, end: datetime) -> list[QualifyingRead]:
        return [r for r in self.reads if start <= r.qualified_at < end]
