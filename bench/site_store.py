"""Throughput of the site's text and name store, SQLite vs PostgreSQL (not a test: it prints
figures only).

    .venv/bin/python -m bench.site_store [--threads 4] [--texts 2000] [--names 300]

For each backend (a SQLite file; then a private PostgreSQL cluster of Debian's server started for
the run, default settings, fsync on), ``--threads`` threads, each with its own ``TextStore`` (a
replica: its own connections), write ``--texts`` texts of ~1 KB in all (each committed before
the call returns, as the site answers), read each back through another replica's store (a cold
read, no in-memory cache), then set ``--names`` display names (each signature verified, as the
site does). Printed: operations per second, and that every accepted write is found (nothing
lost).
"""

from __future__ import annotations

import argparse
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from eth_account import Account
from eth_account.messages import encode_defunct

from twei.site.texts import TextStore, name_message

DOMAIN, CHAIN = "bench.example", 31337


def _run(where: str, threads: int, texts: int, names: int) -> dict[str, float]:
    stores = [TextStore(where, chain_id=CHAIN) for _ in range(threads)]
    readers = [TextStore(where, chain_id=CHAIN) for _ in range(threads)]
    bodies = [f"text {i} " + "lorem ipsum dolor sit amet " * 40 for i in range(texts)]
    keys = [Account.create().key for _ in range(names)]
    signed = []
    now = int(time.time() * 1000)
    for i, key in enumerate(keys):
        message = encode_defunct(text=name_message(f"bench name {i}", now, DOMAIN, CHAIN))
        signed.append((f"bench name {i}", now, "0x" + Account.sign_message(message, private_key=key).signature.hex().removeprefix("0x"), Account.from_key(key).address))
    digests: list[bytes] = [b""] * texts
    out: dict[str, float] = {}
    lock = threading.Lock()

    def chunks(n: int) -> list[range]:
        return [range(t, n, threads) for t in range(threads)]

    with ThreadPoolExecutor(threads) as pool:
        start = time.perf_counter()
        list(pool.map(lambda a: [digests.__setitem__(i, a[1].add(bodies[i])) for i in a[0]], zip(chunks(texts), stores)))
        out["text writes/s"] = texts / (time.perf_counter() - start)
        found = [0]

        def read(args) -> None:
            part, store = args
            n = sum(store.get(digests[i]) == bodies[i] for i in part)
            with lock:
                found[0] += n

        start = time.perf_counter()
        list(pool.map(read, zip(chunks(texts), readers)))
        out["text reads/s"] = texts / (time.perf_counter() - start)
        out["texts found"] = found[0]
        start = time.perf_counter()
        list(pool.map(lambda a: [a[1].set_name(*signed[i][:3], DOMAIN, signer=signed[i][3]) for i in a[0]], zip(chunks(names), stores)))
        out["names set/s"] = names / (time.perf_counter() - start)
        out["names found"] = len(readers[0].names([s[3] for s in signed]))
    for store in stores + readers:
        store.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--names", type=int, default=300)
    args = parser.parse_args()
    import tempfile

    from twei.toolchain.postgres import TempCluster

    results = {}
    with tempfile.TemporaryDirectory() as folder:
        results["SQLite"] = _run(f"{folder}/texts.db", args.threads, args.texts, args.names)
    with TempCluster() as cluster:
        results["PostgreSQL"] = _run(cluster.create_database("bench"), args.threads, args.texts, args.names)
    print(f"{args.threads} threads (one store each), {args.texts} texts of ~1 KB, {args.names} names")
    print(f"{'':<16}" + "".join(f"{k:>14}" for k in next(iter(results.values()))))
    for backend, figures in results.items():
        print(f"{backend:<16}" + "".join(f"{v:>14,.0f}" for v in figures.values()))


if __name__ == "__main__":
    main()
