"""twei.signing: EIP-712 DailyRoot signatures, checked off-chain exactly as publishRoot checks them."""

import pytest
from eth_account import Account

from twei.errors import SignatureError
from twei.signing import DailyRoot, recover_signer, sign_daily_root, sign_with_quorum, verify_daily_root

KEYS = ["0x" + "11" * 32, "0x" + "22" * 32, "0x" + "33" * 32]
ORACLES = [Account.from_key(k).address for k in KEYS]


@pytest.fixture
def message():
    return DailyRoot.make(
        chain_id=1337, distributor="0x" + "ab" * 20, epoch=20000, root="0x" + "cd" * 32, total=10**24, data_hash=b"\x01" * 32
    )


def test_signing__quorum_verifies_and_recovers_signers(message):
    signatures = sign_with_quorum(KEYS[:2], message)
    assert all(len(s) == 65 for s in signatures)
    assert verify_daily_root(message, signatures, ORACLES, 2) == ORACLES[:2]
    assert recover_signer(message, "0x" + signatures[0].hex()) == ORACLES[0]


def test_signing__signature_is_bound_to_chain_and_contract(message):
    signature = sign_daily_root(KEYS[0], message)
    other_chain = DailyRoot.make(**{**_fields(message), "chain_id": 1})
    other_contract = DailyRoot.make(**{**_fields(message), "distributor": "0x" + "ac" * 20})
    assert recover_signer(other_chain, signature) != ORACLES[0]
    assert recover_signer(other_contract, signature) != ORACLES[0]


@pytest.mark.parametrize(
    "keys, threshold, error",
    [
        (KEYS[:1], 2, "1 signatures, 2 needed"),
        ([KEYS[0], KEYS[0]], 2, "signed twice"),
        ([KEYS[0], "0x" + "99" * 32], 2, "is not an oracle"),
    ],
)
def test_signing__verify_rejects(message, keys, threshold, error):
    with pytest.raises(SignatureError, match=error):
        verify_daily_root(message, sign_with_quorum(keys, message), ORACLES, threshold)


def test_signing__malformed_inputs_raise(message):
    with pytest.raises(SignatureError, match="65 bytes"):
        recover_signer(message, b"\x01" * 64)
    with pytest.raises(SignatureError, match="unrecoverable"):
        recover_signer(message, b"\x01" * 64 + b"\x05")
    with pytest.raises(SignatureError, match="out of range"):
        DailyRoot.make(**{**_fields(message), "epoch": 2**64})
    with pytest.raises(SignatureError, match="not 32 bytes"):
        DailyRoot.make(**{**_fields(message), "root": "0x1234"})


def _fields(message):
    return {
        "chain_id": message.chain_id,
        "distributor": message.distributor,
        "epoch": message.epoch,
        "root": message.root,
        "total": message.total,
        "data_hash": message.data_hash,
    }
