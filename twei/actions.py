"""Paying actions sent from an Ape account the way an unattended job must send them: every check
first, then one transaction.

Each action is checked before anything is signed or sent: the post exists, the account holds
the fee, and the transaction itself is simulated with ``eth_call`` (a revert there is one line
naming the contract's error). Fees are paid with an EIP-2612 permit signed by the same account,
so an action is one transaction, never an ``approve`` left behind by a refused action.
"""

from __future__ import annotations

import contextlib
import sys
import time
from typing import Any

from eth_utils import keccak

from twei.errors import ActionRefused
from twei.permit import permit_message
from twei.units import format_twei

__all__ = ["check_post", "check_funds", "permit_args", "simulate", "buy_report_checked", "publish_post_checked"]

#: How long a permit stays valid: long enough for a slow node, short enough to be harmless.
PERMIT_TTL_S = 3_600


def _revert_reason(err: Exception) -> str:
    text = " ".join(str(err).split())
    return text[:200] or type(err).__name__


def check_post(engagement: Any, post_id: int) -> Any:
    """The post, or :class:`ActionRefused` if no post has this id."""
    from ape.exceptions import ContractLogicError

    try:
        post = engagement.getPost(post_id)
    except ContractLogicError as err:
        raise ActionRefused(f"post {post_id} does not exist on this chain ({_revert_reason(err)})") from err
    if int(str(post.author), 16) == 0:  # an unknown id reads as an empty record
        raise ActionRefused(f"post {post_id} does not exist on this chain")
    return post


def check_funds(token: Any, account: str, amount: int, what: str) -> None:
    """:class:`ActionRefused` unless ``account`` holds ``amount`` of the token."""
    balance = int(token.balanceOf(account))
    if balance < amount:
        raise ActionRefused(
            f"{account} holds {format_twei(balance)} TWEI; {what} costs {format_twei(amount)} TWEI"
        )


def permit_args(token: Any, owner: Any, spender: str, value: int, chain_id: int) -> tuple[int, int, bytes, bytes]:
    """(deadline, v, r, s) of a permit of ``value`` to ``spender``, signed by the Ape account
    ``owner`` (no prompt with autosign on)."""
    deadline = int(time.time()) + PERMIT_TTL_S
    from ape import chain

    deadline = max(deadline, int(chain.pending_timestamp) + PERMIT_TTL_S)
    message = permit_message(
        token_name=token.name(),
        token_address=str(token.address),
        chain_id=chain_id,
        owner=owner.address,
        spender=str(spender),
        value=value,
        nonce=int(token.nonces(owner.address)),
        deadline=deadline,
    )
    signature = owner.sign_message(message)
    if signature is None:
        raise ActionRefused(f"{owner.address} did not sign the permit")
    return deadline, int(signature.v), bytes(signature.r), bytes(signature.s)


def simulate(method: Any, *args: Any, sender: Any) -> Any:
    """``eth_call`` the transaction first; :class:`ActionRefused` with the contract's error."""
    from ape.exceptions import ContractLogicError

    try:
        with contextlib.redirect_stdout(sys.stderr):  # Ape prints a failed call's trace: not on stdout
            return method.call(*args, sender=sender)
    except ContractLogicError as err:
        raise ActionRefused(f"the chain would refuse it: {_revert_reason(err)}") from err


def buy_report_checked(engagement: Any, token: Any, buyer: Any, post_id: int, chain_id: int) -> Any:
    """Buy one report instance of ``post_id`` with a permit, after every check."""
    check_post(engagement, post_id)
    price = int(engagement.reportPrice())
    check_funds(token, buyer.address, price, "a report instance")
    args = (post_id, *permit_args(token, buyer, engagement.address, price, chain_id))
    simulate(engagement.buyReportWithPermit, *args, sender=buyer)
    return engagement.buyReportWithPermit(*args, sender=buyer)


def publish_post_checked(engagement: Any, token: Any, author: Any, text: str, chain_id: int) -> tuple[int, Any]:
    """Publish ``text`` (its keccak and word count on-chain) with a permit, after every check;
    returns (post id, receipt)."""
    words = len(text.split())
    if words == 0:
        raise ActionRefused("the post is empty")
    tribute = int(engagement.publishTribute())
    check_funds(token, author.address, tribute, "publishing a post")
    args = (keccak(text=text), words, *permit_args(token, author, engagement.address, tribute, chain_id))
    simulate(engagement.publishPostWithPermit, *args, sender=author)
    receipt = engagement.publishPostWithPermit(*args, sender=author)
    post_id = int(receipt.events.filter(engagement.PostPublished)[0].postId)
    return post_id, receipt
