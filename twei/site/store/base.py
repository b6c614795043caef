"""The interface of the site's text and name store (:class:`TextBackend`).

A backend stores rows; :class:`twei.site.texts.TextStore` checks them first (sizes, the
signature, invisible characters, the skeleton). Two guarantees are the backend's, since only the
database can give them when several site replicas write at once:

- a display name's skeleton is held by one account per chain (``claim_name`` answers
  ``Claim.TAKEN`` to the second of two accounts racing for look-alike names, never both "set");
- a name is replaced only by a newer signature (``Claim.OLDER`` otherwise).

``name_changes`` lets every replica learn the names set through the others (its open pages then
get the new name pushed): the changes the database committed at or after a time, by the
database's clock, so replicas' clocks do not matter.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from twei.errors import TweiError

__all__ = ["Claim", "NameChange", "TextBackend", "TextStoreUnavailable"]


class TextStoreUnavailable(TweiError, RuntimeError):
    """The database cannot be reached now (the request may be tried again)."""


class Claim(enum.Enum):
    SET = "set"
    TAKEN = "taken"  # another account holds a name with the same skeleton
    OLDER = "older"  # the account's current name was signed later


@dataclass(frozen=True)
class NameChange:
    account: str
    set_ms: int  # when the account signed (unique per account: a name is replaced only by a newer one)
    changed_ms: int  # when the database committed it, by the database's clock


class TextBackend(Protocol):
    def add_text(self, digest: bytes, text: str, added_ms: int) -> None:
        """Keep ``text`` under ``digest``; a second add of the same digest keeps one row and
        makes it young again (``added_ms``), so a prune running meanwhile does not drop it."""

    def get_text(self, digest: bytes) -> str | None: ...

    def old_texts(self, before_ms: int) -> list[bytes]:
        """The digests of texts added before ``before_ms``."""

    def delete_texts(self, digests: list[bytes], before_ms: int) -> int:
        """Delete those of ``digests`` still older than ``before_ms``; how many."""

    def claim_name(self, chain_id: int, account: str, name: str, set_ms: int, skeleton: str) -> Claim: ...

    def names(self, chain_id: int, accounts: list[str]) -> dict[str, str]: ...

    def name_changes(self, chain_id: int, since_ms: int) -> tuple[int, list[NameChange]]:
        """The database's time now, and the names of ``chain_id`` it committed at or after
        ``since_ms`` (its clock)."""

    def close(self) -> None: ...
