"""A reader is a wallet: sessions start only after Sign-In with Ethereum (or the backend's key).

Messages are real EIP-4361 text signed with ``personal_sign`` by throw-away keys; the oracle
checks them with the ``siwe`` library and answers a bearer token for the signer.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import siwe
from eth_account import Account
from eth_account.messages import encode_defunct

from tests.oracle.conftest import API_KEY

WALLET = Account.from_key("0x" + "11" * 32)
OTHER = Account.from_key("0x" + "22" * 32)
DOMAIN = "testserver"  # the TestClient's Host: the oracle's domain when none is configured


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def message(clock, nonce: str, address: str = WALLET.address, domain: str = DOMAIN,
            expires_in_s: float | None = 300, chain_id: int = 1337, uri: str | None = None) -> str:  # fmt: skip
    now = datetime.fromtimestamp(clock.now, tz=UTC)
    fields = dict(
        domain=domain, address=address, uri=uri or f"http://{domain}/", version="1", chain_id=chain_id,
        nonce=nonce, issued_at=_iso(now), statement="Sign in to read on Twei.",
    )  # fmt: skip
    if expires_in_s is not None:
        fields["expiration_time"] = _iso(now + timedelta(seconds=expires_in_s))
    return siwe.SiweMessage(**fields).prepare_message()


def sign(text: str, account=WALLET) -> str:
    return "0x" + account.sign_message(encode_defunct(text=text)).signature.hex().removeprefix("0x")


def nonce(client) -> str:
    r = client.post("/v1/auth/nonce")
    assert r.status_code == 200 and r.json()["domain"] == DOMAIN, r.text
    return r.json()["nonce"]


def sign_in(client, clock, account=WALLET, **kw):
    text = message(clock, nonce(client), address=account.address, **kw)
    return client.post("/v1/auth/verify", json={"message": text, "signature": sign(text, account)})


def start(client, token: str | None, reader: str = WALLET.address):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/v1/sessions", json={"post_id": 1, "reader": reader}, headers=headers)


@pytest.fixture
def posted(api):
    api.post()


def test_sign_in__signed_message_gives_a_token_that_starts_sessions_for_that_wallet(
    client, clock, posted
):
    r = sign_in(client, clock)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["reader"] == WALLET.address
    assert out["expires_at_ms"] == clock.ms + 300_000  # the message's own expiry, sooner
    started = start(client, out["token"])
    assert started.status_code == 201 and started.json()["reader"] == WALLET.address
    # lower-case address in the body: the same reader
    assert start(client, out["token"], WALLET.address.lower()).status_code == 201


def test_sign_in__no_token_is_401_and_another_readers_is_403(client, clock, posted):
    r = start(client, None)
    assert r.status_code == 401 and r.json()["detail"].startswith("sign in first")
    token = sign_in(client, clock).json()["token"]
    r = start(client, token, OTHER.address)
    assert (r.status_code, r.json()["detail"]) == (
        403, f"signed in as {WALLET.address}, not {OTHER.address}"
    )  # fmt: skip


def test_sign_in__the_backend_vouches_with_its_api_key_and_a_wrong_key_is_403(client, posted):
    ok = client.post("/v1/sessions", json={"post_id": 1, "reader": OTHER.address},
                     headers={"X-API-Key": API_KEY})  # fmt: skip
    assert ok.status_code == 201
    bad = client.post("/v1/sessions", json={"post_id": 1, "reader": OTHER.address},
                      headers={"X-API-Key": "nope"})  # fmt: skip
    assert (bad.status_code, bad.json()["detail"]) == (403, "wrong API key")


def test_sign_in__a_replayed_message_is_refused(client, clock):
    text = message(clock, nonce(client))
    body = {"message": text, "signature": sign(text)}
    assert client.post("/v1/auth/verify", json=body).status_code == 200
    again = client.post("/v1/auth/verify", json=body)
    assert again.status_code == 401 and "used already (a replayed sign-in)" in again.json()["detail"]


@pytest.mark.parametrize(
    "change,detail",
    [
        (dict(expires_in_s=-1), "the sign-in message has expired"),
        (dict(domain="evil.example"), "the message is for domain 'evil.example'"),
        (dict(chain_id=1), "the message is for chain 1, this deployment is chain 1337"),
        (dict(uri="https://evil.example/login"), "the message's URI 'https://evil.example/login' is not on 'testserver'"),
    ],
)
def test_sign_in__expired_or_other_domain_is_401(client, clock, change, detail):
    r = sign_in(client, clock, **change)
    assert r.status_code == 401 and r.json()["detail"].startswith(detail)


def test_sign_in__a_signature_by_another_wallet_is_401(client, clock):
    text = message(clock, nonce(client))  # names WALLET, signed by OTHER
    r = client.post("/v1/auth/verify", json={"message": text, "signature": sign(text, OTHER)})
    assert r.status_code == 401
    assert r.json()["detail"] == f"the signature is not by {WALLET.address} (wrong signer or a changed message)"


def test_sign_in__a_nonce_the_oracle_never_issued_is_401(client, clock):
    text = message(clock, "abcdefgh12345678")
    r = client.post("/v1/auth/verify", json={"message": text, "signature": sign(text)})
    assert r.status_code == 401 and "not issued by this oracle" in r.json()["detail"]


def test_sign_in__a_nonce_older_than_its_ttl_is_401(client, clock):
    issued = nonce(client)
    clock.advance(601)
    text = message(clock, issued)
    r = client.post("/v1/auth/verify", json={"message": text, "signature": sign(text)})
    assert r.status_code == 401 and "has expired" in r.json()["detail"]


def test_sign_in__malformed_message_or_signature_is_4xx(client):
    r = client.post("/v1/auth/verify", json={"message": "hello", "signature": "0x" + "00" * 65})
    assert r.status_code == 401 and r.json()["detail"].startswith("not an EIP-4361 message")
    r = client.post("/v1/auth/verify", json={"message": "hello", "signature": "0x12"})
    assert r.status_code == 422 and r.json()["detail"].startswith("body.signature")


def test_sign_in__forged_or_expired_tokens_are_401(client, clock, posted):
    token = sign_in(client, clock).json()["token"]
    version, reader, until, mac = token.split(".")
    forged = f"{version}.{OTHER.address}.{until}.{mac}"
    r = start(client, forged, OTHER.address)
    assert r.status_code == 401 and "not valid here" in r.json()["detail"]
    assert start(client, "nonsense").status_code == 401
    clock.advance(301)
    r = start(client, token)
    assert r.status_code == 401 and r.json()["detail"] == "the sign-in token has expired: sign in again"


@pytest.mark.parametrize("host", ["0.0.0.0", "10.0.0.5", "::"])
def test_start__off_loopback_without_a_sign_in_domain_the_oracle_refuses_to_start(host, tmp_path):
    from twei.errors import ConfigError
    from twei.oracle import serve
    from twei.oracle.settings import OracleSettings

    with pytest.raises(ConfigError, match="set TWEI_ORACLE_SIWE_DOMAIN"):
        serve(OracleSettings(_env_file=None, host=host, db=tmp_path / "o.db"))
