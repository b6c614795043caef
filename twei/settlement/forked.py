"""One piece of a build run in a forked process beside the job's own work, with a deadline.

Why fork: the piece's inputs (a day's lines, a million accounts) are already in this process's
memory, and a forked child sees them without pickling; only its small result (a hash, a root)
comes back. Why a deadline: the job runs unattended, so a child that dies, raises or never
answers must fail the build with one clear line, never hold it (twei.settlement.day's reads pass
works the same way). Python's ``concurrent.futures`` notices a child that died
(``BrokenProcessPool``); a child past its deadline is killed.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from contextlib import contextmanager
from typing import Any

from twei.errors import SettlementError

__all__ = ["forked"]

# The work of the children about to be forked (they inherit it; nothing is pickled but its key).
_WORK: dict[int, Callable[[], Any]] = {}


def _run(key: int) -> Any:
    return _WORK[key]()


@contextmanager
def forked(work: Callable[[], Any], what: str, deadline_s: float) -> Iterator[Callable[[], Any]]:
    """Start ``work`` in a forked process now; inside the block, the job does its own part, then
    calls the yielded function for ``work``'s result (a :class:`SettlementError` naming ``what``
    if it failed or took over ``deadline_s`` seconds from the start). Leaving the block ends the
    child whatever happened."""
    key = id(work)
    _WORK[key] = work
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
    try:
        future = pool.submit(_run, key)  # a fork pool starts its process here, with _WORK set
        deadline = time.monotonic() + deadline_s

        def result() -> Any:
            try:
                return future.result(timeout=max(0.0, deadline - time.monotonic()))
            except FuturesTimeout:
                raise SettlementError(f"{what} took over {deadline_s:.0f} s; stopped it") from None
            except Exception as err:  # the child's own exception, or BrokenProcessPool if it died
                raise SettlementError(f"{what} failed: {err!r}") from err

        yield result
    finally:
        _WORK.pop(key, None)
        for process in list((pool._processes or {}).values()):  # still running: past its deadline
            if process.is_alive():
                process.kill()
        pool.shutdown(wait=True, cancel_futures=True)
