"""The test chain features other tests rely on work on every chain (Ganache included)."""

import pytest

from tests.helpers import ONE

pytestmark = pytest.mark.chain


def test_isolate__rolls_back_state(token, fund, chain, alice):
    with chain.isolate():
        fund(alice, ONE)
        assert token.balanceOf(alice) == ONE
    assert token.balanceOf(alice) == 0


def test_pending_timestamp__moves_the_next_block_forward(chain, token, fund, alice):
    start = chain.blocks.head.timestamp
    chain.pending_timestamp = start + 3 * 86400
    fund(alice, ONE)
    assert chain.blocks.head.timestamp >= start + 3 * 86400


def test_mine__adds_blocks(chain):
    height = chain.blocks.height
    chain.mine(2)
    assert chain.blocks.height == height + 2
