"""The post page and its JSON, server side, over the demo's day on the embedded chain.

What a reader's browser does with it (wallet, actions, live refresh) is tests/ops/test_post_page.py,
on Anvil; these run on the embedded chain only (the page reads the chain through web3.py, the
same calls on every node)."""

from __future__ import annotations

import re
import time

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import keccak
from markupsafe import escape

from tests.helpers import ANY_FEE
from twei.flows import FlowCategory as C
from twei.report import build_report, fetch_flows, published_breakdowns
from twei.site.serve import wallet_rpc_url
from twei.site.texts import name_message
from twei.units import format_twei


def amounts(html: str) -> dict[str, str]:
    """The PnL block's lines: name -> the amount shown."""
    block = html[html.index('id="pnl"') :]
    return dict(re.findall(r"<tr(?: class=\"\w+\")?><td>([^<]+)</td><td class=\"amt\"[^>]*>([^<]+)</td></tr>", block))


def test_page__reads_without_a_wallet_text_time_to_read_comments_and_no_figures(client, day):
    result, _ = day
    response = client.get(f"/posts/{result.post_id}")
    html = response.text
    assert response.headers["content-security-policy"].startswith("default-src 'self';")
    assert "Honest reading time" in html and "Why honest reading time matters." in html
    assert 'id="time-to-read">2 min 17 s<' in html
    assert "1 Comment<" in html and "Great point about focus." in html
    assert amounts(html)["Total Twei Earned"] == "—"
    assert '<script type="module" src="/site/static/app.js">' in html


@pytest.mark.parametrize("who", ["author", "commenter"])
def test_page__pnl_block_equals_ape_run_report_to_the_wei(client, day, project, chain, who):
    result, out = day
    engagement = project.Engagement.at(result.addresses["Engagement"])
    distributor = project.RewardDistributor.at(result.addresses["RewardDistributor"])
    account = result.reports[who].account
    report = build_report(
        account,
        result.post_id,
        fetch_flows(engagement, post_id=result.post_id, account=account),
        published_breakdowns(out / "settlements", chain.chain_id, int(distributor.activeRoot()[1])),
        treasury=engagement.treasury(),
    )
    html = client.get(f"/posts/{result.post_id}", params={"account": account}).text
    shown = amounts(html)
    for category in C:
        assert shown[category.display_name] == format_twei(report.lines.get(category, 0), 4), category
    assert shown["Total Twei Earned"] == format_twei(report.total, 4)
    assert report.lines[C.PNL_REPORTS] == 10**18  # the demo bought one: an on-chain line
    # Why the pool lines are what they are: the trust weight, beside the 13 lines as in the report.
    assert report.weight_note.startswith("Pool lines are weighted by trust")  # the demo's seeds
    assert f'id="pool-weight">{escape(report.weight_note)}</p>' in html


def test_page__an_on_chain_payment_shows_on_the_next_render(client, day, project, accounts):
    result, _ = day
    engagement = project.Engagement.at(result.addresses["Engagement"])
    token = project.TweiToken.at(result.addresses["TweiToken"])
    critic = accounts[4]
    before = amounts(client.get(f"/posts/{result.post_id}", params={"account": critic.address}).text)["PnL Reports"]
    token.approve(engagement, 10**18, sender=critic)
    engagement.buyReport(result.post_id, ANY_FEE, sender=critic)
    live = client.get(f"/posts/{result.post_id}/live", params={"account": critic.address}).json()
    after = amounts('id="pnl"' + live["sections"]["pnl"])["PnL Reports"]
    assert (before, after) == ("0", "1")


def test_live__a_block_the_page_saw_mined_is_indexed_before_the_answer(client, view, day, project, accounts):
    result, _ = day
    engagement = project.Engagement.at(result.addresses["Engagement"])
    view.index.refresh(force=True)
    view.index.refresh_interval_s = 3_600  # the index would otherwise wait for its next interval
    try:
        receipt = engagement.plus(result.post_id, sender=accounts[5])
        stale = client.get(f"/posts/{result.post_id}/live").json()
        assert stale["block"] < receipt.block_number
        assert client.get(f"/posts/{result.post_id}/live", params={"after": 10**9}).json()["block"] == stale["block"]
        fresh = client.get(f"/posts/{result.post_id}/live", params={"after": receipt.block_number}).json()
        assert fresh["block"] >= receipt.block_number
        assert '<span id="plus-count">3</span>' in fresh["sections"]["votes"]
    finally:
        view.index.refresh_interval_s = 0


