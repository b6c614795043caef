"""settle_lines' fast paths (accounts without penalties) pay exactly what the original
settle_day did: the reference below is that code, verbatim, over random days and pools."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.economy.test_day_properties import days
from twei.economy import DayResult, PoolRates, _net, _paid, _scale, gross_lines, settle_day


def reference_settle_day(day, rates):
    netted = {account: _net(lines) for account, lines in gross_lines(day, rates).items()}
    total = sum(_paid(lines) for lines in netted.values())
    scaled = total > rates.daily_pool
    if scaled:
        netted = {a: _scale(lines, rates.daily_pool, total) for a, lines in netted.items()}
    final = {a: {k: v for k, v in lines.items() if v} for a, lines in netted.items()}
    return DayResult(
        lines={a: lines for a, lines in final.items() if lines},
        paid={a: _paid(lines) for a, lines in final.items() if _paid(lines)},
        scaled=scaled,
    )


@given(day=days, pool=st.integers(0, 10**20), penalty=st.sampled_from([0, 5 * 10**17, 10**19]))
def test_settle_day__pays_as_the_original_code(day, pool, penalty):
    rates = PoolRates(daily_pool=pool, dislike_penalty=penalty)
    assert settle_day(day, rates) == reference_settle_day(day, rates)
