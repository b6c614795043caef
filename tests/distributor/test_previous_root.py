"""No proof goes stale: a claim carrying a proof for the previous active root is paid the
difference from what the account has claimed (amounts are cumulative), and records that root's
level, unless the account already holds a later root's level, which nobody's old proof can undo."""

import ape
import pytest
from hexbytes import HexBytes

from tests.distributor.conftest import claim_args, make_tree
from tests.helpers import ONE

pytestmark = pytest.mark.chain


@pytest.fixture
def days(distributor, publish_active, alice, bob, carol, outsider):
    """Day 1 then day 2, both activated: day 1 is the previous root."""
    day1 = make_tree([(alice, 10 * ONE, 13), (bob, 3 * ONE, 2), (carol, 0, 20)])
    day2 = make_tree([(alice, 15 * ONE, 14), (bob, 4 * ONE, 3), (carol, ONE, 20)])
    publish_active(distributor, 1, day1)
    publish_active(distributor, 2, day2)
    distributor.activatePendingRoot(sender=outsider)  # day 2 (activates day 1 on publish)
    return day1, day2


def test_previous_root__a_claim_with_yesterdays_proof_pays_and_records_that_roots_level(
    distributor, token, days, alice, outsider
):
    day1, _ = days
    assert distributor.previousRoot() == (HexBytes(int(day1.root, 16) >> 32 << 32).rjust(32, b"\0"), 1)
    tx = distributor.claim(*claim_args(day1, 0), sender=outsider)
    assert tx.decode_logs(distributor.Claimed) == [distributor.Claimed(account=alice, amount=10 * ONE, level=13)]
    assert token.balanceOf(alice) == 10 * ONE
    assert distributor.claimed(alice) == 10 * ONE
    assert distributor.currentLevelOf(alice) == (13, False)  # day 1's level: not the active root's


def test_previous_root__then_todays_proof_pays_only_the_difference(distributor, token, days, alice, outsider):
    day1, day2 = days
    distributor.claim(*claim_args(day1, 0), sender=outsider)
    tx = distributor.claim(*claim_args(day2, 0), sender=outsider)
    assert tx.decode_logs(distributor.Claimed) == [distributor.Claimed(account=alice, amount=5 * ONE, level=14)]
    assert token.balanceOf(alice) == 15 * ONE
    assert distributor.currentLevelOf(alice) == (14, True)


def test_previous_root__after_todays_claim_pays_nothing_and_cannot_make_the_level_stale(
    distributor, token, days, alice, outsider
):
    """Anyone may send anyone's old proof: it must not replace a current level by an older one."""
    day1, day2 = days
    distributor.claim(*claim_args(day2, 0), sender=outsider)
    tx = distributor.claim(*claim_args(day1, 0), sender=outsider)
    assert tx.decode_logs(distributor.Claimed) == [distributor.Claimed(account=alice, amount=0, level=14)]
    assert token.balanceOf(alice) == 15 * ONE
    assert distributor.currentLevelOf(alice) == (14, True)
    assert distributor.levelOf(alice) == 14


def test_previous_root__claim_many_mixes_yesterdays_and_todays_proofs(
    distributor, token, days, alice, bob, carol, outsider
):
    day1, day2 = days
    distributor.claimMany([claim_args(day1, 0), claim_args(day2, 1), claim_args(day1, 2)], sender=outsider)
    assert [token.balanceOf(a) for a in (alice, bob, carol)] == [10 * ONE, 4 * ONE, 0]
    assert [distributor.currentLevelOf(a) for a in (alice, bob, carol)] == [(13, False), (3, True), (20, False)]


def test_previous_root__a_forged_amount_against_it_reverts(distributor, days, alice, outsider):
    day1, _ = days
    account, amount, level, proof = claim_args(day1, 0)
    with ape.reverts(distributor.InvalidProof, account=alice.address):
        distributor.claim(account, amount + 1, level, proof, sender=outsider)


def test_previous_root__is_paused_with_the_rest(distributor, days, guardian, outsider):
    day1, _ = days
    distributor.pause(sender=guardian)
    with ape.reverts(distributor.ClaimsArePaused):
        distributor.claim(*claim_args(day1, 0), sender=outsider)


def test_previous_root__none_before_a_second_root(distributor, publish_active, alice, outsider):
    day1 = make_tree([(alice, ONE, 1)])
    assert distributor.previousRoot() == (HexBytes(b"\0" * 32), 0)
    publish_active(distributor, 1, day1)
    distributor.activatePendingRoot(sender=outsider)
    assert distributor.previousRoot() == (HexBytes(b"\0" * 32), 0)


def test_previous_root__a_due_root_makes_the_active_one_previous_in_the_views(
    distributor, token, publish_root, pass_challenge, days, alice, bob, outsider
):
    """Once the next root is due (and the cap lets it activate), the views count it active and
    today's root previous; a claim with today's proof still pays, as the views say."""
    _, day2 = days
    day3 = make_tree([(alice, 16 * ONE, 15), (bob, 5 * ONE, 3)])
    publish_root(distributor, 3, day3)
    pass_challenge()
    assert distributor.activeRoot()[1] == 3
    assert distributor.previousRoot()[1] == 2
    distributor.claim(*claim_args(day2, 0), sender=outsider)
    assert token.balanceOf(alice) == 15 * ONE
    assert distributor.currentLevelOf(alice) == (14, False)
