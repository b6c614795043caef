"""The live sections pushed to open pages (twei/site/live.py): work per block, not per page."""

from __future__ import annotations

import json
import socket
import threading
import time

import httpx2 as httpx
import pytest
from eth_account import Account
import uvicorn



def _messages(hub):
    return {id(sub): (block, _data(data), data) for sub, block, data in hub.step()}


def _data(event: bytes) -> dict:
    """The JSON of one encoded Server-Sent Event."""
    lines = event.decode().splitlines()
    return json.loads("".join(line[len("data: "):] for line in lines if line.startswith("data: ")))


def test_hub__a_vote_is_pushed_to_every_page_rendered_once_for_those_who_did_not_act(
    client, view, day, project, accounts
):
    result, _ = day
    hub = client.app.state.hub
    engagement = project.Engagement.at(result.addresses["Engagement"])
    voter = accounts[6]
    bystander, other = Account.create(), Account.create()  # two pages that did nothing
    view.index.refresh(force=True)
    hub.step()  # what earlier tests changed
    subs = [hub.subscribe(result.post_id, a) for a in (None, bystander.address, other.address, voter.address)]
    try:
        for sub in subs:
            assert hub.snapshot(sub) is not None
        assert hub.step() == []  # nothing mined: nothing sent, nothing rendered
        receipt = engagement.plus(result.post_id, sender=voter)
        got = _messages(hub)
        assert set(got) == {id(s) for s in subs}
        anon, byst, oth, mine = (got[id(s)] for s in subs)
        assert all(m[0] >= receipt.block_number for m in got.values())
        count = view.index.posts[result.post_id].pluses
        assert f'<span id="plus-count">{count}</span>' in anon[1]["sections"]["votes"]
        assert set(byst[1]["sections"]) == {"votes"}  # a bystander gets the vote count only
        assert byst[2] is oth[2]  # one encoded message for both: rendered once
        assert mine[2] is not byst[2]  # the voter's own render: its vote is refused now
        assert 'data-refusal="You already gave this post a plus."' in mine[1]["sections"]["votes"]
        assert hub.step() == []
    finally:
        for sub in subs:
            hub.unsubscribe(sub)


def test_hub__the_account_state_is_read_once_until_an_event_names_the_account(view, day, project, accounts):
    result, _ = day
    token = project.TweiToken.at(result.addresses["TweiToken"])
    holder = accounts[3].address
    view.index.refresh(force=True)
    first = view.account_chain(holder)
    assert view.account_chain(holder) is first  # cached: no call
    token.transfer(accounts[4], 1, sender=accounts[3])
    view.index.refresh(force=True)
    again = view.account_chain(holder)
    assert again is not first and again.balance == first.balance - 1


def test_stream__sse_sends_the_snapshot_then_a_block_and_a_reconnect_at_that_block_gets_no_snapshot(
    site, day, project, accounts
):
    client, view = site
    result, _ = day
    engagement = project.Engagement.at(result.addresses["Engagement"])
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(client.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    hub = client.app.state.hub
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}/posts/{result.post_id}/stream"
    try:
        with httpx.Client(timeout=20) as http:
            with http.stream("GET", url) as r:
                assert r.headers["content-type"].startswith("text/event-stream")
                events = _events(r.iter_lines())
                first = next(events)
                assert {"votes", "comments", "account", "pnl"} <= set(json.loads(first["data"])["sections"])
                receipt = engagement.plus(result.post_id, sender=accounts[7])
                messages = hub.step()  # the hub's loop runs in the app's lifespan; here by hand
                for sub, block, data in messages:
                    sub.push(block, data)
                second = next(events)
                assert int(second["id"]) >= receipt.block_number
                assert "plus-count" in json.loads(second["data"])["sections"]["votes"]
            sent, errors, closing = [], [], threading.Event()
            with http.stream("GET", url, headers={"Last-Event-ID": second["id"]}) as r:

                def read_one() -> None:
                    try:
                        sent.append(next(_events(r.iter_lines())))
                    except Exception as err:  # noqa: BLE001 - only the close below may end it
                        if not closing.is_set():
                            errors.append(err)

                reader = threading.Thread(target=read_one, daemon=True)
                reader.start()
                reader.join(1.5)
                assert sent == [] and errors == []  # already at this block: no snapshot sent again
                closing.set()
        assert errors == []  # (its read ends when the server stops; an error then is expected)
        with httpx.Client(timeout=5) as http:
            assert http.get(f"http://127.0.0.1:{port}/posts/999/stream").status_code == 404
    finally:
        server.should_exit = True
        thread.join(10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _events(lines):
    event: dict[str, str] = {}
    for line in lines:
        if not line:
            if "data" in event:
                yield event
            event = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            event[name] = value.lstrip(" ")


def test_live__an_unchanged_answer_is_a_304_for_its_etag(client, day):
    result, _ = day
    first = client.get(f"/posts/{result.post_id}/live")
    tag = first.headers["etag"]
    again = client.get(f"/posts/{result.post_id}/live", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""


def test_reorg__the_index_is_rebuilt_beside_the_served_one_and_swapped_in(view, day, project, chain, accounts):
    result, _ = day
    engagement = project.Engagement.at(result.addresses["Engagement"])
    index = view.index
    index.refresh(force=True)
    before = index.posts[result.post_id].pluses
    snapshot = chain.snapshot()
    engagement.plus(result.post_id, sender=accounts[8])
    index.refresh(force=True)
    assert index.posts[result.post_id].pluses == before + 1
    chain.restore(snapshot)  # the block with the plus is gone: a reorganisation
    project.TweiToken.at(result.addresses["TweiToken"]).transfer(accounts[9], 1, sender=accounts[3])
    chain.mine(2)
    served: list[int] = []
    apply = type(index)._apply

    def watching(self, raw):  # while the new index is built, the served one still has the post
        if self is not index:
            served.append(index.posts[result.post_id].pluses)
        return apply(self, raw)

    type(index)._apply = watching
    try:
        index.refresh(force=True)
    finally:
        type(index)._apply = apply
    assert served and all(n == before + 1 for n in served)  # the last good state, never a 404
    assert index.posts[result.post_id].pluses == before  # the reorganised chain, swapped in
