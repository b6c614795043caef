"""Read the Engagement contract's events into the job store, in pages, resumably.

Only the four events the pool rules need are read (PostPublished, Commented, Voted, Reacted);
the ``Flow`` events are the on-chain payments, which the report reads for itself. Each page of
blocks is stored in one transaction together with the last block read and its timestamp, so a
run killed mid-way resumes from the next page and never stores an event twice (events are keyed
by block and log index, posts and comments by id). Days are assigned by block timestamp.

The logs are read with a raw ``eth_getLogs`` and decoded here from the contract's ABI (topics for the
indexed arguments, one 32-byte word each for the others; the four events have only static
types), not by Ape's decoder: that one costs far more than the read itself (a few thousand
events a second on Anvil). A block's timestamp comes from the log when the node includes it
(``blockTimestamp``), else from its header, fetched once per block.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from eth_utils import keccak

from twei.addresses import checksum
from twei.errors import SettlementError

from twei.settlement.store import JobStore

__all__ = ["EVENT_NAMES", "fetch_events", "decode_page", "get_logs", "get_logs_split", "LogDecoder", "RawLog"]

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


@dataclass(frozen=True, slots=True)
class RawLog:
    """A log decoded from the ABI, with what :func:`decode_page` reads of an Ape ``ContractLog``."""

    event_name: str
    event_arguments: dict[str, Any]
    block_number: int
    log_index: int
    block_timestamp: int | None = None


def _word(type_: str, word: bytes) -> Any:
    if type_ == "address":
        return checksum("0x" + word[-20:].hex())
    if type_.startswith("uint"):
        return int.from_bytes(word, "big")
    if type_.startswith("int"):
        return int.from_bytes(word, "big", signed=True)
    if type_ == "bool":
        return word != bytes(32)
    if type_.startswith("bytes") and type_[5:].isdigit():
        return word[: int(type_[5:])]
    raise SettlementError(f"cannot decode an event argument of type {type_} by hand")


def _bytes(value: Any) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    text = str(value)
    return bytes.fromhex(text[2:] if text.startswith("0x") else text)


def _int(value: Any) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)


def get_logs(address: str, topics: list[str], start: int, stop: int) -> list[Mapping[str, Any]]:
    """``eth_getLogs`` of one contract, any of ``topics`` as topic 0, blocks [start, stop]: the raw
    JSON-RPC answer (web3's ``eth.get_logs`` formats every field of every log first, which
    costs twenty times the decoding)."""
    from ape import chain
    from web3.providers.eth_tester import EthereumTesterProvider

    web3 = chain.provider.web3
    if isinstance(web3.provider, EthereumTesterProvider):  # the embedded chain: no JSON-RPC to skip
        return web3.eth.get_logs({"address": address, "topics": [topics], "fromBlock": start, "toBlock": stop})
    params = {"address": address, "topics": [topics], "fromBlock": hex(start), "toBlock": hex(stop)}
    response = web3.provider.make_request("eth_getLogs", [params])
    if "error" in response:
        raise SettlementError(f"eth_getLogs of blocks {start}-{stop} failed: {response['error']}")
    return response["result"]


def get_logs_split(address: str, topics: list[str], start: int, stop: int) -> list[Mapping[str, Any]]:
    """:func:`get_logs`, halving the range while the node refuses it (providers cap the logs
    one call may return, e.g. 10,000); a single block it refuses is an error."""
    try:
        return get_logs(address, topics, start, stop)
    except SettlementError:
        if start >= stop:
            raise
        middle = (start + stop) // 2
        return get_logs_split(address, topics, start, middle) + get_logs_split(address, topics, middle + 1, stop)


class LogDecoder:
    """Decodes raw logs of the given event ABIs (Ape ``EventABI``s) into :class:`RawLog`s."""

    def __init__(self, abis: list[Any]) -> None:
        self.topics: list[str] = []
        self._by_topic: dict[bytes, tuple[str, list[tuple[str, str]], list[tuple[str, str]]]] = {}
        for abi in abis:
            topic = keccak(text=abi.selector)
            indexed = [(i.name, i.canonical_type) for i in abi.inputs if i.indexed]
            data = [(i.name, i.canonical_type) for i in abi.inputs if not i.indexed]
            self._by_topic[topic] = (abi.name, indexed, data)
            self.topics.append("0x" + topic.hex())

    def __call__(self, log: Mapping[str, Any]) -> RawLog:
        topics = [_bytes(t) for t in log["topics"]]
        name, indexed, data_types = self._by_topic[topics[0]]
        data = _bytes(log["data"])
        args = {n: _word(t, topic) for (n, t), topic in zip(indexed, topics[1:], strict=True)}
        for i, (n, t) in enumerate(data_types):
            args[n] = _word(t, data[32 * i : 32 * i + 32])
        stamp = log.get("blockTimestamp")
        return RawLog(
            name, args, _int(log["blockNumber"]), _int(log["logIndex"]), None if stamp is None else _int(stamp)
        )


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

    if confirmations < 0:
        raise ValueError("confirmations must be 0 or more")
    head = chain.blocks.height - confirmations
    last = store.last_block
    start = start_block if last is None else last + 1
    decode = LogDecoder([getattr(engagement, name).abi for name in EVENT_NAMES])
    address = str(engagement.address)
    times: dict[int, int] = {}

    def timestamp(block: int) -> int:
        if block not in times:
            times[block] = int(chain.provider.get_block(block).timestamp)
        return times[block]

    stored = 0
    while start <= head:
        stop = min(head, start + page_blocks - 1)
        logs = [decode(log) for log in get_logs_split(address, decode.topics, start, stop)]
        for log in logs:
            if log.block_timestamp is not None:
                times[log.block_number] = log.block_timestamp
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
