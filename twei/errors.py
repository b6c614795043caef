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
