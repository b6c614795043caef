import pytest

from twei.units import format_twei, twei


@pytest.mark.parametrize(
    "amount, wei",
    [(1, 10**18), ("0.1", 10**17), ("0.000000000000000001", 1), (0, 0), ("2.5", 25 * 10**17)],
)
def test_twei__converts_exactly(amount, wei):
    assert twei(amount) == wei


def test_twei__refuses_fractions_of_a_wei():
    with pytest.raises(ValueError, match="not a whole number of wei"):
        twei("0.0000000000000000001")


@pytest.mark.parametrize("wei, text", [(10**18, "1"), (25 * 10**17, "2.5"), (0, "0"), (10**14, "0.0001")])
def test_format_twei__drops_trailing_zeros(wei, text):
    assert format_twei(wei) == text
