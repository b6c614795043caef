"""Optional C speed-ups, built by ``make setup`` (``python -m twei.native``) when a C compiler is
there, and loaded with ctypes; every user keeps a pure-Python path for machines without one.

Only :mod:`keccak_batch.c` for now: keccak-256 over many messages in one call, for the Merkle
tree of a day with a million accounts (see :mod:`twei.merkle`).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["KeccakBatch", "keccak_batch", "build", "LIBRARY", "SOURCE"]

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "keccak_batch.c"
#: Where the built library lives (next to its source; not in git).
LIBRARY = HERE / "_keccak_batch.so"
#: Set to 1 to ignore the built library (tests of the pure-Python path, comparisons).
DISABLE_ENV = "TWEI_NO_NATIVE"


class KeccakBatch:
    """The C functions of ``keccak_batch.c`` over ``bytes`` (each call hashes a whole batch)."""

    def __init__(self, lib: ctypes.CDLL) -> None:
        self._lib = lib
        for name in ("twei_keccak_many", "twei_leaf_hashes"):
            fn = getattr(lib, name)
            fn.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_void_p]
            fn.restype = ctypes.c_int
        lib.twei_build_heap.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
        lib.twei_build_heap.restype = None

    def _many(self, fn, blob: bytes, length: int) -> bytes:
        if length <= 0 or length >= 136 or len(blob) % length:
            raise ValueError(f"{len(blob)} bytes are not messages of {length} (1-135) bytes")
        n = len(blob) // length
        out = ctypes.create_string_buffer(32 * n)
        if fn(blob, n, length, out) != 0:
            raise ValueError("message too long for one keccak block")
        return out.raw

    def keccak_many(self, blob: bytes, length: int) -> bytes:
        """keccak-256 of each ``length``-byte message of ``blob``, digests end to end."""
        return self._many(self._lib.twei_keccak_many, blob, length)

    def leaf_hashes(self, blob: bytes, length: int) -> bytes:
        """``keccak256(keccak256(body))`` of each ``length``-byte body of ``blob``."""
        return self._many(self._lib.twei_leaf_hashes, blob, length)

    def build_heap(self, leaves: bytes, order: Any) -> bytes:
        """The whole heap (``2n-1`` nodes of 32 bytes) from ``n`` leaf hashes end to end and
        ``order``, their ascending order (a permutation of ``0..n-1``, numpy int64)."""
        import numpy

        n = len(leaves) // 32
        order = numpy.ascontiguousarray(order, dtype=numpy.int64)
        if n == 0 or len(leaves) % 32 or order.shape != (n,):
            raise ValueError("need one order position per 32-byte leaf")
        if not numpy.array_equal(numpy.sort(order), numpy.arange(n)):
            raise ValueError("order is not a permutation of the leaves")
        heap = ctypes.create_string_buffer(32 * (2 * n - 1))
        self._lib.twei_build_heap(leaves, order.ctypes.data_as(ctypes.c_void_p), n, heap)
        return heap.raw


@cache
def keccak_batch() -> KeccakBatch | None:
    """The built library, or None (not built, disabled by ``TWEI_NO_NATIVE=1``, or a
    big-endian host, whose lanes the C code does not byte-swap)."""
    if os.environ.get(DISABLE_ENV) == "1" or sys.byteorder != "little" or not LIBRARY.exists():
        return None
    try:
        return KeccakBatch(ctypes.CDLL(str(LIBRARY)))
    except OSError:
        return None


def build(compiler: str | None = None) -> Path | None:
    """Compile ``keccak_batch.c`` into :data:`LIBRARY` if it is missing or older than its source;
    None when there is no C compiler or it fails (the pure-Python path is used then: set-up never
    stops for an optional speed-up)."""
    if LIBRARY.exists() and LIBRARY.stat().st_mtime >= SOURCE.stat().st_mtime:
        return LIBRARY
    cc = compiler or os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        return None
    partial = LIBRARY.with_suffix(".so.tmp")
    # Built on the machine that runs it, so it may use that CPU's instructions (-march=native:
    # about 30 % faster here with unrolled loops); plain -O3 if the compiler refuses the flag.
    for flags in (["-O3", "-march=native", "-funroll-loops"], ["-O3"]):
        done = subprocess.run([cc, *flags, "-shared", "-fPIC", "-o", str(partial), str(SOURCE)])
        if done.returncode == 0:
            break
    else:
        return None  # the compiler's own message is on stderr; Python hashing takes over
    partial.replace(LIBRARY)
    keccak_batch.cache_clear()
    return LIBRARY
