"""What the operator is told (twei.settlement.timeline), the genesis file a bootstrap writes
(twei.settlement.genesis), and the lock that keeps one run per chain (twei.settlement.lock)."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from twei.errors import ConfigError, JobBusy
from twei.settlement.genesis import genesis_entries, parse_genesis
from twei.settlement.lock import JobLock
from twei.settlement.timeline import DAY, check_after_deployment, utc

A = "0x" + "11" * 20
B = "0x" + "22" * 20


def test_timeline__a_day_before_the_deployment_says_which_day_came_first():
    deployed = 20_790 * DAY + 5_000
    with pytest.raises(ConfigError) as err:
        check_after_deployment(20_786, deployed)
    assert str(err.value) == (
        "day 20786 (2026-11-29) is before the deployment on day 20790 (2026-12-03): nothing happened then;"
        " the first day to settle is 20790, after 2026-12-04 00:00:00 UTC"
    )
    check_after_deployment(20_790, deployed)
    check_after_deployment(1, None)


def test_timeline__utc_times():
    assert utc(20_790 * DAY + 3_661) == "2026-12-03 01:01:01 UTC"


def test_genesis__levels_and_balances_from_either_form():
    from eth_utils import to_checksum_address

    levels, amounts = parse_genesis({A: 13, B: {"level": 3, "twei": "20.5"}})
    assert levels == {to_checksum_address(A): 13, to_checksum_address(B): 3}
    assert amounts == {to_checksum_address(B): 20_500_000_000_000_000_000}
    entries = genesis_entries([A, B], 13, "20")
    assert parse_genesis(entries)[1] == {a: 20 * 10**18 for a in parse_genesis(entries)[0]}


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "non-empty JSON object"),
        ({"0x123": 1}, "'0x123' is not an address"),
        ({A: -1}, "must be a whole number 0–65535"),
        ({A: {"level": 1, "twei": "lots"}}, "'lots' is not an amount of TWEI"),
        ({A: {"level": 1, "twei": "-1"}}, "cannot be negative"),
    ],
)
def test_genesis__bad_entries_are_one_line(data, message):
    with pytest.raises(ConfigError, match=message):
        parse_genesis(data)


def _hold(path, seconds, ready):
    with JobLock(path):
        ready.set()
        time.sleep(seconds)


def test_lock__a_second_run_waits_for_the_first_or_gives_up_in_one_line(tmp_path):
    path = tmp_path / "job.lock"
    ready = multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold, args=(path, 1.5, ready))
    holder.start()
    try:
        assert ready.wait(10)
        with pytest.raises(JobBusy, match=rf"another run holds {path} \(pid {holder.pid}\); waited 0 s"):
            JobLock(path, wait_s=0).acquire()
        started = time.monotonic()
        with JobLock(path, wait_s=30):  # waits for the holder to finish
            assert time.monotonic() - started > 0.5
    finally:
        holder.join(10)


def test_lock__a_killed_holder_leaves_no_stale_lock(tmp_path):
    path = tmp_path / "job.lock"
    ready = multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold, args=(path, 60, ready))
    holder.start()
    assert ready.wait(10)
    holder.kill()
    holder.join(10)
    with JobLock(path, wait_s=0):
        pass
