"""A testnet on this machine, as an operator has it: an Anvil with Sepolia's chain id (11155111)
behind `--network ethereum:sepolia:node`, a site folder holding the project's scripts and a
`.env`, Ape keyfile accounts in the site user's own home, and every job run as cron and systemd
run it: no terminal, a bare environment (HOME and a minimal PATH, nothing else), stdin closed.

Anvil produces a block every second, as a live chain does (Sepolia's jobs wait for two
confirmations of each transaction). Its clock starts a little over an hour behind the wall clock,
so the hour the tests move it forward for a challenge period brings it back to the wall clock's
day, on which the oracle (wall clock) credits reads.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from eth_account import Account

from twei.toolchain.localnode import free_port

ROOT = Path(__file__).resolve().parents[2]
ANVIL = ROOT / "node_modules" / ".bin" / "anvil"
SEPOLIA = 11155111
MNEMONIC = "test test test test test test test test test test test junk"
NETWORK = "ethereum:sepolia:node"
API_KEY = "walk-api-key"
PASSPHRASE = "correct horse battery staple"
#: The README's block of commands (between its marker comment and the end of the block).
README_MARKER = "<!-- testnet-walk:"

Account.enable_unaudited_hdwallet_features()


def dev_key(index: int) -> str:
    return Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}").key.hex()


def address(index: int) -> str:
    return Account.from_key(dev_key(index)).address


def readme_commands() -> list[str]:
    """The commands of the README's testnet walk, in order."""
    text = (ROOT / "README.md").read_text()
    block = text[text.index(README_MARKER):]
    block = block[block.index("```bash") + 7 : block.index("```", block.index("```bash") + 7)]
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip() and not line.startswith("#")]


def unit_command(unit: str) -> str:
    """The ExecStart command of a unit in deploy/systemd, for the site at /srv/twei."""
    text = (ROOT / "deploy" / "systemd" / unit).read_text()
    return re.search(r"^ExecStart=(.*)$", text, re.M).group(1)


@dataclass
class Run:
    command: str
    returncode: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return [line for line in self.stdout.splitlines() if line.strip()]

    def problems(self) -> list[str]:
        """What an unattended run must never show."""
        out = self.stdout + self.stderr
        found = [word for word in ("Traceback", "[y/N]", "Sign:", "Aborted!", "passphrase to") if word in out]
        return found


