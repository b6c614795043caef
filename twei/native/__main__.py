"""``python -m twei.native``: build the optional C speed-ups (``make setup`` runs it)."""

from twei.native import build

built = build()
print(f"C speed-ups: {built}" if built else "C speed-ups: not built (no working C compiler); trees built in Python")
