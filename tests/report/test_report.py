"""The PnL report: every SPEC §1 line, subtotals and total, from flows and breakdown files."""

import json

from twei.breakdown import Breakdown, iter_breakdowns
from twei.flows import FlowCategory as C
from twei.flows import FlowRecord
from twei.report import build_report, render_png, render_text
from twei.units import twei

A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
B = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


def flow(post, account, category, amount, tx="0x01", index=0):
    return FlowRecord(tx, index, post, account, C(category), amount)


def day(epoch, lines, paid):
    return Breakdown(chain_id=1337, epoch=epoch, scaled=False, pool=twei(100_000), lines=lines, paid=paid)


def test_report__sums_flows_and_pool_lines_per_category_for_the_post_only():
    flows = [
        flow(1, A, C.POST_PUBLISH_TRIBUTE, twei(5)),
        flow(1, A, C.DISLIKES_AUTHOR, twei("0.5")),
        flow(1, A, C.PNL_REPORTS, twei(1)),
        flow(1, A, C.PNL_REPORTS, twei(1)),
        flow(2, A, C.PNL_REPORTS, twei(1)),  # another post
        flow(1, B, C.SPENT_FOR_MINUSES, twei(1)),  # another account
    ]
    days = [
        day(1, {A: {(1, C.EARNED_FOR_PLUSES): twei(4), (2, C.READ_REWARDS): twei(3)}}, {A: twei(7)}),
        day(2, {A: {(1, C.EARNED_FOR_PLUSES): twei(2), (1, C.LIKES_AUTHOR): twei("0.5")}}, {A: twei("2.5")}),
    ]
    report = build_report(A.lower(), 1, flows, days)
    assert report.lines == {
        C.POST_PUBLISH_TRIBUTE: twei(5),
        C.DISLIKES_AUTHOR: twei("0.5"),
        C.PNL_REPORTS: twei(2),
        C.EARNED_FOR_PLUSES: twei(6),
        C.LIKES_AUTHOR: twei("0.5"),
    }
    assert report.profit_subtotal == twei(7)
    assert report.loss_subtotal == twei(7)
    assert report.total == 0


def test_report__json_lists_all_thirteen_lines_in_wei():
    report = build_report(A, 1, [flow(1, A, C.COMMENT_TRIBUTES, twei(1))], [])
    doc = report.to_json()
    assert [line["category"] for line in doc["profit"]] == list(range(0, 7))
    assert [line["category"] for line in doc["loss"]] == list(range(7, 13))
    assert doc["loss"][1] == {"category": 8, "name": "Comment Tributes", "amount": str(twei(1))}
    assert doc["total"] == str(-twei(1))
    json.dumps(doc)  # plain JSON


def test_report__text_shows_every_line_and_a_negative_total():
    report = build_report(A, 1, [flow(1, A, C.POST_PUBLISH_TRIBUTE, twei(5))], [])
    text = render_text(report)
    for category in C:
        assert category.display_name in text
    assert "Profit Subtotal" in text and "Loss Subtotal" in text
    assert text.splitlines()[-1].split() == ["Total", "Twei", "Earned", "-5", "Twei"]


def test_report__text_gives_the_price_for_a_report_instance():
    report = build_report(A, 1, [], [])
    text = render_text(report, twei(1))
    assert text.splitlines()[-1].strip() == "Price for report instance: 1 Twei"
    assert "TWEI" not in text


