"""Twei: the token economy and Python tooling of a read-to-earn publishing platform.

Modules, one concern each: ``units`` (amounts), ``params`` (economy defaults), ``permit``
(EIP-2612 signatures), ``deploy`` (contracts on any Ape network), ``demo`` (the narrated day),
``errors`` (the exception family) and ``toolchain`` (offline solc, Slither, local nodes).
"""

from twei.errors import ConfigError, ToolchainError, TweiError
from twei.units import format_twei, twei

__all__ = ["ConfigError", "ToolchainError", "TweiError", "format_twei", "twei"]
