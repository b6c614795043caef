"""publishRoot: quorum of distinct oracles, EIP-712 domain, epochs, totals, one root pending at a time."""

import ape
import pytest
from eth_account import Account
from hexbytes import HexBytes

from tests.distributor.conftest import NO_DATA, make_tree
from tests.helpers import CHALLENGE_PERIOD, DAILY_CAP

pytestmark = pytest.mark.chain

ROOT_A = HexBytes("0x" + "aa" * 32)
ROOT_B = HexBytes("0x" + "bb" * 32)
DATA = HexBytes("0x" + "dd" * 32)


def test_publish__pending_with_event_and_views(distributor, publish_root, chain, alice):
    tree = make_tree([(alice, 7, 3)])
    tx = publish_root(distributor, 5, tree, data_hash=DATA)
    activates_at = chain.blocks.head.timestamp + CHALLENGE_PERIOD
    assert tx.decode_logs(distributor.RootPublished) == [
        distributor.RootPublished(
            epoch=5, root=HexBytes(tree.root), total=7, dataHash=DATA, activatesAt=activates_at
        )
    ]
    assert distributor.pendingRoot() == (HexBytes(tree.root), 5, 7, activates_at)
    assert distributor.activeRoot() == (HexBytes(0).rjust(32, b"\0"), 0, 0)


def test_publish__anyone_may_submit_and_nothing_is_minted_while_pending(
    distributor, publish_root, token, bob
):
    publish_root(distributor, 1, ROOT_A, total=100, sender=bob)
    assert token.balanceOf(distributor) == 0


def test_publish__all_oracles_may_sign(distributor, publish_root, oracles):
    publish_root(distributor, 1, ROOT_A, total=1, signers=oracles)
    assert distributor.pendingRoot()[0] == ROOT_A


def test_publish__next_day_activates_previous_and_mints_its_increment(
    distributor, publish_root, pass_challenge, token, chain
):
    publish_root(distributor, 1, ROOT_A, total=100)
    pass_challenge()
    tx = publish_root(distributor, 2, ROOT_B, total=250)
    assert tx.decode_logs(distributor.RootActivated) == [
        distributor.RootActivated(epoch=1, root=ROOT_A, total=100, minted=100)
    ]
    assert token.balanceOf(distributor) == 100
    assert distributor.activeRoot() == (ROOT_A, 1, 100)
    assert distributor.pendingRoot()[:3] == (ROOT_B, 2, 250)
    pass_challenge()
    assert distributor.activeRoot() == (ROOT_B, 2, 250)
    assert distributor.pendingRoot() == (HexBytes(b"\0" * 32), 0, 0, 0)


def test_publish__total_may_stay_equal(distributor, publish_root, pass_challenge):
    publish_root(distributor, 1, ROOT_A, total=100)
    pass_challenge()
    publish_root(distributor, 2, ROOT_B, total=100)
    assert distributor.pendingRoot()[2] == 100


def test_publish__total_may_grow_by_exactly_the_cap(distributor, publish_root, pass_challenge):
    publish_root(distributor, 1, ROOT_A, total=DAILY_CAP)
    pass_challenge()
    publish_root(distributor, 2, ROOT_B, total=2 * DAILY_CAP)
    assert distributor.pendingRoot()[2] == 2 * DAILY_CAP


def test_publish__while_previous_pending_reverts(distributor, publish_root, chain):
    publish_root(distributor, 1, ROOT_A, total=1)
    activates_at = distributor.pendingRoot()[3]
    with ape.reverts(distributor.PendingRootNotDue, epoch=1, activatesAt=activates_at):
        publish_root(distributor, 2, ROOT_B, total=2)


def test_publish__epoch_not_after_active_reverts(distributor, publish_root, pass_challenge):
    publish_root(distributor, 3, ROOT_A, total=1)
    pass_challenge()
    with ape.reverts(distributor.EpochNotIncreasing, epoch=3, latest=3):
        publish_root(distributor, 3, ROOT_B, total=2)
    with ape.reverts(distributor.EpochNotIncreasing, epoch=2, latest=3):
        publish_root(distributor, 2, ROOT_B, total=2)


def test_publish__epoch_in_future_reverts(distributor, publish_root, chain):
    today = chain.pending_timestamp // 86400
    with ape.reverts(distributor.EpochInFuture, epoch=today + 1):
        publish_root(distributor, today + 1, ROOT_A, total=1)


def test_publish__total_decreasing_reverts(distributor, publish_root, pass_challenge):
    publish_root(distributor, 1, ROOT_A, total=100)
    pass_challenge()
    with ape.reverts(distributor.TotalDecreased, total=99, previous=100):
        publish_root(distributor, 2, ROOT_B, total=99)


def test_publish__total_above_daily_cap_reverts(distributor, publish_root, pass_challenge):
    with ape.reverts(distributor.TotalAboveDailyCap, total=DAILY_CAP + 1, previous=0, dailyCap=DAILY_CAP):
        publish_root(distributor, 1, ROOT_A, total=DAILY_CAP + 1)
    publish_root(distributor, 1, ROOT_A, total=10)
    pass_challenge()
    with ape.reverts(distributor.TotalAboveDailyCap, total=DAILY_CAP + 11, previous=10, dailyCap=DAILY_CAP):
        publish_root(distributor, 2, ROOT_B, total=DAILY_CAP + 11)


