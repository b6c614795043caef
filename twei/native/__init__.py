"""Optional C speed-ups, built by ``make setup`` (``python -m twei.native``) when a C compiler is
there, and loaded with ctypes; every user keeps a pure-Python path for machines without one.

Both serve the Merkle tree of a day with a million accounts (see :mod:`twei.merkle`):

* ``keccak_batch.c``: keccak-256 over many messages in one call (leaves, then the whole heap),
  split over the machine's cores;
* ``abi_words.c``: a column of decimal or address strings into ABI words.

Arrays go in and out as numpy buffers (``bytes`` are accepted too), so a million-leaf build
copies none of its ~200 MB between Python and C.
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

import numpy

__all__ = ["NativeLibrary", "native_library", "build", "LIBRARY", "SOURCES"]

HERE = Path(__file__).resolve().parent
SOURCES = (HERE / "keccak_batch.c", HERE / "abi_words.c")
#: Where the built library lives (next to its sources; not in git).
LIBRARY = HERE / "_twei_native.so"
#: Set to 1 to ignore the built library (tests of the pure-Python path, comparisons).
DISABLE_ENV = "TWEI_NO_NATIVE"
#: Threads a batch may use (default: the CPUs this process may run on). ctypes releases the
#: GIL during the call, so Python threads go on meanwhile.
THREADS_ENV = "TWEI_NATIVE_THREADS"


def threads() -> int:
    """How many threads one batch call splits its work over."""
    given = os.environ.get(THREADS_ENV, "")
    if given.isdigit() and int(given) > 0:
        return int(given)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


_P = ctypes.c_void_p
_N = ctypes.c_size_t


def _bytes_view(data: Any) -> numpy.ndarray:
    """``data`` (bytes or any contiguous buffer) as a flat uint8 array over the same memory."""
    if isinstance(data, numpy.ndarray):
        return data.reshape(-1).view(numpy.uint8)
    return numpy.frombuffer(data, dtype=numpy.uint8)


def _ptr(array: numpy.ndarray) -> int:
    return array.ctypes.data


class NativeLibrary:
    """The C functions of :data:`SOURCES` over numpy buffers (each call handles a whole batch)."""

    def __init__(self, lib: ctypes.CDLL) -> None:
        self._lib = lib
        for name in ("twei_keccak_many", "twei_leaf_hashes"):
            fn = getattr(lib, name)
            fn.argtypes = [_P, _N, _N, _P, ctypes.c_int]
            fn.restype = ctypes.c_int
        lib.twei_build_heap.argtypes = [_P, _P, _N, _P, ctypes.c_int]
        lib.twei_build_heap.restype = None
        lib.twei_decimal_words.argtypes = [_P, _P, _N, ctypes.c_uint, _P, _N]
        lib.twei_decimal_words.restype = _N
        lib.twei_address_words.argtypes = [_P, _N, _P, _N]
        lib.twei_address_words.restype = _N

    def _many(self, fn, blob: Any, length: int) -> numpy.ndarray:
        data = numpy.ascontiguousarray(_bytes_view(blob))
        if length <= 0 or length >= 136 or data.size % length:
            raise ValueError(f"{data.size} bytes are not messages of {length} (1-135) bytes")
        n = data.size // length
        out = numpy.empty(32 * n, dtype=numpy.uint8)
        if fn(_ptr(data), n, length, _ptr(out), threads()) != 0:
            raise ValueError("message too long for one keccak block")
        return out

    def keccak_many(self, blob: Any, length: int) -> numpy.ndarray:
        """keccak-256 of each ``length``-byte message of ``blob``, digests end to end."""
        return self._many(self._lib.twei_keccak_many, blob, length)

    def leaf_hashes(self, blob: Any, length: int) -> numpy.ndarray:
        """``keccak256(keccak256(body))`` of each ``length``-byte body of ``blob``."""
        return self._many(self._lib.twei_leaf_hashes, blob, length)

    def build_heap(self, leaves: Any, order: Any) -> numpy.ndarray:
        """The whole heap (``2n-1`` nodes of 32 bytes) from ``n`` leaf hashes end to end and
        ``order``, their ascending order (a permutation of ``0..n-1``)."""
        data = numpy.ascontiguousarray(_bytes_view(leaves))
        n = data.size // 32
        order = numpy.ascontiguousarray(order, dtype=numpy.int64)
        if n == 0 or data.size % 32 or order.shape != (n,):
            raise ValueError("need one order position per 32-byte leaf")
        if not numpy.array_equal(numpy.sort(order), numpy.arange(n)):
            raise ValueError("order is not a permutation of the leaves")
        heap = numpy.empty(32 * (2 * n - 1), dtype=numpy.uint8)
        self._lib.twei_build_heap(_ptr(data), _ptr(order), n, _ptr(heap), threads())
        return heap

    def decimal_words(self, texts: list[str], bits: int, out: numpy.ndarray, offset: int) -> bool:
        """Write each of ``texts`` (canonical decimals: what ``str(int)`` writes) as a 32-byte
        big-endian word into row i of ``out`` (a C-contiguous uint8 matrix) at column ``offset``.
        False, with ``out`` partly written, if one is not canonical, not ASCII or not below
        ``2**bits``: the caller then parses them in Python, which names the bad one."""
        n = len(texts)
        if not 0 < bits <= 256 or out.dtype != numpy.uint8 or out.ndim != 2 or not out.flags.c_contiguous:
            raise ValueError("need bits in 1..256 and a C-contiguous uint8 matrix")
        if out.shape[0] != n or not 0 <= offset <= out.shape[1] - 32:
            raise ValueError("need one row per text and 32 bytes at offset")
        text = "".join(texts).encode()
        ends = numpy.fromiter(map(len, texts), dtype=numpy.int64, count=n).cumsum()
        if n and ends[-1] != len(text):  # a non-ASCII character took more than one byte
            return False
        done = self._lib.twei_decimal_words(text, _ptr(ends), n, bits, _ptr(out) + offset, out.shape[1])
        return done == n


    def address_words(self, texts: list[str], out: numpy.ndarray, offset: int) -> bool:
        """Write each of ``texts`` (``0x`` or ``0X`` and 40 hex digits) as its 20 bytes into row
        i of ``out`` (a C-contiguous uint8 matrix) at column ``offset``. False, with ``out``
        partly written, if one is not such a string: the caller then parses them in Python."""
        n = len(texts)
        if out.dtype != numpy.uint8 or out.ndim != 2 or not out.flags.c_contiguous:
            raise ValueError("need a C-contiguous uint8 matrix")
        if out.shape[0] != n or not 0 <= offset <= out.shape[1] - 20:
            raise ValueError("need one row per text and 20 bytes at offset")
        if n and set(map(len, texts)) != {42}:
            return False
        text = "".join(texts).encode()
        if len(text) != 42 * n:  # a non-ASCII character took more than one byte
            return False
        return self._lib.twei_address_words(text, n, _ptr(out) + offset, out.shape[1]) == n


@cache
def native_library() -> NativeLibrary | None:
    """The built library, or None (not built, disabled by ``TWEI_NO_NATIVE=1``, or a
    big-endian host, whose lanes the C code does not byte-swap)."""
    if os.environ.get(DISABLE_ENV) == "1" or sys.byteorder != "little" or not LIBRARY.exists():
        return None
    try:
        return NativeLibrary(ctypes.CDLL(str(LIBRARY)))
    except (OSError, AttributeError):  # unloadable, or built from older sources
        return None


def build(compiler: str | None = None) -> Path | None:
    """Compile :data:`SOURCES` into :data:`LIBRARY` if it is missing or older than one of them;
    None when there is no C compiler or it fails (the pure-Python path is used then: set-up never
    stops for an optional speed-up)."""
    if LIBRARY.exists() and all(LIBRARY.stat().st_mtime >= s.stat().st_mtime for s in SOURCES):
        return LIBRARY
    cc = compiler or os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        return None
    partial = LIBRARY.with_suffix(".so.tmp")
    # Built on the machine that runs it, so it may use that CPU's instructions (-march=native:
    # about 30 % faster here with unrolled loops); plain -O3 if the compiler refuses the flag.
    for flags in (["-O3", "-march=native", "-funroll-loops", "-pthread"], ["-O3", "-pthread"]):
        done = subprocess.run([cc, *flags, "-shared", "-fPIC", "-o", str(partial), *map(str, SOURCES)])
        if done.returncode == 0:
            break
    else:
        return None  # the compiler's own message is on stderr; Python hashing takes over
    partial.replace(LIBRARY)
    native_library.cache_clear()
    return LIBRARY
