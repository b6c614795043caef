"""The distributor's safety valves (SPEC §5): a revoked root never publishes again, anyone may
activate a due root, at most `dailyCap` is minted in any 24 hours (rolling), no root the token's cap cannot pay
is accepted, and what happens when the token refuses to mint."""

import ape
import pytest
from hexbytes import HexBytes

from tests.distributor.conftest import NO_DATA, claim_args, make_tree
from tests.helpers import CHALLENGE_PERIOD, ONE

pytestmark = pytest.mark.chain

ROOT_A = HexBytes("0x" + "aa" * 32)
ROOT_B = HexBytes("0x" + "bb" * 32)
DATA = HexBytes("0x" + "dd" * 32)
DAY = 86_400


@pytest.fixture
def start_of_next_day(chain):
    """Helper: move the chain to `offset` seconds into the next UTC day; returns that day."""

    def move(offset=60):
        now = max(chain.pending_timestamp, chain.blocks.head.timestamp + 1)
        day = now // DAY + 1
        chain.mine(timestamp=day * DAY + offset)
        return day

    return move


# ------------------------------------------------------------------------------- revocation


def test_revoke__the_same_signatures_never_publish_again(
    distributor, sign_root, oracles, guardian, outsider, bob, pass_challenge
):
    signatures = sign_root(distributor, 4, ROOT_A, 100, oracles[:2], data_hash=DATA)
    distributor.publishRoot(4, ROOT_A, 100, DATA, signatures, sender=outsider)
    assert not distributor.isRevoked(4, ROOT_A, 100)
    distributor.revokePendingRoot(sender=guardian)
    assert distributor.isRevoked(4, ROOT_A, 100)
    assert not distributor.isRevoked(4, ROOT_A, 99) and not distributor.isRevoked(5, ROOT_A, 100)
    # Anyone resending the first transaction's calldata, at once or later, is refused.
    for sender in (outsider, bob):
        with ape.reverts(distributor.RootWasRevoked, epoch=4, root=ROOT_A, total=100):
            distributor.publishRoot(4, ROOT_A, 100, DATA, signatures, sender=sender)
    pass_challenge()
    with ape.reverts(distributor.RootWasRevoked):
        distributor.publishRoot(4, ROOT_A, 100, DATA, signatures, sender=outsider)
    assert distributor.pendingRoot() == (HexBytes(b"\0" * 32), 0, 0, 0)


def test_revoke__the_same_tree_under_another_data_hash_is_refused(distributor, publish_root, guardian):
    publish_root(distributor, 4, ROOT_A, total=100, data_hash=DATA)
    distributor.revokePendingRoot(sender=guardian)
    with ape.reverts(distributor.RootWasRevoked, epoch=4, root=ROOT_A, total=100):
        publish_root(distributor, 4, ROOT_A, total=100, data_hash=NO_DATA)


def test_revoke__a_corrected_root_for_the_epoch_publishes_and_activates(
    distributor, publish_root, pass_challenge, guardian, token, outsider
):
    publish_root(distributor, 4, ROOT_A, total=100)
    distributor.revokePendingRoot(sender=guardian)
    publish_root(distributor, 4, ROOT_B, total=90)
    pass_challenge()
    distributor.activatePendingRoot(sender=outsider)
    assert distributor.activeRoot() == (ROOT_B, 4, 90)
    assert token.balanceOf(distributor) == 90


def test_revoke__the_guardian_wins_no_race(distributor, sign_root, oracles, guardian, outsider, pass_challenge):
    """Two challenge periods after a revoke, the bad root is still not active: the guardian
    acted once."""
    signatures = sign_root(distributor, 4, ROOT_A, 100, oracles[:2])
    distributor.publishRoot(4, ROOT_A, 100, NO_DATA, signatures, sender=outsider)
    distributor.revokePendingRoot(sender=guardian)
    for _ in range(2):
        with ape.reverts(distributor.RootWasRevoked):
            distributor.publishRoot(4, ROOT_A, 100, NO_DATA, signatures, sender=outsider)
        pass_challenge()
    assert distributor.activeRoot()[0] == HexBytes(b"\0" * 32)


# ------------------------------------------------------------------------------- activation


