"""Days whose expected amounts are worked out by hand (rates of SPEC §2)."""

from twei.economy import (
    DayActivity,
    Dislike,
    Like,
    Plus,
    PoolRates,
    Read,
    settle_day,
)
from twei.flows import FlowCategory
from twei.units import twei

AUTHOR, READER, COMMENTER, LIKER = "0xA", "0xB", "0xC", "0xD"


def test_read__pays_a_tenth_of_a_twei_per_credited_minute():
    day = DayActivity(reads=[Read(READER, 1, credited_seconds=150)])  # 2.5 minutes
    result = settle_day(day)
    assert result.lines == {READER: {(1, FlowCategory.READ_REWARDS): twei("0.25")}}
    assert result.paid == {READER: twei("0.25")}


def test_read__daily_cap_stops_at_50_twei_in_qualifying_order():
    reads = [
        Read(READER, 1, credited_seconds=400 * 60, qualified_at=10),  # 40 TWEI
        Read(READER, 2, credited_seconds=300 * 60, qualified_at=20),  # 30 TWEI, 10 fit
        Read(READER, 3, credited_seconds=60, qualified_at=30),  # nothing left
    ]
    result = settle_day(DayActivity(reads=reads))
    assert result.lines[READER] == {
        (1, FlowCategory.READ_REWARDS): twei(40),
        (2, FlowCategory.READ_REWARDS): twei(10),
    }
    assert result.paid[READER] == twei(50)


def test_plus__pays_two_twei_to_the_author():
    result = settle_day(DayActivity(pluses=[Plus(7, READER, AUTHOR), Plus(7, LIKER, AUTHOR)]))
    assert result.lines == {AUTHOR: {(7, FlowCategory.EARNED_FOR_PLUSES): twei(4)}}


def test_like__pays_liker_commenter_author_and_the_first_like_a_comment_reward():
    likes = [
        Like(11, 7, LIKER, COMMENTER, AUTHOR, first_like_of_comment=True),
        Like(11, 7, READER, COMMENTER, AUTHOR, first_like_of_comment=False),
    ]
    result = settle_day(DayActivity(likes=likes))
    assert result.lines[LIKER] == {(7, FlowCategory.LIKES_OWN): twei("0.2")}
    assert result.lines[READER] == {(7, FlowCategory.LIKES_OWN): twei("0.2")}
    assert result.lines[COMMENTER] == {
        (7, FlowCategory.LIKES_COMMENTER): twei(2),
        (7, FlowCategory.COMMENT_REWARDS): twei(1),
    }
    assert result.lines[AUTHOR] == {(7, FlowCategory.LIKES_AUTHOR): twei(1)}
    assert result.total == twei("0.4") + twei(3) + twei(1)


def test_dislike__penalty_is_deducted_from_the_days_rewards():
    day = DayActivity(
        likes=[Like(11, 7, LIKER, COMMENTER, AUTHOR, first_like_of_comment=True)],
        dislikes=[Dislike(11, 7, READER, COMMENTER)],
    )
    result = settle_day(day)
    assert result.lines[COMMENTER] == {
        (7, FlowCategory.LIKES_COMMENTER): twei(1),
        (7, FlowCategory.COMMENT_REWARDS): twei(1),
        (7, FlowCategory.DISLIKES_COMMENTER): twei("0.5"),
    }
    assert result.paid[COMMENTER] == twei("1.5")


def test_dislike__never_takes_an_account_below_zero_for_the_day():
    day = DayActivity(
        reads=[Read(COMMENTER, 3, credited_seconds=120)],  # 0.2 TWEI
        dislikes=[Dislike(11, 7, READER, COMMENTER), Dislike(12, 8, LIKER, COMMENTER)],  # 1 TWEI
    )
    result = settle_day(day)
    # Only the 0.2 TWEI it earned can be deducted, split over the two penalty lines.
    assert result.lines[COMMENTER] == {
        (3, FlowCategory.READ_REWARDS): twei("0.2"),
        (7, FlowCategory.DISLIKES_COMMENTER): twei("0.1"),
        (8, FlowCategory.DISLIKES_COMMENTER): twei("0.1"),
    }
    assert COMMENTER not in result.paid


def test_pool__scales_every_account_down_pro_rata_when_exceeded():
    rates = PoolRates(daily_pool=twei(3))
    day = DayActivity(
        pluses=[Plus(1, READER, AUTHOR), Plus(2, READER, COMMENTER)],  # 2 + 2 = 4 TWEI
        reads=[Read(READER, 1, credited_seconds=1200)],  # 2 TWEI; day total 6 > pool 3
    )
    result = settle_day(day, rates)
    assert result.scaled
    assert result.paid == {AUTHOR: twei(1), COMMENTER: twei(1), READER: twei(1)}
    assert result.total == rates.daily_pool


def test_pool__scaling_rounds_down_and_never_exceeds_the_pool():
    rates = PoolRates(daily_pool=10)  # wei: forces rounding
    day = DayActivity(pluses=[Plus(1, READER, AUTHOR), Plus(2, AUTHOR, COMMENTER), Plus(3, AUTHOR, LIKER)])
    result = settle_day(day, rates)
    assert result.paid == {AUTHOR: 3, COMMENTER: 3, LIKER: 3}
    assert result.total <= rates.daily_pool


def test_pool__not_scaled_when_the_day_fits():
    result = settle_day(DayActivity(pluses=[Plus(1, READER, AUTHOR)]))
    assert not result.scaled
    assert result.paid == {AUTHOR: twei(2)}


def test_lines__add_up_to_what_each_account_is_paid():
    day = DayActivity(
        reads=[Read(COMMENTER, 3, credited_seconds=601)],
        likes=[Like(11, 7, LIKER, COMMENTER, AUTHOR, first_like_of_comment=True)],
        dislikes=[Dislike(11, 7, READER, COMMENTER)] * 3,
    )
    result = settle_day(day, PoolRates(daily_pool=twei("1.7")))
    for account, lines in result.lines.items():
        signed = sum(-v if k[1] == FlowCategory.DISLIKES_COMMENTER else v for k, v in lines.items())
        assert signed == result.paid.get(account, 0)
