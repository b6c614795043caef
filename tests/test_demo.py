"""The demo's day, end to end on each chain: the reports agree with the chain to the wei."""

import pytest

from twei.demo import MARKER, run_demo
from twei.flows import FlowCategory as C
from twei.units import twei

pytestmark = pytest.mark.chain

START = twei(20)  # the genesis balance of every demo account
DAY = 86_400


@pytest.fixture(scope="module")
def day(project, chain, accounts, tmp_path_factory):
    lines = []
    out = tmp_path_factory.mktemp("demo") / "day"
    result = run_demo(project, chain, accounts, out, say=lines.append)
    return result, lines, out


def test_demo__reports_match_balances_to_the_wei(day, project):
    result, _, _ = day
    token = project.TweiToken.at(result.addresses["TweiToken"])
    for name, report in result.reports.items():
        # Every Twei these accounts moved was on the demo's one post, and each bought one report.
        assert token.balanceOf(report.account) == START + report.total, name


def test_demo__author_lines(day):
    author = day[0].reports["author"]
    assert author.lines == {
        C.POST_PUBLISH_TRIBUTE: twei(5),
        C.PNL_REPORTS: twei(1),
        C.EARNED_FOR_PLUSES: twei(4),  # two pluses
        C.LIKES_AUTHOR: twei("0.5"),
        C.DISLIKES_AUTHOR: twei("0.5"),  # half of the critic's dislike fee
    }


def test_demo__commenter_lines(day):
    commenter = day[0].reports["commenter"]
    assert commenter.lines == {
        C.COMMENT_TRIBUTES: twei(1),
        C.PNL_REPORTS: twei(1),
        C.COMMENT_REWARDS: twei(1),
        C.LIKES_COMMENTER: twei(1),
        C.DISLIKES_COMMENTER: twei("0.5"),
        C.READ_REWARDS: twei("0.15"),  # 90 s credited
    }


def test_demo__narrates_each_step_and_draws_the_reports(day):
    result, lines, out = day
    for step in ("1. Deploy", "2. Genesis", "3. The author publishes", "4. Readers", "5. Comment", "6. Settle", "7. PnL"):
        assert any(line.startswith(step) for line in lines), step
    assert any("reader    read 120 s credited, scroll 100 %: qualifies" in line for line in lines)
    assert any("does not qualify" in line for line in lines)
    for picture in result.pictures.values():
        assert picture.read_bytes()[:4] == b"\x89PNG"
    assert (out / MARKER).exists()


def test_demo__refuses_to_empty_a_folder_it_did_not_make(project, chain, accounts, tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="not a demo folder"):
        run_demo(project, chain, accounts, tmp_path, say=lambda _: None)
    assert (tmp_path / "precious.txt").exists()


def test_demo__narration_says_what_each_account_earned_and_paid(day):
    _, lines, _ = day
    ledger = {line.split()[0]: line for line in lines if line.endswith(" net)")}
    assert sorted(ledger) == ["author", "commenter", "critic", "reader"]
    assert ledger["critic"].endswith("paid 2 -> 18 TWEI (-2 net)")
    assert ledger["author"].strip().startswith("author    earned 4.5 from the pool + 0.5 on-chain, paid 5")
    assert not any(line.startswith(("INFO:", "SUCCESS:")) for line in lines)


def test_demo__started_minutes_before_utc_midnight_settles_the_next_day(project, chain, accounts, tmp_path):
    """Started within the genesis root's challenge period of midnight, the day's settlement was
    due at a time the chain had already passed (the demo failed between 23:00 and 00:00 UTC)."""
    midnight = (int(chain.pending_timestamp) // DAY + 1) * DAY
    chain.pending_timestamp = midnight - 300
    chain.mine()
    result = run_demo(project, chain, accounts, tmp_path / "day", say=lambda line: None)
    assert result.epoch == midnight // DAY
    assert result.reports["commenter"].lines[C.READ_REWARDS] == twei("0.15")  # the day's reads were settled
