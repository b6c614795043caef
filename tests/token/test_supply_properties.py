"""Whatever wallets do, balances add up to the supply and the supply never passes the cap."""

import ape
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import ONE

pytestmark = pytest.mark.chain

CAP = 100 * ONE
amounts = st.integers(min_value=0, max_value=60 * ONE)
holders = st.integers(min_value=0, max_value=2)
actions = st.lists(
    st.one_of(
        st.tuples(st.just("mint"), holders, holders, amounts),
        st.tuples(st.just("transfer"), holders, holders, amounts),
        st.tuples(st.just("burn"), holders, holders, amounts),
    ),
    min_size=1,
    max_size=8,
)


@pytest.fixture(scope="module")
def capped(create_token, deployer, minter):
    small = create_token(cap=CAP)
    small.grantRole(small.MINTER_ROLE(), minter, sender=deployer)
    return small


@given(actions=actions)
def test_supply__balances_sum_to_supply_and_never_pass_cap(
    capped, minter, alice, bob, carol, chain, actions
):
    people = [alice, bob, carol]
    with chain.isolate():
        for kind, i, j, amount in actions:
            supply = capped.totalSupply()
            if kind == "mint":
                if supply + amount > CAP:
                    with ape.reverts(capped.ERC20ExceededCap):
                        capped.mint(people[i], amount, sender=minter)
                else:
                    capped.mint(people[i], amount, sender=minter)
            elif capped.balanceOf(people[i]) < amount:
                with ape.reverts(capped.ERC20InsufficientBalance):
                    if kind == "transfer":
                        capped.transfer(people[j], amount, sender=people[i])
                    else:
                        capped.burn(amount, sender=people[i])
            elif kind == "transfer":
                capped.transfer(people[j], amount, sender=people[i])
            else:
                capped.burn(amount, sender=people[i])
            assert sum(capped.balanceOf(p) for p in people) == capped.totalSupply()
            assert capped.totalSupply() <= CAP
