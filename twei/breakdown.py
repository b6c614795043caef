"""The daily breakdown file: what each account earned from the pool, per post and category.

Written by the settlement beside the day's tree as ``settlements/<chain id>/<epoch>.breakdown.json``;
its keccak256 is the ``dataHash`` the oracles sign, so anyone can check that the published numbers
are the ones the root commits to. The report and the post page read it back.

Format (amounts are decimal strings of wei, so no JSON reader loses precision)::

    {"format": "twei-breakdown-1", "chain_id": 1337, "epoch": 20418, "scaled": false,
     "pool": "...", "total": "...",
     "accounts": {"0xAbC...": {"paid": "...", "lines": [[post_id, category, "amount"], ...]}},
     "trust": {"params": {...}, "accounts": {"0xAbC...": [weight_millionths, "held wei"], ...}}}

``trust`` (the day's weights, :mod:`twei.trust`) is there when the pool is weighted: under the
signed dataHash with the lines it explains. Readers that do not know it ignore it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from json.encoder import encode_basestring_ascii
from dataclasses import dataclass
from pathlib import Path

from eth_utils import keccak

from twei.addresses import checksum

from twei.errors import ConfigError

__all__ = ["Breakdown", "FORMAT", "breakdown_path", "iter_breakdowns"]

FORMAT = "twei-breakdown-1"


@dataclass(frozen=True)
class Breakdown:
    chain_id: int
    epoch: int
    scaled: bool
    pool: int
    lines: dict[str, dict[tuple[int, int], int]]  # account -> (post_id, category) -> wei
    paid: dict[str, int]
    #: The day's trust weights: {"params": {...}, "accounts": {account: (weight ppm, held wei)}}.
    trust: dict | None = None

    @property
    def total(self) -> int:
        return sum(self.paid.values())

    def to_bytes(self) -> bytes:
        """Canonical bytes (sorted keys, sorted lines): the same day always hashes the same."""
        accounts = {
            checksum(account): {
                "paid": str(self.paid.get(account, 0)),
                "lines": [[post, cat, str(amount)] for (post, cat), amount in sorted(lines.items())],
            }
            for account, lines in self.lines.items()
        }
        doc = {
            "format": FORMAT,
            "chain_id": self.chain_id,
            "epoch": self.epoch,
            "scaled": self.scaled,
            "pool": str(self.pool),
            "total": str(self.total),
            "accounts": accounts,
        }
        if self.trust is not None:
            doc["trust"] = {
                "params": self.trust["params"],
                "accounts": {checksum(a): [int(w), str(h)] for a, (w, h) in self.trust["accounts"].items()},
            }
        return (json.dumps(doc, sort_keys=True, separators=(",", ":")) + "\n").encode()

    def fast_bytes(self) -> bytes:
        """Exactly :meth:`to_bytes`, written out by hand for speed: a day has a million lines and
        json.dumps builds a list and a dict per line first. The layout is json.dumps's with
        ``sort_keys=True, separators=(",", ":")``: top-level keys in order, accounts sorted by
        their checksummed address, each ``{"lines":[...],"paid":"..."}``. tests/economy/
        test_breakdown_bytes.py compares both on random breakdowns."""
        accounts: dict[str, str] = {}
        for account in self.lines:  # a later duplicate under checksum wins, as in the dict of to_bytes
            accounts[checksum(account)] = account
        parts = []
        paid = self.paid
        # %d prints an int (or an IntEnum category) as json.dumps and str() do.
        for key in sorted(accounts):
            account = accounts[key]
            lines = ",".join(['[%d,%d,"%d"]' % (post, cat, amount) for (post, cat), amount in sorted(self.lines[account].items())])
            parts.append('%s:{"lines":[%s],"paid":"%d"}' % (encode_basestring_ascii(key), lines, paid.get(account, 0)))
        head = (
            f'{{"accounts":{{{",".join(parts)}}},"chain_id":{json.dumps(self.chain_id)},"epoch":{json.dumps(self.epoch)},'
            f'"format":{json.dumps(FORMAT)},"pool":"{self.pool!s}","scaled":{json.dumps(self.scaled)},"total":"{self.total!s}"'
        )
        if self.trust is not None:
            weights = {checksum(a): v for a, v in self.trust["accounts"].items()}
            body = ",".join('%s:[%d,"%d"]' % (encode_basestring_ascii(a), *weights[a]) for a in sorted(weights))
            params = json.dumps(self.trust["params"], sort_keys=True, separators=(",", ":"))
            head += f',"trust":{{"accounts":{{{body}}},"params":{params}}}'
        head += "}\n"
        return head.encode()

    def data_hash(self) -> bytes:
        return keccak(self.fast_bytes())

    def write(self, path: Path) -> bytes:
        """Write atomically; return the dataHash of exactly the bytes written."""
        data = self.fast_bytes()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        return keccak(data)

    @classmethod
    def from_bytes(cls, data: bytes) -> Breakdown:
        try:
            doc = json.loads(data)
            if doc.get("format") != FORMAT:
                raise ValueError(f"format is {doc.get('format')!r}, expected {FORMAT!r}")
            lines = {
                checksum(account): {
                    (int(post), int(cat)): int(amount) for post, cat, amount in entry["lines"]
                }
                for account, entry in doc["accounts"].items()
            }
            paid = {
                checksum(account): int(entry["paid"])
                for account, entry in doc["accounts"].items()
                if int(entry["paid"])
            }
            trust = doc.get("trust")
            if trust is not None:
                trust = {
                    "params": trust["params"],
                    "accounts": {checksum(a): (int(w), int(h)) for a, (w, h) in trust["accounts"].items()},
                }
            return cls(doc["chain_id"], doc["epoch"], doc["scaled"], int(doc["pool"]), lines, paid, trust)
        except (ValueError, KeyError, TypeError) as err:
            raise ConfigError(f"not a Twei breakdown file: {err}") from err

    @classmethod
    def read(cls, path: Path) -> Breakdown:
        return cls.from_bytes(Path(path).read_bytes())


def breakdown_path(settlements: Path, chain_id: int, epoch: int) -> Path:
    return Path(settlements) / str(chain_id) / f"{epoch}.breakdown.json"


def iter_breakdowns(settlements: Path, chain_id: int) -> Iterator[Breakdown]:
    """Every published breakdown of the chain, oldest epoch first."""
    folder = Path(settlements) / str(chain_id)
    paths = sorted(folder.glob("*.breakdown.json"), key=lambda p: int(p.name.split(".")[0]))
    for path in paths:
        yield Breakdown.read(path)
