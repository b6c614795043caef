"""A reorganisation is rolled back to the fork point (twei.site.chain.EngagementIndex): the index
afterwards equals a fresh rebuild, the post stays served while it is redone, and only the blocks
after the fork are read again (counted by the ``fromBlock`` of each eth_getLogs), never the
deploy block's. The chain reverts to a snapshot (``evm_revert`` on a node) and mines other blocks
at the same heights: a one-block and a three-block reorganisation."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.chain  # also on Anvil and Ganache (evm_snapshot / evm_revert)

from twei.site.chain import EngagementIndex


def _state(index: EngagementIndex) -> tuple:
    return (index.block, index.posts, index.comments, dict(index.flows), index.roots, index._touched)


@pytest.mark.parametrize("depth", [1, 3])
def test_reorg__rolled_back_to_the_fork_point_equals_a_rebuild_and_reads_only_after_it(
    view, day, project, chain, accounts, depth
):
    result, _ = day
    engagement = project.Engagement.at(result.addresses["Engagement"])
    token = project.TweiToken.at(result.addresses["TweiToken"])
    index = view.index
    index.refresh(force=True)
    before = index.posts[result.post_id].pluses
    snapshot = chain.snapshot()
    fork = chain.blocks.head.number
    engagement.plus(result.post_id, sender=accounts[7])  # the blocks the reorganisation drops
    for i in range(depth - 1):
        token.transfer(accounts[9], i + 1, sender=accounts[3])
    index.refresh(force=True)
    assert index.posts[result.post_id].pluses == before + 1
    chain.restore(snapshot)
    for i in range(depth):  # other blocks at the same heights
        token.transfer(accounts[9], 10 + i, sender=accounts[2])
    served: list[bool] = []
    read_from = len(index.read_from)
    eth = index.contracts.web3.eth
    get_logs = eth.get_logs

    def watching(params):  # while the rollback reads, the served index still has the post
        served.append(result.post_id in index.posts and index.posts[result.post_id].pluses == before + 1)
        return get_logs(params)

    eth.get_logs = watching
    try:
        index.refresh(force=True)
    finally:
        del eth.get_logs
    asked = index.read_from[read_from:]
    assert served and all(served)  # the last good state meanwhile: never a 404
    assert asked == [fork + 1], asked  # only the blocks after the fork point, not the deploy block's
    rebuilt = EngagementIndex(index.contracts)
    rebuilt.refresh(force=True)
    assert _state(index) == _state(rebuilt)
    assert index.posts[result.post_id].pluses == before


def test_reorg__deeper_than_the_kept_blocks_is_rebuilt_from_the_deploy_block_beside(view, day, project, chain, accounts):
    result, _ = day
    token = project.TweiToken.at(result.addresses["TweiToken"])
    index = view.index
    kept = index.keep_blocks
    index.keep_blocks = 1  # only the last block is kept: a three-block reorganisation is deeper
    try:
        index.refresh(force=True)
        snapshot = chain.snapshot()
        for i in range(3):
            token.transfer(accounts[9], 20 + i, sender=accounts[3])
        index.refresh(force=True)
        chain.restore(snapshot)
        for i in range(3):
            token.transfer(accounts[9], 30 + i, sender=accounts[2])
        asked = len(index.read_from)
        index.refresh(force=True)
        assert index.read_from[asked] == index.contracts.start_block  # the whole rebuild, as before
    finally:
        index.keep_blocks = kept
    rebuilt = EngagementIndex(index.contracts)
    rebuilt.refresh(force=True)
    assert _state(index) == _state(rebuilt)
