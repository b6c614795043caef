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

from twei.settlement.events import LogDecoder, get_logs_split
from twei.settlement.store import JobStore

__all__ = ["claimed_logs", "sync_claims", "claimed_totals"]


def claimed_logs(
    distributor: Any, start: int, stop: int, page_blocks: int
) -> Iterator[list[tuple[int, str, int, int]]]:
    """(block, account, amount, level) of the ``Claimed`` logs of blocks [start, stop], one list
    per page of blocks, in chain order."""
    decode = LogDecoder([distributor.Claimed.abi])
    address = str(distributor.address)
    while start <= stop:
        end = min(stop, start + page_blocks - 1)
        page = [decode(log) for log in get_logs_split(address, decode.topics, start, end)]
        yield [
            (log.block_number, log.event_arguments["account"], log.event_arguments["amount"], log.event_arguments["level"])
            for log in page
        ]
        start = end + 1


def _add(totals: dict[str, list[int]], rows: list[tuple[int, str, int, int]]) -> None:
    for _, account, amount, level in rows:  # in chain order: the last level wins
        entry = totals.get(account)
        if entry is None:
            totals[account] = [amount, level]
        else:
            entry[0] += amount
            entry[1] = level


def sync_claims(store: JobStore, distributor: Any, start_block: int, page_blocks: int, confirmations: int) -> int:
    """Add the ``Claimed`` events at least ``confirmations`` deep to the store, a page of blocks
    per transaction; returns the events read."""
    from ape import chain

    stop = chain.blocks.height - confirmations
    last = store.get_meta("claims_block")
    start = start_block if last is None else int(last) + 1
    read = 0
    for page in claimed_logs(distributor, start, stop, page_blocks):
        end = min(stop, start + page_blocks - 1)
        totals: dict[str, list[int]] = {}
        _add(totals, page)
        with store.transaction() as db:
            old = {
                account: (int(claimed), level)
                for account, claimed, level in _select_claims(db, list(totals))
            }
            db.executemany(
                "INSERT OR REPLACE INTO claims VALUES (?, ?, ?)",
                [(a, str(old.get(a, (0, 0))[0] + amount), level) for a, (amount, level) in totals.items()],
            )
            store.set_meta(db, "claims_block", end)
        read += len(page)
        start = end + 1
    return read


def _select_claims(db: Any, accounts: list[str]) -> Iterator[tuple[str, str, int]]:
    for i in range(0, len(accounts), 500):  # SQLite's limit on parameters
        chunk = accounts[i : i + 500]
        yield from db.execute(
            f"SELECT account, claimed, level FROM claims WHERE account IN ({', '.join('?' * len(chunk))})", chunk
        )


def claimed_totals(
    store: JobStore, distributor: Any, start_block: int, page_blocks: int = 2_000, confirmations: int = 0
) -> dict[str, tuple[int, int]]:
    """account -> (claimed so far, level recorded) for every account that ever claimed, as the
    chain holds them now: the stored totals, brought up to date, plus the unconfirmed tail."""
    from ape import chain

    sync_claims(store, distributor, start_block, page_blocks, confirmations)
    stored = store.db.execute("SELECT account, claimed, level FROM claims")
    totals = {account: [int(claimed), level] for account, claimed, level in stored}
    last = store.get_meta("claims_block")
    start = start_block if last is None else int(last) + 1
    for page in claimed_logs(distributor, start, chain.blocks.height, page_blocks):
        _add(totals, page)
    return {account: (claimed, level) for account, (claimed, level) in totals.items()}
