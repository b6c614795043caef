"""One settlement run per chain at a time: an exclusive lock on a file beside the job's store.

Two runs at once (a timer's and a manual one) would send the same transactions twice and race
on the store. The lock is an OS advisory lock (``flock``) on ``<store>.lock``: it is released
when the process ends, however it ends (a SIGKILL leaves no stale lock), and the file keeps the
holder's pid for the message. A second run waits up to ``wait_s`` seconds for the first to
finish, then gives up with one line (:class:`JobBusy`).
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from types import TracebackType

from twei.errors import JobBusy

__all__ = ["JobLock"]


class JobLock:
    """``with JobLock(path, wait_s=60):`` holds the lock on ``path`` for the block."""

    def __init__(self, path: Path, wait_s: float = 0.0, poll_s: float = 0.2) -> None:
        self.path = Path(path)
        self.wait_s = wait_s
        self.poll_s = poll_s
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                    os.close(fd)
                    raise JobBusy(
                        f"another run holds {self.path} (pid {holder}); waited {self.wait_s:g} s,"
                        " exiting without doing anything (it will do the work)"
                    ) from None
                time.sleep(self.poll_s)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> JobLock:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.release()
