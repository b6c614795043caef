"""The daily job's metrics: written, at the end of every run, to ``twei_settle.prom`` in the node
exporter's textfile folder (``TWEI_METRICS_DIR``), since the job is not a server to scrape.

A run writes the whole file (``write_to_textfile`` renames a temporary file over it: a scrape
never sees half a file). The values describe the chain and the job's store as the run left them,
so the alerts of ``deploy/prometheus/twei-alerts.yml`` hold between runs:

* ``twei_settle_last_run_timestamp_seconds``, ``twei_settle_last_exit_code`` (twei.exitcodes),
  ``twei_settle_run_duration_seconds``;
* ``twei_settle_oracle_keys_held`` / ``twei_settle_oracle_keys_expected``;
* ``twei_root_published_epoch`` and ``twei_root_published_timestamp_seconds`` (the block time of
  its publish transaction, when this store sent it), ``twei_root_active_epoch``,
  ``twei_root_due_epoch`` (over its challenge period, not yet active; 0 if none),
  ``twei_root_activated_timestamp_seconds`` (the block time of the active root's activation);
* ``twei_settle_covered_through_timestamp_seconds``: the end of the last UTC day the chain's root
  pays for, a quiet day included (a quiet day publishes nothing, so "no root for 26 h" is read
  from this, not from the publish time);
* ``twei_settle_signatures`` / ``twei_settle_signature_threshold`` of the day waiting to be
  published (both equal when none waits);
* ``twei_settle_revoked_roots``: revoked days set aside in ``revoked/`` (ever);
* ``twei_settle_claims_sent`` (last run), ``twei_settle_accounts_claimed`` (accounts with a claim);
* ``twei_distributor_balance_wei`` against ``twei_distributor_owed_wei`` (the active root's total
  less what was claimed); ``twei_settle_sender_balance_wei`` (its fall over a day is the gas spent
  per day: the recording rule ``twei:settle_gas_wei:1d``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, write_to_textfile

from twei.exitcodes import ExitCode

__all__ = ["JobMetrics", "TEXTFILE"]

TEXTFILE = "twei_settle.prom"


class JobMetrics:
    """The gauges of one run; :meth:`write` puts them in ``folder`` (nothing if it is None)."""

    def __init__(self, folder: Path | None, chain_id: int) -> None:
        self.folder = Path(folder) if folder else None
        self.registry = CollectorRegistry()
        self._gauges: dict[str, Gauge] = {}
        self.chain_id = str(chain_id)

    def set(self, name: str, value: float, doc: str = "") -> None:
        gauge = self._gauges.get(name)
        if gauge is None:
            gauge = Gauge(name, doc or name.replace("_", " "), ["chain_id"], registry=self.registry)
            self._gauges[name] = gauge
        gauge.labels(self.chain_id).set(float(value))

    def value(self, name: str) -> float | None:
        return self.registry.get_sample_value(name, {"chain_id": self.chain_id})

    # ------------------------------------------------------------------ what a run sets

    @contextmanager
    def run(self) -> Iterator[None]:
        """Time the run, note its exit code, and write the file whatever happened."""
        start = time.time()
        code: int = ExitCode.DONE
        try:
            yield
        except SystemExit as end:
            code = int(end.code or 0)
            raise
        except BaseException as err:
            from twei.jobcli import classify

            code = int(classify(err)[0])
            raise
        finally:
            self.set("twei_settle_last_run_timestamp_seconds", start, "Start of the job's last run (Unix time).")
            self.set("twei_settle_run_duration_seconds", time.time() - start, "How long the last run took.")
            self.set("twei_settle_last_exit_code", code, "Exit code of the last run (twei.exitcodes).")
            self.write()

    def keys(self, keys: Sequence[str], distributor: Any, expected: int) -> None:
        from twei.secrets import held_oracle_keys

        held = held_oracle_keys(keys, [str(o) for o in distributor.oracles()])
        self.set("twei_settle_oracle_keys_held", len(held), "Oracle keys of the distributor this machine holds.")
        self.set("twei_settle_oracle_keys_expected", expected, "Oracle keys this machine is expected to hold.")

    def sender(self, balance_wei: int) -> None:
        self.set("twei_settle_sender_balance_wei", balance_wei, "Ether left to the account that sends the job's transactions.")

    def outcome(self, outcome: Any) -> None:
        self.set("twei_settle_claims_sent", outcome.claims_sent, "Accounts claimed for by the last run.")

    def chain_state_or_say(self, job: Any, say: Any) -> None:
        """:meth:`chain_state`, or a log line if the chain cannot be read (the run's own error,
        if any, is the one that counts)."""
        try:
            self.chain_state(job)
        except Exception as err:  # noqa: BLE001
            say(f"metrics: the chain's state was not read ({type(err).__name__}: {' '.join(str(err).split())[:200]})")

    def _activation_time(self, distributor: Any, epoch: int, record: Any) -> None:
        """The block time of the active root's ``RootActivated`` event, looked up from the block of
        its publish transaction (when this store sent it) onward: activation comes at least a
        challenge period later, whoever sends it (the job, a claim, anyone)."""
        if record is None or not record.tx:
            return
        try:
            from ape import chain

            start = chain.provider.get_receipt(record.tx).block_number
            logs = list(distributor.RootActivated.range(start, chain.blocks.height + 1, search_topics={"epoch": epoch}))
            if logs:
                self.set("twei_root_activated_timestamp_seconds", chain.blocks[logs[-1].block_number].timestamp,
                         "Block time of the active root's activation.")
        except Exception:  # noqa: BLE001 - pruned logs or a provider's range limit: no time
            pass

    def chain_state(self, job: Any) -> None:
        """The distributor's roots, signatures, balance and what it owes, and the store's days."""
        if job is None or job.distributor is None:
            return
        from twei.settlement.day import DAY
        from twei.settlement.files import collect_signatures, load_day

        distributor = job.distributor
        _, active_epoch, active_total = distributor.activeRoot()
        _, pending_epoch, _, _ = distributor.pendingRoot()
        due_epoch = int(distributor.dueRoot()[0])
        published = max(int(active_epoch), int(pending_epoch), due_epoch)
        self.set("twei_root_active_epoch", int(active_epoch), "Epoch of the distributor's active root.")
        self.set("twei_root_due_epoch", due_epoch, "Epoch of a root over its challenge period but not active (0: none).")
        self.set("twei_root_published_epoch", published, "Epoch of the latest root published.")
        record = job.store.epoch(published) if published else None
        if record is not None and record.tx:
            try:
                from ape import chain

                receipt = chain.provider.get_receipt(record.tx)
                self.set("twei_root_published_timestamp_seconds", chain.blocks[receipt.block_number].timestamp,
                         "Block time of the latest root's publish transaction.")
            except Exception:  # noqa: BLE001 - another machine's transaction, or pruned: no time
                pass
        self._activation_time(distributor, int(active_epoch), job.store.epoch(int(active_epoch)) if active_epoch else None)
        covered = published
        for day in job.store.epochs():
            if day.epoch > covered and day.root is not None and job._carried(day):
                covered = day.epoch  # a quiet day the chain's root already pays
        if covered:
            self.set("twei_settle_covered_through_timestamp_seconds", (covered + 1) * DAY,
                     "End of the last UTC day the chain's roots pay for (quiet days included).")
        threshold = int(distributor.threshold())
        waiting = [d for d in job.store.epochs() if d.root is not None and d.epoch > published and not job._carried(d)]
        signatures = threshold
        if waiting:
            day = waiting[-1]
            try:
                files = load_day(job.settlements, job.chain_id, day.epoch)
                oracles = [str(o) for o in distributor.oracles()]
                signatures = len(collect_signatures(job.settlements, files.message(job.chain_id, str(distributor.address)), oracles))
            except Exception:  # noqa: BLE001 - files missing: no signature can be counted
                signatures = 0
        self.set("twei_settle_signatures", signatures, "Signatures collected for the day waiting to be published.")
        self.set("twei_settle_signature_threshold", threshold, "Signatures the distributor requires.")
        revoked = job.settlements / str(job.chain_id) / "revoked"
        self.set("twei_settle_revoked_roots", len(list(revoked.iterdir())) if revoked.is_dir() else 0,
                 "Revoked days set aside by the job (ever).")
        from twei.settlement.claims import sync_claims

        sync_claims(job.store, distributor, job.distributor_block, job.page_blocks, job.confirmations)
        claimed = [int(row[0]) for row in job.store.db.execute("SELECT claimed FROM claims")]
        self.set("twei_settle_accounts_claimed", sum(1 for c in claimed if c), "Accounts with a claim on the chain.")
        from ape import project

        token = project.TweiToken.at(str(distributor.token()))
        self.set("twei_distributor_balance_wei", int(token.balanceOf(distributor.address)), "TWEI the distributor holds.")
        self.set("twei_distributor_owed_wei", max(int(active_total) - sum(claimed), 0),
                 "TWEI the active root pays that is not claimed yet.")

    def write(self) -> Path | None:
        if self.folder is None:
            return None
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / TEXTFILE
        write_to_textfile(str(path), self.registry)
        return path