def test_page__shows_a_text_only_when_its_keccak_is_the_hash_on_chain(client, view, day, project, accounts):
    result, _ = day
    engagement = project.Engagement.at(result.addresses["Engagement"])
    commenter = accounts[2]
    token = project.TweiToken.at(result.addresses["TweiToken"])
    token.approve(engagement, 10**18, sender=commenter)
    engagement.comment(result.post_id, keccak(text="what the chain says"), ANY_FEE, sender=commenter)
    view.texts.add("what someone else says")  # kept, but under its own hash: never shown here
    html = client.get(f"/posts/{result.post_id}").text
    assert "what someone else says" not in html
    assert "No text matching this comment" in html
    view.texts.add("what the chain says")
    assert "what the chain says" in client.get(f"/posts/{result.post_id}").text


def test_refusals__known_before_the_wallet_is_asked(client, day, accounts):
    result, _ = day
    author, commenter = accounts[1], accounts[2]
    own = client.get(f"/posts/{result.post_id}", params={"account": author.address}).text
    assert 'data-action="plus"' in own and 'data-refusal="This is your post: you cannot vote on it."' in own
    voted = client.get(f"/posts/{result.post_id}", params={"account": commenter.address}).text
    assert 'data-refusal="You already gave this post a plus."' in voted
    assert 'data-refusal="This is your comment: you cannot react to it."' in voted


def test_comment_level__below_13_says_the_level_and_the_xp_missing(client, accounts):
    reader = accounts[3]
    answer = client.get(f"/site/api/accounts/{reader.address}/comment-level").json()
    assert answer["mode"] == "refused" and answer["leaf"] is None
    assert re.search(r"available from LVL 13\. You are LVL \d+ with [\d,]+ XP: [\d,]+ XP to go\.", answer["message"])


def test_comment_level__at_13_comments_with_the_claimed_level(client, accounts):
    commenter = accounts[2]
    assert client.get(f"/site/api/accounts/{commenter.address}/comment-level").json()["mode"] == "claimed"


def test_claim__nothing_owed_after_the_settlement_claimed_and_the_page_says_so(client, day, project, accounts):
    """(The page's claim with the published proof is the end-to-end test's last step.)"""
    result, _ = day
    distributor = project.RewardDistributor.at(result.addresses["RewardDistributor"])
    reader = accounts[3]
    answer = client.get(f"/site/api/accounts/{reader.address}/claim").json()
    assert distributor.claimed(reader.address) > 0  # the demo's job claimed for everyone
    assert answer == {"claimable": "0", "message": answer["message"], "args": None}
    assert "Nothing to claim" in answer["message"]
    html = client.get(f"/posts/{result.post_id}", params={"account": reader.address}).text
    assert 'data-action="claim" data-refusal="Nothing to claim' in html


def test_texts__stored_under_their_keccak_and_bad_input_is_a_4xx(client):
    ok = client.post("/site/api/texts", json={"text": "hello reader"})
    assert ok.status_code == 201 and ok.json() == {"hash": "0x" + keccak(text="hello reader").hex(), "words": 2}
    assert client.post("/site/api/texts", json={"text": "   "}).status_code == 422
    too_long = client.post("/site/api/texts", json={"text": "x" * 70_000})
    assert too_long.status_code == 422 and len(too_long.content) < 300  # one line, not the text echoed
    assert too_long.json()["detail"].startswith("body.text: ")
    assert client.post("/site/api/texts", content=b"{not json").status_code == 422


def _name(client, account, name, signed_ms=None, domain="testserver", chain_id=None):
    """POST a name signed by ``account`` for ``domain`` (TestClient's host) and ``chain_id``
    (the site's by default)."""
    signed_ms = int(time.time() * 1000) if signed_ms is None else signed_ms
    chain_id = client.app.state.hub.view.contracts.chain_id if chain_id is None else chain_id
    message = name_message(name, signed_ms, domain, chain_id)
    signature = Account.from_key(account.key).sign_message(encode_defunct(text=message)).signature
    body = {"name": name, "account": account.address, "signed_ms": signed_ms, "signature": "0x" + bytes(signature).hex()}
    return client.post("/site/api/names", json=body), body


