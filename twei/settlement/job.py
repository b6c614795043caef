"""The daily settlement as durable steps: fetch, build, sign, publish, activate, claim.

Each step first asks the store (and, for transactions, the chain) whether it is already done,
does its work, and records its outcome in one durable write. So the job can run every day from
cron, twice by mistake, or be killed anywhere: a re-run skips what is done and resumes the rest,
and the chain's own checks (strictly increasing epochs, cumulative claims) make a transaction
sent but not recorded harmless: the next run sees it on-chain and records it.

Days are built in order (cumulative amounts and XP carry over); a day missed by cron is built
before the requested one, and only the requested day's root is published (it carries everything
before it). Once a root's challenge period is over the job activates it (so no user's claim pays
for the mint); the hourly timer's next run does, if the period was still running.

A guardian may revoke a published root. The next run notices (the distributor's ``isRevoked``),
rolls the store back to the day before (each built day keeps an undo log of the accounts it
changed) and sets the day's files aside in ``revoked/``, so the day is settled again from the data
as it is then, and the published breakdown files always explain every TWEI the distributor
minted. A rebuilt root equal to the revoked one is refused before any gas is spent: correct the
data first.

``checkpoint(name)`` is called after each step's effect and before it is recorded: tests raise
there to inject crashes at the worst moment.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from eth_utils import to_checksum_address

from twei.addresses import checksum
from twei.breakdown import Breakdown, breakdown_path
from twei.economy import PoolRates, settle_lines
from twei.errors import SettlementError, StepNotDue
from twei.merkle import DISTRIBUTOR_LEAF_ENCODING, MultiProof, StandardMerkleTree
from twei.settlement.day import (
    DAY,
    advance_accounts_by,
    day_actors,
    day_bounds,
    day_gross_and_xp,
    event_counts,
    levels_before,
)
from twei.settlement.claims import claimed_totals
from twei.settlement.events import fetch_events
from twei.settlement.forked import forked
from twei.settlement.files import (
    collect_signatures,
    load_day,
    sign_published_day,
    tree_path,
    write_tree,
)
from twei.settlement.store import AccountState, EpochRecord, JobStore
from twei.settlement.timeline import utc
from twei.settlement.weights import held_from_breakdown, stored_trust_day
from twei.trust import TrustDay, TrustParams

__all__ = ["ReadsSource", "SettlementJob", "Outcome", "claim_gas", "plan_batches", "plan_sweeps", "sweep_gas", "genesis_xp"]


class ReadsSource(Protocol):
    """What the settlement needs of the oracle's store (twei.oracle.store.base.OracleStore):
    ``qualifying_read_pages`` (plain tuples, streamed), or else ``qualifying_reads``."""

    def qualifying_reads(self, start: Any, end: Any) -> list[Any]: ...


#: A day with fewer accounts than this writes its breakdown in the job's process (forking costs more).
FORK_MIN_ACCOUNTS = 50_000
#: How long the breakdown's worker, or the work beside the reads import, may take (a 1M-account
#: day's: about 15 s and 30 s).
FORK_DEADLINE_S = 1_800.0


def genesis_xp(level: int) -> int:
    """The XP a genesis level stands for: 10·L², the least XP of that level."""
    return 10 * level * level


def claim_gas(proof_length: int) -> int:
    """A generous estimate of one claim's gas in `claimMany`: a cold account record, a token
    transfer to a maybe-new holder, the event, and a keccak per proof node."""
    return 75_000 + 1_000 * proof_length


def plan_batches(claims: Sequence[tuple], gas_budget: int) -> list[list[tuple]]:
    """Split claims (each with its proof last) into batches whose estimated gas fits the budget."""
    batches: list[list[tuple]] = []
    batch: list[tuple] = []
    used = 30_000
    for claim in claims:
        gas = claim_gas(len(claim[-1]))
        if batch and used + gas > gas_budget:
            batches.append(batch)
            batch, used = [], 30_000
        batch.append(claim)
        used += gas
    if batch:
        batches.append(batch)
    return batches


def sweep_gas(accounts: int, proof_nodes: int, flags: int) -> int:
    """A generous estimate of one `sweep`'s gas: per account a cold record and a token balance
    that may both be new, two events and the leaf's calldata; per multiproof node its calldata and
    hashing; per flag a step of the loop and its bit of calldata (packed 256 a word)."""
    return 40_000 + 62_000 * accounts + 900 * proof_nodes + 250 * flags


def plan_sweeps(tree: StandardMerkleTree, indices: Sequence[int], gas_budget: int) -> list[MultiProof]:
    """Split the leaves at ``indices`` into multiproofs whose estimated `sweep` gas fits the budget.

    Leaves are taken in heap order, so each batch holds neighbours whose paths meet early (the
    fewest proof nodes); a batch's size starts from a bound that assumes no shared node at all,
    then grows while the real multiproof still fits."""
    order = sorted(indices, key=lambda i: tree.tree_indices[i], reverse=True)
    depth = max(1, (len(tree.tree) - 1).bit_length())
    start_size = max(1, (gas_budget - 40_000) // (62_000 + 1_300 * depth))
    sweeps: list[MultiProof] = []
    lo = 0
    while lo < len(order):
        size = start_size
        proof = tree.get_multi_proof(order[lo : lo + size])
        while lo + size < len(order):
            bigger = tree.get_multi_proof(order[lo : lo + size + max(1, size // 8)])
            if sweep_gas(len(bigger.values), len(bigger.proof), len(bigger.proof_flags)) > gas_budget:
                break
            proof, size = bigger, len(bigger.values)
        sweeps.append(proof)
        lo += len(proof.values)
    return sweeps


@dataclass
class _DayInputs:
    """What a day's build needs besides its reads, gathered while they are imported."""

    accounts: dict[str, AccountState]
    trust: TrustDay | None
    counts: list[tuple[str, int, int, int, int]]
    actors: set[str]


