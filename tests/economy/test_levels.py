import pytest

from twei.economy import DayActivity, Dislike, Like, Plus, Read, apply_xp, level_for_xp, xp_deltas


@pytest.mark.parametrize(
    "xp, level", [(0, 0), (9, 0), (10, 1), (39, 1), (40, 2), (1689, 12), (1690, 13), (10**6, 316)]
)
def test_level__is_the_largest_l_with_10_l_squared_at_most_xp(xp, level):
    assert level_for_xp(xp) == level


def test_level__negative_xp_is_refused():
    with pytest.raises(ValueError):
        level_for_xp(-1)


def test_xp__weights_of_spec_section_3():
    day = DayActivity(
        reads=[Read("r", 1, credited_seconds=179)],  # 2 whole minutes
        pluses=[Plus(1, "r", "a")],
        likes=[Like(5, 1, "l", "c", "a", first_like_of_comment=True)],
        dislikes=[Dislike(5, 1, "d", "c")],
    )
    assert xp_deltas(day) == {"r": 2, "a": 5, "c": 2 - 2, "l": 1}


def test_xp__never_falls_below_zero():
    day = DayActivity(dislikes=[Dislike(5, 1, "d", "c")] * 3)
    assert apply_xp({"c": 4}, day) == {"c": 0}


def test_xp__crossing_1690_reaches_level_13():
    day = DayActivity(pluses=[Plus(1, str(i), "a") for i in range(2)])  # +10 XP
    xp = apply_xp({"a": 1680}, day)
    assert level_for_xp(xp["a"]) == 13
