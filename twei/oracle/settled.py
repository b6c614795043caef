"""The hook from the daily settlement back to the oracle: the Read Rewards a reader was paid.

The settlement job (``ape run settle``) writes ``settlements/<chain id>/<epoch>.breakdown.json``
beside each day's tree (format: :mod:`twei.breakdown`). ``GET /v1/reads`` reads those files for
its settled part (``earned_settled_wei``). Until a day is settled there is no file and the
settled part is 0. A file that cannot be read is skipped with a warning, so one bad file never
takes the read-back down.
"""

from __future__ import annotations

import logging
from pathlib import Path

from eth_utils import to_checksum_address

from twei.breakdown import Breakdown
from twei.errors import TweiError
from twei.flows import FlowCategory

__all__ = ["settled_read_wei"]

log = logging.getLogger(__name__)


def settled_read_wei(settlements_dir: Path, chain_id: int, reader: str, post_id: int) -> int:
    """Read Rewards paid to ``reader`` for ``post_id`` by settled days (0 before settlement)."""
    folder = Path(settlements_dir) / str(chain_id)
    if not folder.is_dir():
        return 0
    reader = to_checksum_address(reader)
    key = (post_id, int(FlowCategory.READ_REWARDS))
    total = 0
    for path in sorted(folder.glob("*.breakdown.json")):
        try:
            day = Breakdown.read(path)
        except (OSError, TweiError) as err:
            log.warning("skipping unreadable settlement breakdown %s: %s", path, err)
            continue
        total += day.lines.get(reader, {}).get(key, 0)
    return total
