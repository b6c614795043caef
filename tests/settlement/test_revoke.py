"""A revoked root through the daily job (SPEC §6): the next run notices the revoke, rolls the day
back, sets its files aside and settles it again from corrected data; a rebuilt root equal to the
revoked one is refused before any gas; at every moment the published breakdowns explain every
TWEI the distributor minted, to the wei."""

from __future__ import annotations

import pytest

from tests.engagement.helpers import new_id
from tests.helpers import ANY_FEE, CHALLENGE_PERIOD
from tests.settlement.conftest import FakeReads, today
from twei.breakdown import Breakdown, breakdown_path
from twei.errors import SettlementError, StepNotDue
from twei.settlement.day import DAY
from twei.units import twei

pytestmark = pytest.mark.chain

CONTENT = b"\x11" * 32
SHORT = 1_190  # five minutes to read
LONG = 47_600  # two hundred minutes


def explained(job, distributor, token, claimers):
    """Assert the published breakdowns (epochs up to the active one) sum to what the distributor
    minted: its active total, which is its balance plus everything claimed."""
    _, active_epoch, active_total = distributor.activeRoot()
    folder = job.settlements / str(job.chain_id)
    published = [
        Breakdown.read(p) for p in folder.glob("*.breakdown.json") if int(p.name.split(".")[0]) <= active_epoch
    ]
    minted = token.balanceOf(distributor) + sum(distributor.claimed(a) for a in claimers)
    assert sum(b.total for b in published) == active_total == minted
    return active_total


@pytest.fixture
def revoke_world(chain, platform, make_job, travel, deployer, alice, bob, carol):
    token, distributor, engagement = platform
    distributor.grantRole(distributor.GUARDIAN_ROLE(), deployer, sender=deployer)
    day = today(chain) + 1
    travel(day * DAY + 60)
    token.mint(alice, twei(10), sender=deployer)
    token.approve(engagement, twei(10), sender=alice)
    short = new_id(engagement.publishPost(CONTENT, SHORT, ANY_FEE, sender=alice))
    long = new_id(engagement.publishPost(CONTENT, LONG, ANY_FEE, sender=alice))
    reads = FakeReads()
    reads.add(carol, short, 300, day * DAY + 3600)  # 0.5 TWEI, honest
    reads.add(bob, long, 15_000, day * DAY + 3601)  # 25 TWEI: the bad record the guardian catches
    travel((day + 1) * DAY + 60)
    return {"day": day, "reads": reads, "job": make_job(reads=reads), "short": short}


def test_revoke__the_day_is_settled_again_from_corrected_data(
    revoke_world, platform, deployer, outsider, travel, chain, alice, bob, carol
):
    token, distributor, _ = platform
    day, reads, job = revoke_world["day"], revoke_world["reads"], revoke_world["job"]
    claimers = (alice, bob, carol)
    job.run(day, outsider)
    bad_root = job.store.epoch(day).root
    assert Breakdown.read(breakdown_path(job.settlements, job.chain_id, day)).paid[bob.address] == twei(25)
    explained(job, distributor, token, claimers)  # nothing minted, nothing published active
    distributor.revokePendingRoot(sender=deployer)

    # Run again before the data is corrected: the same root is refused, no gas spent.
    nonce = outsider.nonce
    with pytest.raises(SettlementError, match="revoked"):
        job.run(day, outsider)
    assert outsider.nonce == nonce
    assert (job.settlements / str(job.chain_id) / "revoked" / f"{day}.1" / f"{day}.json").exists()

    # The operator removes the bad record; the next run settles the day again.
    reads.reads = [r for r in reads.reads if r.reader != bob.address]
    outcome = job.run(day, outsider)
    assert "reconcile" in outcome.done and "publish" in outcome.done
    good_root = job.store.epoch(day).root
    assert good_root != bad_root
    assert distributor.pendingRoot()[:2] == (bytes.fromhex(good_root[2:]), day)
    breakdown = Breakdown.read(breakdown_path(job.settlements, job.chain_id, day))
    assert breakdown.paid == {carol.address: twei("0.5")}
    assert (job.settlements / str(job.chain_id) / "revoked" / f"{day}.2").exists()

    travel(chain.blocks.head.timestamp + CHALLENGE_PERIOD)
    outcome = job.run(day, outsider, claim=True)
    assert "activate" in outcome.done
    assert token.balanceOf(carol) == twei("0.5") and token.balanceOf(bob) == 0
    assert explained(job, distributor, token, claimers) == twei("0.5")


