import ape
import pytest

pytestmark = pytest.mark.chain

DEFAULT_ADMIN_ROLE = b"\x00" * 32


def test_admin__is_the_constructor_argument(create_token, deployer, alice):
    token = create_token(admin=alice)
    assert token.hasRole(DEFAULT_ADMIN_ROLE, alice)
    assert not token.hasRole(DEFAULT_ADMIN_ROLE, deployer)


def test_admin__grants_and_revokes_minter(token, deployer, alice):
    role = token.MINTER_ROLE()
    tx = token.grantRole(role, alice, sender=deployer)
    assert token.hasRole(role, alice)
    assert tx.events == [token.RoleGranted(role, alice, deployer)]
    tx = token.revokeRole(role, alice, sender=deployer)
    assert not token.hasRole(role, alice)
    assert tx.events == [token.RoleRevoked(role, alice, deployer)]


def test_grant__by_non_admin_reverts(token, alice, bob):
    role = token.MINTER_ROLE()
    with ape.reverts(
        token.AccessControlUnauthorizedAccount, account=alice, neededRole=DEFAULT_ADMIN_ROLE
    ):
        token.grantRole(role, bob, sender=alice)
    assert not token.hasRole(role, bob)


def test_revoke__by_non_admin_reverts(token, minter, alice):
    role = token.MINTER_ROLE()
    with ape.reverts(
        token.AccessControlUnauthorizedAccount, account=alice, neededRole=DEFAULT_ADMIN_ROLE
    ):
        token.revokeRole(role, minter, sender=alice)
    assert token.hasRole(role, minter)


def test_renounce__drops_own_role_only(token, minter, alice):
    role = token.MINTER_ROLE()
    with ape.reverts(token.AccessControlBadConfirmation):
        token.renounceRole(role, minter, sender=alice)
    token.renounceRole(role, minter, sender=minter)
    assert not token.hasRole(role, minter)


def test_minter_role__is_administered_by_default_admin(token):
    assert token.getRoleAdmin(token.MINTER_ROLE()) == DEFAULT_ADMIN_ROLE
