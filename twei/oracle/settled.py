"""The hook from the daily settlement back to the oracle: what an account was paid on a post.

The settlement job (``ape run settle``) writes ``settlements/<chain id>/<epoch>.breakdown.json``
beside each day's tree. The oracle reads those files to show *You earned* (settled part) and the
Post Profit / Post Loss block. Until a day is settled there is no file and everything reads 0.

Assumed breakdown format (the settlement owns it; this reader is deliberately lenient):
a JSON object with ``"rows"``, a list of ``{"account": "0x…", "postId": 7, "category": 6 |
"Read Rewards", "amount": "<wei>"}``; ``category`` is the on-chain number (``twei.economy``'s
``Category``) or the line's name of SPEC §1. A file that cannot be read is skipped with a warning,
so one bad file never takes the post page down.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

__all__ = ["PROFIT_LINES", "LOSS_LINES", "LINES", "settled_lines", "settled_read_wei"]

log = logging.getLogger(__name__)

#: SPEC §1's lines, in the page's order; the position is the on-chain category number.
LINES = (
    "Earned for Pluses",
    "Comment Rewards",
    "Likes Own",
    "Likes Commenter",
    "Likes Author",
    "Dislikes Author",
    "Read Rewards",
    "Spent for Minuses",
    "Comment Tributes",
    "Dislikes Own",
    "Dislikes Commenter",
    "Post Publish Tribute",
    "PnL Reports",
)
PROFIT_LINES = LINES[:7]
LOSS_LINES = LINES[7:]


def _line_name(category: Any) -> str | None:
    if isinstance(category, int) and 0 <= category < len(LINES):
        return LINES[category]
    if isinstance(category, str):
        for name in LINES:
            if name.lower() == category.strip().lower():
                return name
    return None


def _rows(data: Any) -> list[dict]:
    if isinstance(data, dict):
        data = data.get("rows", [])
    return [row for row in data if isinstance(row, dict)] if isinstance(data, list) else []


def settled_lines(
    settlements_dir: Path, chain_id: int, account: str, post_id: int
) -> dict[str, int] | None:
    """Wei per line of SPEC §1 for ``account`` on ``post_id`` over all settled days.

    None when no settlement file mentions this account on this post (the page then shows "—").
    """
    folder = Path(settlements_dir) / str(chain_id)
    if not folder.is_dir():
        return None
    totals = dict.fromkeys(LINES, 0)
    found = False
    for path in sorted(folder.glob("*.breakdown.json")):
        try:
            rows = _rows(json.loads(path.read_text()))
            for row in rows:
                if str(row.get("account", "")).lower() != account.lower():
                    continue
                if int(row.get("postId", -1)) != post_id:
                    continue
                name = _line_name(row.get("category"))
                if name is None:
                    continue
                totals[name] += int(row.get("amount", 0))
                found = True
        except (OSError, ValueError, TypeError) as err:
            log.warning("skipping unreadable settlement breakdown %s: %s", path, err)
    return totals if found else None


def settled_read_wei(settlements_dir: Path, chain_id: int, reader: str, post_id: int) -> int:
    """Read Rewards paid to ``reader`` for ``post_id`` by settled days (0 before settlement)."""
    lines = settled_lines(settlements_dir, chain_id, reader, post_id)
    return lines["Read Rewards"] if lines else 0
