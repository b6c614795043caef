"""Tree speed: twei.merkle against the JS @openzeppelin/merkle-tree (a benchmark: prints, asserts nothing).

    .venv/bin/python -m bench.merkle_speed [--sizes 131072] [--python-only 1048576]

Each measurement runs in its own process so its peak memory (max RSS) is its own. Timed: building
the tree (leaf hashing, sorting, all nodes), every value's proof, and dump() to JSON text; not
timed: generating the random values and starting the interpreter. Python hashes with the C batch
of twei.native when it is built (``make setup``), else with pysha3 (``TWEI_NO_NATIVE=1`` forces
that); the row says which.
"""

from __future__ import annotations

import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

ROOT_DIR = Path(__file__).resolve().parents[1]
JS_HELPER = Path(__file__).with_name("oz_merkle_speed.js")


def make_values(n: int, seed: int = 2026) -> list[list[str]]:
    """`n` distinct random (address, cumulative amount, level) leaves, as the settlement job has them."""
    rng = random.Random(seed)
    return [
        ["0x" + rng.randbytes(20).hex(), str(rng.randrange(10**24)), str(rng.randrange(60))] for _ in range(n)
    ]


def python_child(n: int, values_file: str | None) -> None:
    """Run inside a fresh interpreter: time the Python tree and print JSON."""
    from twei.merkle import DISTRIBUTOR_LEAF_ENCODING, StandardMerkleTree
    from twei.native import native_library

    values = json.loads(Path(values_file).read_text()) if values_file else make_values(n)
    t, c = time.perf_counter(), time.process_time()
    tree = StandardMerkleTree.of(values, DISTRIBUTOR_LEAF_ENCODING)
    build, build_cpu = time.perf_counter() - t, time.process_time() - c
    # The order: build, dump, then every proof (what the settlement does with a day's tree).
    t, c = time.perf_counter(), time.process_time()
    text = tree.dump_json()
    dump, dump_cpu = time.perf_counter() - t, time.process_time() - c
    dump_chars = len(text)
    del text
    t, c = time.perf_counter(), time.process_time()
    proofs = tree.all_proofs()
    proofs_s, proofs_cpu = time.perf_counter() - t, time.process_time() - c
    del proofs
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "build_s": build,
                "proofs_s": proofs_s,
                "dump_s": dump,
                "cpu": [build_cpu, proofs_cpu, dump_cpu],
                "peak_mib": peak,
                "hashing": "C batch" if native_library() else "pysha3",
                "root": tree.root,
                "bytes": dump_chars,
            }
        )
    )


def run_python(n: int, values_file: str | None = None) -> dict:
    args = [sys.executable, "-m", "bench.merkle_speed", "--child", str(n)]
    if values_file:
        args += ["--values-file", values_file]
    out = subprocess.run(args, cwd=ROOT_DIR, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_js(values_file: str) -> dict:
    node = shutil.which("node")
    if not node:
        raise click.ClickException("node is not on PATH")
    out = subprocess.run([node, str(JS_HELPER), values_file], cwd=ROOT_DIR, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def row(name: str, r: dict) -> str:
    cpu = r.get("cpu")
    name = f"{name} ({r['hashing']})" if "hashing" in r else name
    return (
        f"{name:<40} build {r['build_s']:7.2f} s | every proof {r['proofs_s']:7.2f} s | "
        f"dump {r['dump_s']:6.2f} s | peak {r['peak_mib']:6.0f} MiB"
        + (f" | CPU {cpu[0]:.2f} / {cpu[1]:.2f} / {cpu[2]:.2f} s" if cpu else "")
    )


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"


@click.command()
@click.option("--sizes", multiple=True, type=int, default=(131_072,), help="Leaves, Python and JS side by side.")
@click.option("--python-only", multiple=True, type=int, default=(1_048_576,), help="Leaves, Python alone.")
@click.option("--child", type=int, default=None, hidden=True)
@click.option("--values-file", default=None, hidden=True)
def main(sizes, python_only, child, values_file):
    if child is not None:
        python_child(child, values_file)
        return
    for n in sizes:
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(make_values(n), f)
        py = run_python(n, f.name)
        js = run_js(f.name)
        Path(f.name).unlink()
        click.echo(f"{n:,} leaves")
        click.echo(row("  Python twei.merkle", py))
        click.echo(row("  JS @openzeppelin/merkle-tree", js))
        click.echo(
            f"  same root: {py['root'] == js['root']}; Python faster: build {js['build_s'] / py['build_s']:.0f}x, "
            f"build+proofs {(js['build_s'] + js['proofs_s']) / (py['build_s'] + py['proofs_s']):.0f}x, "
            f"dump {js['dump_s'] / py['dump_s']:.1f}x"
        )
    click.echo(f"(wall times; CPU = process time of build / proofs / dump; load average {_load()})")
    for n in python_only:
        click.echo(f"{n:,} leaves")
        click.echo(row("  Python twei.merkle", run_python(n)))


if __name__ == "__main__":
    main()
