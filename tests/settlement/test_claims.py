"""What accounts have claimed, from the distributor's Claimed events read in pages (no call per
account): it matches the contract's views, decides which leaves still need a claim, and keeps
only events at least `confirmations` deep in the store."""

from __future__ import annotations

import pytest

from tests.helpers import CHALLENGE_PERIOD
from tests.settlement.conftest import today
from twei.merkle import StandardMerkleTree
from twei.settlement.claims import claimed_totals
from twei.settlement.day import DAY
from twei.settlement.files import tree_path
from twei.units import twei

pytestmark = pytest.mark.chain


@pytest.fixture
def genesis(chain, platform, make_job, travel, outsider, alice, bob, carol, dave):
    """An active genesis root with amounts (a migration): alice 3 TWEI LVL 2, bob 1 TWEI LVL 13,
    carol nothing but LVL 1, dave 2 TWEI LVL 0."""
    day = today(chain) + 1
    travel(day * DAY + 60)
    job = make_job(claim_gas_budget=250_000, page_blocks=3)  # small pages: several of them
    levels = {alice.address: 2, bob.address: 13, carol.address: 1, dave.address: 0}
    amounts = {alice.address: twei(3), bob.address: twei(1), dave.address: twei(2)}
    job.genesis(day - 1, levels, outsider, amounts=amounts)
    travel(chain.blocks.head.timestamp + CHALLENGE_PERIOD)
    return job, day - 1


def views(distributor, *accounts):
    return {a.address: (distributor.claimed(a), distributor.levelOf(a)) for a in accounts}


def totals(job):
    return claimed_totals(job.store, job.distributor, job.start_block, job.page_blocks, job.confirmations)


def test_claims__totals_from_events_match_the_views_and_decide_what_to_claim(
    chain, platform, genesis, outsider, alice, bob, carol, dave
):
    _, distributor, _ = platform
    job, epoch = genesis
    assert totals(job) == {}
    assert sorted(c[0] for c in job.pending_claims(epoch)) == sorted(a.address for a in (alice, bob, carol, dave))

    tree = StandardMerkleTree.load(tree_path(job.settlements, chain.chain_id, epoch))
    (index, (account, amount, level)), = [e for e in tree.entries() if e[1][0] == alice.address]
    for _ in range(2):  # the second claim pays 0 and emits Claimed(alice, 0, 2)
        distributor.claim(account, int(amount), int(level), tree.get_proof(index), sender=outsider)
    assert totals(job) == views(distributor, alice) == {alice.address: (twei(3), 2)}
    assert sorted(c[0] for c in job.pending_claims(epoch)) == sorted(a.address for a in (bob, carol, dave))

    assert job.claim(epoch, outsider, progress=False) == 3
    assert totals(job) == views(distributor, alice, bob, carol, dave)
    assert totals(job)[carol.address] == (0, 1)
    assert job.pending_claims(epoch) == []
    assert int(job.store.get_meta("claims_block")) == chain.blocks.height


def test_claims__only_events_deep_enough_are_stored(chain, platform, genesis, outsider, alice, bob, carol, dave):
    _, distributor, _ = platform
    job, epoch = genesis
    job.confirmations = 1_000  # nothing is deep enough: all read from the tail, every time
    job.claim(epoch, outsider, progress=False)
    expected = views(distributor, alice, bob, carol, dave)
    assert totals(job) == expected
    assert job.store.db.execute("SELECT COUNT(*) FROM claims").fetchone() == (0,)
    assert job.store.get_meta("claims_block") is None

    job.confirmations = 0
    assert totals(job) == totals(job) == expected  # stored once, never counted twice
    assert job.store.db.execute("SELECT COUNT(*) FROM claims").fetchone() == (4,)


def test_claims__a_page_read_again_by_an_overlapping_run_counts_once(
    chain, platform, genesis, outsider, alice, bob, carol, dave
):
    """Two runs at once both read the same pages (each saw the old claims_block): every Claimed
    event is stored once by (block, log index), so the totals stay the chain's."""
    from twei.settlement.claims import sync_claims
    from twei.settlement.store import JobStore

    _, distributor, _ = platform
    job, epoch = genesis
    job.claim(epoch, outsider, progress=False)
    expected = views(distributor, alice, bob, carol, dave)
    assert totals(job) == expected
    other = JobStore(job.store.path)  # a second process's connection to the same store
    with other.transaction() as db:
        other.set_meta(db, "claims_block", job.start_block - 1)  # as if it had read the block before
    assert sync_claims(other, distributor, job.distributor_block, 2, 0) == 0  # nothing new stored
    assert sync_claims(job.store, distributor, job.distributor_block, 5, 0) == 0
    assert totals(job) == expected
    assert int(job.store.get_meta("claims_block")) == chain.blocks.height


def test_claims__a_store_from_before_the_event_keys_reads_the_claims_again(tmp_path):
    import sqlite3

    from twei.settlement.store import JobStore

    path = tmp_path / "job.db"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE claims (account TEXT PRIMARY KEY, claimed TEXT NOT NULL, level INTEGER NOT NULL) WITHOUT ROWID;"
        "INSERT INTO claims VALUES ('0x0000000000000000000000000000000000000001', '600', 1);"  # counted twice
        "INSERT INTO meta VALUES ('claims_block', '99');"
    )
    old.commit()
    old.close()
    store = JobStore(path)
    assert store.db.execute("SELECT COUNT(*) FROM claims").fetchone() == (0,)
    assert store.get_meta("claims_block") is None
