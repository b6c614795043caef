"""The texts of posts and comments, and the display names accounts chose.

The chain holds only a post's or a comment's keccak256 (`contentHash`); the platform keeps the
text. The store is content-addressed: a text is kept under its own keccak256, so anyone may add
one (it cannot overwrite or impersonate another), and the page shows a text only where an
on-chain event names that hash. A text nobody references is never shown.

A display name is set by the account itself: it signs the two lines ``Twei display name: <name>`` and
``At: <ms>`` with ``personal_sign`` (the time it signed, in ms since the epoch) and the site keeps the name of
the latest signature it verified. A signature more than ``NAME_SIGNATURE_TTL_MS`` old, or older
than the name it would replace, is refused: an old signature cannot be replayed to bring back a
name the account has since changed.

Anyone may add a text, so texts that no event references are pruned once a day old
(:meth:`TextStore.prune`): the store holds what the chain points at, not what was sent to it.

SQLite in WAL mode: written on a comment or a name (rare), read on every render.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import keccak, to_checksum_address

__all__ = ["TextStore", "TextRefused", "MAX_TEXT_BYTES", "MAX_NAME_CHARS", "NAME_SIGNATURE_TTL_MS", "name_message"]

MAX_TEXT_BYTES = 65_536
MAX_NAME_CHARS = 32
NAME_SIGNATURE_TTL_MS = 600_000
UNREFERENCED_TTL_MS = 86_400_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS texts (hash BLOB PRIMARY KEY, text TEXT NOT NULL, added_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS names (account TEXT PRIMARY KEY, name TEXT NOT NULL, set_ms INTEGER NOT NULL);
"""


class TextRefused(ValueError):
    """A text or name the store does not take (the message says why)."""


def name_message(name: str, signed_ms: int) -> str:
    """The message an account signs to take a display name at ``signed_ms``."""
    return f"Twei display name: {name}\nAt: {signed_ms}"


def word_count(text: str) -> int:
    """Words as the post's on-chain ``wordCount`` counts them (whitespace-separated)."""
    return len(text.split())


class TextStore:
    def __init__(self, path: str | Path) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self._known: dict[bytes, str] = {}

    def add(self, text: str) -> bytes:
        """Keep ``text``; its keccak256 (what the contract call must carry)."""
        if not text.strip():
            raise TextRefused("the text is empty")
        raw = text.encode("utf-8")
        if len(raw) > MAX_TEXT_BYTES:
            raise TextRefused(f"the text is {len(raw):,} bytes; at most {MAX_TEXT_BYTES:,}")
        digest = keccak(raw)
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO texts (hash, text, added_ms) VALUES (?, ?, ?)",
                (digest, text, int(time.time() * 1000)),
            )
        return digest

    def get(self, content_hash: bytes) -> str | None:
        """The text whose keccak256 is ``content_hash``, checked again on the way out (and
        then kept in memory: a text under its hash never changes)."""
        known = self._known.get(bytes(content_hash))
        if known is not None:
            return known
        with self._lock:
            row = self._db.execute("SELECT text FROM texts WHERE hash = ?", (bytes(content_hash),)).fetchone()
        if row is None or keccak(row[0].encode("utf-8")) != bytes(content_hash):
            return None
        if len(self._known) > 50_000:
            self._known.clear()
        self._known[bytes(content_hash)] = row[0]
        return row[0]

    def set_name(self, name: str, signed_ms: int, signature: str, now_ms: int | None = None) -> str:
        """Give the signer of ``name_message(name, signed_ms)`` that display name; the signer's
        address."""
        now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        name = " ".join(name.split())
        if not name:
            raise TextRefused("the name is empty")
        if len(name) > MAX_NAME_CHARS:
            raise TextRefused(f"a name has at most {MAX_NAME_CHARS} characters")
        if name.lower().startswith("0x"):
            # else a name could pass for another account's short address (0x1234…abcd)
            raise TextRefused("a name may not start with 0x: it would look like an address")
        if abs(now_ms - signed_ms) > NAME_SIGNATURE_TTL_MS:
            raise TextRefused("the signature is too old (or dated in the future): sign the name again")
        try:
            account = Account.recover_message(encode_defunct(text=name_message(name, signed_ms)), signature=signature)
        except Exception as err:  # eth-account raises several types for a malformed signature
            raise TextRefused(f"the signature does not verify: {err}") from err
        account = to_checksum_address(account)
        with self._lock:
            changed = self._db.execute(
                "INSERT INTO names (account, name, set_ms) VALUES (?, ?, ?)"
                " ON CONFLICT (account) DO UPDATE SET name = excluded.name, set_ms = excluded.set_ms"
                " WHERE excluded.set_ms > names.set_ms",
                (account, name, signed_ms),
            ).rowcount
        if not changed:
            raise TextRefused("a newer name is already set for this account: sign the name again")
        return account

    def prune(self, referenced: set[bytes], now_ms: int | None = None) -> int:
        """Drop the texts no event references that are more than a day old; how many."""
        now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        with self._lock:
            old = self._db.execute("SELECT hash FROM texts WHERE added_ms < ?", (now_ms - UNREFERENCED_TTL_MS,)).fetchall()
            drop = [(h,) for (h,) in old if bytes(h) not in referenced]
            self._db.executemany("DELETE FROM texts WHERE hash = ?", drop)
            for (digest,) in drop:
                self._known.pop(bytes(digest), None)
        return len(drop)

    def names(self, accounts: list[str]) -> dict[str, str]:
        if not accounts:
            return {}
        marks = ",".join("?" * len(accounts))
        with self._lock:
            rows = self._db.execute(f"SELECT account, name FROM names WHERE account IN ({marks})", accounts).fetchall()  # noqa: S608 (placeholders only)
        return dict(rows)

    def close(self) -> None:
        self._db.close()
