"""The exception family of the Twei package.

Every error derives from :class:`TweiError` and from the built-in that fits, so callers may catch
either. Scripts turn a ``TweiError`` into a one-line message and a non-zero exit.
"""

from __future__ import annotations

__all__ = [
    "TweiError",
    "ToolchainError",
    "ConfigError",
    "MerkleError",
    "SignatureError",
    "ClaimError",
    "FileMismatch",
    "ActionRefused",
    "SettlementError",
    "StepNotDue",
    "JobBusy",
    "OracleError",
    "UnknownPost",
    "UnknownSession",
    "PostConflict",
    "SessionFinished",
    "ReplayedHeartbeat",
    "ImplausibleHeartbeat",
    "ClientTimeInFuture",
    "ClientTimeBackwards",
    "OracleUnavailable",
    "SessionInFuture",
    "StoreRefused",
    "SignInRefused",
    "NotSignedIn",
    "WrongReader",
]


class TweiError(Exception):
    """Base of every error this package raises on purpose."""


class ToolchainError(TweiError, RuntimeError):
    """A tool the project needs (node, solc, a local chain) is missing or misbehaves."""


class ConfigError(TweiError, ValueError):
    """A setting (from ``.env`` or a config file) is missing or invalid."""


class MerkleError(TweiError, ValueError):
    """A Merkle tree, dump or leaf is malformed or does not match."""


class SignatureError(TweiError, ValueError):
    """A daily-root signature is malformed or not from the expected signer."""


class ClaimError(TweiError, RuntimeError):
    """A claim cannot be prepared or sent (no settlement files, unknown distributor, ...)."""


class FileMismatch(ClaimError):
    """A published file (a day's tree or breakdown) does not match what the chain published for
    its day (the root, the ``dataHash``): it was altered or is another deployment's; nothing is
    shown or claimed from it."""


class ActionRefused(TweiError, ValueError):
    """A paying action would fail (unknown post, too little TWEI, the contract would revert): it
    is refused before anything is signed or sent."""


class SettlementError(TweiError, RuntimeError):
    """The daily settlement cannot go on: inconsistent files or store, too few signatures, ..."""


class StepNotDue(SettlementError):
    """A settlement step must wait (the day is not over, a previous root is still pending); run
    the job again later and it resumes there."""


class JobBusy(SettlementError):
    """Another run of the same job holds the lock on its store."""


class OracleError(TweiError):
    """The reading-time oracle refused a request; the message says what was wrong."""


class UnknownPost(OracleError, LookupError):
    """No post with this id is registered with the oracle."""


class UnknownSession(OracleError, LookupError):
    """No reading session with this id exists."""


class PostConflict(OracleError, ValueError):
    """A post id is registered already, with other data."""


class SessionFinished(OracleError, ValueError):
    """The reading session was finished; it takes no more heartbeats."""


class ReplayedHeartbeat(OracleError, ValueError):
    """A heartbeat's ``seq`` is not after the session's last one (a replay or out of order)."""


class ImplausibleHeartbeat(OracleError, ValueError):
    """A heartbeat the reading rules refuse as impossible."""


class ClientTimeInFuture(ImplausibleHeartbeat):
    """The client's clock runs ahead of the server's by more than the allowed skew."""


class ClientTimeBackwards(ImplausibleHeartbeat):
    """The client's clock went backwards since the session's previous heartbeat."""


class OracleUnavailable(OracleError, RuntimeError):
    """The oracle could not make a change durable (storage failed or the service is stopping)."""


class SessionInFuture(OracleError, ValueError):
    """A session's start names a client time too far ahead of the server's clock."""


class StoreRefused(OracleError, ValueError):
    """The store refused one request's data (it failed alone; the rest of its batch did not)."""


class SignInRefused(OracleError, ValueError):
    """A Sign-In with Ethereum message or signature is not acceptable (why, in the message)."""


class NotSignedIn(OracleError, PermissionError):
    """A request needs a sign-in token (or the backend's API key) and carries none that holds."""


class WrongReader(OracleError, PermissionError):
    """The sign-in token is for another address than the reader named."""
