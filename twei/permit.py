"""EIP-2612 permits for the Twei token: sign an allowance off-chain, spend it in one transaction.

Wallets and the Engagement contract's ``*WithPermit`` forms use these signatures so that a
paying action needs no separate ``approve`` transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data

__all__ = ["Permit", "permit_message", "sign_permit"]

_PERMIT_TYPES = {
    "Permit": [
        {"name": "owner", "type": "address"},
        {"name": "spender", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ]
}


@dataclass(frozen=True)
class Permit:
    """A signed permit, split the way ``permit(owner, spender, value, deadline, v, r, s)`` takes it."""

    owner: str
    spender: str
    value: int
    deadline: int
    v: int
    r: bytes
    s: bytes

    def args(self) -> tuple[str, str, int, int, int, bytes, bytes]:
        return (self.owner, self.spender, self.value, self.deadline, self.v, self.r, self.s)


def sign_permit(
    private_key: str | bytes,
    *,
    token_name: str,
    token_address: str,
    chain_id: int,
    spender: str,
    value: int,
    nonce: int,
    deadline: int,
    version: str = "1",
    owner: str | None = None,
) -> Permit:
    """Sign an EIP-2612 permit for the token at ``token_address`` (OpenZeppelin ``ERC20Permit``).

    ``owner`` defaults to the key's own address; naming another owner yields a permit the token
    rejects, which is how tests prove it checks the signer.
    """
    owner = owner or Account.from_key(private_key).address
    message = permit_message(
        token_name=token_name, token_address=token_address, chain_id=chain_id, owner=owner,
        spender=spender, value=value, nonce=nonce, deadline=deadline, version=version,
    )
    signed = Account.sign_message(message, private_key)
    return Permit(
        owner=owner,
        spender=spender,
        value=value,
        deadline=deadline,
        v=signed.v,
        r=signed.r.to_bytes(32, "big"),
        s=signed.s.to_bytes(32, "big"),
    )


def permit_message(
    *,
    token_name: str,
    token_address: str,
    chain_id: int,
    owner: str,
    spender: str,
    value: int,
    nonce: int,
    deadline: int,
    version: str = "1",
) -> Any:
    """The EIP-712 message of a permit (an eth-account ``SignableMessage``), for any signer:
    an Ape account signs it with ``account.sign_message(...)``."""
    return encode_typed_data(
        domain_data={
            "name": token_name,
            "version": version,
            "chainId": chain_id,
            "verifyingContract": token_address,
        },
        message_types=_PERMIT_TYPES,
        message_data={
            "owner": owner,
            "spender": spender,
            "value": value,
            "nonce": nonce,
            "deadline": deadline,
        },
    )
