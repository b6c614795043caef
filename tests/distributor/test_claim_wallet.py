"""twei.claim and `ape run claim`: find the leaf in the published files, show it, claim it."""

from pathlib import Path

import pytest

from tests.distributor.conftest import make_tree
from tests.helpers import ONE
from twei.deploy import Deployment, deployment_path
from twei.errors import ConfigError
from twei.claim import SettlementSource, deployed_distributor, find_leaf, plan_claim, send_claim
from twei.errors import ClaimError

pytestmark = pytest.mark.chain


def write_day(folder: Path, chain_id: int, epoch: int, tree) -> None:
    tree.write(folder / "settlements" / str(chain_id) / f"{epoch}.json")


@pytest.fixture
def published(tmp_path, distributor, publish_active, publish_root, chain, alice, bob, carol):
    """Day 1 active, day 2 pending, both files written (day 2 is the highest epoch)."""
    day1 = make_tree([(alice, 4 * ONE, 13), (bob, ONE, 1), (carol, 0, 7)])
    day2 = make_tree([(alice, 9 * ONE, 14), (bob, ONE, 1), (carol, 0, 7)])
    write_day(tmp_path, chain.chain_id, 1, day1)
    write_day(tmp_path, chain.chain_id, 2, day2)
    (tmp_path / "settlements" / str(chain.chain_id) / "2.breakdown.json").write_text("{}")
    publish_active(distributor, 1, day1)
    return tmp_path


def test_claim_wallet__uses_the_active_day_not_the_pending_one(distributor, token, published, chain, alice):
    source = SettlementSource(published, chain.chain_id)
    assert source.epochs() == [2, 1]
    plan = plan_claim(distributor, source, alice.address)
    assert (plan.epoch, plan.cumulative, plan.level, plan.claimable) == (1, 4 * ONE, 13, 4 * ONE)
    assert "claimable 4 TWEI" in plan.describe()
    send_claim(distributor, plan, alice)
    assert token.balanceOf(alice) == 4 * ONE


def test_claim_wallet__for_someone_else_pays_them(distributor, token, published, chain, bob, outsider):
    plan = plan_claim(distributor, SettlementSource(published / "settlements", chain.chain_id), bob.address.lower())
    send_claim(distributor, plan, outsider)
    assert token.balanceOf(bob) == ONE
    again = plan_claim(distributor, SettlementSource(published, chain.chain_id), bob.address)
    assert again.claimable == 0 and not again.worth_sending


def test_claim_wallet__zero_amount_leaf_is_worth_sending_for_its_level(distributor, published, chain, carol):
    plan = plan_claim(distributor, SettlementSource(published, chain.chain_id), carol.address)
    assert plan.claimable == 0 and plan.worth_sending


def test_claim_wallet__nothing_claimable_is_a_message(distributor, published, chain, outsider, create_distributor, token, oracles):
    message = plan_claim(distributor, SettlementSource(published, chain.chain_id), outsider.address)
    assert "no rewards" in message
    fresh = create_distributor(token, oracles)
    assert "No reward root is active yet" in plan_claim(fresh, SettlementSource(published, chain.chain_id), outsider.address)


def test_claim_wallet__before_the_first_root_is_active_says_when_it_will_be(
    published, chain, outsider, create_distributor, token, oracles, publish_root
):
    from twei.settlement.timeline import utc

    fresh = create_distributor(token, oracles)
    day1 = make_tree([(outsider, ONE, 1)])
    publish_root(fresh, 1, day1)
    _, _, _, activates_at = fresh.pendingRoot()
    message = plan_claim(fresh, SettlementSource(published, chain.chain_id), outsider.address)
    assert message == f"No reward root is active yet: the root for epoch 1 activates at {utc(activates_at)}; claim after that."


def test_claim_wallet__missing_or_wrong_files_raise(distributor, published, tmp_path, chain, alice):
    with pytest.raises(ClaimError, match="no settlement files"):
        plan_claim(distributor, SettlementSource(tmp_path / "nowhere", chain.chain_id), alice.address)
    (published / "settlements" / str(chain.chain_id) / "1.json").unlink()
    with pytest.raises(ClaimError, match="no settlement file holds the active root"):
        plan_claim(distributor, SettlementSource(published, chain.chain_id), alice.address)
    (published / "settlements" / str(chain.chain_id) / "1.json").write_text("{\"format\": \"x\"}")
    with pytest.raises(ClaimError, match="not a valid tree"):
        plan_claim(distributor, SettlementSource(published, chain.chain_id), alice.address)


def test_claim_wallet__find_leaf_and_deployments(tmp_path, alice):
    tree = make_tree([(alice, 1, 1)])
    assert find_leaf(tree, alice.address.upper().replace("0X", "0x")) == 0
    assert find_leaf(tree, "0x" + "00" * 20) is None
    record = Deployment(chain_id=1337, contracts={"RewardDistributor": {"address": "0xabc"}})
    record.save(deployment_path(tmp_path, 1337))
    assert deployed_distributor(1337, tmp_path) == "0xabc"
    with pytest.raises(ConfigError, match="records no RewardDistributor: run `ape run deploy`"):
        deployed_distributor(1, tmp_path)
    deployment_path(tmp_path, 5).write_text("[]")
    with pytest.raises(ConfigError, match="is not a deployment record"):
        deployed_distributor(5, tmp_path)


@pytest.fixture
def http_folder(published):
    """The published folder served over HTTP on loopback."""
    import functools
    import http.server
    import threading

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(published))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_claim_wallet__from_a_base_url(distributor, token, http_folder, chain, alice):
    source = SettlementSource(http_folder, chain.chain_id)
    plan = plan_claim(distributor, source, alice.address)
    assert (plan.epoch, plan.cumulative) == (1, 4 * ONE)
    with pytest.raises(ClaimError, match="no settlement file for epoch 7"):
        source.load(7)



def test_claim_wallet__a_due_root_the_cap_blocks_is_not_offered(
    distributor, token, published, publish_root, pass_challenge, chain, deployer, outsider, alice
):
    """Day 1 minted its total; day 2 is due within 24 hours but would go past a lowered cap: the
    views, and so the plan, keep day 1, whose claim pays."""
    distributor.activatePendingRoot(sender=outsider)  # day 1 mints 5 TWEI
    distributor.setDailyCap(5 * ONE, sender=deployer)
    day2 = make_tree([(alice, 9 * ONE, 14), (deployer, ONE, 1)])
    publish_root(distributor, 2, day2)
    pass_challenge()
    assert distributor.dueRoot()[0] == 2
    plan = plan_claim(distributor, SettlementSource(published, chain.chain_id), alice.address)
    assert (plan.epoch, plan.cumulative) == (1, 4 * ONE)
    send_claim(distributor, plan, alice)
    assert token.balanceOf(alice) == 4 * ONE

