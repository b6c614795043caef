"""Let Ape's test features work on Ganache.

Ape reaches Ganache through its generic `node` provider, which snapshots by block number and
rewinds with geth's `debug_setHead`, and cannot set the time or mine. Ganache offers the
`evm_*` methods instead, so on Ganache (and only there) we route Ape's snapshot, restore,
timestamp and mining calls to them. Test isolation (`chain.isolate()`, per-test snapshots) and
time travel (`chain.pending_timestamp = ...`, `chain.mine(...)`) then behave as on py-evm and Anvil.

After every contract transaction Ape looks for `console.log` output in the transaction's call
tree. On Ganache it builds that tree from `debug_traceTransaction`'s struct logs (every opcode,
with memory): about 1.5 s a transaction, which made Ganache's half of the suite wait more than it
ran. Our contracts log nothing, so on Ganache Ape is told to take the basic call tree (the
receipt and one `eth_call`), as it does on chains without tracing.
"""

from __future__ import annotations

from typing import Any

from ape_ethereum.trace import TraceApproach


def is_ganache(provider: Any) -> bool:
    try:
        return "ganache" in str(provider.web3.client_version).lower()
    except Exception:  # not connected to a node with web3 (the embedded chain): not Ganache
        return False


def use_evm_methods(provider: Any) -> None:
    """Patch the provider's class so its test hooks call Ganache's `evm_*` RPC methods, and let
    it build call trees without struct-log traces (see the module)."""
    cls = type(provider)
    provider._call_trace_approach = TraceApproach.BASIC

    def snapshot(self):
        return self.make_request("evm_snapshot", [])

    def restore(self, snapshot_id):
        if not self.make_request("evm_revert", [snapshot_id]):
            raise RuntimeError(f"Ganache could not revert to snapshot {snapshot_id}")

    def set_timestamp(self, new_timestamp: int):
        # Ganache's clock takes JavaScript milliseconds; the next block is stamped from it.
        self.make_request("evm_setTime", [int(new_timestamp) * 1000])

    def mine(self, num_blocks: int = 1):
        for _ in range(num_blocks):
            self.make_request("evm_mine", [])

    cls.snapshot = snapshot
    cls.restore = restore
    cls.set_timestamp = set_timestamp
    cls.mine = mine