@dataclass
class Outcome:
    """What one run did, step by step (for the CLI and the tests)."""

    epoch: int
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    claims_sent: int = 0
    #: A quiet day: its tree equals the root the chain holds already, so nothing is published.
    quiet: bool = False

    def note(self, step: str, did: bool) -> None:
        (self.done if did else self.skipped).append(step)


def _noop(_: str) -> None:
    return None


@dataclass
class SettlementJob:
    """One chain's settlement: the store, the published files, and (optionally) the contracts.

    ``engagement`` and ``distributor`` are Ape contract instances; ``keys`` the oracle keys this
    process holds (may be none: then the signatures come from files other oracles wrote).
    """

    chain_id: int
    store: JobStore
    settlements: Path
    engagement: Any = None
    distributor: Any = None
    reads: ReadsSource | None = None
    keys: Sequence[str] = ()
    rates: PoolRates = PoolRates()
    #: The pool's weighting (twei.trust; README "The pool pays people, not keys"). It needs seeds:
    #: without a genesis root the pool is paid unweighted, and the job says so.
    trust: TrustParams | None = TrustParams()
    start_block: int = 0
    page_blocks: int = 2_000
    #: The distributor's deployment block: its Claimed events are read from there.
    distributor_block: int = 0
    #: Blocks below the head left unread (the reorg allowance; 0 on local dev chains).
    confirmations: int = 0
    claim_gas_budget: int = 8_000_000
    checkpoint: Callable[[str], None] = _noop
    say: Callable[[str], None] = _noop
    #: Processes a large day's build uses: the reads pass (twei.settlement.day.day_gross_and_xp)
    #: cuts the readers in this many ranges of about equal reads, merged in reader order, and
    #: above one the breakdown is written by a worker beside the tree (the same result either way).
    workers: int = field(default_factory=lambda: min(2, os.cpu_count() or 1))
    #: Wraps each part of a build (the benchmark times them); a no-op by default.
    timer: Callable[[str], AbstractContextManager[Any]] = lambda _: nullcontext()

    # ------------------------------------------------------------------ fetch

    def fetch(self) -> int:
        """Read new Engagement events up to ``confirmations`` blocks below the chain's head, page
        by page; returns how many."""
        return fetch_events(
            self.store, self.engagement, self.start_block, self.page_blocks, self.checkpoint, self.confirmations
        )

    def _import_reads(self, epoch: int) -> int:
        """Copy the epoch's qualifying reads from the oracle's store into the job's, in their own
        transaction (reads are keyed (reader, post): importing again after a crash changes
        nothing). The oracle's SQLite file is ATTACHed and copied in one statement; any other
        store streams pages of plain tuples (``qualifying_read_pages``) into ``executemany``.
        The oracle's API stores readers checksummed, as the job does, so rows are taken as is."""
        if self.reads is None:
            return 0
        start, end = day_bounds(epoch)
        oracle_db = _sqlite_path(self.reads)
        if oracle_db is not None:
            return self.store.import_oracle_reads(oracle_db, epoch, start * 1000, end * 1000)
        from datetime import UTC, datetime

        since, until = datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC)
        pages = getattr(self.reads, "qualifying_read_pages", None)
        if pages is not None:
            return self.store.import_read_pages(epoch, pages(since, until))
        rows = self.reads.qualifying_reads(since, until)
        return self.store.import_read_pages(epoch, [[
            (checksum(r.reader), int(r.post_id), int(r.credited_ms), int(r.qualified_at.timestamp() * 1000))
            for r in rows
        ]])

    # ------------------------------------------------------------------ build

    def _first_epoch(self) -> int | None:
        last = self.store.last_built_epoch()
        if last is not None:
            return last + 1
        first_ts = self.store.first_event_ts()
        return None if first_ts is None else first_ts // DAY

    def build(self, epoch: int) -> list[int]:
        """Build every unbuilt day up to ``epoch``, oldest first; returns the epochs built now."""
        last_ts = int(self.store.get_meta("last_block_ts", "0") or 0)
        if last_ts < day_bounds(epoch)[1]:
            raise StepNotDue(
                f"day {epoch} ends at {utc(day_bounds(epoch)[1])}; the chain read so far reaches"
                f" {utc(last_ts)} ({self.confirmations} confirmations below the head): run again after"
                f" a block after the day's end is {self.confirmations} deep"
            )
        first = self._first_epoch()
        if first is None:
            first = epoch
        built = []
        for day in range(first, epoch + 1):
            self._build_one(day)
            built.append(day)
        return built

    def _build_one(self, epoch: int) -> EpochRecord:
        if self.store.epoch(epoch) is not None:
            return self.store.epoch(epoch)  # type: ignore[return-value]
        with _no_cycle_collector():
            return self._build_day(epoch)

    def _build_day(self, epoch: int) -> EpochRecord:
        timer = self.timer
        with timer("reads import (accounts, trust weights alongside)"):
            inputs = self._import_alongside(epoch)
            accounts, trust = inputs.accounts, inputs.trust
        with self.store.transaction() as db:
            # The SQL path (day.settle_stored_day_sql, step by step): the same result as
            # day_activity() + economy.settle_day(), without a Python object per read.
            weights = trust.weights if trust is not None else None
            with timer("day lines and XP (SQL)"):
                gross, deltas = day_gross_and_xp(
                    self.store, epoch, self.rates, counts=inputs.counts, level_of=levels_before(accounts),
                    weights=weights, workers=self.workers,
                )
                actors = inputs.actors
                del inputs
            with timer("pool rules (economy)"):
                result = settle_lines(gross, self.rates)
                del gross
            with timer("accounts: cumulative, XP, levels"):
                changed = advance_accounts_by(
                    accounts, deltas, result, actors, trust.lift() if trust is not None else None
                )
                before = {a: accounts[a] for a in changed if a in accounts}
                accounts.update(changed)
            breakdown = Breakdown(
                chain_id=self.chain_id, epoch=epoch, scaled=result.scaled, pool=self.rates.daily_pool,
                lines=result.lines, paid=result.paid, trust=trust.section() if trust is not None else None,
            )
            if self.workers > 1 and len(accounts) >= FORK_MIN_ACCOUNTS:
                # The breakdown (a line per read) in a forked process while this one builds the
                # tree and saves the accounts: the same bytes, half the wall time on two cores.
                path = breakdown_path(self.settlements, self.chain_id, epoch)
                with timer("breakdown file (worker), tree, accounts saved"):
                    with forked(lambda: "0x" + breakdown.write(path).hex(), f"epoch {epoch}: the breakdown file",
                                FORK_DEADLINE_S) as breakdown_hash:
                        root, total = self._write_tree(epoch, accounts)
                        self.store.save_undo(db, epoch, {a: before.get(a) for a in changed})
                        self.store.save_accounts(db, changed)
                        data_hash = breakdown_hash()
            else:
                root, total, data_hash = self._write_files(epoch, accounts, breakdown)  # timed inside
                with timer("accounts saved"):
                    self.store.save_undo(db, epoch, {a: before.get(a) for a in changed})
                    self.store.save_accounts(db, changed)
            self.checkpoint("build")
            with timer("store commit"):
                self.store.record_built(db, epoch, root, total, data_hash, len(accounts))
        self.say(f"epoch {epoch}: {len(result.paid)} accounts paid, {len(accounts)} leaves, root {root}")
        return self.store.epoch(epoch)  # type: ignore[return-value]

    def _import_alongside(self, epoch: int) -> _DayInputs:
        """Import the day's reads and, meanwhile, gather what the day needs besides them: the
        accounts (their levels before the day), the trust weights, the events' per-line sums
        (:func:`~twei.settlement.day.event_counts`) and the day's actors. None of these reads the
        ``reads`` table, and SQLite copies the reads in one statement that leaves Python's lock
        free, so on two cores the two sides overlap. The side reads the store on a connection of
        its own (WAL: it sees the committed events and accounts, which the import does not touch;
        the job's lock keeps other writers out). A store in memory has no second connection:
        then one after the other, on the job's."""
        previous = self._previous_epoch(epoch)
        if self.store.path == Path(":memory:"):
            self._import_reads(epoch)
            return self._day_inputs(epoch, self.store, previous)
        done: dict[str, Any] = {}

        def side() -> None:
            side_store = JobStore.reader(self.store.path)
            try:
                done["inputs"] = self._day_inputs(epoch, side_store, previous)
            except BaseException as err:  # re-raised below, in the job's thread
                done["error"] = err
            finally:
                side_store.close()

        thread = threading.Thread(target=side, name=f"settle-{epoch}-side", daemon=True)
        started = time.monotonic()
        thread.start()
        try:
            self._import_reads(epoch)
        finally:
            thread.join(timeout=max(0.0, started + FORK_DEADLINE_S - time.monotonic()))
        if thread.is_alive():  # a daemon: it ends with the process, which fails now
            raise SettlementError(
                f"epoch {epoch}: the accounts, trust weights and event sums took over {FORK_DEADLINE_S:.0f} s"
            )
        if "error" in done:
            raise done["error"]
        return done["inputs"]

    def _day_inputs(self, epoch: int, store: JobStore, previous: int | None) -> _DayInputs:
        accounts = store.accounts()
        trust = self._trust_day(epoch, store, previous)
        counts = event_counts(store, epoch, trust.weights if trust is not None else None)
        return _DayInputs(accounts, trust, counts, day_actors(store, epoch))

    def _trust_day(self, epoch: int, store: JobStore | None = None, previous: int | None = None) -> TrustDay | None:
        """The day's weights, from the chain's events, the genesis accounts and what the previous
        day's published breakdown says each reader holds."""
        if self.trust is None:
            return None
        if store is None:
            store, previous = self.store, self._previous_epoch(epoch)
        held = held_from_breakdown(self.settlements, self.chain_id, previous)
        trust = stored_trust_day(store, epoch, self.trust, held)
        if trust is None:
            self.say(f"epoch {epoch}: no genesis accounts to seed trust; the pool is paid unweighted")
        return trust

    def _write_files(self, epoch: int, accounts: Mapping[str, AccountState], breakdown: Breakdown) -> tuple[str | None, int, str]:
        with self.timer("breakdown file"):
            data_hash = "0x" + breakdown.write(breakdown_path(self.settlements, self.chain_id, epoch)).hex()
        with self.timer("tree (twei.merkle) and its file"):
            root, total = self._write_tree(epoch, accounts)
        return root, total, data_hash

    def _write_tree(self, epoch: int, accounts: Mapping[str, AccountState]) -> tuple[str | None, int]:
        """The day's tree file; its root and total (no accounts: no tree, no root)."""
        if not accounts:
            return None, 0
        values = [(a, accounts[a].cumulative, accounts[a].level) for a in sorted(accounts)]
        tree = StandardMerkleTree.of(values, DISTRIBUTOR_LEAF_ENCODING)
        write_tree(tree, tree_path(self.settlements, self.chain_id, epoch))
        return tree.root, sum(v[1] for v in values)

    def build_genesis(
        self, epoch: int, levels: Mapping[str, int], amounts: Mapping[str, int] | None = None
    ) -> EpochRecord:
        """The genesis day: leaves carrying ``levels`` (XP 10·L²) and, for a migration, starting
        ``amounts`` in wei (0 by default); only before any day."""
        existing = self.store.epoch(epoch)
        if existing is not None and existing.genesis:
            return existing
        if self.store.last_built_epoch() is not None:
            raise SettlementError("a genesis root comes before every settled day; this store has days already")
        if not levels:
            raise SettlementError("a genesis needs at least one level")
        amounts = {to_checksum_address(a): int(v) for a, v in (amounts or {}).items()}
        accounts = {
            to_checksum_address(a): AccountState(amounts.get(to_checksum_address(a), 0), genesis_xp(int(level)), int(level))
            for a, level in levels.items()
        }
        # The starting amounts are minted too: the genesis breakdown pays them (with no lines), so
        # the published breakdowns explain every TWEI the distributor mints.
        paid = {a: s.cumulative for a, s in accounts.items() if s.cumulative}
        breakdown = Breakdown(self.chain_id, epoch, False, self.rates.daily_pool, {a: {} for a in paid}, paid)
        with self.store.transaction() as db:
            root, total, data_hash = self._write_files(epoch, accounts, breakdown)
            self.checkpoint("build")
            self.store.save_undo(db, epoch, dict.fromkeys(accounts))
            self.store.save_accounts(db, accounts)
            self.store.record_built(db, epoch, root, total, data_hash, len(accounts), genesis=True)
        return self.store.epoch(epoch)  # type: ignore[return-value]

    # ------------------------------------------------------------------ revocations

    def reconcile_revocations(self) -> list[int]:
        """Settle again the days whose root a guardian revoked; returns the epochs rolled back.

        Only days later than the chain's roots can be concerned: the store's last days, whose root
        is not on the chain. Days built on top of a revoked one go with it (amounts are
        cumulative). A published root that is neither on the chain nor revoked left the chain in
        a reorg: it is published again."""
        if self.distributor is None:
            return []
        (_, active_epoch), (_, pending_epoch, _) = self._on_chain()
        redo = None
        for record in self.store.epochs():
            if record.root is None or record.epoch <= max(active_epoch, pending_epoch):
                continue
            if self.distributor.isRevoked(record.epoch, record.root, record.total):
                self.say(f"epoch {record.epoch}: the guardian revoked root {record.root}; settling the day again")
                redo = record.epoch
                break
            if record.done("published"):
                self.say(f"epoch {record.epoch}: the published root is no longer on the chain (reorg); publishing it again")
                self.store.record_unpublished(record.epoch)
        if redo is None:
            return []
        removed = self.store.roll_back_from(redo)
        self._set_aside(removed)
        return removed

    def _set_aside(self, epochs: list[int]) -> None:
        """Move the files of forgotten days to ``revoked/<epoch>.<n>/``: never published again,
        kept for the record."""
        folder = self.settlements / str(self.chain_id)
        for epoch in epochs:
            files = [p for p in folder.glob(f"{epoch}.*") if p.is_file()]
            if not files:
                continue
            n = 1
            while (folder / "revoked" / f"{epoch}.{n}").exists():
                n += 1
            target = folder / "revoked" / f"{epoch}.{n}"
            target.mkdir(parents=True)
            for path in files:
                path.replace(target / path.name)

    # ------------------------------------------------------------------ sign

    def _previous_epoch(self, epoch: int) -> int | None:
        row = self.store.db.execute("SELECT MAX(epoch) FROM epochs WHERE epoch < ?", (epoch,)).fetchone()
        return row[0]

    def sign(self, epoch: int) -> dict[str, bytes]:
        """Sign with the keys this process holds (from the files, as a remote oracle would), then
        collect the signature files; :class:`StepNotDue` while fewer than ``threshold``."""
        from eth_account import Account

        oracles = [to_checksum_address(str(o)) for o in self.distributor.oracles()]
        threshold = int(self.distributor.threshold())
        day = load_day(self.settlements, self.chain_id, epoch, self._previous_epoch(epoch))
        message = day.message(self.chain_id, str(self.distributor.address))
        found = collect_signatures(self.settlements, message, oracles)
        for key in self.keys:
            signer = Account.from_key(key).address
            if len(found) >= threshold:
                break
            if signer in oracles and signer not in found:
                sign_published_day(self.settlements, self.chain_id, str(self.distributor.address), epoch, key, self._previous_epoch(epoch))
                found = collect_signatures(self.settlements, message, oracles)
        if len(found) < threshold:
            raise StepNotDue(f"epoch {epoch} has {len(found)} of {threshold} oracle signatures; waiting for the others")
        self.checkpoint("sign")
        self.store.record_step(epoch, "signed")
        return found

    # ------------------------------------------------------------------ publish

    def _on_chain(self) -> tuple[tuple[str, int], tuple[str, int, int]]:
        active_root, active_epoch, _ = self.distributor.activeRoot()
        pending_root, pending_epoch, _, activates_at = self.distributor.pendingRoot()
        return (_hex(active_root), int(active_epoch)), (_hex(pending_root), int(pending_epoch), int(activates_at))

    def publish(self, epoch: int, sender: Any) -> bool:
        """Publish the epoch's root; False if the chain has it (or a later one) already."""
        record = self.store.epoch(epoch)
        assert record is not None
        (active_root, active_epoch), (pending_root, pending_epoch, activates_at) = self._on_chain()
        if active_epoch >= epoch or pending_epoch >= epoch:
            on_chain = active_root if active_epoch == epoch else pending_root if pending_epoch == epoch else None
            if on_chain is not None and on_chain != record.root:
                raise SettlementError(f"the chain holds another root for epoch {epoch}: {on_chain}")
            self.store.record_step(epoch, "published")
            return False
        if pending_epoch and activates_at:
            raise StepNotDue(f"the root for epoch {pending_epoch} activates at {utc(activates_at)}; run again after that")
        if self.distributor.isRevoked(epoch, record.root, record.total):
            raise SettlementError(
                f"the root built for epoch {epoch} ({record.root}) is the one the guardian revoked;"
                " correct the day's data (oracle reads, rates) and run again"
            )
        day = load_day(self.settlements, self.chain_id, epoch)
        if day.root != record.root:
            raise SettlementError(f"{tree_path(self.settlements, self.chain_id, epoch)} no longer holds the root built ({record.root})")
        message = day.message(self.chain_id, str(self.distributor.address))
        oracles = [to_checksum_address(str(o)) for o in self.distributor.oracles()]
        signatures = list(collect_signatures(self.settlements, message, oracles).values())
        threshold = int(self.distributor.threshold())
        if len(signatures) < threshold:
            raise StepNotDue(f"epoch {epoch} has {len(signatures)} of {threshold} signatures")
        receipt = self.distributor.publishRoot(
            epoch, day.root, day.total, day.data_hash, signatures[:threshold], sender=sender
        )
        self.checkpoint("publish")
        self.store.record_step(epoch, "published", tx=str(receipt.txn_hash))
        return True

    # ------------------------------------------------------------------ activate

    def activate(self, epoch: int, sender: Any) -> bool:
        """Activate the epoch's root once its challenge period is over (anyone may; the job does
        it so that no user's claim pays for the mint). False if it is active already or not due
        yet (then says when it will be); :class:`StepNotDue` if the UTC day's cap is spent.
        Decided from views, before any gas, the same on every provider."""
        from ape import chain

        (_, _), (_, pending_epoch, activates_at) = self._on_chain()
        if pending_epoch == epoch:  # still in its challenge period
            self.say(f"the root for epoch {epoch} activates at {utc(activates_at)}; the next run after that activates it")
            return False
        due_epoch, increment = self.distributor.dueRoot()
        if int(due_epoch) != epoch:
            return False  # active already (or another epoch's business)
        last_mint_at, minted = self.distributor.mintWindow()
        now = max(chain.pending_timestamp, chain.blocks.head.timestamp)
        spent = int(minted) if now < int(last_mint_at) + DAY else 0
        if spent + int(increment) > int(self.distributor.dailyCap()):
            raise StepNotDue(
                f"epoch {epoch}: the distributor's rolling daily cap is spent; it activates from"
                f" {utc(int(last_mint_at) + DAY)}, 24 hours after the last mint"
            )
        try:
            self.distributor.activatePendingRoot(sender=sender)
        except Exception:
            if int(self.distributor.dueRoot()[0]) != epoch:
                return False  # someone else's activation was mined first: nothing lost
            raise
        self.checkpoint("activate")
        return True

    # ------------------------------------------------------------------ claim

    def _pending(self, epoch: int) -> tuple[StandardMerkleTree, list[int]]:
        """The epoch's tree and the indices of its leaves with Twei to claim or a level not yet
        recorded on-chain."""
        tree = StandardMerkleTree.load(tree_path(self.settlements, self.chain_id, epoch))
        on_chain = claimed_totals(
            self.store, self.distributor, self.distributor_block, self.page_blocks, self.confirmations
        )
        out = []
        for index, (account, amount, level) in tree.entries():
            claimed, recorded = on_chain.get(checksum(account), (0, 0))
            if claimed < int(amount) or recorded != int(level):
                out.append(index)
        return tree, out

    def pending_claims(self, epoch: int) -> list[tuple]:
        """Leaves of the epoch's tree with Twei to claim or a level not yet recorded on-chain, as
        `claim` arguments (account, amount, level, proof)."""
        tree, indices = self._pending(epoch)
        return [(tree.values[i][0], int(tree.values[i][1]), int(tree.values[i][2]), tree.get_proof(i)) for i in indices]

    def claim(self, epoch: int, sender: Any, progress: bool = True) -> int:
        """Claim for every account of the (active) epoch root in gas-budgeted `sweep`s, each one
        multiproof for its accounts (cheaper per account than `claimMany`'s proof each)."""
        record = self.store.epoch(epoch)
        assert record is not None
        (active_root, active_epoch), (_, pending_epoch, activates_at) = self._on_chain()
        if active_epoch != epoch:
            if pending_epoch == epoch:
                raise StepNotDue(f"the root for epoch {epoch} activates at {utc(activates_at)}; claim after that")
            if active_epoch > epoch:
                self.store.record_step(epoch, "claimed")  # superseded: the later root pays it all
                return 0
            raise SettlementError(f"the root of epoch {epoch} is not on the chain")
        tree, indices = self._pending(epoch)
        from tqdm import tqdm

        sent = 0
        # A bar only on a terminal: under cron or systemd it would fill the log with redraws.
        interactive = progress and sys.stderr.isatty()
        with tqdm(total=len(indices), desc=f"claims {epoch}", unit="acct", disable=not interactive) as bar:
            for sweep in plan_sweeps(tree, indices, self.claim_gas_budget):
                leaves = [(account, int(amount), int(level)) for account, amount, level in sweep.values]
                self.distributor.sweep(leaves, sweep.proof, sweep.proof_flag_bits, sender=sender)
                sent += len(leaves)
                bar.update(len(leaves))
                self.checkpoint("claim_batch")
        self.checkpoint("claim")
        self.store.record_step(epoch, "claimed")
        return sent

    # ------------------------------------------------------------------ the whole run

    def run(self, epoch: int, sender: Any = None, *, claim: bool = False, dry_run: bool = False) -> Outcome:
        """Settle ``epoch``: fetch, build (and any missed day before it), sign, publish, claim."""
        outcome = Outcome(epoch)
        outcome.note("fetch", bool(self.fetch()))
        if self.reconcile_revocations():
            outcome.note("reconcile", True)
        outcome.note("build", bool(self.build(epoch)))
        record = self.store.epoch(epoch)
        if record is None:
            first = self.store.db.execute("SELECT MIN(epoch) FROM epochs").fetchone()[0]
            raise SettlementError(f"day {epoch} is before the first day this store built (day {first}): nothing to settle")
        if dry_run or record.root is None:
            return outcome
        if self._carried(record):
            # A quiet day: no account changed since the root on the chain, which therefore
            # already pays everything this day would (amounts are cumulative). Publishing it
            # would cost a publish and an activation for an identical tree; the next day with
            # activity publishes a root that carries this one. A due root still gets activated.
            outcome.quiet = True
            self.say(f"epoch {epoch}: a quiet day (root {record.root} is on the chain already): nothing to publish")
            due_epoch, _ = self.distributor.dueRoot()
            if int(due_epoch) and self.activate(int(due_epoch), sender):
                outcome.note("activate", True)
            return outcome
        self._finish(record, sender, claim, outcome)
        return outcome

    def _carried(self, record: EpochRecord) -> bool:
        """Whether ``record``'s unpublished root is the latest root on the chain already."""
        if record.done("published") or record.genesis:
            return False
        (active_root, active_epoch), (pending_root, pending_epoch, _) = self._on_chain()
        latest_root, latest_epoch = (pending_root, pending_epoch) if pending_epoch > active_epoch else (active_root, active_epoch)
        due_epoch = int(self.distributor.dueRoot()[0])  # over its challenge period, not yet active
        if due_epoch > latest_epoch:
            due = self.store.epoch(due_epoch)
            latest_root, latest_epoch = (str(due.root) if due is not None else ""), due_epoch
        return 0 < latest_epoch < record.epoch and latest_root.lower() == str(record.root).lower()

    def _finish(self, record: EpochRecord, sender: Any, claim: bool, outcome: Outcome) -> None:
        epoch = record.epoch
        if not record.done("signed"):
            self.sign(epoch)
            outcome.note("sign", True)
        else:
            outcome.note("sign", False)
        if not self.store.epoch(epoch).done("published"):  # type: ignore[union-attr]
            outcome.note("publish", self.publish(epoch, sender))
        else:
            outcome.note("publish", False)
        if self.activate(epoch, sender):
            outcome.note("activate", True)
        if claim:
            if not self.store.epoch(epoch).done("claimed"):  # type: ignore[union-attr]
                outcome.claims_sent = self.claim(epoch, sender)
                outcome.note("claim", True)
            else:
                outcome.note("claim", False)

    def genesis(
        self,
        epoch: int,
        levels: Mapping[str, int],
        sender: Any,
        *,
        amounts: Mapping[str, int] | None = None,
        dry_run: bool = False,
    ) -> Outcome:
        """Build, sign and publish the genesis root (see :meth:`build_genesis`)."""
        outcome = Outcome(epoch)
        record = self.build_genesis(epoch, levels, amounts)
        outcome.note("build", True)
        if not dry_run:
            self._finish(record, sender, False, outcome)
        return outcome


@contextmanager
def _no_cycle_collector() -> Iterator[None]:
    """Python's cycle collector off while a day is built. A large day makes tens of millions of
    tuples and dicts (a line per read), none of them in a cycle; each collection of the oldest
    generation walks all of them, so the collector alone cost a tenth of the build (and most of
    unpickling the reads pass's parts). Back on afterwards, as it was."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _sqlite_path(source: Any) -> str | None:
    """The file of an oracle SQLite store (twei.oracle.store.sqlite.SQLiteStore), else None."""
    from twei.oracle.store.sqlite import SQLiteStore

    if isinstance(source, SQLiteStore) and source.path != ":memory:":
        return source.path
    return None


def _hex(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    text = str(value)
    return text if text.startswith("0x") else "0x" + text
