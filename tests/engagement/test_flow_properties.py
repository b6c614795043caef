"""Whatever several wallets do, in any order: every Twei that moves is a Flow (payers negative,
receivers positive, to the wei), and an action that reverts costs nobody anything. A small model
of posts, comments, votes, allowances and balances says which actions revert, and with which
custom error (the contract's, or the token's for a short allowance or balance)."""

import ape
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from tests.engagement.helpers import COMMENT_LEVEL, CONTENT, new_id
from tests.helpers import ANY_FEE, ONE
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


LEVELS = (13, 13, 12, 0)  # alice, bob, carol, dave
BPS = 10_000


@pytest.fixture(scope="module")
def world(engagement, token, minter, set_level, people):
    """Each actor holds 20 TWEI and has approved 20; alice and bob may comment, carol (level 12)
    and dave (no level) may not; a post by alice and a comment by bob on it to start from."""
    for person, level in zip(people, LEVELS):
        token.mint(person, 20 * ONE, sender=minter)
        token.approve(engagement, 20 * ONE, sender=person)
        set_level(person, level)
    post = new_id(engagement.publishPost(CONTENT, 100, ANY_FEE, sender=people[0]))
    return post, new_id(engagement.comment(post, CONTENT, ANY_FEE, sender=people[1]))


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


class Expected:
    """What the engagement contract and the token hold, as far as reverts depend on it."""

    def __init__(self, engagement, token, people, posts, comments):
        self.engagement, self.token, self.people = engagement, token, people
        self.authors = {posts[0]: 0}  # post id -> author index
        self.commenters = {comments[0]: (1, posts[0])}  # comment id -> (commenter, post id)
        self.acted = set()  # (actor index, post or comment id): votes and reactions
        self.allowance = [token.allowance(p, engagement) for p in people]

    def _transfers(self, who, parts, balances, permit):
        """The token's error for `who` paying `parts` (amount, payee index or None) in turn
        (allowance first, as OpenZeppelin's transferFrom checks), or None; a permit first sets
        the allowance to their sum."""
        allowance = sum(amount for amount, _ in parts) if permit else self.allowance[who]
        account = self.people[who]
        balance = balances[account.address]
        for amount, payee in parts:
            if amount == 0:
                continue
            if allowance < amount:
                spender = self.engagement.address
                return ("ERC20InsufficientAllowance", dict(spender=spender, allowance=allowance, needed=amount))
            if balance < amount:
                return ("ERC20InsufficientBalance", dict(sender=account.address, balance=balance, needed=amount))
            allowance -= amount
            if payee != who:  # paying oneself (a dislike's author part) keeps the balance
                balance -= amount
        return None

    def error(self, kind, who, target_id, balances, permit):
        """The error `kind` by person `who` on `target_id` reverts with, or None."""
        e, account = self.engagement, self.people[who].address
        if kind in ("comment", "minus", "plus", "buyReport") and target_id not in self.authors:
            return ("PostNotFound", dict(postId=target_id))
        if kind in ("like", "dislike") and target_id not in self.commenters:
            return ("CommentNotFound", dict(commentId=target_id))
        if kind == "comment" and LEVELS[who] < COMMENT_LEVEL:
            return ("LevelTooLow", dict(account=account, level=LEVELS[who], required=COMMENT_LEVEL))
        if kind in ("minus", "plus"):
            if self.authors[target_id] == who:
                return ("VoteOnOwnPost", dict(postId=target_id))
            if (who, target_id) in self.acted:
                return ("AlreadyVoted", dict(postId=target_id, voter=account))
        if kind in ("like", "dislike"):
            if self.commenters[target_id][0] == who:
                return ("ReactionToOwnComment", dict(commentId=target_id))
            if (who, target_id) in self.acted:
                return ("AlreadyReacted", dict(commentId=target_id, reactor=account))
        if kind == "dislike":
            fee = e.dislikeFee()
            author_part = fee * e.dislikeAuthorShareBps() // BPS
            author = self.authors[self.commenters[target_id][1]]
            return self._transfers(who, [(author_part, author), (fee - author_part, None)], balances, permit)
        if kind in ("publishPost", "comment", "minus", "buyReport"):
            getters = {
                "publishPost": e.publishTribute,
                "comment": e.commentTribute,
                "minus": e.minusFee,
                "buyReport": e.reportPrice,
            }
            fee = getters[kind]()
            return self._transfers(who, [(fee, None)], balances, permit)
        return None

    def went_through(self, kind, who, target_id, tx, paid, permit):
        if kind == "publishPost":
            self.authors[new_id(tx)] = who
        elif kind == "comment":
            self.commenters[new_id(tx)] = (who, target_id)
        elif kind in ("minus", "plus", "like", "dislike"):
            self.acted.add((who, target_id))
        if kind in PAYING:
            # A permit sets the allowance to the fee, which the payment then spends.
            self.allowance[who] = 0 if permit else self.allowance[who] - paid


@given(steps=st.lists(step, min_size=3, max_size=10))
def test_flows__account_for_every_balance_change(
    engagement, token, world, people, treasury, permit_for, chain, steps
):
    watched = [*people, treasury]

    def balances():
        return {a.address: token.balanceOf(a) for a in watched}

    with chain.isolate():
        posts, comments = [world[0]], [world[1]]
        expected = Expected(engagement, token, people, posts, comments)
        before = balances()
        for kind, who, target, with_permit in steps:
            actor = people[who]
            if kind == "approve":  # moves no Twei
                token.approve(engagement, target * 4 * ONE, sender=actor)
                expected.allowance[who] = target * 4 * ONE
                continue
            args, fee = _call_args(engagement, kind, target, posts, comments)
            permit = with_permit and kind in PAYING
            if permit:
                signed = permit_for(actor, fee())
                method = getattr(engagement, f"{kind}WithPermit")
                args = (*args, signed.deadline, signed.v, signed.r, signed.s)
            else:
                method = getattr(engagement, kind)
                if kind in PAYING:
                    args = (*args, ANY_FEE)  # the allowance forms' maxFee (test_admin.py tests it)
            target_id = args[0] if kind != "publishPost" else None
            error = expected.error(kind, who, target_id, before, permit)
            if error is not None:
                # Reverted, with the error the model names: nobody paid anything.
                name, error_args = error
                source = token if name.startswith("ERC20") else engagement
                with ape.reverts(getattr(source, name), **error_args):
                    method(*args, sender=actor)
                event(f"{kind} reverted: {name}")
                assert balances() == before
                continue
            tx = method(*args, sender=actor)
            event(f"{kind} went through")
            net = net_by_account(map(FlowRecord.from_log, tx.decode_logs(engagement.Flow)))
            after = balances()
            assert {a: after[a] - before[a] for a in after} == {a: net.get(a, 0) for a in after}
            assert sum(net.values()) == 0
            expected.went_through(kind, who, target_id, tx, fee() if fee else 0, permit)
            before = after
            if kind == "publishPost":
                posts.append(new_id(tx))
            elif kind == "comment":
                comments.append(new_id(tx))