def test_activate__anyone_activates_a_due_root_and_it_mints(
    distributor, publish_root, pass_challenge, token, outsider, alice
):
    tree = make_tree([(alice, 7 * ONE, 13)])
    publish_root(distributor, 1, tree)
    pass_challenge()
    tx = distributor.activatePendingRoot(sender=outsider)
    assert tx.decode_logs(distributor.RootActivated) == [
        distributor.RootActivated(epoch=1, root=HexBytes(tree.root), total=7 * ONE, minted=7 * ONE)
    ]
    assert token.balanceOf(distributor) == 7 * ONE
    assert distributor.pendingRoot() == (HexBytes(b"\0" * 32), 0, 0, 0)
    # The user's claim then pays no activation.
    tx = distributor.claim(*claim_args(tree, 0), sender=alice)
    assert tx.decode_logs(distributor.RootActivated) == []
    assert token.balanceOf(alice) == 7 * ONE


def test_due_root__says_what_an_activation_would_do(distributor, publish_root, pass_challenge, outsider):
    publish_root(distributor, 1, ROOT_A, total=40)
    pass_challenge()
    distributor.activatePendingRoot(sender=outsider)
    publish_root(distributor, 2, ROOT_B, total=100)
    assert distributor.dueRoot() == (0, 0)  # still in its challenge period
    pass_challenge()
    assert distributor.dueRoot() == (2, 60)
    distributor.activatePendingRoot(sender=outsider)
    assert distributor.dueRoot() == (0, 0)


def test_activate__without_a_pending_root_reverts(distributor, outsider):
    with ape.reverts(distributor.NoPendingRoot):
        distributor.activatePendingRoot(sender=outsider)


def test_activate__before_the_period_ends_reverts(distributor, publish_root, outsider, chain):
    tx = publish_root(distributor, 1, ROOT_A, total=5)
    activates_at = tx.timestamp + CHALLENGE_PERIOD
    with ape.reverts(distributor.PendingRootNotDue, epoch=1, activatesAt=activates_at):
        distributor.activatePendingRoot(sender=outsider)


def test_activate__twice_reverts(distributor, publish_root, pass_challenge, outsider):
    publish_root(distributor, 1, ROOT_A, total=5)
    pass_challenge()
    distributor.activatePendingRoot(sender=outsider)
    with ape.reverts(distributor.NoPendingRoot):
        distributor.activatePendingRoot(sender=outsider)


def test_activate__while_paused_keeps_claims_paused(
    distributor, publish_root, pass_challenge, guardian, outsider, alice, deployer
):
    tree = make_tree([(alice, 3, 1)])
    publish_root(distributor, 1, tree)
    distributor.pause(sender=guardian)
    pass_challenge()
    distributor.activatePendingRoot(sender=outsider)
    with ape.reverts(distributor.ClaimsArePaused):
        distributor.claim(*claim_args(tree, 0), sender=alice)
    distributor.unpause(sender=deployer)
    distributor.claim(*claim_args(tree, 0), sender=alice)
    assert distributor.claimed(alice) == 3


# ------------------------------------------------------------------------------- daily cap


def test_daily_cap__a_backlog_mints_at_most_the_cap_in_any_24_hours(
    chain, distributor, publish_root, pass_challenge, deployer, outsider, token, start_of_next_day
):
    distributor.setDailyCap(100, sender=deployer)
    day = start_of_next_day()
    publish_root(distributor, day - 3, ROOT_A, total=100)
    pass_challenge()
    minted_at = distributor.activatePendingRoot(sender=outsider).timestamp
    publish_root(distributor, day - 2, ROOT_B, total=200)
    pass_challenge()
    # Within 24 hours of the last mint the next 100 wait, whatever the UTC day.
    with ape.reverts(
        distributor.DailyCapReached, availableAt=minted_at + DAY, minted=100, increment=100, dailyCap=100
    ):
        distributor.activatePendingRoot(sender=outsider)
    with ape.reverts(distributor.DailyCapReached):
        publish_root(distributor, day - 1, ROOT_A, total=300)
    assert token.totalSupply() == 100
    assert distributor.mintWindow() == (minted_at, 100)
    start_of_next_day()  # a new UTC day, still within 24 hours
    with ape.reverts(distributor.DailyCapReached, availableAt=minted_at + DAY):
        distributor.activatePendingRoot(sender=outsider)
    chain.mine(timestamp=minted_at + DAY)
    later = distributor.activatePendingRoot(sender=outsider).timestamp
    assert token.totalSupply() == 200
    assert distributor.mintWindow() == (later, 100)