def test_publish__without_quorum_reverts(distributor, publish_root, oracles):
    with ape.reverts(distributor.InsufficientSignatures, count=1, threshold=2):
        publish_root(distributor, 1, ROOT_A, total=1, signers=oracles[:1])
    with ape.reverts(distributor.InsufficientSignatures, count=0, threshold=2):
        publish_root(distributor, 1, ROOT_A, total=1, signers=[])


def test_publish__repeated_signer_reverts(distributor, publish_root, oracles):
    with ape.reverts(distributor.DuplicateSigner, signer=oracles[1].address):
        publish_root(distributor, 1, ROOT_A, total=1, signers=[oracles[1], oracles[1]])


def test_publish__stranger_signer_reverts(distributor, publish_root, oracles):
    stranger = Account.from_key("0x" + "99" * 32)
    with ape.reverts(distributor.SignerNotOracle, signer=stranger.address):
        publish_root(distributor, 1, ROOT_A, total=1, signers=[oracles[0], stranger])


def test_publish__signature_for_another_chain_reverts(distributor, sign_root, oracles, chain, outsider):
    signatures = sign_root(distributor, 1, ROOT_A, 1, oracles[:2], chain_id=chain.chain_id + 1)
    # Over another domain the signature recovers to some unrelated address.
    with ape.reverts(distributor.SignerNotOracle):
        distributor.publishRoot(1, ROOT_A, 1, NO_DATA, signatures, sender=outsider)


def test_publish__signature_for_another_contract_reverts(distributor, sign_root, oracles, token, outsider):
    signatures = sign_root(distributor, 1, ROOT_A, 1, oracles[:2], verifying=token.address)
    with ape.reverts(distributor.SignerNotOracle):
        distributor.publishRoot(1, ROOT_A, 1, NO_DATA, signatures, sender=outsider)


def test_publish__signature_over_other_values_reverts(distributor, sign_root, oracles, outsider):
    signatures = sign_root(distributor, 1, ROOT_A, 1, oracles[:2])
    with ape.reverts(distributor.SignerNotOracle):
        distributor.publishRoot(1, ROOT_A, 2, NO_DATA, signatures, sender=outsider)
    with ape.reverts(distributor.SignerNotOracle):
        distributor.publishRoot(1, ROOT_B, 1, NO_DATA, signatures, sender=outsider)
    with ape.reverts(distributor.SignerNotOracle):
        distributor.publishRoot(1, ROOT_A, 1, DATA, signatures, sender=outsider)


def test_publish__malformed_signature_reverts(distributor, sign_root, oracles, outsider):
    good = sign_root(distributor, 1, ROOT_A, 1, oracles[:2])
    with ape.reverts(distributor.ECDSAInvalidSignatureLength, length=64):
        distributor.publishRoot(1, ROOT_A, 1, NO_DATA, [good[0], good[1][:64]], sender=outsider)
    # s in the upper half of the curve order: a malleated signature.
    high_s = good[1][:32] + (2**256 - 1).to_bytes(32, "big") + good[1][64:]
    with ape.reverts(distributor.ECDSAInvalidSignatureS):
        distributor.publishRoot(1, ROOT_A, 1, NO_DATA, [good[0], high_s], sender=outsider)


def test_publish__retired_oracle_reverts(distributor, publish_root, pass_challenge, oracles, deployer):
    rotated = [oracles[1].address, oracles[2].address]
    distributor.setOracles(rotated, 2, sender=deployer)
    pass_challenge(distributor.GOVERNANCE_DELAY())
    distributor.applyOracles(rotated, 2, sender=deployer)
    with ape.reverts(distributor.SignerNotOracle, signer=oracles[0].address):
        publish_root(distributor, 1, ROOT_A, total=1, signers=[oracles[0], oracles[1]])
    publish_root(distributor, 1, ROOT_A, total=1, signers=[oracles[2], oracles[1]])


def test_publish__digest_matches_python(distributor, chain):
    from twei.signing import DailyRoot, daily_root_digest

    message = DailyRoot.make(
        chain_id=chain.chain_id, distributor=distributor.address, epoch=9, root=ROOT_A, total=5, data_hash=DATA
    )
    assert distributor.dailyRootDigest(9, ROOT_A, 5, DATA) == daily_root_digest(message)



@pytest.mark.parametrize("case", ["r is zero", "v is 29"])
def test_publish__unrecoverable_signature_reverts(distributor, sign_root, oracles, outsider, case):
    """ecrecover gives the zero address for these; OpenZeppelin's ECDSA refuses them."""
    good = sign_root(distributor, 1, ROOT_A, 1, oracles[:2])
    if case == "r is zero":
        bad = b"\0" * 32 + good[1][32:]
    else:
        bad = good[1][:64] + bytes([29])
    with ape.reverts(distributor.ECDSAInvalidSignature):
        distributor.publishRoot(1, ROOT_A, 1, NO_DATA, [good[0], bad], sender=outsider)
