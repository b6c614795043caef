"""The job's own decoding of raw Engagement logs (twei.settlement.events.LogDecoder) against
hand-encoded logs, as nodes return them over JSON-RPC (hex strings) or web3 (bytes, ints)."""

from __future__ import annotations

import pytest

from tests.settlement.helpers import A, B
from twei.errors import SettlementError
from twei.settlement.events import EVENT_NAMES, LogDecoder, decode_page


@pytest.fixture
def decoder(project):
    return LogDecoder([project.Engagement.contract_type.events[name] for name in EVENT_NAMES])


def word(n: int) -> str:
    return f"{n:064x}"


def topic(n: int | str) -> str:
    return "0x" + (word(n) if isinstance(n, int) else n[2:].lower().rjust(64, "0"))


def test_decode__the_four_events_from_json_rpc_logs(decoder):
    post, voted, reacted, commented = (
        {"topics": [decoder.topics[0], topic(7), topic(A)], "data": "0x" + "11" * 32 + word(1190),
         "blockNumber": "0x10", "logIndex": "0x0", "blockTimestamp": "0x6553f100"},
        {"topics": [decoder.topics[2], topic(7), topic(B)], "data": "0x" + word(1), "blockNumber": "0x11", "logIndex": "0x3"},
        {"topics": [decoder.topics[3], topic(9), topic(7), topic(B)], "data": "0x" + word(0), "blockNumber": 18, "logIndex": 1},
        {"topics": [bytes.fromhex(decoder.topics[1][2:]), bytes.fromhex(topic(9)[2:]), bytes.fromhex(topic(7)[2:]), bytes.fromhex(topic(A)[2:])],
         "data": bytes(32), "blockNumber": 19, "logIndex": 2},
    )
    logs = [decoder(log) for log in (post, voted, reacted, commented)]
    assert [(log.event_name, log.block_number, log.log_index, log.block_timestamp) for log in logs] == [
        ("PostPublished", 16, 0, 0x6553F100), ("Voted", 17, 3, None), ("Reacted", 18, 1, None), ("Commented", 19, 2, None),
    ]
    assert logs[0].event_arguments == {"postId": 7, "author": A, "contentHash": b"\x11" * 32, "wordCount": 1190}
    rows = decode_page(logs, timestamp=lambda block: 1000 + block)
    assert rows == {
        "posts": [(7, A, 16, 1016)],
        "comments": [(9, 7, A, 19, 1019)],
        "votes": [(17, 3, 1017, 7, B, 1)],
        "reactions": [(18, 1, 1018, 9, 7, B, 0)],
    }


def test_decode__a_dynamic_argument_is_refused():
    from types import SimpleNamespace as NS

    abi = NS(selector="Note(string)", name="Note", inputs=[NS(name="text", canonical_type="string", indexed=False)])
    decoder = LogDecoder([abi])
    with pytest.raises(SettlementError, match="type string"):
        decoder({"topics": [decoder.topics[0]], "data": "0x" + word(32), "blockNumber": 1, "logIndex": 0})


def test_get_logs_split__halves_a_range_the_node_refuses(monkeypatch):
    from twei.settlement import events

    asked = []

    def node(address, topics, start, stop):
        asked.append((start, stop))
        if stop - start >= 3:
            raise SettlementError("query returned more than 10000 results")
        return [{"block": b} for b in range(start, stop + 1)]

    monkeypatch.setattr(events, "get_logs", node)
    assert events.get_logs_split("0x", [], 0, 9) == [{"block": b} for b in range(10)]
    assert asked == [(0, 9), (0, 4), (0, 2), (3, 4), (5, 9), (5, 7), (8, 9)]

    monkeypatch.setattr(events, "get_logs", lambda *a: (_ for _ in ()).throw(SettlementError("down")))
    with pytest.raises(SettlementError, match="down"):
        events.get_logs_split("0x", [], 4, 5)
