"""When things happen on a chain's day, in words an operator can act on.

A UTC day ``E`` (the epoch) runs from ``E·86400`` to ``(E+1)·86400`` by the chain's block
timestamps. It can be settled once a block at or after its end is ``confirmations`` deep; its
root, once published, is pending for the distributor's challenge period and then active
(claimable). These helpers turn those moments into UTC times for the job's messages.
"""

from __future__ import annotations

from datetime import UTC, datetime

from twei.errors import ConfigError, StepNotDue

__all__ = ["DAY", "utc", "day_start", "check_after_deployment"]

DAY = 86_400


def utc(ts: int | float) -> str:
    """``2026-12-06 00:00:00 UTC`` for a Unix time."""
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def day_start(epoch: int) -> str:
    """The UTC date of day ``epoch``."""
    return datetime.fromtimestamp(epoch * DAY, UTC).strftime("%Y-%m-%d")


def check_after_deployment(epoch: int, deployed_ts: int | None, requested: bool = True) -> None:
    """:class:`ConfigError` if day ``epoch`` ended before the contracts were deployed; when the
    epoch was not ``requested`` (the job's default, yesterday), :class:`StepNotDue` instead: on
    the deployment's own day the hourly job has nothing to do yet, which is no failure."""
    if deployed_ts is None:
        return
    first = int(deployed_ts) // DAY
    if epoch < first and not requested:
        raise StepNotDue(
            f"the contracts were deployed on day {first} ({day_start(first)}); its settlement is due after"
            f" {utc((first + 1) * DAY)}"
        )
    if epoch < first:
        raise ConfigError(
            f"day {epoch} ({day_start(epoch)}) is before the deployment on day {first} ({day_start(first)}):"
            f" nothing happened then; the first day to settle is {first}, after {utc((first + 1) * DAY)}"
        )
