"""The reorg allowance: the job leaves the last ``confirmations`` blocks unread, and settles a
day only once a block at or after the day's end is that deep."""

from __future__ import annotations

import pytest

from tests.engagement.helpers import new_id
from tests.helpers import ANY_FEE
from tests.settlement.conftest import today
from twei.errors import StepNotDue
from twei.settlement.day import DAY
from twei.settlement.settings import LIVE_CONFIRMATIONS, SettleSettings
from twei.units import twei

pytestmark = pytest.mark.chain


def test_fetch__leaves_the_last_blocks_unread_and_settles_only_when_deep_enough(
    chain, platform, make_job, travel, deployer, alice
):
    token, _, engagement = platform
    token.mint(alice, twei(5), sender=deployer)
    token.approve(engagement, twei(5), sender=alice)
    day = today(chain) + 1
    travel(day * DAY + 60)
    post = new_id(engagement.publishPost(b"\x11" * 32, 1_190, ANY_FEE, sender=alice))
    post_block = chain.blocks.height
    travel((day + 1) * DAY + 60)  # past the day's end
    end_block = next(b.number for b in chain.blocks.range(post_block, chain.blocks.height + 1) if b.timestamp >= (day + 1) * DAY)
    chain.mine(max(0, post_block + 3 - chain.blocks.height))  # the post 3 deep, the day's end 1..3 deep
    job = make_job(confirmations=4)

    job.fetch()  # blocks up to head - 4, before the post
    assert job.store.last_block == chain.blocks.height - 4 < post_block
    assert job.store.db.execute("SELECT COUNT(*) FROM posts").fetchone() == (0,)
    with pytest.raises(StepNotDue, match="4 confirmations"):
        job.build(day)

    while chain.blocks.height - 4 < end_block:  # the post is read, the day's end not yet deep
        chain.mine(1)
        job.fetch()
        assert job.store.last_block == chain.blocks.height - 4
        if job.store.last_block < end_block:
            with pytest.raises(StepNotDue):
                job.build(day)
    assert job.store.db.execute("SELECT post_id FROM posts").fetchall() == [(post,)]
    assert job.build(day) == [day]  # a block at the day's end is 4 deep


def test_fetch__negative_confirmations_are_refused(platform, make_job):
    with pytest.raises(ValueError, match="confirmations"):
        make_job(confirmations=-1).fetch()


def test_settings__confirmations_default_to_zero_on_dev_chains_and_twelve_on_live_ones(monkeypatch):
    monkeypatch.delenv("TWEI_CONFIRMATIONS", raising=False)
    settings = SettleSettings(_env_file=None)
    assert [settings.confirmations_on(c) for c in (31337, 1337, 131277322940537)] == [0, 0, 0]
    assert settings.confirmations_on(1) == LIVE_CONFIRMATIONS == 12
    monkeypatch.setenv("TWEI_CONFIRMATIONS", "64")
    assert SettleSettings(_env_file=None).confirmations_on(1) == 64
    assert SettleSettings(_env_file=None).confirmations_on(31337) == 64