def test_revoke__nothing_revoked_is_carried_to_the_next_day(
    revoke_world, platform, deployer, outsider, travel, chain, alice, bob, carol
):
    """Without the job's rollback, the next day's root would carry the revoked 25 TWEI with a
    breakdown that explains none of it."""
    token, distributor, engagement = platform
    day, reads, job = revoke_world["day"], revoke_world["reads"], revoke_world["job"]
    claimers = (alice, bob, carol)
    job.run(day, outsider)
    distributor.revokePendingRoot(sender=deployer)
    reads.reads = [r for r in reads.reads if r.reader != bob.address]
    engagement.plus(revoke_world["short"], sender=carol, )
    travel((day + 2) * DAY + 60)
    # The job is next run the day after: it settles the revoked day again, then the next one.
    for _ in range(4):
        try:
            job.run(day + 1, outsider, claim=True)
            break
        except StepNotDue:
            travel(chain.blocks.head.timestamp + CHALLENGE_PERIOD)
    assert distributor.activeRoot()[1] == day + 1
    # Day `day` again (0.5 to carol) and day + 1 (a plus: 2 to alice), nothing for bob.
    assert explained(job, distributor, token, claimers) == twei("2.5")
    assert token.balanceOf(bob) == 0


def test_revoke__days_built_on_the_revoked_one_are_rolled_back_with_it(
    revoke_world, platform, deployer, outsider, travel, chain, alice, bob, carol
):
    """Day D+1 is built (cumulative amounts on top of D's) while D's root is still pending; then
    D is revoked. The rollback must forget D+1 too: a store rolled back over D alone would keep
    D+1's tree, whose amounts still hold the revoked 25 TWEI, and publish it."""
    token, distributor, engagement = platform
    day, reads, job = revoke_world["day"], revoke_world["reads"], revoke_world["job"]
    claimers = (alice, bob, carol)
    engagement.plus(revoke_world["short"], sender=carol)  # day D+1's activity: 2 TWEI to alice
    travel((day + 2) * DAY + 60)
    job.run(day, outsider)  # D's root published (late: D+1 is over too), pending for its period
    with pytest.raises(StepNotDue, match=f"the root for epoch {day} activates at"):
        job.run(day + 1, outsider)  # D+1 built and signed, waiting for D's challenge period
    assert job.store.epoch(day + 1) is not None and job.store.accounts()[bob.address].cumulative == twei(25)

    distributor.revokePendingRoot(sender=deployer)
    reads.reads = [r for r in reads.reads if r.reader != bob.address]
    assert job.reconcile_revocations() == [day, day + 1]  # both days forgotten, files set aside
    assert job.store.last_built_epoch() is None or job.store.last_built_epoch() < day
    assert bob.address not in job.store.accounts()
    for epoch in (day, day + 1):
        assert (job.settlements / str(job.chain_id) / "revoked" / f"{epoch}.1" / f"{epoch}.json").exists()

    for _ in range(4):
        try:
            job.run(day + 1, outsider, claim=True)
            break
        except StepNotDue:
            travel(chain.blocks.head.timestamp + CHALLENGE_PERIOD)
    assert distributor.activeRoot()[1] == day + 1
    assert explained(job, distributor, token, claimers) == twei("2.5")  # carol's 0.5 and alice's 2
    assert token.balanceOf(bob) == 0 and distributor.claimed(bob) == 0


def test_activate__the_job_activates_after_the_period_so_claims_do_not(
    revoke_world, platform, outsider, travel, chain, carol
):
    token, distributor, _ = platform
    day, job = revoke_world["day"], revoke_world["job"]
    outcome = job.run(day, outsider)
    assert "activate" not in outcome.done  # still in its challenge period
    travel(chain.blocks.head.timestamp + CHALLENGE_PERIOD)
    outcome = job.run(day, outsider)
    assert "activate" in outcome.done
    assert token.balanceOf(distributor) == distributor.activeRoot()[2] > 0
    outcome = job.run(day, outsider)
    assert "activate" not in outcome.done  # once is enough
