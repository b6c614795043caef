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


def test_seal__makes_the_minters_final_with_event(token, deployer, minter, alice):
    assert not token.mintersSealed()
    tx = token.sealMinters(sender=deployer)
    assert tx.events == [token.MintersSealed(deployer)]
    assert token.mintersSealed()
    role = token.MINTER_ROLE()
    # The admin can no longer mint around the distributor: no new minter, itself included...
    for account in (alice, deployer):
        with ape.reverts(token.MinterRoleSealed):
            token.grantRole(role, account, sender=deployer)
    # ...nor take minting away from the sealed minter (which would freeze its roots).
    with ape.reverts(token.MinterRoleSealed):
        token.revokeRole(role, minter, sender=deployer)
    with ape.reverts(token.MinterRoleSealed):
        token.renounceRole(role, minter, sender=minter)
    assert token.hasRole(role, minter)
    assert not token.hasRole(role, alice)


def test_seal__leaves_other_roles_to_the_admin(token, deployer, alice):
    token.sealMinters(sender=deployer)
    token.grantRole(DEFAULT_ADMIN_ROLE, alice, sender=deployer)
    token.revokeRole(DEFAULT_ADMIN_ROLE, alice, sender=deployer)
    assert not token.hasRole(DEFAULT_ADMIN_ROLE, alice)


def test_seal__twice_reverts(token, deployer):
    token.sealMinters(sender=deployer)
    with ape.reverts(token.MintersAlreadySealed):
        token.sealMinters(sender=deployer)


def test_seal__by_non_admin_reverts(token, alice):
    with ape.reverts(token.AccessControlUnauthorizedAccount, account=alice, neededRole=DEFAULT_ADMIN_ROLE):
        token.sealMinters(sender=alice)
    assert not token.mintersSealed()
