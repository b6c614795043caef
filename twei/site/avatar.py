"""A generated avatar for an account without a picture: a 5×5 mirrored identicon as inline SVG.

Written here because it is a dozen lines and inline SVG needs no image request (the page
fetches nothing from another host); the pattern and the hue come from the address's keccak,
so an account looks the same everywhere and two accounts rarely alike.
"""

from __future__ import annotations

from functools import lru_cache

from eth_utils import keccak

__all__ = ["identicon_svg", "short_address"]


def short_address(address: str) -> str:
    """``0x1234…abcd``: how the page names an account without a display name."""
    return f"{address[:6]}…{address[-4:]}"


@lru_cache(maxsize=4096)
def identicon_svg(address: str, size: int = 32) -> str:
    digest = keccak(text=address.lower())
    hue = int.from_bytes(digest[:2], "big") % 360
    cells = []
    for row in range(5):
        for col in range(3):
            if digest[2 + row * 3 + col] & 1:
                for x in {col, 4 - col}:
                    cells.append(f'<rect x="{x}" y="{row}" width="1" height="1"/>')
    return (
        f'<svg class="avatar" width="{size}" height="{size}" viewBox="-0.5 -0.5 6 6" aria-hidden="true"'
        f' focusable="false"><rect x="-0.5" y="-0.5" width="6" height="6" fill="hsl({hue} 40% 92%)"/>'
        f'<g fill="hsl({hue} 55% 38%)">{"".join(cells)}</g></svg>'
    )
