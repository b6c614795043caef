"""A throw-away PostgreSQL cluster for tests and benchmarks: Debian's server, started by us.

``TempCluster`` runs ``initdb`` into a private folder (as the ``postgres`` user when we are
root, since the server refuses to run as root), starts the server with ``pg_ctl`` listening on a
unix socket in that folder only (no TCP port, so it never collides with another cluster on the
machine), creates the databases asked for, and on :meth:`TempCluster.destroy` stops it and
deletes the folder. Nothing of the system's own clusters (``pg_lsclusters``) is touched.

The binaries come from Debian's ``postgresql`` package (``/usr/lib/postgresql/<major>/bin``);
``make postgres`` installs it when missing. Settings are the server's defaults (``fsync`` and
``synchronous_commit`` on): the durability the oracle is tested and measured with is real.

``python -m twei.toolchain.postgres -- CMD …`` runs a command with ``TWEI_ORACLE_DATABASE_URL``
pointing at a fresh cluster's database, then destroys the cluster.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from twei.errors import ToolchainError

__all__ = ["TempCluster", "pg_bindir", "remove_orphans"]

PREFIX = "twei-pg-"


def remove_orphans(bindir: Path) -> None:
    """Stop and delete the clusters of runs that died without cleaning up (their owner process
    is gone), so that a killed test run does not leave a server behind for good."""
    for owner in Path(tempfile.gettempdir()).glob(f"{PREFIX}*/owner.pid"):
        try:
            pid = int(owner.read_text())
            os.kill(pid, 0)
            continue  # its owner still runs
        except (ValueError, ProcessLookupError):
            pass
        except PermissionError:
            continue  # someone else's live process
        data = owner.parent / "data"
        if (data / "postmaster.pid").exists():
            cmd = [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
            if os.geteuid() == 0:
                cmd = ["runuser", "-u", "postgres", "--", *cmd]
            subprocess.run(cmd, capture_output=True)
        shutil.rmtree(owner.parent, ignore_errors=True)


def pg_bindir() -> Path:
    """The newest installed PostgreSQL server's ``bin`` folder (Debian layout)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0,
    )
    if not found:
        raise ToolchainError(
            "PostgreSQL is not installed: `make postgres` installs Debian's postgresql package"
        )
    return Path(found[-1]).parent


class TempCluster:
    """A private PostgreSQL server on a unix socket; ``url(db)`` names its databases."""

    USER = "twei"

    def __init__(self, root: Path | None = None) -> None:
        self.bindir = pg_bindir()
        remove_orphans(self.bindir)
        self.root = Path(root or tempfile.mkdtemp(prefix=PREFIX))
        (self.root / "owner.pid").write_text(str(os.getpid()))
        self.data = self.root / "data"
        self.socket_dir = self.root / "socket"
        self.log = self.root / "server.log"
        self._as_postgres = os.geteuid() == 0
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.socket_dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", self.USER, "--auth=trust",
                  "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                f"\nlisten_addresses = ''\nunix_socket_directories = '{self.socket_dir}'\n"
                "port = 5432\nmax_connections = 200\n"
            )
        self.start()

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / tool), *args]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=self.root)
        if check and out.returncode != 0:
            raise ToolchainError(f"{tool} failed: {(out.stderr or out.stdout).strip()[-500:]}")
        return out

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast`` disconnects every client; ``immediate`` is a crash)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def running(self) -> bool:
        return self._run("pg_ctl", "-D", str(self.data), "status", check=False).returncode == 0

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.USER}@/{database}?host={self.socket_dir}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        out = subprocess.run(
            [str(self.bindir / "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
             "-d", self.url(database), "-c", sql],
            capture_output=True, text=True,
        )  # fmt: skip
        if out.returncode != 0:
            raise ToolchainError(f"psql failed: {out.stderr.strip()}")
        return out.stdout

    def create_database(self, name: str) -> str:
        """A new empty database; returns its URL."""
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        if self.data.exists():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> TempCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.destroy()


def main(argv: list[str]) -> int:
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        print("usage: python -m twei.toolchain.postgres -- COMMAND [ARGS…]", file=sys.stderr)
        return 2
    with TempCluster() as cluster:
        url = cluster.create_database("twei")
        started = time.monotonic()
        code = subprocess.call(argv, env={**os.environ, "TWEI_ORACLE_DATABASE_URL": url})
        print(f"(PostgreSQL cluster used for {time.monotonic() - started:.0f} s)", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