def test_daily_cap__two_full_caps_cannot_mint_within_hours_across_midnight(
    chain, distributor, publish_root, deployer, outsider, token, start_of_next_day
):
    """The audit's case: a full cap at 23:30 UTC and another soon after midnight was possible per
    UTC day."""
    distributor.setDailyCap(100, sender=deployer)
    day = start_of_next_day(DAY - 2 * CHALLENGE_PERIOD)  # 22:00 UTC
    publish_root(distributor, day - 2, ROOT_A, total=100)
    chain.mine(timestamp=day * DAY + DAY - 1_800)  # 23:30
    minted_at = distributor.activatePendingRoot(sender=outsider).timestamp
    publish_root(distributor, day - 1, ROOT_B, total=200)
    chain.mine(timestamp=(day + 1) * DAY + 3_600)  # 01:00 the next UTC day: the root is due
    with ape.reverts(distributor.DailyCapReached, availableAt=minted_at + DAY):
        distributor.activatePendingRoot(sender=outsider)
    assert token.totalSupply() == 100


def test_daily_cap__several_small_roots_share_the_24_hours(
    distributor, publish_root, pass_challenge, deployer, outsider, start_of_next_day
):
    distributor.setDailyCap(100, sender=deployer)
    day = start_of_next_day()
    publish_root(distributor, day - 2, ROOT_A, total=60)
    pass_challenge()
    distributor.activatePendingRoot(sender=outsider)
    publish_root(distributor, day - 1, ROOT_B, total=100)
    pass_challenge()
    last = distributor.activatePendingRoot(sender=outsider).timestamp
    assert distributor.mintWindow() == (last, 100)


def test_daily_cap__a_root_adding_nothing_activates_when_the_cap_is_spent(
    distributor, publish_root, pass_challenge, deployer, outsider, start_of_next_day
):
    distributor.setDailyCap(100, sender=deployer)
    day = start_of_next_day()
    publish_root(distributor, day - 2, ROOT_A, total=100)
    pass_challenge()
    distributor.activatePendingRoot(sender=outsider)
    publish_root(distributor, day - 1, ROOT_B, total=100)
    pass_challenge()
    assert distributor.activeRoot() == (ROOT_B, day - 1, 100)  # due and mints nothing: active
    distributor.activatePendingRoot(sender=outsider)
    assert distributor.activeRoot() == (ROOT_B, day - 1, 100)


def test_daily_cap__cannot_drop_below_a_pending_roots_increment(
    distributor, publish_root, pass_challenge, deployer, outsider
):
    """Else the due root could activate on no day, and a due root cannot be revoked: wedged."""
    distributor.setDailyCap(100, sender=deployer)
    publish_root(distributor, 1, ROOT_A, total=80)
    with ape.reverts(distributor.DailyCapBelowPendingIncrement, dailyCap=79, increment=80):
        distributor.setDailyCap(79, sender=deployer)
    pass_challenge()
    with ape.reverts(distributor.DailyCapBelowPendingIncrement):
        distributor.setDailyCap(1, sender=deployer)  # due, not yet activated
    distributor.setDailyCap(80, sender=deployer)
    distributor.activatePendingRoot(sender=outsider)
    distributor.setDailyCap(1, sender=deployer)  # nothing pending: any cap above zero
    assert distributor.dailyCap() == 1


# ------------------------------------------------------------------------------- supply cap


@pytest.fixture
def capped(create_token, create_distributor, oracles, deployer):
    """A token capped at 1,000 wei whose only minter is a distributor (daily cap 10,000)."""
    small = create_token(cap=1_000)
    d = create_distributor(small, oracles, daily_cap=10_000)
    small.sealMinters(d, sender=deployer)
    return small, d


def test_supply_cap__a_root_the_cap_cannot_mint_is_refused(capped, publish_root):
    small, d = capped
    with ape.reverts(d.TotalAboveSupplyCap, increment=1_001, mintable=1_000):
        publish_root(d, 1, ROOT_A, total=1_001)
    publish_root(d, 1, ROOT_A, total=1_000)


def test_supply_cap__counts_the_root_activated_in_the_same_call(
    capped, publish_root, pass_challenge, outsider
):
    small, d = capped
    publish_root(d, 1, ROOT_A, total=600)
    pass_challenge()
    with ape.reverts(d.TotalAboveSupplyCap, increment=401, mintable=400):
        publish_root(d, 2, ROOT_B, total=1_001)
    publish_root(d, 2, ROOT_B, total=1_000)
    assert small.totalSupply() == 600
    pass_challenge()
    d.activatePendingRoot(sender=outsider)
    assert small.totalSupply() == 1_000


