import ape
import pytest

from tests.helpers import ONE
from twei.permit import sign_permit

pytestmark = pytest.mark.chain


@pytest.fixture
def permit_for(token, chain):
    """Factory: a permit signed by `owner` for `spender`, valid for an hour unless told."""

    def sign(owner, spender, value, *, signer=None, nonce=None, deadline=None):
        return sign_permit(
            (signer or owner).private_key,
            token_name=token.name(),
            token_address=token.address,
            chain_id=chain.chain_id,
            spender=spender.address,
            value=value,
            nonce=token.nonces(owner) if nonce is None else nonce,
            deadline=chain.pending_timestamp + 3600 if deadline is None else deadline,
            owner=owner.address,
        )

    return sign


def test_permit__sets_allowance_and_bumps_nonce(token, permit_for, alice, bob, outsider):
    permit = permit_for(alice, bob, 5 * ONE)
    tx = token.permit(*permit.args(), sender=outsider)  # anyone may submit it
    assert token.allowance(alice, bob) == 5 * ONE
    assert token.nonces(alice) == 1
    assert tx.events == [token.Approval(alice, bob, 5 * ONE)]


def test_permit__allowance_is_spendable(token, fund, permit_for, alice, bob, carol):
    fund(alice, 5 * ONE)
    token.permit(*permit_for(alice, bob, 2 * ONE).args(), sender=bob)
    token.transferFrom(alice, carol, 2 * ONE, sender=bob)
    assert token.balanceOf(carol) == 2 * ONE


def test_permit__expired_reverts(token, permit_for, chain, alice, bob):
    deadline = chain.pending_timestamp - 1
    permit = permit_for(alice, bob, ONE, deadline=deadline)
    with ape.reverts(token.ERC2612ExpiredSignature, deadline=deadline):
        token.permit(*permit.args(), sender=bob)
    assert token.allowance(alice, bob) == 0


def test_permit__signed_by_someone_else_reverts(token, permit_for, alice, bob, carol):
    permit = permit_for(alice, bob, ONE, signer=carol)  # carol signs a permit naming alice
    with ape.reverts(token.ERC2612InvalidSigner, signer=carol, owner=alice):
        token.permit(*permit.args(), sender=bob)
    assert token.nonces(alice) == 0


def test_permit__replayed_reverts(token, permit_for, alice, bob):
    permit = permit_for(alice, bob, ONE)
    token.permit(*permit.args(), sender=bob)
    with ape.reverts(token.ERC2612InvalidSigner):
        token.permit(*permit.args(), sender=bob)
    assert token.nonces(alice) == 1


def test_permit__with_a_future_nonce_reverts(token, permit_for, alice, bob):
    permit = permit_for(alice, bob, ONE, nonce=1)
    with ape.reverts(token.ERC2612InvalidSigner):
        token.permit(*permit.args(), sender=bob)
    assert token.allowance(alice, bob) == 0


def test_permit__with_a_changed_value_reverts(token, permit_for, alice, bob):
    permit = permit_for(alice, bob, ONE)
    with ape.reverts(token.ERC2612InvalidSigner):
        token.permit(alice, bob, 2 * ONE, permit.deadline, permit.v, permit.r, permit.s, sender=bob)
