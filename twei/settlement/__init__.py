"""The daily settlement (SPEC §2, §3, §6): events and reads in, a signed, published root out.

* :mod:`twei.settlement.store` — the job's durable SQLite store;
* :mod:`twei.settlement.events` — reads the Engagement events into it, in resumable pages;
* :mod:`twei.settlement.day` — one day's activity, result and new account state;
* :mod:`twei.settlement.files` — the published tree, breakdown and signature files;
* :mod:`twei.settlement.job` — the durable steps (build, sign, publish, claim) and genesis.
"""

from twei.settlement.job import Outcome, SettlementJob, genesis_xp
from twei.settlement.store import JobStore

__all__ = ["JobStore", "Outcome", "SettlementJob", "genesis_xp"]
