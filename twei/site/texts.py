"""The texts of posts and comments, and the display names accounts chose.

The chain holds only a post's or a comment's keccak256 (`contentHash`); the platform keeps the
text. The store is content-addressed: a text is kept under its own keccak256, so anyone may add
one (it cannot overwrite or impersonate another), and the page shows a text only where an
on-chain event names that hash. A text nobody references is never shown.

A display name is set by the account itself: it signs ``Twei display name: <name>``, the site's
domain, the chain id and ``At: <ms>`` with ``personal_sign`` (:func:`name_message`; the time it
signed, in ms since the epoch) and the site keeps the name of the latest signature it verified.
A signature made for another Twei deployment (another domain or chain) does not verify here.

A name cannot pass for someone else (UTS #39): invisible and bidirectional control characters
are refused, and so is a name whose confusable *skeleton* (:func:`skeleton`: NFKC, each
character folded to the ASCII one it looks like, then 0/O, 1/l/I folded) looks like an address
or equals the skeleton of another account's name. A signature more than ``NAME_SIGNATURE_TTL_MS`` old, or older
than the name it would replace, is refused: an old signature cannot be replayed to bring back a
name the account has since changed.

Anyone may add a text, so texts that no event references are pruned once a day old
(:meth:`TextStore.prune`): the store holds what the chain points at, not what was sent to it.

Kept by a backend (:mod:`twei.site.store`): SQLite in WAL mode for one process (the default),
PostgreSQL for several site replicas (``TWEI_SITE_DATABASE_URL``). Written on a comment or a name
(rare), read on every render (a text once: it is kept in memory, being immutable under its hash).
"""

from __future__ import annotations

import re
import time
import unicodedata
from functools import lru_cache
from pathlib import Path

from confusable_homoglyphs import confusables

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import keccak, to_checksum_address

from twei.site.store import Claim, SQLiteTexts, TextBackend, open_backend

__all__ = ["TextStore", "TextRefused", "MAX_TEXT_BYTES", "MAX_NAME_CHARS", "NAME_SIGNATURE_TTL_MS", "name_message", "skeleton"]

MAX_TEXT_BYTES = 65_536
MAX_NAME_CHARS = 32
NAME_SIGNATURE_TTL_MS = 600_000
UNREFERENCED_TTL_MS = 86_400_000
#: A text not found is not asked of the store again for this long (every page of its post asks):
#: one stored through another replica shows after at most this much.
MISS_TTL_S = 1.0



class TextRefused(ValueError):
    """A text or name the store does not take (the message says why)."""


def name_message(name: str, signed_ms: int, domain: str, chain_id: int) -> str:
    """The message an account signs to take a display name on the site at ``domain`` for chain
    ``chain_id``, at ``signed_ms``."""
    return f"Twei display name: {name}\nSite: {domain}\nChain ID: {chain_id}\nAt: {signed_ms}"


_FOLD = str.maketrans({"o": "0", "l": "1", "i": "1", "|": "1"})
_ADDRESS_LIKE = re.compile(r"0x[0-9a-f]")


@lru_cache(maxsize=4096)
def _ascii_twin(ch: str) -> str:
    found = confusables.is_confusable(ch, greedy=True, preferred_aliases=[]) or []
    return next((h["c"] for f in found for h in f["homoglyphs"] if h["c"].isascii() and h["c"].isprintable()), ch)


def skeleton(name: str) -> str:
    """What ``name`` looks like (UTS #39's skeleton, with the confusables of
    confusable-homoglyphs, then case and the 0/O, 1/l/I look-alikes folded)."""
    text = unicodedata.normalize("NFKC", name)
    folded = "".join(ch if ch.isascii() else _ascii_twin(ch) for ch in text)
    return " ".join(unicodedata.normalize("NFKC", folded).casefold().translate(_FOLD).split())


def _invisible(name: str) -> str | None:
    """The first invisible, control or bidirectional-control character of ``name``, if any."""
    for ch in name:
        if unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp") or unicodedata.bidirectional(ch) in (
            "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI",
        ):
            return f"U+{ord(ch):04X}"
    return None


def word_count(text: str) -> int:
    """Words as the post's on-chain ``wordCount`` counts them (whitespace-separated)."""
    return len(text.split())


