"""Run a command against a throw-away local chain node, always stopping the node afterwards.

``python -m twei.toolchain.localnode ganache -- ape test ...`` starts Ganache on a free loopback
port with Ape's test mnemonic and chain id 1337, exports its URL as ``TWEI_NODE_URI`` (which
``ape-config.yaml`` gives the ``node`` provider), runs the command and stops the node however the
command ends. Anvil needs no such wrapper: ape-foundry starts and stops it (``host: auto``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from twei.errors import ToolchainError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEST_MNEMONIC = "test test test test test test test test test test test junk"
LOCAL_CHAIN_ID = 1337


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _bin(name: str) -> str:
    local = PROJECT_ROOT / "node_modules" / ".bin" / name
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        raise ToolchainError(f"{name} not found: run `npm ci` in {PROJECT_ROOT}")
    return found


def _ganache_command(port: int) -> list[str]:
    return [
        _bin("ganache"),
        "--server.host=127.0.0.1",
        f"--server.port={port}",
        f"--wallet.mnemonic={TEST_MNEMONIC}",
        "--wallet.totalAccounts=10",
        f"--chain.chainId={LOCAL_CHAIN_ID}",
        "--chain.hardfork=shanghai",
        "--miner.instamine=eager",
        "--logging.quiet",
    ]


def _wait_for_rpc(uri: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).encode()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ToolchainError(f"the node exited with code {proc.returncode} before answering")
        try:
            request = urllib.request.Request(
                uri, data=body, headers={"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(request, timeout=2) as response:
                if json.load(response).get("result"):
                    return
        except OSError:
            time.sleep(0.2)
    raise ToolchainError(f"no answer from {uri} within {timeout:.0f} s")


@contextmanager
def ganache() -> Iterator[str]:
    """A Ganache node on a free loopback port; yields its URL and always stops it."""
    port = free_port()
    uri = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        _ganache_command(port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_for_rpc(uri, proc)
        yield uri
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


NODES = {"ganache": ganache}


def run_with_node(node: str, command: Sequence[str]) -> int:
    with NODES[node]() as uri:
        env = dict(os.environ, TWEI_NODE_URI=uri)
        return subprocess.run(list(command), env=env, check=False).returncode


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 3 or args[0] not in NODES or args[1] != "--":
        sys.exit(f"usage: python -m twei.toolchain.localnode {{{','.join(NODES)}}} -- COMMAND ...")
    try:
        sys.exit(run_with_node(args[0], args[2:]))
    except ToolchainError as err:
        sys.exit(f"error: {err}")


if __name__ == "__main__":
    main()
