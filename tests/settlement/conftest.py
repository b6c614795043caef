"""Fixtures for the settlement's chain tests: the three contracts wired as in production
(Engagement reads levels from the REAL RewardDistributor), time travel and a job factory."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from eth_account import Account

from tests.helpers import CHALLENGE_PERIOD, DAILY_CAP, ORACLE_KEYS
from twei.economy import PoolRates
from twei.oracle.store.base import QualifyingRead
from twei.params import ENGAGEMENT_DEFAULTS
from twei.settlement import JobStore, SettlementJob
from twei.settlement.day import DAY


@pytest.fixture(scope="session")
def oracle_keys():
    """Three oracles; the distributor needs two signatures."""
    return ORACLE_KEYS[:3]


@pytest.fixture
def platform(project, deployer, create_token, treasury, oracle_keys):
    """Token, distributor and engagement wired as in production: the distributor holds the
    token's MINTER_ROLE and is Engagement's level source."""
    token = create_token()
    distributor = deployer.deploy(
        project.RewardDistributor,
        deployer,
        token,
        [Account.from_key(k).address for k in oracle_keys],
        2,
        DAILY_CAP,
        CHALLENGE_PERIOD,
    )
    token.grantRole(token.MINTER_ROLE(), distributor, sender=deployer)
    token.grantRole(token.MINTER_ROLE(), deployer, sender=deployer)  # to fund test accounts
    engagement = deployer.deploy(
        project.Engagement, token, deployer, treasury, distributor, ENGAGEMENT_DEFAULTS.as_struct()
    )
    return token, distributor, engagement


@dataclass
class FakeReads:
    """The oracle store's `qualifying_reads`, fed by the test."""

    reads: list[QualifyingRead] = field(default_factory=list)

    def add(self, reader, post_id, seconds, when):
        self.reads.append(
            QualifyingRead(str(reader), int(post_id), seconds * 1000, datetime.fromtimestamp(when, UTC), f"s{len(self.reads)}")
        )

    def qualifying_reads(self, start, end):
        return [r for r in self.reads if start <= r.qualified_at < end]


@pytest.fixture
def travel(chain):
    """Move the chain to unix time `when` (at least one second on) and mine a block there."""

    def to(when):
        now = max(chain.pending_timestamp, chain.blocks.head.timestamp + 1)
        chain.mine(timestamp=max(now, int(when)))

    return to


@pytest.fixture
def make_job(chain, platform, oracle_keys, tmp_path):
    """Factory: a settlement job over `platform` with its store and files under `folder`."""
    _, distributor, engagement = platform

    # Read from the platform's deployment on (just done: this fixture depends on it), as
    # `ape run settle` does: from block 0, every test would page through the blocks of all the
    # tests before it (the chain is shared by the whole session).
    deployed = chain.blocks.height

    def make(reads=None, folder=None, keys=None, **kwargs):
        folder = folder or tmp_path
        kwargs.setdefault("start_block", deployed)
        # Amounts figured for fresh accounts: the farm defence (read cap by level) off here; its
        # own tests are in test_day_rules.py.
        kwargs.setdefault("rates", PoolRates(read_cap_full_level=0))
        # The pool unweighted here (every category's rate at full weight); the trust weights have
        # their own tests (tests/settlement/test_weights_published.py), which pass trust=.
        kwargs.setdefault("trust", None)
        return SettlementJob(
            chain_id=chain.chain_id,
            store=JobStore(folder / str(chain.chain_id) / "job.db"),
            settlements=folder,
            engagement=engagement,
            distributor=distributor,
            reads=reads,
            keys=oracle_keys[:2] if keys is None else keys,
            **kwargs,
        )

    return make


def today(chain) -> int:
    return max(chain.pending_timestamp, chain.blocks.head.timestamp) // DAY