class TextStore:
    """The rules of texts and names over a backend (:mod:`twei.site.store`): SQLite at a path
    (the default), or PostgreSQL at a ``postgresql://`` URL, shared by several site replicas."""

    def __init__(self, where: str | Path | TextBackend, *, chain_id: int = 0) -> None:
        self.backend: TextBackend = open_backend(where) if isinstance(where, (str, Path)) else where
        if isinstance(self.backend, SQLiteTexts):
            self.backend.fill_skeletons(skeleton)
        self.chain_id = chain_id
        self._known: dict[bytes, str] = {}
        self._missing: dict[bytes, float] = {}  # a text not found -> when (see MISS_TTL_S)
        self._changes_since: int | None = None  # the database's clock at the last name_changes
        self._changes_seen: set[tuple[str, int]] = set()
        #: Bumped when a name is set through this store or seen set through another
        #: (:meth:`changed_names`): the names a caller keeps are good while it is unchanged.
        self.names_version = 0

    def add(self, text: str) -> bytes:
        """Keep ``text``; its keccak256 (what the contract call must carry)."""
        if not text.strip():
            raise TextRefused("the text is empty")
        raw = text.encode("utf-8")
        if len(raw) > MAX_TEXT_BYTES:
            raise TextRefused(f"the text is {len(raw):,} bytes; at most {MAX_TEXT_BYTES:,}")
        digest = keccak(raw)
        self.backend.add_text(digest, text, int(time.time() * 1000))
        self._missing.pop(digest, None)
        return digest

    def get(self, content_hash: bytes) -> str | None:
        """The text whose keccak256 is ``content_hash``, checked again on the way out (and
        then kept in memory: a text under its hash never changes)."""
        known = self._known.get(bytes(content_hash))
        if known is not None:
            return known
        missed = self._missing.get(bytes(content_hash))
        if missed is not None and time.monotonic() - missed < MISS_TTL_S:
            return None  # (asked again by every page of its post: the store is asked once a second)
        text = self.backend.get_text(bytes(content_hash))
        if text is None or keccak(text.encode("utf-8")) != bytes(content_hash):
            if len(self._missing) > 50_000:
                self._missing.clear()
            self._missing[bytes(content_hash)] = time.monotonic()
            return None
        self._missing.pop(bytes(content_hash), None)
        if len(self._known) > 50_000:
            self._known.clear()
        self._known[bytes(content_hash)] = text
        return text

    def set_name(
        self, name: str, signed_ms: int, signature: str, domain: str, signer: str | None = None, now_ms: int | None = None
    ) -> str:
        """Give the signer of ``name_message(name, signed_ms, domain, chain)`` that display
        name; the signer's address. With ``signer``, the signature must recover to it (a
        signature of another message, such as one made for another site, recovers to some other
        address)."""
        now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        hidden = _invisible(name)
        if hidden:
            raise TextRefused(f"a name may not hold invisible or direction-control characters ({hidden})")
        name = " ".join(name.split())
        if not name:
            raise TextRefused("the name is empty")
        if len(name) > MAX_NAME_CHARS:
            raise TextRefused(f"a name has at most {MAX_NAME_CHARS} characters")
        look = skeleton(name)
        if _ADDRESS_LIKE.match(look):
            # else a name could pass for another account's short address (0x1234…abcd)
            raise TextRefused("a name may not start with 0x or a look-alike of it: it would look like an address")
        if abs(now_ms - signed_ms) > NAME_SIGNATURE_TTL_MS:
            raise TextRefused("the signature is too old (or dated in the future): sign the name again")
        try:
            account = Account.recover_message(
                encode_defunct(text=name_message(name, signed_ms, domain, self.chain_id)), signature=signature
            )
        except Exception as err:  # eth-account raises several types for a malformed signature
            raise TextRefused(f"the signature does not verify: {err}") from err
        account = to_checksum_address(account)
        if signer is not None and account != to_checksum_address(signer):
            raise TextRefused(f"the signature is not by {to_checksum_address(signer)} for this site ({domain}) and chain {self.chain_id}")
        claim = self.backend.claim_name(self.chain_id, account, name, signed_ms, look)
        if claim is Claim.TAKEN:
            raise TextRefused("another account's name looks the same: choose another")
        if claim is Claim.OLDER:
            raise TextRefused("a newer name is already set for this account: sign the name again")
        self.names_version += 1
        return account

    def prune(self, referenced: set[bytes], now_ms: int | None = None) -> int:
        """Drop the texts no event references that are more than a day old; how many."""
        now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        cutoff = now_ms - UNREFERENCED_TTL_MS
        drop = [h for h in self.backend.old_texts(cutoff) if h not in referenced]
        self.backend.delete_texts(drop, cutoff)
        for digest in drop:
            self._known.pop(digest, None)
        return len(drop)

    def names(self, accounts: list[str]) -> dict[str, str]:
        return self.backend.names(self.chain_id, list(accounts))

    def changed_names(self, overlap_ms: int = 10_000) -> set[str]:
        """The accounts whose name changed since the last call, through any replica (the first
        call only starts the clock). Changes are read again for ``overlap_ms`` of the database's
        clock, so one whose transaction committed a little after its timestamp is not missed;
        one seen already is not answered twice."""
        now, changes = self.backend.name_changes(self.chain_id, (self._changes_since or 0) - overlap_ms)
        first, self._changes_since = self._changes_since is None, now
        fresh = {(c.account, c.set_ms) for c in changes} - self._changes_seen
        self._changes_seen = {(c.account, c.set_ms) for c in changes if c.changed_ms >= now - 2 * overlap_ms}
        if fresh and not first:
            self.names_version += 1
        return set() if first else {account for account, _ in fresh}

    def close(self) -> None:
        self.backend.close()
