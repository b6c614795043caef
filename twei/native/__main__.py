"""``python -m twei.native``: build the optional C speed-ups (``make setup`` runs it)."""

from twei.native import build

built = build()
print(f"keccak batch: {built}" if built else "keccak batch: not built (no working C compiler); trees hashed in Python")
