"""The live sections pushed to open pages (twei/site/live.py): work per block, not per page."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time

import httpx2 as httpx
import pytest
from eth_account import Account
import uvicorn
from web3 import Web3

from twei.site import live
from twei.site.chain import Changes
from twei.site.live import OWN, SHARED, Parts


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
                for sub, _, _ in messages:
                    sub.wake()
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


# -- the comments as their parts -----------------------------------------------------------------
class PageModel:
    """What web/src/live.js makes of a stream's messages, applied in order: whole sections
    swapped, the comments' parts upserted (a fragment replaces the comment with its id, else goes
    after the one before it). The comments are kept as a head and an ordered id -> fragment, so
    the page equals a fresh render when it equals its Parts."""

    def __init__(self) -> None:
        self.sections: dict[str, str] = {}
        self.head = ""
        self.items: dict[int, str] = {}

    def apply(self, data: dict) -> None:
        for name, html in data["sections"].items():
            if name == "comments":
                head, _, rest = html.partition('<ol class="comments">\n')
                self.head = head
                self.items = {int(m.group(1)): m.group(0) for m in COMMENT.finditer(rest.removesuffix("</ol>"))}
            self.sections[name] = html
        delta = data.get("parts", {}).get("comments")
        if delta is not None:
            self.head = delta.get("head", self.head)
            for cid, before, html in delta.get("items", []):
                if cid in self.items or before is None and not self.items:
                    self.items[cid] = html
                    continue
                assert before in self.items, f"comment {cid} has no place: {before} is not on the page"
                order = list(self.items.items())
                at = next(i for i, (k, _) in enumerate(order) if k == before) + 1
                order.insert(at, (cid, html))
                self.items = dict(order)
            self.sections["comments"] = Parts(self.head, self.items).html

    def shows(self, hub, sub) -> bool:
        page = hub.view.page(sub.post_id, sub.account)
        fresh = hub._render(page, SHARED + OWN)  # noqa: SLF001 (what a new page is sent)
        return self.sections == {n: h.html if isinstance(h, Parts) else h for n, h in fresh.items()}


COMMENT = re.compile(r'  <li id="comment-(\d+)">.*?</li>', re.S)


def _comment(project, result, accounts, text: str) -> int:
    engagement = project.Engagement.at(result.addresses["Engagement"])
    token = project.TweiToken.at(result.addresses["TweiToken"])
    commenter = accounts[2]  # LVL 13 in the demo's day
    fee = 10**18
    token.approve(engagement, fee, sender=commenter)
    receipt = engagement.comment(result.post_id, Web3.keccak(text=text), fee, sender=commenter)
    return receipt.events.filter(engagement.Commented)[0].commentId


def _open(hub, post_id, *accounts_):
    """Pages opened on the post, each with its model holding the snapshot."""
    hub.view.index.refresh(force=True)
    hub.step()  # what earlier tests changed
    pages = []
    for account in accounts_:
        sub = hub.subscribe(post_id, account)
        model = PageModel()
        model.apply(json.loads(hub.snapshot(sub)[1]))
        pages.append((sub, model))
    return pages


def test_hub__a_mined_comment_is_pushed_as_that_comment_alone_not_the_whole_section(client, day, project, accounts):
    result, _ = day
    hub = client.app.state.hub
    for n in range(3):  # a section of a few comments: the push must not grow with it
        _comment(project, result, accounts, f"an earlier comment {n}")
    pages = _open(hub, result.post_id, None, Account.create().address, Account.create().address, accounts[2].address)
    try:
        before = list(pages[0][1].items)
        whole = len(pages[0][1].sections["comments"])
        cid = _comment(project, result, accounts, "the comment everybody sees")
        got = _messages(hub)
        for sub, model in pages:
            block, data, event = got[id(sub)]
            assert "comments" not in data["sections"]  # never the whole section again
            [(new, after, html)] = data["parts"]["comments"]["items"]
            assert (new, after) == (cid, before[-1]) and f'id="comment-{cid}"' in html
            assert f"{len(before) + 1} Comments" in data["parts"]["comments"]["head"]
            if sub.account is None:  # a visitor's public figures count the comment too
                assert set(data["sections"]) == {"pnl"}
                assert f'id="public-comments">{len(before) + 1}<' in data["sections"]["pnl"]
            elif sub.account != accounts[2].address:  # (the commenter is sent its own sections too)
                assert data["sections"] == {}
                assert len(event) < len(html) + len(data["parts"]["comments"]["head"]) + 500 < whole
            model.apply(data)
            assert model.shows(hub, sub)
        assert got[id(pages[1][0])][2] is got[id(pages[2][0])][2]  # two bystanders: one encoded message
        assert got[id(pages[3][0])][2] is not got[id(pages[1][0])][2]  # the commenter's own: "your comment"
        own = got[id(pages[3][0])][1]["parts"]["comments"]["items"][0][2]
        assert "This is your comment" in own
    finally:
        for sub, _ in pages:
            hub.unsubscribe(sub)


def test_hub__a_like_pushes_only_the_liked_comment(client, day, project, accounts):
    result, _ = day
    hub = client.app.state.hub
    engagement = project.Engagement.at(result.addresses["Engagement"])
    cid = _comment(project, result, accounts, "a comment to like")
    liker = accounts[3]
    pages = _open(hub, result.post_id, Account.create().address, liker.address)
    try:
        engagement.like(cid, sender=liker)
        got = _messages(hub)
        for (sub, model), pressed in zip(pages, ("false", "true")):
            data = got[id(sub)][1]
            assert "comments" not in data["sections"]
            delta = data["parts"]["comments"]
            assert "head" not in delta  # the count did not change
            [(changed, _, html)] = delta["items"]
            assert changed == cid and '<span class="likes">1</span>' in html
            assert f'data-action="like" data-comment="{cid}" aria-pressed="{pressed}"' in html
            model.apply(data)
            assert model.shows(hub, sub)
    finally:
        for sub, _ in pages:
            hub.unsubscribe(sub)


def test_hub__a_page_that_fell_behind_gets_every_message_or_the_state_and_converges(
    client, day, project, accounts, monkeypatch
):
    result, _ = day
    hub = client.app.state.hub
    engagement = project.Engagement.at(result.addresses["Engagement"])
    monkeypatch.setattr(live, "MAX_PENDING", 2)
    (fast, fast_model), (slow, slow_model), (slower, slower_model) = _open(
        hub, result.post_id, *(Account.create().address for _ in range(3))
    )
    try:
        first = _comment(project, result, accounts, "one a slow page reads late")
        for n, act in enumerate((lambda: None, lambda: engagement.like(first, sender=accounts[4]),
                                 lambda: _comment(project, result, accounts, "and another"))):
            act()
            hub.step()  # queued for the three pages
            fast_model.apply(_data(asyncio.run(_next(fast))[1]))  # the fast page reads each at once
            if n == 1:  # the slow page reads two at once; the slower one nothing
                for _ in range(2):
                    slow_model.apply(_data(asyncio.run(_next(slow))[1]))
        assert fast_model.shows(hub, fast)
        slow_model.apply(_data(asyncio.run(_next(slow))[1]))  # every diff, late, in order
        assert slow_model.shows(hub, slow)
        # three messages for a queue of two: the slower page reads the two, then is sent the
        # state (a snapshot), and nothing queued before the snapshot after it
        for _ in range(2):
            slower_model.apply(_data(asyncio.run(_next(slower))[1]))
        assert asyncio.run(_next(slower)) is None
        slower_model.apply(json.loads(hub.snapshot(slower)[1]))
        assert slower_model.shows(hub, slower)
        engagement.like(first, sender=accounts[5])  # and the diffs after it apply on that state
        hub.step()
        for sub, model in ((fast, fast_model), (slow, slow_model), (slower, slower_model)):
            data = _data(asyncio.run(_next(sub))[1])
            assert [i[0] for i in data["parts"]["comments"]["items"]] == [first]
            model.apply(data)
            assert model.shows(hub, sub)
        with pytest.raises(TimeoutError):  # one message each, not two
            asyncio.run(asyncio.wait_for(slower.next(), 0.2))
    finally:
        for sub in (fast, slow, slower):
            hub.unsubscribe(sub)


def test_hub__a_snapshot_drops_the_messages_queued_for_the_page_before_it(client, day, project, accounts):
    result, _ = day
    hub = client.app.state.hub
    engagement = project.Engagement.at(result.addresses["Engagement"])
    hub.view.index.refresh(force=True)
    hub.step()
    sub = hub.subscribe(result.post_id, Account.create().address)  # opened: its snapshot is coming
    try:
        engagement.plus(result.post_id, sender=accounts[9])
        assert [m for m in hub.step() if m[0] is sub]  # a message for it, queued before the snapshot
        model = PageModel()
        model.apply(json.loads(hub.snapshot(sub)[1]))
        assert model.shows(hub, sub)
        with pytest.raises(TimeoutError):  # the state covers it: nothing more is sent
            asyncio.run(asyncio.wait_for(sub.next(), 0.2))
    finally:
        hub.unsubscribe(sub)


def test_hub__after_an_event_for_every_page_the_next_comment_is_still_encoded_once(
    client, day, project, accounts, monkeypatch
):
    """An event for every page (a root, a pause, a fee) renders each page's sections again; a
    page whose comments did not change keeps the parts it shares, so the next comment is one
    diff and one encoded message for all the bystanders, not one per page."""
    result, _ = day
    hub = client.app.state.hub
    pages = _open(hub, result.post_id, *(Account.create().address for _ in range(3)))
    try:
        take = type(hub.view.index).take_changes
        monkeypatch.setattr(type(hub.view.index), "take_changes", lambda self: Changes(block=self.block, everything=True))
        hub.step()  # every page rendered on its own: nothing changed for them
        monkeypatch.setattr(type(hub.view.index), "take_changes", take)
        cid = _comment(project, result, accounts, "after an event for everybody")
        got = _messages(hub)
        assert [i[0] for i in got[id(pages[0][0])][1]["parts"]["comments"]["items"]] == [cid]
        shared = {id(got[id(sub)][2]) for sub, _ in pages}
        assert len(shared) == 1  # the same object: encoded once
        for sub, model in pages:
            model.apply(got[id(sub)][1])
            assert model.shows(hub, sub)
    finally:
        for sub, _ in pages:
            hub.unsubscribe(sub)


async def _next(sub):
    return await asyncio.wait_for(sub.next(), 5)


def test_hub__a_page_whose_comments_the_chain_no_longer_has_is_sent_the_whole_section(client, day):
    result, _ = day
    hub = client.app.state.hub
    [(sub, model)] = _open(hub, result.post_id, None)
    try:
        sent = sub.sent["comments"]
        sub.sent["comments"] = Parts(sent.head, {**sent.items, 10**9: "  <li>gone in a reorg</li>"})
        hub._extra.posts.add(result.post_id)  # noqa: SLF001 (the post touched, as a reorg does)
        [(_, _, event)] = hub.step()
        data = _data(event)
        assert "parts" not in data and data["sections"]["comments"] == sent.html
    finally:
        hub.unsubscribe(sub)


def test_parts__a_diff_says_what_is_new_or_changed_and_after_which_comment_and_none_if_one_is_gone():
    old = Parts("<h>1</h>", {1: "a", 2: "b"})
    assert Parts("<h>1</h>", {1: "a", 2: "b"}).delta(old) == {}
    assert Parts("<h>2</h>", {1: "a", 2: "B", 3: "c"}).delta(old) == {"head": "<h>2</h>", "items": [[2, 1, "B"], [3, 2, "c"]]}
    assert Parts("<h>0</h>", {1: "a"}).delta(old) is None  # a comment gone (a reorg)
    assert Parts("<h>1</h>", {2: "b", 1: "a"}).delta(old) is None  # moved


def test_page__the_comments_section_is_rendered_as_its_parts_join(client, day):
    result, _ = day
    hub = client.app.state.hub
    html = client.get(f"/posts/{result.post_id}").text
    assert f'<div data-live="comments">{hub.parts(hub.view.page(result.post_id, None)).html}</div>' in html


def test_hub__the_event_loop_fan_out_sends_every_page_its_message_and_a_held_or_unkeyed_page_in_a_thread(
    client, day, project, accounts
):
    """The app's loop computes the bystanders' messages on the event loop (their renders done
    first in a thread); a page a snapshot holds, or one whose keys are unknown, is done in a
    thread after. Every page gets one message and then shows what a fresh page shows."""
    result, _ = day
    hub = client.app.state.hub
    pages = _open(hub, result.post_id, None, *(Account.create().address for _ in range(3)), accounts[2].address)
    (anon, _), (held, _), (unkeyed, _), (plain, _), (commenter, _) = pages
    unkeyed.keys = None  # (as after an event that named its account)
    try:
        _comment(project, result, accounts, "one the event loop sends")
        held.lock.acquire()  # a snapshot of this page is being taken
        release = threading.Timer(0.3, held.lock.release)
        release.start()
        sent = asyncio.run(asyncio.wait_for(hub.fan_out_async(hub.changes()), 30))
        release.join(5)
        assert sent >= len(pages)  # (and any page an earlier test left open)
        for sub, model in pages:
            data = asyncio.run(asyncio.wait_for(sub.next(), 5))
            model.apply(_data(data[1]))
            assert model.shows(hub, sub), sub.account
            with pytest.raises(TimeoutError):  # one message each
                asyncio.run(asyncio.wait_for(sub.next(), 0.05))
        assert unkeyed.keys is not None
    finally:
        for sub, _ in pages:
            hub.unsubscribe(sub)


def test_hub__many_open_pages_are_frozen_out_of_the_collectors_scans_and_thawed_once_in_a_while(monkeypatch):
    """With thousands of pages open a full collection scanned millions of objects (1.4 s with
    no page sent anything); what is alive after a push is frozen, and what frozen objects leave
    in cycles is collected at the next thaw."""
    import gc
    import weakref

    class Node:
        pass

    monkeypatch.setattr(live, "FREEZE_FROM", 3)
    monkeypatch.setattr(live, "THAW_EVERY_S", 3_600)
    hub = live.LiveHub(None, None, None)
    subs = [hub.subscribe(1, None) for _ in range(2)]
    gc.unfreeze()
    try:
        hub.keep_collections_short(after_push=True)
        assert gc.get_freeze_count() == 0  # two pages: nothing frozen
        subs.append(hub.subscribe(1, None))
        node = Node()
        node.me = node  # a cycle, alive while a page holds it
        subs[0].sent["votes"] = node
        ref = weakref.ref(node)
        hub.keep_collections_short(after_push=True)
        assert gc.get_freeze_count() > 0
        del node, subs[0].sent["votes"]  # the page closes: its cycle is garbage, and frozen
        gc.collect()
        assert ref() is not None  # not scanned
        monkeypatch.setattr(live, "THAW_EVERY_S", 0)
        hub.keep_collections_short()  # not after a push: no thaw
        assert ref() is not None
        hub.keep_collections_short(after_push=True)
        assert ref() is None  # thawed, collected, frozen again
        assert gc.get_freeze_count() > 0
        monkeypatch.setattr(live, "THAW_EVERY_S", 3_600)
        node = Node()
        node.me = node
        subs[1].sent["votes"] = node
        ref = weakref.ref(node)
        more = [hub.subscribe(1, None) for _ in range(2)]
        hub.keep_collections_short(after_push=True)  # frozen with five pages open
        del node, subs[1].sent["votes"]
        hub.unsubscribe(more.pop())
        hub.keep_collections_short()  # one of five closed: not yet a quarter
        assert ref() is not None
        hub.unsubscribe(more.pop())
        hub.keep_collections_short()  # two of five closed, no push: thawed and collected
        assert ref() is None
        for sub in subs:
            hub.unsubscribe(sub)
        hub.keep_collections_short()
        assert gc.get_freeze_count() == 0  # below the threshold: all thawed
    finally:
        gc.unfreeze()
