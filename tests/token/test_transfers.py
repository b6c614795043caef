import ape
import pytest

from tests.helpers import MAX_UINT256, ONE, ZERO_ADDRESS

pytestmark = pytest.mark.chain


def test_transfer__moves_balance_and_emits_transfer(token, fund, alice, bob):
    fund(alice, 5 * ONE)
    tx = token.transfer(bob, 2 * ONE, sender=alice)
    assert token.balanceOf(alice) == 3 * ONE
    assert token.balanceOf(bob) == 2 * ONE
    assert tx.events == [token.Transfer(alice, bob, 2 * ONE)]


def test_transfer__of_zero_is_allowed_and_changes_nothing(token, fund, alice, bob):
    fund(alice, ONE)
    token.transfer(bob, 0, sender=alice)
    assert token.balanceOf(alice) == ONE
    assert token.balanceOf(bob) == 0


def test_transfer__beyond_balance_reverts(token, fund, alice, bob):
    fund(alice, ONE)
    with ape.reverts(token.ERC20InsufficientBalance, sender=alice, balance=ONE, needed=ONE + 1):
        token.transfer(bob, ONE + 1, sender=alice)
    assert token.balanceOf(alice) == ONE


def test_transfer__to_zero_address_reverts(token, fund, alice):
    fund(alice, ONE)
    with ape.reverts(token.ERC20InvalidReceiver, receiver=ZERO_ADDRESS):
        token.transfer(ZERO_ADDRESS, ONE, sender=alice)


def test_approve__sets_allowance_and_emits_approval(token, alice, bob):
    tx = token.approve(bob, 7 * ONE, sender=alice)
    assert token.allowance(alice, bob) == 7 * ONE
    assert tx.events == [token.Approval(alice, bob, 7 * ONE)]


def test_approve__zero_address_spender_reverts(token, alice):
    with ape.reverts(token.ERC20InvalidSpender, spender=ZERO_ADDRESS):
        token.approve(ZERO_ADDRESS, ONE, sender=alice)


def test_transfer_from__spends_allowance(token, fund, alice, bob, carol):
    fund(alice, 5 * ONE)
    token.approve(bob, 3 * ONE, sender=alice)
    token.transferFrom(alice, carol, 2 * ONE, sender=bob)
    assert token.allowance(alice, bob) == ONE
    assert token.balanceOf(carol) == 2 * ONE
    assert token.balanceOf(alice) == 3 * ONE


def test_transfer_from__beyond_allowance_reverts(token, fund, alice, bob, carol):
    fund(alice, 5 * ONE)
    token.approve(bob, ONE, sender=alice)
    with ape.reverts(token.ERC20InsufficientAllowance, spender=bob, allowance=ONE, needed=2 * ONE):
        token.transferFrom(alice, carol, 2 * ONE, sender=bob)
    assert token.balanceOf(alice) == 5 * ONE


def test_transfer_from__beyond_balance_reverts_even_with_allowance(token, fund, alice, bob, carol):
    fund(alice, ONE)
    token.approve(bob, MAX_UINT256, sender=alice)
    with ape.reverts(token.ERC20InsufficientBalance, sender=alice, balance=ONE, needed=2 * ONE):
        token.transferFrom(alice, carol, 2 * ONE, sender=bob)


def test_transfer_from__infinite_allowance_is_not_spent(token, fund, alice, bob, carol):
    fund(alice, ONE)
    token.approve(bob, MAX_UINT256, sender=alice)
    token.transferFrom(alice, carol, ONE, sender=bob)
    assert token.allowance(alice, bob) == MAX_UINT256


def test_transfer_from__to_zero_address_reverts(token, fund, alice, bob):
    fund(alice, ONE)
    token.approve(bob, ONE, sender=alice)
    with ape.reverts(token.ERC20InvalidReceiver, receiver=ZERO_ADDRESS):
        token.transferFrom(alice, ZERO_ADDRESS, ONE, sender=bob)