@dataclass
class Site:
    base: Path
    site: Path = field(init=False)
    home: Path = field(init=False)
    port: int = field(init=False)
    oracle_port: int = field(init=False)
    _anvil: subprocess.Popen | None = None
    _oracle: subprocess.Popen | None = None
    _site: subprocess.Popen | None = None
    site_port: int = 0

    def __post_init__(self) -> None:
        self.site, self.home = self.base / "srv-twei", self.base / "home"
        self.site.mkdir(parents=True)
        (self.home / ".ape" / "accounts").mkdir(parents=True)
        for name in ("scripts", "contracts", "ape-config.yaml", ".venv", "node_modules"):
            (self.site / name).symlink_to(ROOT / name)
        if (ROOT / ".build").exists():  # compiled once by the suite; the site never compiles
            shutil.copytree(ROOT / ".build", self.site / ".build")
        self.port, self.oracle_port = free_port(), free_port()
        start = int(time.time()) - 3_900
        self._anvil = subprocess.Popen(
            [str(ANVIL), "--chain-id", str(SEPOLIA), "--port", str(self.port), "--block-time", "1",
             "--timestamp", str(start), "--silent"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                self.rpc("eth_chainId")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    # ------------------------------------------------------------------ the operator's set-up

    def import_account(self, alias: str, index: int) -> str:
        """What `ape accounts import ALIAS` leaves behind: an encrypted keyfile in ~/.ape/accounts."""
        keyfile = Account.encrypt(dev_key(index), PASSPHRASE)
        (self.home / ".ape" / "accounts" / f"{alias}.json").write_text(json.dumps(keyfile))
        return address(index)

    def write_env(self, **extra: str) -> None:
        """The .env of the README (from .env.example), filled in for this testnet."""
        values = {
            "TWEI_SEPOLIA_RPC": f"http://127.0.0.1:{self.port}",
            "APE_ACCOUNTS_operator_PASSPHRASE": PASSPHRASE,
            "APE_ACCOUNTS_reader_PASSPHRASE": PASSPHRASE,
            "TWEI_DEPLOYER": "operator",
            "TWEI_SENDER": "operator",
            "TWEI_ORACLES": ",".join(address(i) for i in (2, 3, 4)),
            "TWEI_THRESHOLD": "2",
            "TWEI_TREASURY": address(5),
            "TWEI_GUARDIAN": address(6),
            # Off the local chains the deploy refuses anything but a 2-day timelock whose
            # proposer (a multisig in practice) is not the deploying key.
            "TWEI_TIMELOCK_DELAY": "172800",
            "TWEI_TIMELOCK_PROPOSERS": address(7),
            "TWEI_ORACLE_ACCOUNTS": "oracle1,oracle2",  # Ape keyfile accounts of dev keys 2 and 3
            "APE_ACCOUNTS_oracle1_PASSPHRASE": PASSPHRASE,
            "APE_ACCOUNTS_oracle2_PASSPHRASE": PASSPHRASE,
            "TWEI_METRICS_DIR": str(self.base / "textfile"),  # the node exporter's textfile folder
            "TWEI_ORACLE_API_KEY": API_KEY,
            "TWEI_ORACLE_PORT": str(self.oracle_port),
            "TWEI_ORACLE_CHAIN_ID": str(SEPOLIA),
            "TWEI_ORACLE_LOOP": "asyncio",
            **extra,
        }
        (self.site / ".env").write_text("".join(f"{k}={v}\n" for k, v in values.items()))

    # ------------------------------------------------------------------ running jobs

    def environment(self) -> dict[str, str]:
        """cron's environment: HOME and a minimal PATH, nothing from the test's own."""
        return {"HOME": str(self.home), "PATH": "/usr/bin:/bin"}

    def argv(self, command: str) -> list[str]:
        return shlex.split(command.replace("/srv/twei/", f"{self.site}/"))

    def run(self, command: str, timeout: float = 600, **env: str) -> Run:
        """Run a job as cron does; ``env``: variables set in its environment (they win over .env)."""
        done = subprocess.run(
            self.argv(command), cwd=self.site, env={**self.environment(), **env}, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=timeout,
        )
        return Run(command, done.returncode, done.stdout, done.stderr)

    def start(self, command: str) -> subprocess.Popen:
        return subprocess.Popen(
            self.argv(command), cwd=self.site, env=self.environment(), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )

    def start_oracle(self, command: str) -> None:
        self._oracle = subprocess.Popen(
            self.argv(command), cwd=self.site, env=self.environment(), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=(self.base / "oracle.log").open("w"),
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                self.http("GET", "/healthz")
                return
            except OSError:
                if time.monotonic() > deadline or self._oracle.poll() is not None:
                    raise RuntimeError((self.base / "oracle.log").read_text()[-2000:]) from None
                time.sleep(0.3)

    def start_site(self) -> str:
        """`ape run site` (the post pages, with the oracle on the same origin); its base URL."""
        self.site_port = self.site_port or free_port()
        self._site = subprocess.Popen(
            self.argv(f".venv/bin/ape run site --network {NETWORK} --port {self.site_port}"),
            cwd=self.site, env=self.environment(), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=(self.base / "site.log").open("w"),
        )
        base = f"http://127.0.0.1:{self.site_port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=5):
                    return base
            except OSError:
                if time.monotonic() > deadline or self._site.poll() is not None:
                    raise RuntimeError((self.base / "site.log").read_text()[-3000:]) from None
                time.sleep(0.3)

    # ------------------------------------------------------------------ the chain and the oracle

    def rpc(self, method: str, params: list | None = None):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}", data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def now(self) -> int:
        return int(self.rpc("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)

    def travel(self, seconds: int, blocks: int = 15) -> None:
        """Anvil's own time travel: move its clock, then mine enough blocks for the confirmations."""
        self.rpc("evm_increaseTime", [int(seconds)])
        self.rpc("anvil_mine", [hex(blocks)])

    def transactions(self) -> int:
        """Every transaction ever mined (to prove a refused command sent none)."""
        height = int(self.rpc("eth_blockNumber"), 16)
        return sum(len(self.rpc("eth_getBlockByNumber", [hex(n), False])["transactions"]) for n in range(height + 1))

    def nonce(self, index: int) -> int:
        return int(self.rpc("eth_getTransactionCount", [address(index), "latest"]), 16)

    def call(self, to: str, signature: str, *words: str) -> int:
        from eth_utils import keccak

        data = "0x" + keccak(text=signature)[:4].hex() + "".join(w.lower().removeprefix("0x").rjust(64, "0") for w in words)
        return int(self.rpc("eth_call", [{"to": to, "data": data}, "latest"]), 16)

    def metrics(self, port: int) -> dict[tuple, float]:
        """A Prometheus scrape of ``/metrics`` on ``port``: {(name, labels): value}."""
        from prometheus_client.parser import text_string_to_metric_families

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as response:
            text = response.read().decode()
        return {(s.name, tuple(sorted(s.labels.items()))): s.value for f in text_string_to_metric_families(text) for s in f.samples}

    def textfile(self) -> dict[str, float]:
        """The settle job's metrics, as the node exporter's textfile collector reads them."""
        from prometheus_client.parser import text_string_to_metric_families

        text = (self.base / "textfile" / "twei_settle.prom").read_text()
        return {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples}

    def http(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.oracle_port}{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        request.add_header("X-API-Key", API_KEY)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")

    def read_post(self, post_id: int, reader: str, beats: int = 4, gap_s: float = 4.0) -> dict:
        """A reader on the post page: heartbeats a few seconds apart, scrolling to the end."""
        sid = self.http("POST", "/v1/sessions", {"post_id": post_id, "reader": reader, "client_time": int(time.time() * 1000)})["session_id"]
        status: dict = {}
        for seq in range(1, beats + 1):
            status = self.http("POST", f"/v1/sessions/{sid}/heartbeats", {
                "seq": seq, "visible": True, "focused": True, "scroll": 100.0 * seq / beats, "idle_ms": 1_000,
                "client_time": int(time.time() * 1000),
            })
            if seq < beats:
                time.sleep(gap_s)
        self.http("POST", f"/v1/sessions/{sid}/finish")
        return status

    def close(self) -> None:
        for process in (self._site, self._oracle, self._anvil):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