def test_report__png_labels_zero_lines_and_subtotals_with_the_tables_rounding(tmp_path, monkeypatch):
    import matplotlib.axes

    labels: list[str] = []
    ticks: list[str] = []
    titles: list[str] = []
    original = matplotlib.axes.Axes.annotate
    monkeypatch.setattr(matplotlib.axes.Axes, "annotate", lambda self, text, *a, **k: (labels.append(text), original(self, text, *a, **k))[1])
    original_ticks = matplotlib.axes.Axes.set_xticks
    monkeypatch.setattr(matplotlib.axes.Axes, "set_xticks", lambda self, xs, names=None, **k: (ticks.extend(names or []), original_ticks(self, xs, names, **k))[1])
    original_title = matplotlib.axes.Axes.set_title
    monkeypatch.setattr(matplotlib.axes.Axes, "set_title", lambda self, text, *a, **k: (titles.append(text), original_title(self, text, *a, **k))[1])
    third = twei(1) // 3  # 0.333… rounds to 0.3333 everywhere
    report = build_report(A, 1, [flow(1, A, C.POST_PUBLISH_TRIBUTE, twei(5))], [day(1, {A: {(1, C.EARNED_FOR_PLUSES): third}}, {A: third})])
    render_png(report, tmp_path / "pnl.png")
    assert "Profit Subtotal" in ticks and "Loss Subtotal" in ticks and ticks[-1] == "Total Twei Earned"
    assert len(labels) == len(ticks)  # every column labelled, zero lines too
    assert labels.count("0") == 11  # 6 zero profit lines, 5 zero loss lines
    assert "+0.3333" in labels and "0.3333" in labels and "-5" in labels and "-4.6667" in labels
    assert "profit 0.3333 − loss 5 = -4.6667 Twei" in titles[0]


def test_report__png_is_written(tmp_path):
    report = build_report(A, 1, [flow(1, A, C.POST_PUBLISH_TRIBUTE, twei(5))], [day(1, {A: {(1, C.EARNED_FOR_PLUSES): twei(8)}}, {A: twei(8)})])
    path = render_png(report, tmp_path / "pnl.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_breakdown__round_trips_and_hashes_its_exact_bytes(tmp_path):
    original = day(7, {A: {(1, C.READ_REWARDS): 5, (1, C.DISLIKES_COMMENTER): 2}}, {A: 3})
    path = tmp_path / "1337" / "7.breakdown.json"
    data_hash = original.write(path)
    loaded = Breakdown.read(path)
    assert loaded == original
    assert data_hash == loaded.data_hash()
    assert [b.epoch for b in iter_breakdowns(tmp_path, 1337)] == [7]


T = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"  # the treasury


def test_report__the_treasurys_receipts_are_never_losses():
    flows = [
        flow(1, T, C.COMMENT_TRIBUTES, twei(1), tx="0x0a", index=1),  # B's comment tribute
        flow(1, T, C.POST_PUBLISH_TRIBUTE, twei(5), tx="0x0b", index=1),  # the author's tribute
        flow(1, T, C.DISLIKES_OWN, twei("0.5"), tx="0x0c", index=2),  # its half of a dislike fee
    ]
    report = build_report(T, 1, flows, [], treasury=T.lower())
    assert report.loss_subtotal == 0 and report.total == 0
    assert report.received == twei("6.5")
    assert report.to_json()["received_as_treasury"] == str(twei("6.5"))
    assert "Fees received as the treasury" in render_text(report)
    # Without knowing the treasury the same flows would read as 6.5 TWEI of losses.
    assert build_report(T, 1, flows, []).loss_subtotal == twei("6.5")


def test_report__a_fee_the_treasury_pays_itself_is_its_loss_and_its_receipt():
    flows = [
        flow(1, T, C.PNL_REPORTS, twei(1), tx="0x0d", index=0),  # paid by the treasury...
        flow(1, T, C.PNL_REPORTS, twei(1), tx="0x0d", index=1),  # ...to itself
    ]
    report = build_report(T, 1, flows, [], treasury=T)
    assert report.lines == {C.PNL_REPORTS: twei(1)}
    assert report.received == twei(1)


def test_published_breakdowns__refuses_a_folder_without_the_active_roots_day(tmp_path):
    import pytest

    from twei.errors import ConfigError
    from twei.report import published_breakdowns

    assert published_breakdowns(tmp_path, 1337, 0) == []  # nothing settled yet: no pool lines
    with pytest.raises(ConfigError, match="no breakdown file for epoch 7"):
        published_breakdowns(tmp_path / "missing", 1337, 7)
    day(7, {A: {(1, C.READ_REWARDS): 5}}, {A: 5}).write(tmp_path / "1337" / "7.breakdown.json")
    assert [b.epoch for b in published_breakdowns(tmp_path, 1337, 7)] == [7]
