"""The page shows no figure and no claim from a published file the chain does not vouch for: a
breakdown whose keccak256 is not its day's ``dataHash``, a tree whose root is not the active root.
One altered byte of either is refused with a message on the page (HTTP 200, never a 5xx).

Each test serves a copy of the demo's folder (its own site and caches), so the altered file
is nobody else's."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.site.test_page import amounts
from twei.site.serve import build_site


@pytest.fixture
def copy_site(day, contracts, tmp_path):
    """A site over a copy of the demo's folder; (client, settlements folder of the chain)."""
    result, out = day
    root = tmp_path / "copy"
    shutil.copytree(out, root)

    def start() -> TestClient:
        app, view = build_site(contracts, root)
        view.index.refresh_interval_s = 0
        app.state.hub.tick_s = 3_600
        return TestClient(app)

    return start, root / "settlements" / str(contracts.chain_id), result


def _flip(path: Path, pattern: str) -> None:
    """Change one byte: the last digit of the first match of ``pattern`` (still valid JSON)."""
    raw = path.read_bytes()
    end = re.search(pattern.encode(), raw).end() - 1
    digit = raw[end : end + 1]
    assert digit.isdigit()
    path.write_bytes(raw[:end] + (b"7" if digit != b"7" else b"8") + raw[end + 1 :])


def test_files_checked__an_altered_breakdown_shows_no_pool_figure_and_says_why(copy_site):
    start, folder, result = copy_site
    author = result.reports["author"].account
    with start() as client:
        before = client.get(f"/posts/{result.post_id}", params={"account": author})
    assert before.status_code == 200 and amounts(before.text)["Read Rewards"] != "—"
    _flip(folder / f"{result.epoch}.breakdown.json", r'"pool":"\d')
    with start() as client:
        page = client.get(f"/posts/{result.post_id}", params={"account": author})
        live = client.get(f"/posts/{result.post_id}/live", params={"account": author})
    assert page.status_code == 200 and live.status_code == 200
    shown = amounts(page.text)
    assert shown["Read Rewards"] == "—" and shown["Total Twei Earned"] == "—"
    assert "does not match the dataHash published on-chain" in page.text
    assert 'id="you-earned">—<' in page.text
    assert "does not match the dataHash" in live.json()["sections"]["pnl"]


def test_files_checked__an_altered_tree_offers_no_claim_and_says_why(copy_site):
    start, folder, result = copy_site
    reader = result.reports["commenter"].account
    _flip(folder / f"{result.epoch}.json", r'"value":\s*\[\s*"0x[0-9a-fA-F]{40}",\s*"\d')
    with start() as client:
        claim = client.get(f"/site/api/accounts/{reader}/claim")
        page = client.get(f"/posts/{result.post_id}", params={"account": reader})
    assert claim.status_code == 200 and claim.json()["args"] is None
    assert "does not match the root published on-chain" in claim.json()["message"]
    assert page.status_code == 200
    button = re.search(r'<button type="button" data-action="claim"[^>]*>', page.text).group(0)
    assert "does not match the root published on-chain" in button
