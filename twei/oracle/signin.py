"""A reader is a wallet (SPEC §4): Sign-In with Ethereum (EIP-4361) and the sign-in token.

The flow, as the page's tracker runs it:

1. ``POST /v1/auth/nonce`` — the oracle issues a random nonce and records it in the store (so
   every replica knows it, and it signs in once only).
2. The wallet signs an EIP-4361 message naming the oracle's domain, the reader's address, that
   nonce, and optionally an expiration time (``personal_sign``).
3. ``POST /v1/auth/verify`` with the message and the signature — checked by the ``siwe`` library
   (parsing by the EIP's ABNF grammar, domain, expiry and not-before, signature recovered to the
   message's address), then the nonce is consumed; the answer is a bearer token for that
   address.
4. ``POST /v1/sessions`` carries ``Authorization: Bearer <token>``; a session starts only for
   the token's address. The platform's backend may instead vouch for any reader with its
   ``X-API-Key`` (a site that signs its users in itself).

Why a stateless token (an HMAC over address and expiry) rather than a stored one: any replica
checks it without a database round trip on the session start, and a restart does not sign
everyone out. Its key is ``TWEI_ORACLE_SESSION_SECRET`` (the same for every replica), by default
derived from the API key; with neither set, a random key per process (a single dev process).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import siwe

from urllib.parse import urlsplit

from twei.errors import ConfigError, NotSignedIn, SignInRefused, WrongReader

__all__ = ["SignIn", "TokenKey", "new_nonce", "verify_message", "make_token", "check_token", "require_domain"]

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def require_domain(host: str, domain: str | None) -> None:
    """Off loopback, the sign-in domain must be configured: else the domain accepted is the
    ``Host`` the client sends, and a message signed on a phishing page would sign its victim
    in here. :class:`~twei.errors.ConfigError` saying so."""
    if not domain and host not in _LOOPBACK:
        raise ConfigError(
            f"listening on {host}, off loopback: set TWEI_ORACLE_SIWE_DOMAIN to the public host name readers"
            " see in their wallet's sign-in prompt (without it any Host would be accepted)"
        )

_TOKEN_VERSION = "v1"


@dataclass(frozen=True, slots=True)
class SignIn:
    """A verified sign-in: who, and until when (epoch ms) the token holds."""

    reader: str
    expires_ms: int
    token: str


class TokenKey:
    """The HMAC key of sign-in tokens (see the module for where it comes from)."""

    def __init__(self, secret: str | None, api_key: str | None) -> None:
        if secret:
            self._key = hashlib.sha256(secret.encode()).digest()
        elif api_key:
            self._key = hmac.new(api_key.encode(), b"twei sign-in token key", "sha256").digest()
        else:
            self._key = secrets.token_bytes(32)

    def mac(self, payload: str) -> str:
        digest = hmac.new(self._key, payload.encode(), "sha256").digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def new_nonce() -> str:
    """A nonce as EIP-4361 wants it (alphanumeric, at least 8 characters): 17 random ones."""
    return siwe.generate_nonce()


def verify_message(
    message: str, signature: str, domain: str, now: datetime, chain_id: int | None = None
) -> siwe.SiweMessage:
    """The parsed message if ``signature`` by its address signs it for ``domain`` (its URI on
    that host too) and chain ``chain_id`` (when given) and it is valid at ``now``; else
    :class:`~twei.errors.SignInRefused` saying why. (The nonce is the caller's to check against
    the store: this function is pure.)"""
    try:
        parsed = siwe.SiweMessage.from_message(message)
    except Exception as err:  # noqa: BLE001 - the grammar's and pydantic's errors alike
        raise SignInRefused(f"not an EIP-4361 message: {_first_line(err)}") from None
    try:
        parsed.verify(signature, domain=domain, timestamp=now)
    except siwe.DomainMismatch:
        raise SignInRefused(
            f"the message is for domain {parsed.domain!r}, this oracle is {domain!r}"
        ) from None
    except siwe.ExpiredMessage:
        raise SignInRefused("the sign-in message has expired") from None
    except siwe.NotYetValidMessage:
        raise SignInRefused("the sign-in message is not valid yet (not-before)") from None
    except siwe.InvalidSignature:
        raise SignInRefused(
            f"the signature is not by {parsed.address} (wrong signer or a changed message)"
        ) from None
    except siwe.VerificationError as err:
        raise SignInRefused(f"sign-in refused: {type(err).__name__}") from None
    except (ValueError, TypeError) as err:  # a signature that is not hex, say
        raise SignInRefused(f"malformed signature: {_first_line(err)}") from None
    if chain_id is not None and int(parsed.chain_id) != int(chain_id):
        raise SignInRefused(f"the message is for chain {parsed.chain_id}, this deployment is chain {chain_id}")
    if urlsplit(str(parsed.uri)).netloc != domain:
        raise SignInRefused(f"the message's URI {parsed.uri!r} is not on {domain!r}")
    return parsed


def expiry_ms(parsed: siwe.SiweMessage, now_ms: int, ttl_ms: int) -> int:
    """The token's expiry: ``ttl_ms`` from now, or the message's own expiration if sooner."""
    until = now_ms + ttl_ms
    if parsed.expiration_time is not None:
        until = min(until, int(parsed.expiration_time._datetime.timestamp() * 1000))
    return until


def make_token(key: TokenKey, reader: str, expires_ms: int) -> str:
    """``v1.<address>.<expiry ms>.<mac>``: readable by anyone, forged by nobody without the key."""
    payload = f"{_TOKEN_VERSION}.{reader}.{expires_ms}"
    return f"{payload}.{key.mac(payload)}"


def check_token(key: TokenKey, authorization: str | None, now_ms: int) -> str:
    """The address a ``Bearer`` token was issued to; :class:`~twei.errors.NotSignedIn` if
    there is none, it is forged, or it has expired."""
    if not authorization:
        raise NotSignedIn(
            "sign in first: Authorization: Bearer <token> from POST /v1/auth/verify"
            " (or the backend's X-API-Key)"
        )
    scheme, _, token = authorization.partition(" ")
    parts = token.strip().split(".")
    if scheme.lower() != "bearer" or len(parts) != 4 or parts[0] != _TOKEN_VERSION:
        raise NotSignedIn("malformed Authorization header: expected 'Bearer <sign-in token>'")
    payload = ".".join(parts[:3])
    if not hmac.compare_digest(key.mac(payload), parts[3]):
        raise NotSignedIn("the sign-in token is not valid here (forged, or another oracle's)")
    if not parts[2].isdigit() or int(parts[2]) <= now_ms:
        raise NotSignedIn("the sign-in token has expired: sign in again")
    return parts[1]


def check_reader(token_reader: str, reader: str) -> None:
    """A signed-in address reads as itself only."""
    if token_reader != reader:
        raise WrongReader(f"signed in as {token_reader}, not {reader}")


def now_utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
