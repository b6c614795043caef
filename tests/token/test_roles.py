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
    tx = token.sealMinters(minter, sender=deployer)
    assert tx.events == [token.MintersSealed(deployer, minter)]
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


def test_seal__with_a_second_minter_reverts(token, deployer, minter, alice):
    """A second minter sealed in could take the cap's headroom from under a pending root."""
    role = token.MINTER_ROLE()
    token.grantRole(role, alice, sender=deployer)
    for named in (minter, alice):
        with ape.reverts(token.MinterSetNotSole, minter=named, count=2):
            token.sealMinters(named, sender=deployer)
    assert not token.mintersSealed()
    token.revokeRole(role, alice, sender=deployer)
    token.grantRole(role, minter, sender=deployer)  # granted twice: still one minter
    token.sealMinters(minter, sender=deployer)
    assert token.mintersSealed()


def test_seal__naming_an_account_that_is_not_the_minter_reverts(token, deployer, alice):
    with ape.reverts(token.MinterSetNotSole, minter=alice, count=1):
        token.sealMinters(alice, sender=deployer)
    assert not token.mintersSealed()


def test_seal__counts_renounced_and_revoked_minters_out(token, deployer, minter, alice):
    role = token.MINTER_ROLE()
    token.grantRole(role, alice, sender=deployer)
    token.renounceRole(role, minter, sender=minter)
    token.revokeRole(role, minter, sender=deployer)  # revoking a non-holder changes no count
    token.sealMinters(alice, sender=deployer)
    assert token.mintersSealed()


def test_seal__with_no_minter_reverts(create_token, deployer, alice):
    """Sealing before the distributor holds the role would leave nobody able to pay a root."""
    bare = create_token()
    with ape.reverts(bare.MinterSetNotSole, minter=alice, count=0):
        bare.sealMinters(alice, sender=deployer)
    assert not bare.mintersSealed()


def test_seal__leaves_other_roles_to_the_admin(token, deployer, minter, alice):
    token.sealMinters(minter, sender=deployer)
    token.grantRole(DEFAULT_ADMIN_ROLE, alice, sender=deployer)
    token.revokeRole(DEFAULT_ADMIN_ROLE, alice, sender=deployer)
    assert not token.hasRole(DEFAULT_ADMIN_ROLE, alice)


def test_seal__twice_reverts(token, deployer, minter):
    token.sealMinters(minter, sender=deployer)
    with ape.reverts(token.MintersAlreadySealed):
        token.sealMinters(minter, sender=deployer)


def test_seal__by_non_admin_reverts(token, minter, alice):
    with ape.reverts(token.AccessControlUnauthorizedAccount, account=alice, neededRole=DEFAULT_ADMIN_ROLE):
        token.sealMinters(minter, sender=alice)
    assert not token.mintersSealed()
