"""The hook from the daily settlement back to the oracle: what an account was paid on a post.

The settlement job (``ape run settle``) writes ``settlements/<chain id>/<epoch>.breakdown.json``
beside each day's tree (format: :mod:`twei.breakdown`). The oracle reads those files to show
*You earned* (settled part) and the Post Profit / Post Loss block. Until a day is settled there
is no file and everything reads 0. A file that cannot be read is skipped with a warning, so one
bad file never takes the post page down.
"""

from __future__ import annotations

import logging
from pathlib import Path

from eth_utils import to_checksum_address

from twei.breakdown import Breakdown
from twei.errors import TweiError
from twei.flows import FlowCategory, Side

__all__ = ["PROFIT_LINES", "LOSS_LINES", "LINES", "settled_lines", "settled_read_wei"]

log = logging.getLogger(__name__)

#: SPEC §1's lines, in the page's order.
LINES = tuple(c.display_name for c in FlowCategory)
PROFIT_LINES = tuple(c.display_name for c in FlowCategory if c.side is Side.PROFIT)
LOSS_LINES = tuple(c.display_name for c in FlowCategory if c.side is Side.LOSS)


def settled_lines(
    settlements_dir: Path, chain_id: int, account: str, post_id: int
) -> dict[str, int] | None:
    """Wei per line of SPEC §1 for ``account`` on ``post_id`` over all settled days.

    None when no settlement file mentions this account on this post (the page then shows "—").
    """
    folder = Path(settlements_dir) / str(chain_id)
    if not folder.is_dir():
        return None
    account = to_checksum_address(account)
    totals = dict.fromkeys(LINES, 0)
    found = False
    for path in sorted(folder.glob("*.breakdown.json")):
        try:
            day = Breakdown.read(path)
        except (OSError, TweiError) as err:
            log.warning("skipping unreadable settlement breakdown %s: %s", path, err)
            continue
        for (post, category), amount in day.lines.get(account, {}).items():
            if post == post_id:
                totals[FlowCategory(category).display_name] += amount
                found = True
    return totals if found else None


def settled_read_wei(settlements_dir: Path, chain_id: int, reader: str, post_id: int) -> int:
    """Read Rewards paid to ``reader`` for ``post_id`` by settled days (0 before settlement)."""
    lines = settled_lines(settlements_dir, chain_id, reader, post_id)
    return lines[FlowCategory.READ_REWARDS.display_name] if lines else 0
