import ape
import pytest

from tests.helpers import ONE, ZERO_ADDRESS

pytestmark = pytest.mark.chain


def test_mint__by_minter_creates_supply(token, minter, alice):
    tx = token.mint(alice, 3 * ONE, sender=minter)
    assert token.balanceOf(alice) == 3 * ONE
    assert token.totalSupply() == 3 * ONE
    assert tx.events == [token.Transfer(ZERO_ADDRESS, alice, 3 * ONE)]


def test_mint__by_anyone_without_the_role_reverts(token, deployer, alice):
    role = token.MINTER_ROLE()
    for caller in (alice, deployer):  # not even the admin may mint without the role
        with ape.reverts(token.AccessControlUnauthorizedAccount, account=caller, neededRole=role):
            token.mint(alice, ONE, sender=caller)
    assert token.totalSupply() == 0


def test_mint__to_zero_address_reverts(token, minter):
    with ape.reverts(token.ERC20InvalidReceiver, receiver=ZERO_ADDRESS):
        token.mint(ZERO_ADDRESS, ONE, sender=minter)


def test_mint__up_to_the_cap_exactly_succeeds(create_token, deployer, minter, alice):
    small = create_token(cap=10 * ONE)
    small.grantRole(small.MINTER_ROLE(), minter, sender=deployer)
    small.mint(alice, 10 * ONE, sender=minter)
    assert small.totalSupply() == small.cap()


def test_mint__beyond_the_cap_reverts(create_token, deployer, minter, alice):
    small = create_token(cap=10 * ONE)
    small.grantRole(small.MINTER_ROLE(), minter, sender=deployer)
    small.mint(alice, 9 * ONE, sender=minter)
    with ape.reverts(small.ERC20ExceededCap, increasedSupply=11 * ONE, cap=10 * ONE):
        small.mint(alice, 2 * ONE, sender=minter)
    assert small.totalSupply() == 9 * ONE


def test_burn__destroys_own_tokens(token, fund, alice):
    fund(alice, 3 * ONE)
    tx = token.burn(ONE, sender=alice)
    assert token.balanceOf(alice) == 2 * ONE
    assert token.totalSupply() == 2 * ONE
    assert tx.events == [token.Transfer(alice, ZERO_ADDRESS, ONE)]


def test_burn__beyond_balance_reverts(token, fund, alice):
    fund(alice, ONE)
    with ape.reverts(token.ERC20InsufficientBalance, sender=alice, balance=ONE, needed=2 * ONE):
        token.burn(2 * ONE, sender=alice)


def test_burn_from__spends_allowance(token, fund, alice, bob):
    fund(alice, 3 * ONE)
    token.approve(bob, 2 * ONE, sender=alice)
    token.burnFrom(alice, 2 * ONE, sender=bob)
    assert token.balanceOf(alice) == ONE
    assert token.allowance(alice, bob) == 0


def test_burn_from__without_allowance_reverts(token, fund, alice, bob):
    fund(alice, 3 * ONE)
    with ape.reverts(token.ERC20InsufficientAllowance, spender=bob, allowance=0, needed=ONE):
        token.burnFrom(alice, ONE, sender=bob)
    assert token.balanceOf(alice) == 3 * ONE


def test_burned_supply__frees_room_under_the_cap(create_token, deployer, minter, alice):
    small = create_token(cap=10 * ONE)
    small.grantRole(small.MINTER_ROLE(), minter, sender=deployer)
    small.mint(alice, 10 * ONE, sender=minter)
    small.burn(4 * ONE, sender=alice)
    small.mint(alice, 4 * ONE, sender=minter)
    assert small.totalSupply() == 10 * ONE
