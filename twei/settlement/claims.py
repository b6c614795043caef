"""What every account has claimed, from the distributor's ``Claimed`` events, read in pages.

Before claiming for a day the job needs, for each leaf, what the account has claimed so far and
the level the chain has recorded. Two view calls per account (``claimed``, ``levelOf``) cost a
round trip each: minutes for a million accounts on a remote node. The distributor changes an
account's record only in a claim, and every claim emits ``Claimed(account, amount, level)``
(amount is what the claim paid, possibly 0; level the level it recorded), so the sum of an
account's amounts is its ``claimed`` and its last level is its ``levelOf``.

The events are read with ``eth_getLogs`` in pages of blocks. Those at least ``confirmations``
deep are added to the job store for good (table ``claims``, last block in ``meta``), so each
run reads only what is new; the shallower tail is read again every time and never stored, so a
reorg that drops a claim cannot make the job believe it was paid. The logs are decoded from the
ABI by :class:`twei.settlement.events.LogDecoder`: Ape's decoder costs far more than the read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from twei.addresses import checksum
from twei.settlement.events import LogDecoder, get_logs_split
from twei.settlement.store import JobStore

__all__ = ["claimed_logs", "sync_claims", "claimed_totals"]


def claimed_logs(
    distributor: Any, start: int, stop: int, page_blocks: int
) -> Iterator[list[tuple[int, int, str, int, int]]]:
    """(block, log index, account, amount, level) of the ``Claimed`` logs of blocks
    [start, stop], one list per page of blocks, in chain order."""
    decode = LogDecoder([distributor.Claimed.abi])
    address = str(distributor.address)
    while start <= stop:
        end = min(stop, start + page_blocks - 1)
        page = [decode(log) for log in get_logs_split(address, decode.topics, start, end)]
        yield [
            (
                int(log.block_number),
                int(log.log_index),
                checksum(str(log.event_arguments["account"])),
                int(log.event_arguments["amount"]),
                int(log.event_arguments["level"]),
            )
            for log in page
        ]
        start = end + 1


def _add(totals: dict[str, list[int]], rows: list[tuple[int, int, str, int, int]]) -> None:
    for _, _, account, amount, level in sorted(rows):  # in chain order: the last level wins
        entry = totals.get(account)
        if entry is None:
            totals[account] = [amount, level]
        else:
            entry[0] += amount
            entry[1] = level


def sync_claims(store: JobStore, distributor: Any, start_block: int, page_blocks: int, confirmations: int) -> int:
    """Store the ``Claimed`` events at least ``confirmations`` deep, a page of blocks per
    transaction; returns the events newly stored.

    Idempotent whatever runs at the same time: each event is stored once, keyed by (block, log
    index), and an account's row in ``claims`` is recomputed from its stored events, so a page
    read twice (two runs at once, a retry after a crash) changes nothing."""
    from ape import chain

    stop = chain.blocks.height - confirmations
    last = store.get_meta("claims_block")
    start = start_block if last is None else int(last) + 1
    added = 0
    for page in claimed_logs(distributor, start, stop, page_blocks):
        end = min(stop, start + page_blocks - 1)
        with store.transaction() as db:
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO claim_events VALUES (?, ?, ?, ?, ?)",
                [(block, index, account, str(amount), level) for block, index, account, amount, level in page],
            )
            added += db.total_changes - before
            touched = sorted({row[2] for row in page})
            db.executemany(
                "INSERT OR REPLACE INTO claims VALUES (?, ?, ?)",
                [(account, str(claimed), level) for account, (claimed, level) in _summed(db, touched).items()],
            )
            previous = store.get_meta("claims_block")
            if previous is None or int(previous) < end:  # another run may be further on already
                store.set_meta(db, "claims_block", end)
        start = end + 1
    return added


def _summed(db: Any, accounts: list[str]) -> dict[str, tuple[int, int]]:
    """account -> (sum of its stored Claimed amounts, the level of its latest one)."""
    totals: dict[str, list[int]] = {}
    for i in range(0, len(accounts), 500):  # SQLite's limit on parameters
        chunk = accounts[i : i + 500]
        rows = db.execute(
            "SELECT block, log_index, account, amount, level FROM claim_events"
            f" WHERE account IN ({', '.join('?' * len(chunk))}) ORDER BY block, log_index",
            chunk,
        )
        _add(totals, [(b, i_, a, int(amount), level) for b, i_, a, amount, level in rows])
    return {account: (claimed, level) for account, (claimed, level) in totals.items()}


def claimed_totals(
    store: JobStore, distributor: Any, start_block: int, page_blocks: int = 2_000, confirmations: int = 0
) -> dict[str, tuple[int, int]]:
    """account -> (claimed so far, level recorded) for every account that ever claimed, as the
    chain holds them now: the stored totals, brought up to date, plus the unconfirmed tail."""
    from ape import chain

    sync_claims(store, distributor, start_block, page_blocks, confirmations)
    with store.transaction() as db:  # the totals and the block they stop at, as one snapshot
        stored = db.execute("SELECT account, claimed, level FROM claims").fetchall()
        last = store.get_meta("claims_block")
    totals = {account: [int(claimed), level] for account, claimed, level in stored}
    start = start_block if last is None else int(last) + 1
    for page in claimed_logs(distributor, start, chain.blocks.height, page_blocks):
        _add(totals, page)
    return {account: (claimed, level) for account, (claimed, level) in totals.items()}
