"""A scripted day through the real contracts, settled by the job: every account's amount per
category, the tree in the JS library, re-runs, crashes after each step, and a level crossing 13.

Engagement reads levels from the real RewardDistributor; the genesis root gives `bob` LVL 13
(and `dave` LVL 12), and the accounts claim their amount-0 leaves to record them on-chain.
"""

from __future__ import annotations

import ape
import pytest

from tests.helpers import ANY_FEE, CHALLENGE_PERIOD
from tests.engagement.helpers import new_id
from tests.settlement.conftest import FakeReads, today
from twei.breakdown import Breakdown, breakdown_path
from twei.errors import SettlementError, StepNotDue
from twei.flows import FlowCategory as F
from twei.settlement.day import DAY
from twei.settlement.files import sign_published_day, tree_path
from twei.units import twei

pytestmark = pytest.mark.chain

CONTENT = b"\x11" * 32
SHORT = 1_190  # five minutes to read
LONG = 47_600  # two hundred minutes


class Crash(Exception):
    """Stands for the process being killed."""


@pytest.fixture
def world(chain, platform, make_job, travel, deployer, alice, bob, carol, dave, eve, outsider):
    """Genesis on a fresh UTC day, then that day's script; returns what the tests need."""
    token, distributor, engagement = platform
    day = today(chain) + 1
    travel(day * DAY + 60)
    reads = FakeReads()
    job = make_job(reads=reads, claim_gas_budget=250_000)  # two claims a batch
    job.genesis(day - 1, {bob.address: 13, dave.address: 12}, outsider)
    travel(chain.blocks.head.timestamp + CHALLENGE_PERIOD)
    assert job.claim(day - 1, outsider, progress=False) == 2
    assert distributor.levelOf(bob) == 13

    for account, amount in ((alice, 10), (bob, 1), (eve, 2)):
        token.mint(account, twei(amount), sender=deployer)
        token.approve(engagement, twei(amount), sender=account)
    p1 = new_id(engagement.publishPost(CONTENT, SHORT, ANY_FEE, sender=alice))
    p2 = new_id(engagement.publishPost(CONTENT, LONG, ANY_FEE, sender=alice))
    c1 = new_id(engagement.comment(p1, CONTENT, ANY_FEE, sender=bob))
    engagement.plus(p1, sender=carol)
    engagement.plus(p1, sender=dave)
    engagement.minus(p1, ANY_FEE, sender=eve)
    engagement.like(c1, sender=carol)
    engagement.like(c1, sender=dave)
    engagement.dislike(c1, ANY_FEE, sender=eve)
    noon = day * DAY + 12 * 3600
    reads.add(carol, p1, 300, noon)  # 0.5
    reads.add(alice, p1, 300, noon + 1)  # her own post: nothing
    reads.add(dave, p2, 15_000, noon + 2)  # 250 minutes: 25, and dave reaches 1,691 XP
    travel((day + 1) * DAY + 60)
    return {"day": day, "job": job, "reads": reads, "p1": p1, "c1": c1}


def settle_until_claimed(job, epoch, sender, travel, chain):
    """Run the job as cron would, waiting out challenge periods, until the day is claimed."""
    for _ in range(5):
        try:
            return job.run(epoch, sender, claim=True)
        except StepNotDue:
            travel(chain.blocks.head.timestamp + CHALLENGE_PERIOD)
    raise AssertionError("the day never got claimed")


def expected(alice, bob, carol, dave, eve):
    return {
        alice.address: twei(5),  # 2 pluses · 2 + 2 likes under her post · 0.5
        bob.address: twei("2.5"),  # 2 likes · 1 + comment reward 1 − dislike penalty 0.5
        carol.address: twei("0.7"),  # like given 0.2 + 5 minutes read 0.5
        dave.address: twei("25.2"),  # like given 0.2 + 250 minutes read 25
    }


def check_balances(token, distributor, alice, bob, carol, dave, eve):
    paid = expected(alice, bob, carol, dave, eve)
    for account, amount in paid.items():
        assert distributor.claimed(account) == amount
    assert token.balanceOf(alice) == twei("5.5")  # 10 − 2 tributes of 5 + half of eve's dislike + 5
    assert token.balanceOf(bob) == twei("2.5")  # 1 − comment tribute 1 + 2.5
    assert token.balanceOf(carol) == twei("0.7")
    assert token.balanceOf(dave) == twei("25.2")
    assert token.balanceOf(eve) == 0  # minus 1 + dislike 1, nothing from the pool
    assert token.balanceOf(distributor) == 0


