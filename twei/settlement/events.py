"""Read the Engagement contract's events into the job store, in pages, resumably.

Only the four events the pool rules need are read (PostPublished, Commented, Voted, Reacted);
the ``Flow`` events are the on-chain payments, which the report reads for itself. Each page of
blocks is stored in one transaction together with the last block read and its timestamp, so a
run killed mid-way resumes from the next page and never stores an event twice (events are keyed
by block and log index, posts and comments by id). Days are assigned by block timestamp.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eth_utils import keccak

from twei.addresses import checksum

from twei.settlement.store import JobStore

__all__ = ["EVENT_NAMES", "fetch_events", "decode_page"]

EVENT_NAMES = ("PostPublished", "Commented", "Voted", "Reacted")


def decode_page(logs: list[Any], timestamp: Callable[[int], int]) -> dict[str, list[tuple]]:
    """Rows for :meth:`JobStore.add_events` from decoded Ape ``ContractLog``s."""
    rows: dict[str, list[tuple]] = {"posts": [], "comments": [], "votes": [], "reactions": []}
    for log in logs:
        args = log.event_arguments
        block = int(log.block_number)
        ts = timestamp(block)
        name = log.event_name
        if name == "PostPublished":
            rows["posts"].append((int(args["postId"]), checksum(str(args["author"])), block, ts))
        elif name == "Commented":
            rows["comments"].append(
                (int(args["commentId"]), int(args["postId"]), checksum(str(args["commenter"])), block, ts)
            )
        elif name == "Voted":
            rows["votes"].append(
                (block, int(log.log_index), ts, int(args["postId"]), checksum(str(args["voter"])), int(args["vote"]))
            )
        elif name == "Reacted":
            rows["reactions"].append(
                (block, int(log.log_index), ts, int(args["commentId"]), int(args["postId"]),
                 checksum(str(args["reactor"])), int(args["reaction"]))
            )
    return rows


def fetch_events(
    store: JobStore,
    engagement: Any,
    start_block: int = 0,
    page_blocks: int = 2_000,
    checkpoint: Callable[[str], None] = lambda _: None,
    confirmations: int = 0,
) -> int:
    """Store every new event up to ``confirmations`` blocks below the chain's head (the reorg
    allowance: a block that shallow may still be replaced, and the store never forgets an event
    it read); returns how many were stored. The last block read and its timestamp are recorded,
    so a day is settled only once a block at or after its end is that deep."""
    from ape import chain
    from ape.types import LogFilter

    if confirmations < 0:
        raise ValueError("confirmations must be 0 or more")
    head = chain.blocks.height - confirmations
    last = store.last_block
    start = start_block if last is None else last + 1
    abis = [getattr(engagement, name).abi for name in EVENT_NAMES]
    topics = ["0x" + keccak(text=abi.selector).hex() for abi in abis]
    times: dict[int, int] = {}

    def timestamp(block: int) -> int:
        if block not in times:
            times[block] = int(chain.provider.get_block(block).timestamp)
        return times[block]

    stored = 0
    while start <= head:
        stop = min(head, start + page_blocks - 1)
        log_filter = LogFilter(
            addresses=[engagement.address], events=abis, topic_filter=[topics], start_block=start, stop_block=stop
        )
        logs = list(chain.provider.get_contract_logs(log_filter))
        rows = decode_page(logs, timestamp)
        stop_ts = timestamp(stop)
        with store.transaction() as db:
            store.add_events(db, **rows)
            store.set_meta(db, "last_block", stop)
            store.set_meta(db, "last_block_ts", stop_ts)
        stored += len(logs)
        checkpoint("fetch_page")
        start = stop + 1
    return stored