def test_supply_cap__a_full_supply_still_publishes_equal_totals(capped, publish_root, pass_challenge, outsider):
    """Not wedged at the cap: a root that adds nothing still publishes and activates."""
    small, d = capped
    publish_root(d, 1, ROOT_A, total=1_000)
    pass_challenge()
    publish_root(d, 2, ROOT_B, total=1_000)
    pass_challenge()
    d.activatePendingRoot(sender=outsider)
    assert small.totalSupply() == 1_000
    assert d.activeRoot() == (ROOT_B, 2, 1_000)


def test_supply_cap__burnt_supply_can_be_minted_again(capped, publish_root, pass_challenge, outsider, alice):
    small, d = capped
    tree = make_tree([(alice, 1_000, 1)])
    publish_root(d, 1, tree)
    pass_challenge()
    d.claim(*claim_args(tree, 0), sender=alice)
    small.burn(400, sender=alice)
    publish_root(d, 2, ROOT_B, total=1_400)
    pass_challenge()
    d.activatePendingRoot(sender=outsider)
    assert small.totalSupply() == 1_000


# ------------------------------------------------------------------------------- the token refuses


def test_token_refuses__a_distributor_without_minter_role_cannot_activate(
    project, create_token, oracles, deployer, publish_root, pass_challenge, outsider, guardian
):
    """The revert path of the mint: the token's own error comes back unchanged, and nothing changes.
    (Only an unsealed token can take the role away after the root was accepted.)"""
    bare = create_token()
    d = deployer.deploy(project.RewardDistributor, deployer, bare, [o.address for o in oracles], 2, 10**24, 3600)
    bare.grantRole(bare.MINTER_ROLE(), d, sender=deployer)
    publish_root(d, 1, ROOT_A, total=5)
    bare.revokeRole(bare.MINTER_ROLE(), d, sender=deployer)
    pass_challenge()
    # The token's AccessControl error, bubbled up as it is (it decodes through the distributor's
    # ABI, which shares the declaration).
    with ape.reverts(d.AccessControlUnauthorizedAccount, account=d.address, neededRole=bare.MINTER_ROLE()):
        d.activatePendingRoot(sender=outsider)
    assert d.activeRoot() == (ROOT_A, 1, 5)  # due, and still waiting to be activated
    assert bare.totalSupply() == 0


def test_token_refuses__another_minter_filling_the_cap_blocks_activation_until_sealed(
    create_token, create_distributor, oracles, deployer, minter, publish_root, pass_challenge, outsider
):
    """Why the deploy seals the minters: an unsealed second minter can mint after a root was
    accepted, and the token's cap then refuses the root's mint."""
    small = create_token(cap=1_000)
    d = create_distributor(small, oracles, daily_cap=10_000)
    small.grantRole(small.MINTER_ROLE(), minter, sender=deployer)
    publish_root(d, 1, ROOT_A, total=600)
    small.mint(outsider, 500, sender=minter)
    pass_challenge()
    with ape.reverts(small.ERC20ExceededCap, increasedSupply=1_100, cap=1_000):
        d.activatePendingRoot(sender=outsider)
    # The seal refuses a minter set with the second minter in it...
    with ape.reverts(small.MinterSetNotSole, minter=d.address, count=2):
        small.sealMinters(d, sender=deployer)
    # ...and once sealed to the distributor alone, nobody can add or remove a minter.
    small.revokeRole(small.MINTER_ROLE(), minter, sender=deployer)
    small.sealMinters(d, sender=deployer)
    with ape.reverts(small.MinterRoleSealed):
        small.grantRole(small.MINTER_ROLE(), outsider, sender=deployer)


def test_publish__refused_while_the_distributor_is_not_the_minter(
    project, create_token, oracles, deployer, publish_root, outsider
):
    """A root the distributor could never pay is never accepted (minters sealed without it, or
    never granted): `DistributorNotMinter`, and nothing is pending."""
    bare = create_token()
    d = deployer.deploy(project.RewardDistributor, deployer, bare, [o.address for o in oracles], 2, 10**24, 3600)
    with ape.reverts(d.DistributorNotMinter):
        publish_root(d, 1, ROOT_A, total=5)
    assert d.pendingRoot()[3] == 0
    bare.grantRole(bare.MINTER_ROLE(), d, sender=deployer)
    publish_root(d, 1, ROOT_A, total=5)
    assert d.pendingRoot()[0] == ROOT_A
