"""EIP-712 signatures of the daily root: what each oracle signs and what `publishRoot` checks.

The message is ``DailyRoot(uint64 epoch,bytes32 root,uint256 total,bytes32 dataHash)`` in the
domain ``{name: "Twei RewardDistributor", version: "1", chainId, verifyingContract}``, so a
signature is good for one chain and one distributor only. eth-account does the hashing and signing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak, to_checksum_address

from twei.errors import SignatureError

__all__ = [
    "DOMAIN_NAME",
    "DOMAIN_VERSION",
    "DailyRoot",
    "daily_root_digest",
    "recover_signer",
    "sign_daily_root",
    "sign_with_quorum",
    "verify_daily_root",
]

DOMAIN_NAME = "Twei RewardDistributor"
DOMAIN_VERSION = "1"

_TYPES = {
    "DailyRoot": [
        {"name": "epoch", "type": "uint64"},
        {"name": "root", "type": "bytes32"},
        {"name": "total", "type": "uint256"},
        {"name": "dataHash", "type": "bytes32"},
    ]
}


def _bytes32(value: bytes | str) -> bytes:
    raw = bytes.fromhex(value[2:] if value[:2] in ("0x", "0X") else value) if isinstance(value, str) else bytes(value)
    if len(raw) != 32:
        raise SignatureError(f"{value!r} is not 32 bytes")
    return raw


@dataclass(frozen=True)
class DailyRoot:
    """One day's root as the oracles sign it, bound to a chain and a distributor."""

    chain_id: int
    distributor: str
    epoch: int
    root: bytes
    total: int
    data_hash: bytes

    @classmethod
    def make(
        cls,
        *,
        chain_id: int,
        distributor: str,
        epoch: int,
        root: bytes | str,
        total: int,
        data_hash: bytes | str,
    ) -> DailyRoot:
        """Build a message, checking ranges (uint64 epoch, uint256 total, 32-byte hashes)."""
        if not 0 <= epoch < 2**64 or not 0 <= total < 2**256:
            raise SignatureError(f"epoch {epoch} or total {total} out of range")
        return cls(
            chain_id=int(chain_id),
            distributor=to_checksum_address(str(distributor)),
            epoch=int(epoch),
            root=_bytes32(root),
            total=int(total),
            data_hash=_bytes32(data_hash),
        )

    def signable(self):
        """The eth-account ``SignableMessage``."""
        return encode_typed_data(
            domain_data={
                "name": DOMAIN_NAME,
                "version": DOMAIN_VERSION,
                "chainId": self.chain_id,
                "verifyingContract": self.distributor,
            },
            message_types=_TYPES,
            message_data={
                "epoch": self.epoch,
                "root": self.root,
                "total": self.total,
                "dataHash": self.data_hash,
            },
        )


def daily_root_digest(message: DailyRoot) -> bytes:
    """The 32-byte EIP-712 digest (equals the contract's `dailyRootDigest`)."""
    signable = message.signable()
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


def sign_daily_root(private_key: str | bytes, message: DailyRoot) -> bytes:
    """One oracle's 65-byte signature (r || s || v) of ``message``."""
    return bytes(Account.sign_message(message.signable(), private_key).signature)


def sign_with_quorum(private_keys: Iterable[str | bytes], message: DailyRoot) -> list[bytes]:
    """Signatures of ``message`` by each key, in the order given."""
    return [sign_daily_root(key, message) for key in private_keys]


def recover_signer(message: DailyRoot, signature: bytes | str) -> str:
    """The address that produced ``signature`` over ``message``."""
    raw = bytes.fromhex(signature[2:]) if isinstance(signature, str) else bytes(signature)
    if len(raw) != 65:
        raise SignatureError(f"a signature is 65 bytes, got {len(raw)}")
    try:
        return Account.recover_message(message.signable(), signature=raw)
    except Exception as err:  # eth-keys raises several types for a malformed signature
        raise SignatureError(f"unrecoverable signature: {err}") from err


def verify_daily_root(
    message: DailyRoot, signatures: Iterable[bytes | str], oracles: Iterable[str], threshold: int
) -> list[str]:
    """Check off-chain what `publishRoot` checks on-chain: at least ``threshold`` signatures, each by a
    different oracle. Returns the signers; raises :class:`SignatureError` otherwise."""
    allowed = {to_checksum_address(o) for o in oracles}
    signers: list[str] = []
    for signature in signatures:
        signer = recover_signer(message, signature)
        if signer not in allowed:
            raise SignatureError(f"{signer} is not an oracle")
        if signer in signers:
            raise SignatureError(f"{signer} signed twice")
        signers.append(signer)
    if len(signers) < threshold:
        raise SignatureError(f"{len(signers)} signatures, {threshold} needed")
    return signers
