"""Whatever several wallets do, in any order: every Twei that moves is a Flow (payers negative,
receivers positive, to the wei), and an action that reverts costs nobody anything."""

import pytest
from ape.exceptions import ContractLogicError
from hypothesis import event, given
from hypothesis import strategies as st

from tests.engagement.helpers import CONTENT, new_id
from tests.helpers import ONE
from twei.flows import FlowRecord, net_by_account

pytestmark = pytest.mark.chain

ACTORS = 4  # alice, bob, carol, dave
PAYING = ("publishPost", "comment", "minus", "dislike", "buyReport")
FREE = ("plus", "like")

actors = st.integers(min_value=0, max_value=ACTORS - 1)
# (kind, actor, target, permit form?). The target is the n-th known post or comment, or a missing
# id past them; for "approve" it is the new allowance in units of 4 TWEI.
step = st.tuples(
    st.sampled_from((*PAYING, *FREE, "approve")),
    actors,
    st.integers(min_value=0, max_value=2),
    st.booleans(),
)


@pytest.fixture(scope="module")
def people(alice, bob, carol, dave):
    return [alice, bob, carol, dave]


@pytest.fixture(scope="module")
def world(engagement, token, minter, set_level, people):
    """Each actor holds 20 TWEI and has approved 20; alice and bob may comment, carol (level 12)
    and dave (no level) may not; a post by alice and a comment by bob on it to start from."""
    for person, level in zip(people, (13, 13, 12, 0)):
        token.mint(person, 20 * ONE, sender=minter)
        token.approve(engagement, 20 * ONE, sender=person)
        set_level(person, level)
    post = new_id(engagement.publishPost(CONTENT, 100, sender=people[0]))
    return post, new_id(engagement.comment(post, CONTENT, sender=people[1]))


def _call_args(engagement, kind, target, posts, comments):
    """The arguments of `kind` on the `target`-th known post or comment (or a missing id), and
    the getter of its fee."""
    fee = {
        "publishPost": engagement.publishTribute,
        "comment": engagement.commentTribute,
        "minus": engagement.minusFee,
        "dislike": engagement.dislikeFee,
        "buyReport": engagement.reportPrice,
    }
    on_post = kind in ("comment", "minus", "plus", "buyReport")
    known = posts if on_post else comments
    target_id = known[target] if target < len(known) else engagement.lastId() + 1
    args = {"publishPost": (CONTENT, 10), "comment": (target_id, CONTENT)}.get(kind, (target_id,))
    return args, fee.get(kind)


@given(steps=st.lists(step, min_size=3, max_size=10))
def test_flows__account_for_every_balance_change(
    engagement, token, world, people, treasury, permit_for, chain, steps
):
    watched = [*people, treasury]

    def balances():
        return {a.address: token.balanceOf(a) for a in watched}

    with chain.isolate():
        posts, comments = [world[0]], [world[1]]
        before = balances()
        for kind, who, target, with_permit in steps:
            actor = people[who]
            if kind == "approve":  # moves no Twei
                token.approve(engagement, target * 4 * ONE, sender=actor)
                continue
            args, fee = _call_args(engagement, kind, target, posts, comments)
            if with_permit and kind in PAYING:
                permit = permit_for(actor, fee())
                method = getattr(engagement, f"{kind}WithPermit")
                args = (*args, permit.deadline, permit.v, permit.r, permit.s)
            else:
                method = getattr(engagement, kind)
            try:
                tx = method(*args, sender=actor)
            except ContractLogicError:
                # Reverted: nobody paid anything.
                event(f"{kind} reverted")
                assert balances() == before
                continue
            event(f"{kind} went through")
            net = net_by_account(map(FlowRecord.from_log, tx.decode_logs(engagement.Flow)))
            after = balances()
            assert {a: after[a] - before[a] for a in after} == {a: net.get(a, 0) for a in after}
            assert sum(net.values()) == 0
            before = after
            if kind == "publishPost":
                posts.append(new_id(tx))
            elif kind == "comment":
                comments.append(new_id(tx))
