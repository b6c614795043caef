"""The post page: the article, Read-to-Earn, every PnL line of SPEC §1, Comment-to-Earn."""

from __future__ import annotations

import re

from eth_utils import to_checksum_address

from tests.oracle.conftest import READER
from twei.oracle.settled import LINES
from twei.breakdown import Breakdown
from twei.units import twei


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)<', html, re.S)
    assert match, element_id
    return match.group(1).strip()


def test_page__shows_article_boxes_and_tracker(api, client):
    api.post(word_count=714, title="On reading", body="First paragraph.\n\nSecond <b>one</b>.")
    html = client.get("/posts/1", params={"reader": READER}).text
    assert "<h1>On reading</h1>" in html
    assert "<p>First paragraph.</p>" in html and "Second &lt;b&gt;one&lt;/b&gt;." in html
    assert text_of(html, "time-to-read") == "3 min"
    assert text_of(html, "you-earned") == "None"
    for line in (*LINES, "Profit Subtotal", "Loss Subtotal", "Total Twei Earned"):
        assert f"<td>{line}</td>" in html
    assert text_of(html, "total-earned") == "—"
    assert "Price for report instance: 1 Twei" in html
    assert "available from LVL 13" in html
    assert 'src="/static/tracker.js"' in html
    assert f'data-reader="{to_checksum_address(READER)}"' in html
    assert 'data-interval="15000"' in html


def test_page__without_a_reader_has_no_tracker(api, client):
    api.post()
    html = client.get("/posts/1").text
    assert "tracker.js" not in html and "Connect a wallet" in html


def test_page__unknown_post_is_404(client):
    assert client.get("/posts/3").status_code == 404


def test_page__rewarded_read_shows_pending_earnings(api, client):
    api.post(word_count=238)
    sid = api.session()
    api.read_for(15, sid, seconds=60)
    html = client.get("/posts/1", params={"reader": READER}).text
    assert text_of(html, "you-earned") == "0.1 TWEI"
    assert "Pending until the day is settled" in html


def test_page__settled_lines_fill_the_pnl_block(api, client, settings):
    api.post()
    folder = settings.settlements_dir / "1337"
    reader = to_checksum_address(READER)
    lines = {
        (1, 6): twei("0.25"),  # Read Rewards
        (1, 10): twei(1),  # Dislikes Commenter
        (2, 6): twei(7),  # other post
    }
    Breakdown(1337, 1, False, twei(100_000), {reader: lines}, {reader: twei("6.25")}).write(
        folder / "1.breakdown.json"
    )
    (folder / "2.breakdown.json").write_text("{not json")  # skipped, page still renders
    html = client.get("/posts/1", params={"reader": READER}).text
    assert re.search(r"<td>Read Rewards</td><td class=\"amt\">0.25</td>", html)
    assert re.search(r"<td>Dislikes Commenter</td><td class=\"amt\">1</td>", html)
    assert text_of(html, "total-earned") == "-0.75"
    assert text_of(html, "you-earned") == "0.25 TWEI"


def test_tracker_script__is_served_as_javascript(client):
    r = client.get("/static/tracker.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert "sendBeacon" in r.text and "visibilitychange" in r.text