def test_names__an_account_signs_its_display_name_and_comments_show_it(client, day, accounts):
    result, _ = day
    r, _ = _name(client, Account.create(), "Ada")
    assert r.status_code == 200 and r.json()["name"] == "Ada"
    r, _ = _name(client, Account.from_key(accounts[2].private_key), "Grace")
    assert r.status_code == 200 and r.json()["account"] == accounts[2].address
    assert "Grace" in client.get(f"/posts/{result.post_id}").text
    bad = client.post("/site/api/names", json={"name": "Mallory", "account": accounts[2].address, "signed_ms": int(time.time() * 1000), "signature": "0x" + "00" * 65})
    assert bad.status_code == 422 and "signature" in bad.json()["detail"]


def test_names__a_lookalike_an_old_or_a_replayed_signature_is_refused(client):
    who = Account.create()
    spoof, _ = _name(client, who, "0x3C44…93BC")  # another account's short address, as the page writes it
    assert spoof.status_code == 422 and "look like an address" in spoof.json()["detail"]
    stale, _ = _name(client, who, "Old", signed_ms=int(time.time() * 1000) - 3_600_000)
    assert stale.status_code == 422 and "too old" in stale.json()["detail"]
    first, replay = _name(client, who, "First", signed_ms=int(time.time() * 1000) - 1_000)
    assert first.status_code == 200
    assert _name(client, who, "Second")[0].status_code == 200
    again = client.post("/site/api/names", json=replay)  # the first signature, sent again
    assert again.status_code == 422 and "newer name" in again.json()["detail"]


def test_texts__day_old_texts_no_event_names_are_pruned_and_referenced_ones_kept(view, day):
    result, _ = day
    junk = view.texts.add("a text nobody names")
    post_hash = view.index.posts[result.post_id].content_hash
    referenced = {p.content_hash for p in view.index.posts.values()} | {c.content_hash for c in view.index.comments.values()}
    assert view.texts.prune(referenced, now_ms=int(time.time() * 1000) + 86_400_001) >= 1
    assert view.texts.get(junk) is None
    assert view.texts.get(post_hash) is not None  # the post's text: an event names it


def test_errors__unknown_post_is_404_and_a_bad_address_is_422(client):
    assert client.get("/posts/999").status_code == 404
    assert client.get("/posts/999/live").status_code == 404
    assert client.get("/posts/1", params={"account": "0x123"}).status_code == 422
    assert client.get("/site/api/accounts/0x123/claim").status_code == 422


@pytest.mark.parametrize(
    "node, offered",
    [
        ("http://127.0.0.1:8545", "http://127.0.0.1:8545"),
        ("http://localhost:8545", "http://localhost:8545"),
        ("https://sepolia.infura.io/v3/SECRET", ""),  # the operator's key never reaches a page
        ("http://10.0.0.5:8545", ""),
    ],
)
def test_rpc_url__only_a_loopback_dev_node_is_offered_to_wallets(node, offered):
    assert wallet_rpc_url(node) == offered


def test_fees__a_scheduled_change_is_announced_and_the_price_stays_until_it_applies(client, day, project, accounts):
    result, _ = day
    engagement = project.Engagement.at(result.addresses["Engagement"])
    engagement.setReportPrice(10**21, sender=accounts[0])  # the admin schedules a 1,000 Twei report (MAX_FEE)
    html = client.get(f"/posts/{result.post_id}").text
    assert 'id="report-price">1 Twei<' in html
    assert re.search(r"Scheduled: from \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, a report instance costs 1000 Twei", html)


def test_page__the_oracles_text_is_shown_only_when_its_keccak_is_the_posts_content_hash(client, view, day, project, accounts):
    """The oracle takes any text sent with the backend key: the page checks it against the chain."""
    result, _ = day
    engagement = project.Engagement.at(result.addresses["Engagement"])
    token = project.TweiToken.at(result.addresses["TweiToken"])
    author = accounts[1]
    token.approve(engagement, 10**20, sender=author)
    shown = {}
    for said, real in (("a forged body the chain never named", "the body the author hashed"), ("the honest body", "the honest body")):
        receipt = engagement.publishPost(keccak(text=real), len(real.split()), ANY_FEE, sender=author)
        post_id = int(receipt.decode_logs(engagement.PostPublished)[0].postId)
        view.oracle.call("register_post", post_id, author.address, len(said.split()), "A title", said)
        shown[said] = said in client.get(f"/posts/{post_id}").text
    assert shown == {"a forged body the chain never named": False, "the honest body": True}


