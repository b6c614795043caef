"""An Anvil node that outlives the command that started it (for `make demo-anvil`).

``python -m twei.toolchain.devnode start --port 8545 --pidfile .anvil-demo.pid`` starts
``node_modules/.bin/anvil`` (Ape's test mnemonic, chain id 31337, automining) in the background
unless one already answers on the port, waits until it answers, and records its pid;
``stop --pidfile …`` ends that process (and only it). Its clock starts at the first minute of
the wall clock's yesterday (:func:`genesis_time`), so the demo's day ends in step with the wall
clock.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from twei.toolchain.localnode import TEST_MNEMONIC, _bin

__all__ = ["start", "stop"]


def _answers(port: int) -> bool:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}", data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=2):
            return True
    except OSError:
        return False


DAY = 86_400


def genesis_time(now: float | None = None) -> int:
    """The node's first block time: a minute into the wall clock's yesterday (UTC). The demo's
    day is then yesterday, all of it, and its settlement (the next day's first minute plus two
    challenge periods) ends before the wall clock or, in today's first hours, a little after it
    but on the same day, where the demo leaves the chain (twei.demo). A read on the demo's site
    then falls on the chain's today and is settled like any other day. (A fixed 24 h behind
    left the demo's day too short to settle in when the node started late in the evening.)"""
    now = time.time() if now is None else now
    return (int(now) // DAY - 1) * DAY + 60


def start(port: int, pidfile: Path) -> str:
    if _answers(port):
        return f"a node answers on port {port} already: using it"
    log = open(Path(pidfile).with_suffix(".log"), "w")
    genesis = genesis_time()
    process = subprocess.Popen(
        [_bin("anvil"), "--port", str(port), "--mnemonic", TEST_MNEMONIC, "--timestamp", str(genesis), "--silent"],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
    )
    Path(pidfile).write_text(f"{process.pid}\n")
    deadline = time.monotonic() + 30
    while not _answers(port):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"anvil did not start on port {port} (see {log.name})")
        time.sleep(0.2)
    return f"anvil started on http://127.0.0.1:{port} (pid {process.pid})"


def stop(pidfile: Path) -> str:
    path = Path(pidfile)
    if not path.exists():
        return "no node recorded: nothing to stop"
    pid = int(path.read_text().strip())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    path.unlink()
    return f"stopped anvil (pid {pid})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m twei.toolchain.devnode")
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--port", type=int, default=8545)
    parser.add_argument("--pidfile", type=Path, default=Path(".anvil-demo.pid"))
    args = parser.parse_args(argv)
    print(start(args.port, args.pidfile) if args.action == "start" else stop(args.pidfile), file=sys.stderr)


if __name__ == "__main__":
    main()