def test_settle__scripted_day_pays_every_account_per_category(
    chain, platform, world, travel, outsider, alice, bob, carol, dave, eve, oz_merkle
):
    token, distributor, engagement = platform
    day, job = world["day"], world["job"]
    settle_until_claimed(job, day, outsider, travel, chain)

    breakdown = Breakdown.read(breakdown_path(job.settlements, chain.chain_id, day))
    assert breakdown.lines == {
        alice.address: {(1, F.EARNED_FOR_PLUSES): twei(4), (1, F.LIKES_AUTHOR): twei(1)},
        bob.address: {
            (1, F.COMMENT_REWARDS): twei(1),
            (1, F.LIKES_COMMENTER): twei(2),
            (1, F.DISLIKES_COMMENTER): twei("0.5"),
        },
        carol.address: {(1, F.LIKES_OWN): twei("0.2"), (1, F.READ_REWARDS): twei("0.5")},
        dave.address: {(1, F.LIKES_OWN): twei("0.2"), (2, F.READ_REWARDS): twei(25)},
    }
    check_balances(token, distributor, alice, bob, carol, dave, eve)
    levels = {alice: 1, bob: 13, carol: 0, dave: 13, eve: 0}  # XP 10, 1,692, 6, 1,691, 0
    assert {a.address: distributor.levelOf(a) for a in levels} == {a.address: lv for a, lv in levels.items()}

    dump = tree_path(job.settlements, chain.chain_id, day).read_text()
    import json

    assert oz_merkle({"cmd": "load", "dump": json.loads(dump)})["root"] == "0x" + distributor.activeRoot()[0].hex()


def test_settle__level_crossing_13_lets_the_account_comment_next_day(
    chain, platform, world, travel, outsider, dave, deployer
):
    token, distributor, engagement = platform
    day, job = world["day"], world["job"]
    token.mint(dave, twei(1), sender=deployer)
    token.approve(engagement, twei(1), sender=dave)
    with ape.reverts(engagement.LevelTooLow, account=dave.address, level=12, required=13):
        engagement.comment(world["p1"], CONTENT, ANY_FEE, sender=dave)
    settle_until_claimed(job, day, outsider, travel, chain)
    assert chain.blocks.head.timestamp // DAY == day + 1
    tx = engagement.comment(world["p1"], CONTENT, ANY_FEE, sender=dave)
    assert [log.commenter for log in tx.events if log.event_name == "Commented"] == [dave.address]


def test_settle__rerun_pays_nothing_twice(chain, platform, world, travel, outsider, alice, bob, carol, dave, eve):
    token, distributor, _ = platform
    day, job = world["day"], world["job"]
    settle_until_claimed(job, day, outsider, travel, chain)
    height = chain.blocks.height
    outcome = job.run(day, outsider, claim=True)
    assert outcome.done == []
    assert chain.blocks.height == height  # no transaction sent
    check_balances(token, distributor, alice, bob, carol, dave, eve)


@pytest.mark.parametrize("step", ["fetch_page", "build", "sign", "publish", "claim_batch", "claim"])
def test_settle__crash_after_each_step_then_rerun_pays_exactly(
    chain, platform, world, travel, outsider, make_job, step, alice, bob, carol, dave, eve
):
    token, distributor, _ = platform
    day, job = world["day"], world["job"]

    def crash(name):
        if name == step:
            raise Crash(name)

    job.checkpoint = crash
    with pytest.raises(Crash):
        settle_until_claimed(job, day, outsider, travel, chain)
    job.store.close()
    again = make_job(reads=world["reads"], claim_gas_budget=250_000)  # a new process
    settle_until_claimed(again, day, outsider, travel, chain)
    check_balances(token, distributor, alice, bob, carol, dave, eve)
    assert again.store.epoch(day).status == "claimed"


def test_settle__oracles_sign_on_their_own_machines_from_the_files(
    chain, platform, world, travel, outsider, make_job, oracle_keys, alice, bob, carol, dave, eve
):
    token, distributor, _ = platform
    day, job = world["day"], world["job"]
    job.keys = ()  # the publisher holds no key
    with pytest.raises(StepNotDue, match="0 of 2"):
        job.run(day, outsider)
    for key in oracle_keys[1:]:  # each oracle, from the published files alone
        sign_published_day(job.settlements, chain.chain_id, distributor.address, day, key, previous_epoch=day - 1)
    settle_until_claimed(job, day, outsider, travel, chain)
    check_balances(token, distributor, alice, bob, carol, dave, eve)


def test_sign__refuses_files_that_do_not_add_up(chain, platform, world, outsider, oracle_keys):
    _, distributor, _ = platform
    day, job = world["day"], world["job"]
    job.run(day, outsider, dry_run=True)
    path = breakdown_path(job.settlements, chain.chain_id, day)
    path.write_bytes(path.read_bytes().replace(b'"paid":"5000000000000000000"', b'"paid":"6000000000000000000"'))
    with pytest.raises(SettlementError, match="does not grow by what the breakdown pays"):
        sign_published_day(job.settlements, chain.chain_id, distributor.address, day, oracle_keys[0], previous_epoch=day - 1)


def test_settle__dry_run_writes_files_and_sends_nothing(chain, world, outsider):
    day, job = world["day"], world["job"]
    height = chain.blocks.height
    outcome = job.run(day, outsider, claim=True, dry_run=True)
    assert outcome.done == ["fetch", "build"]
    assert chain.blocks.height == height
    assert tree_path(job.settlements, chain.chain_id, day).exists()
    assert job.store.epoch(day).status == "built"