def test_claim__a_paused_distributor_is_said_before_the_wallet_is_asked(client, day, project, accounts):
    result, _ = day
    distributor = project.RewardDistributor.at(result.addresses["RewardDistributor"])
    admin, reader = accounts[0], accounts[3]
    distributor.grantRole(distributor.GUARDIAN_ROLE(), admin, sender=admin)
    distributor.pause(sender=admin)
    try:
        html = client.get(f"/posts/{result.post_id}", params={"account": reader.address}).text
        assert 'data-action="claim" data-refusal="Claims are paused by the guardian' in html
        assert "Claims are paused" in client.get(f"/site/api/accounts/{reader.address}/claim").json()["message"]
    finally:
        distributor.unpause(sender=admin)
    html = client.get(f"/posts/{result.post_id}", params={"account": reader.address}).text
    assert "Claims are paused" not in html


@pytest.mark.parametrize(
    "name",
    [
        "0х3C44…93BC",  # a Cyrillic х
        "０x3C44…93BC",  # a fullwidth ０
        "Ox3C44…93BC",  # a Latin O for the zero
        "0x\u200b3C44…93BC",  # a zero-width space
        "\u202e CB39…44C3x0",  # a right-to-left override
        "Gr\u200bace",  # invisible, in an otherwise plain name
    ],
)
def test_names__a_lookalike_of_an_address_or_an_invisible_character_is_refused(client, name):
    refused, _ = _name(client, Account.create(), name)
    assert refused.status_code == 422, refused.json()
    assert "address" in refused.json()["detail"] or "invisible" in refused.json()["detail"]


def test_names__a_lookalike_of_another_accounts_name_is_refused_and_the_owner_keeps_it(client):
    owner, mimic = Account.create(), Account.create()
    assert _name(client, owner, "Satoshi Lin")[0].status_code == 200
    for fake in ("Satoshi Lin", "Sаtoshi Lin", "SATOSHI L1N", "Satoshi Lіn"):  # Cyrillic а and і among them
        refused, _ = _name(client, mimic, fake)
        assert refused.status_code == 422 and "looks the same" in refused.json()["detail"], fake
    assert _name(client, owner, "Satoshi Lin")[0].status_code == 200  # its own name again: fine


def test_names__a_signature_made_for_another_site_or_chain_does_not_verify_here(client):
    who = Account.create()
    other_site, _ = _name(client, who, "Ada", domain="twei.example")
    other_chain, _ = _name(client, who, "Ada", chain_id=1)
    assert other_site.status_code == other_chain.status_code == 422
    assert "signature" in other_site.json()["detail"] or "look" in other_site.json()["detail"]


def test_site_metrics__answers_by_route_and_the_index_lag_behind_the_head(client, view, chain, monkeypatch):
    """/metrics of `ape run site`: the page's answers by route template; the index reads what was
    mined when scraped (lag 0), and an index that cannot read the chain shows its lag."""
    from prometheus_client.parser import text_string_to_metric_families

    from twei.metrics import live_connection

    def scrape():
        text = client.get("/metrics").text
        return {(s.name, tuple(sorted(s.labels.items()))): s.value for f in text_string_to_metric_families(text) for s in f.samples}

    page = (("code", "2xx"), ("route", "/posts/{post_id}"), ("service", "site"))
    missing = (("code", "4xx"), ("route", "/posts/{post_id}"), ("service", "site"))
    before = scrape()
    assert client.get("/posts/1").status_code == 200
    assert client.get("/posts/999999").status_code == 404
    chain.mine(2)
    with live_connection():
        after = scrape()
    assert after[("twei_http_requests_total", page)] - before.get(("twei_http_requests_total", page), 0) == 1
    assert after[("twei_http_requests_total", missing)] - before.get(("twei_http_requests_total", missing), 0) == 1
    assert after[("twei_site_index_lag_blocks", ())] == 0  # the scrape let the index catch up
    assert after[("twei_site_indexed_block", ())] == view.index.block == chain.blocks.height
    assert after[("twei_site_live_connections", ())] == before[("twei_site_live_connections", ())] + 1

    def broken(force=False):
        raise ConnectionError("eth_getLogs timed out")

    monkeypatch.setattr(view.index, "refresh", broken)
    chain.mine(3)
    assert scrape()[("twei_site_index_lag_blocks", ())] == 3


