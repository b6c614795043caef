"""Fixtures for the reward distributor: oracle keys, a factory, and a helper that signs and publishes.

Self-contained so that `create_distributor`, `publish_root` and friends can move to the top-level
conftest for the engagement and settlement tests.
"""

from __future__ import annotations

import pytest
from eth_account import Account

from twei.merkle import DISTRIBUTOR_LEAF_ENCODING, StandardMerkleTree
from twei.signing import DailyRoot, sign_with_quorum

from tests.helpers import CHALLENGE_PERIOD, DAILY_CAP, ORACLE_KEYS

NO_DATA = b"\x00" * 32


@pytest.fixture(scope="session")
def oracles():
    """Three local oracle keys (eth-account `LocalAccount`s); `distributor` needs two of them."""
    return [Account.from_key(key) for key in ORACLE_KEYS[:3]]


@pytest.fixture(scope="session")
def guardian(accounts):
    """Holds GUARDIAN_ROLE on `distributor`."""
    return accounts[5]


@pytest.fixture(scope="module")
def create_distributor(project, deployer, guardian):
    """Factory: a RewardDistributor over `token`, holding its MINTER_ROLE, `guardian` as guardian."""

    def create(
        token,
        oracles,
        threshold=2,
        daily_cap=DAILY_CAP,
        challenge_period=CHALLENGE_PERIOD,
        admin=None,
    ):
        admin = admin or deployer
        contract = deployer.deploy(
            project.RewardDistributor,
            admin,
            token,
            [o.address for o in oracles],
            threshold,
            daily_cap,
            challenge_period,
        )
        token.grantRole(token.MINTER_ROLE(), contract, sender=deployer)
        contract.grantRole(contract.GUARDIAN_ROLE(), guardian, sender=admin)
        return contract

    return create


@pytest.fixture(scope="module")
def distributor(create_distributor, token, oracles):
    """A distributor with 3 oracles, threshold 2, 1,000,000 TWEI daily cap, one hour challenge;
    deployed once per module (Ape reverts each test's transactions)."""
    return create_distributor(token, oracles)


def make_tree(entries):
    """The StandardMerkleTree of `(account, cumulative amount, level)` entries (accounts or addresses)."""
    return StandardMerkleTree.of(
        [(str(getattr(a, "address", a)), amount, level) for a, amount, level in entries],
        DISTRIBUTOR_LEAF_ENCODING,
    )


def tree_total(tree):
    return sum(int(value[1]) for value in tree.values)


def claim_args(tree, index):
    """`claim(...)` arguments for the tree's value `index`."""
    account, amount, level = tree.values[index]
    return account, int(amount), int(level), tree.get_proof(index)


@pytest.fixture
def sign_root(chain):
    """Factory: signatures of a DailyRoot for `distributor` by the given keys."""

    def sign(distributor, epoch, root, total, keys, data_hash=NO_DATA, chain_id=None, verifying=None):
        message = DailyRoot.make(
            chain_id=chain.chain_id if chain_id is None else chain_id,
            distributor=verifying or distributor.address,
            epoch=epoch,
            root=root,
            total=total,
            data_hash=data_hash,
        )
        return sign_with_quorum([k.key for k in keys], message)

    return sign


@pytest.fixture
def publish_root(oracles, sign_root, outsider):
    """Helper: sign a root with the first `threshold` oracles (or `signers`) and publish it.

    `tree_or_root` is a StandardMerkleTree (total defaults to its sum) or a raw root.
    """

    def publish(distributor, epoch, tree_or_root, total=None, signers=None, data_hash=NO_DATA, sender=None):
        if isinstance(tree_or_root, StandardMerkleTree):
            root = tree_or_root.root
            total = tree_total(tree_or_root) if total is None else total
        else:
            root = tree_or_root
        if signers is None:
            signers = oracles[: distributor.threshold()]
        signatures = sign_root(distributor, epoch, root, total, signers, data_hash=data_hash)
        return distributor.publishRoot(epoch, root, total, data_hash, signatures, sender=sender or outsider)

    return publish


@pytest.fixture
def pass_challenge(chain):
    """Helper: move the chain past a challenge period."""

    def advance(seconds=CHALLENGE_PERIOD):
        # From the head block: after `chain.isolate()` the pending timestamp may lag behind it.
        chain.mine(timestamp=max(chain.pending_timestamp, chain.blocks.head.timestamp + 1) + seconds)

    return advance


@pytest.fixture
def publish_active(publish_root, pass_challenge):
    """Helper: publish a root and let its challenge period pass (it activates lazily)."""

    def publish(distributor, epoch, tree_or_root, **kwargs):
        tx = publish_root(distributor, epoch, tree_or_root, **kwargs)
        pass_challenge(distributor.challengePeriod())
        return tx

    return publish
