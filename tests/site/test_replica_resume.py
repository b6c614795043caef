"""What one site replica's live pages need from the others (twei/site/live.py): a page that comes
back from another replica with ``Last-Event-ID`` is not sent a block it has, and a display name
set through another replica (a second store on the same database) is pushed to the pages here."""

from __future__ import annotations

import json
import time

from eth_account import Account
from eth_account.messages import encode_defunct

from twei.site.texts import TextStore, name_message


def _data(event: bytes) -> dict:
    lines = event.decode().splitlines()
    return json.loads("".join(line[len("data: "):] for line in lines if line.startswith("data: ")))


def _voter(accounts):
    voter = accounts.generate_test_account()
    accounts[0].transfer(voter, 10**17)
    return voter


def test_hub__a_page_back_from_a_replica_that_was_ahead_gets_no_block_twice(client, view, day, project, accounts):
    result, _ = day
    hub = client.app.state.hub
    engagement = project.Engagement.at(result.addresses["Engagement"])
    view.index.refresh(force=True)
    hub.step()  # what earlier tests changed
    receipt = engagement.plus(result.post_id, sender=_voter(accounts))
    # The page saw this block on the replica that died; this one has not indexed it yet.
    assert view.index.block < receipt.block_number
    sub = hub.subscribe(result.post_id, None, seen=receipt.block_number)
    try:
        assert [m for m in hub.step() if m[0] is sub] == []  # indexed now, but the page has it
        later = engagement.plus(result.post_id, sender=_voter(accounts))
        sent = [(block, _data(data)) for s, block, data in hub.step() if s is sub]
        assert len(sent) == 1 and sent[0][0] >= later.block_number > receipt.block_number
        count = view.index.posts[result.post_id].pluses
        assert f'<span id="plus-count">{count}</span>' in sent[0][1]["sections"]["votes"]
    finally:
        hub.unsubscribe(sub)


def test_hub__a_name_set_through_another_replica_reaches_the_pages_here(client, view, day):
    _, out = day
    hub = client.app.state.hub
    reader = Account.create()
    other_replica = TextStore(out / "site" / "texts.db", chain_id=view.texts.chain_id)
    view.index.refresh(force=True)
    hub.step()
    sub = hub.subscribe(day[0].post_id, reader.address)
    try:
        assert hub.snapshot(sub) is not None
        assert hub.step() == []
        at = int(time.time() * 1000)
        message = encode_defunct(text=name_message("Elsewhere", at, "other.example", view.texts.chain_id))
        signature = "0x" + Account.sign_message(message, private_key=reader.key).signature.hex().removeprefix("0x")
        other_replica.set_name("Elsewhere", at, signature, "other.example", signer=reader.address)
        sent = [_data(data) for s, _, data in hub.step() if s is sub]
        assert len(sent) == 1 and "Elsewhere" in sent[0]["sections"]["account"]
        assert hub.step() == []  # told once
    finally:
        hub.unsubscribe(sub)
        other_replica.close()