def _button(html: str, pattern: str) -> str:
    return re.search(rf"<button [^>]*{pattern}[^>]*>", html).group(0)


def _said(html: str, element_id: str) -> str:
    """The text of the element with ``element_id`` (what a button's aria-describedby names)."""
    return re.sub(r"<[^>]+>", "", re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:p|span)>', html, re.S).group(1)).strip()


def test_disabled__buttons_that_can_only_refuse_show_disabled_with_the_reason_beside(client, day, accounts):
    """"Claim 0 Twei", plus and minus on one's own post, Comment below LVL 13 (and without a
    wallet): disabled, aria-describedby naming the reason shown beside them."""
    result, _ = day
    author, commenter, reader, nobody = accounts[1], accounts[2], accounts[3], accounts[9]
    page = f"/posts/{result.post_id}"
    own = client.get(page, params={"account": author.address}).text
    for action in ("plus", "minus"):
        button = _button(own, f'data-action="{action}"')
        assert " disabled" in button and 'aria-describedby="vote-why"' in button
    assert _said(own, "vote-why") == "This is your post: you cannot vote on it."
    low = client.get(page, params={"account": reader.address}).text
    claim = _button(low, 'data-action="claim"')
    assert ">Claim 0 Twei<" in low and " disabled" in claim and 'aria-describedby="claim-why"' in claim
    assert _said(low, "claim-why").startswith("Nothing to claim")
    comment = _button(low, 'type="submit" class="primary"')
    assert " disabled" in comment and 'aria-describedby="comment-level"' in comment
    assert "Commenting is available from LVL 13" in _said(low, "comment-level")
    anonymous = client.get(page).text
    assert " disabled" in _button(anonymous, 'type="submit" class="primary"')
    assert "Connect a wallet to comment" in _said(anonymous, "comment-level")
    # Buttons that can act are not disabled: a LVL 13 commenter's Comment, a new account's votes.
    assert " disabled" not in _button(client.get(page, params={"account": commenter.address}).text, 'type="submit" class="primary"')
    fresh = client.get(page, params={"account": nobody.address}).text
    assert not any(" disabled" in _button(fresh, f'data-action="{a}"') for a in ("plus", "minus"))
    # The live sections carry the same state (the page swaps them without a reload).
    live = client.get(f"{page}/live", params={"account": reader.address}).json()["sections"]
    assert " disabled" in _button(live["comment-level"], 'type="submit"')
    assert " disabled" in _button(live["account"], 'data-action="claim"')


def test_public_figures__a_visitor_without_a_wallet_sees_the_posts_own_figures(client, view, day, chain):
    """Votes, comments, likes, dislikes, reports bought (the events) and what the pool paid the
    post's readers (the breakdowns the chain vouches for), without an account."""
    result, out = day
    html = client.get(f"/posts/{result.post_id}").text
    post = view.index.posts[result.post_id]
    comments = [view.index.comments[c] for c in post.comments]
    assert _said_cell(html, "public-votes") == f"{post.pluses} / {post.minuses}" and post.pluses >= 2
    assert _said_cell(html, "public-comments") == str(len(comments))
    assert _said_cell(html, "public-reactions") == f"{sum(c.likes for c in comments)} / {sum(c.dislikes for c in comments)}"
    assert _said_cell(html, "public-reports") == str(sum(post.report_buyers.values())) != "0"
    active = int(view.distributor.activeRoot()[1])
    lines = [
        amount for b in published_breakdowns(out / "settlements", chain.chain_id, active) if b.epoch <= active
        for account, per in b.lines.items() if (amount := per.get((result.post_id, int(C.READ_REWARDS)), 0))
    ]
    assert len(lines) >= 2  # the demo's reader and commenter qualified
    assert _said_cell(html, "public-readers") == str(len(lines))
    assert _said_cell(html, "public-read-rewards") == f"{format_twei(sum(lines), 4)} Twei"
    signed_in = client.get(f"/posts/{result.post_id}", params={"account": result.reports["author"].account}).text
    assert 'id="public-figures"' not in signed_in  # a signed-in reader has the account's own block


def _said_cell(html: str, cell: str) -> str:
    return re.search(rf'id="{cell}">([^<]*)<', html).group(1).strip()
