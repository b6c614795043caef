"""Fixtures for the Engagement contract: a deployed contract with its token, treasury and level
source, factories for more, and helpers that fund, approve and sign permits.

`set_level` is the only place tests touch levels: today it writes a `MockLevels`; once the real
RewardDistributor exists it can seed levels through a genesis root instead, and no test changes.
"""

from __future__ import annotations

import pytest

from tests.engagement.helpers import APPLIED, COMMENT_LEVEL, CONTENT, PARAMETERS, WORDS, new_id
from tests.helpers import ANY_FEE, ONE
from twei.params import ENGAGEMENT_DEFAULTS, EngagementParams
from twei.permit import sign_permit


@pytest.fixture(scope="module")
def token(create_token, deployer, minter):
    """The module's TweiToken (`minter` holds MINTER_ROLE); deployed once per module, which Ape's
    per-test chain snapshots keep as fresh as a per-test deployment, and much faster."""
    contract = create_token()
    contract.grantRole(contract.MINTER_ROLE(), minter, sender=deployer)
    return contract


@pytest.fixture(scope="module")
def create_levels(project, deployer):
    """Factory: a fresh test-only level source (contracts/test/MockLevels.sol)."""

    def create():
        return deployer.deploy(project.MockLevels)

    return create


@pytest.fixture(scope="module")
def levels(create_levels):
    """The level source the `engagement` fixture reads."""
    return create_levels()


@pytest.fixture(scope="module")
def set_level(levels, deployer):
    """Give `account` the platform level `level` on `source` (default: `levels`). With
    `create_levels`, the one place tests touch levels."""

    def set_(account, level=COMMENT_LEVEL, *, source=None):
        (source or levels).setLevel(account, level, sender=deployer)

    return set_


@pytest.fixture(scope="module")
def create_engagement(project, deployer, token, treasury, levels):
    """Factory: an Engagement on `token`, with any of its constructor arguments replaced."""

    def create(
        *,
        params: EngagementParams = ENGAGEMENT_DEFAULTS,
        admin=None,
        treasury_=None,
        levels_=None,
        token_=None,
    ):
        return deployer.deploy(
            project.Engagement,
            token_ or token,
            admin or deployer,
            treasury_ or treasury,
            levels_ or levels,
            params.as_struct(),
        )

    return create


@pytest.fixture(scope="module")
def engagement(create_engagement):
    """An Engagement with the SPEC §2 defaults, fees going to `treasury`."""
    return create_engagement()


@pytest.fixture(scope="module")
def set_parameter(engagement, deployer, chain):
    """Helper: change a delayed parameter (`setPublishTribute`, …) as a user sees it happen: the
    admin schedules it and a day passes (it takes effect by itself; the treasury and the level
    source are then switched by `applyParameterChange`). Returns the scheduling transaction."""

    def set_(setter, value, *, contract=None):
        c = contract or engagement
        tx = getattr(c, setter)(value, sender=deployer)
        # From the head block: after `chain.isolate()` the pending timestamp may lag behind it.
        start = max(chain.pending_timestamp, chain.blocks.head.timestamp + 1)
        chain.mine(timestamp=start + c.PARAMETER_DELAY())
        if setter in APPLIED:
            c.applyParameterChange(PARAMETERS[setter], sender=deployer)
        return tx

    return set_


@pytest.fixture
def payer(token, fund, engagement):
    """Factory: mint `amount` to `account` and let the engagement contract spend `allowance`
    (default: the same amount)."""

    def prepare(account, amount=10 * ONE, allowance=None):
        if amount:
            fund(account, amount)
        token.approve(engagement, amount if allowance is None else allowance, sender=account)

    return prepare


@pytest.fixture(scope="module")
def permit_for(token, engagement, chain):
    """Factory: `owner`'s permit letting the engagement contract spend `value`, valid an hour."""
    token_name = token.name()

    def sign(owner, value, *, signer=None, deadline=None, nonce=None):
        return sign_permit(
            (signer or owner).private_key,
            token_name=token_name,
            token_address=token.address,
            chain_id=chain.chain_id,
            spender=engagement.address,
            value=value,
            nonce=token.nonces(owner) if nonce is None else nonce,
            deadline=chain.pending_timestamp + 3600 if deadline is None else deadline,
            owner=owner.address,
        )

    return sign


@pytest.fixture(scope="module")
def post_id(engagement, token, minter, alice):
    """A post by `alice` (who keeps 5 TWEI, and as much allowance, after paying its tribute)."""
    token.mint(alice, 10 * ONE, sender=minter)
    token.approve(engagement, 10 * ONE, sender=alice)
    return new_id(engagement.publishPost(CONTENT, WORDS, ANY_FEE, sender=alice))


@pytest.fixture(scope="module")
def comment_id(engagement, token, minter, set_level, post_id, bob):
    """A comment by `bob` under `alice`'s post (bob keeps 9 TWEI, and as much allowance)."""
    token.mint(bob, 10 * ONE, sender=minter)
    token.approve(engagement, 10 * ONE, sender=bob)
    set_level(bob)
    return new_id(engagement.comment(post_id, CONTENT, ANY_FEE, sender=bob))

