"""Threads whose failures fail the test: an exception (an ``assert`` included) in a worker is
kept and raised again in the test's own thread by :meth:`Workers.check` / :meth:`Workers.join`,
instead of ending that thread with a warning nobody reads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = ["Workers"]


class Workers:
    """A group of threads run for one test."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []
        self.errors: list[BaseException] = []
        self._lock = threading.Lock()

    def start(self, target: Callable[..., Any], *args: Any) -> threading.Thread:
        def run() -> None:
            try:
                target(*args)
            except BaseException as err:  # noqa: BLE001 - kept, raised in the test's thread
                with self._lock:
                    self.errors.append(err)

        thread = threading.Thread(target=run, name=f"worker-{len(self.threads)}", daemon=True)
        self.threads.append(thread)
        thread.start()
        return thread

    def check(self) -> None:
        """Raise the first failure of any worker so far."""
        with self._lock:
            if self.errors:
                raise AssertionError(
                    f"{len(self.errors)} worker thread(s) failed; the first: {self.errors[0]!r}"
                ) from self.errors[0]

    def join(self, timeout: float) -> None:
        """Wait (at most ``timeout`` s for all of them) for every worker to end; fail if one
        is still running or one failed."""
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self.check()
        alive = [t.name for t in self.threads if t.is_alive()]
        assert not alive, f"worker threads still running after {timeout} s: {alive}"

    def wait_until(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        """Poll ``predicate`` until true, failing at the deadline or as soon as a worker fails."""
        deadline = time.monotonic() + timeout
        while not predicate():
            self.check()
            assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
            time.sleep(0.02)
        self.check()
