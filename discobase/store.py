"""The engine for one guild, ``GuildStore``: its tables and records, read from memory, written by one commit path.

``GuildStore`` is the surface the bot's cogs and the library use. It is made
of its capabilities, each a module of draft builders over the same parts
(write/parts.py): ``RecordWrites`` (insert, update, delete, restore,
insert_many), ``BulkChanges`` (update, delete and upsert many) and ``Undo``
(the trash, history, restore many, undo; bulk changes themselves),
``TableChanges`` and ``SchemaChanges`` (the catalog). Below them, three layers:

- ``write/``: ``Committer`` (commit.py), the one commit path; ``GroupCommit``,
  the tables' write queues; ``WriteGate`` (gate.py), the lifecycle and the
  lease; ``Compactor`` and ``Reconciler`` (gateway events);
- ``cache/``: ``Tables`` (the catalog in memory, tables loaded on use) and
  each ``StoredTable`` (its record index and message ledger);
- ``model/``: schemas, values, the record codec, grammars and queries.

Reads are served from memory once a table is loaded: a find on a warm table
costs no request, and a read never starts a write.

The engine's invariants, cited by number across the package:

- **I1 The cache is a subset of Discord.** Memory changes only after Discord
  stored the change (commit.py), or by reading Discord (loading.py): every
  record in memory is decided so by a message in the channel. A request whose
  outcome is unknown (a time-out, a dropped connection, a cancel) marks the
  table stale, and it is read again before its next use.
- **I2 The newest message naming an id decides it**, as a record or as gone
  (records.py). Deleting a message can only bring back an older copy, so a
  record with one (in a batch, or shadowed) is deleted by a newer ``gone``
  marker, never by deleting its message alone; a marker that cannot be
  written yet is owed, and the next write on the table pays it.
- **I3 Ids are never reused.** The next id is one above the highest id any
  message names, so the newest id's deletion leaves a marker.
- **I4 One commit at a time per table.** Every write of a table's records, and
  every change of its catalog entry, runs under the table's ``asyncio.Lock``,
  so checks (ids, unique columns) and the request they lead to never
  interleave with another write in this process.
- **I5 One commit path.** Every data change is a draft (cache/draft.py),
  stored by ``Committer.commit`` with exactly one request, then applied by
  ``StoredTable.apply``; loading and ``apply`` are the only code that change a
  table's records and ledger. A commit whose request is stored settles every
  entry it carries, even if a record left memory meanwhile (I2: the request is
  newer, so it decides).
- **I6 One lease holder per guild** (lease.py): a process writes only while it
  holds the guild's write lease, so I4 in one process is enough.
- **I7 What the lease assumes of a request already sent.** A time-out ends
  only our wait: Discord may still apply a request after we gave up on it. The
  lease's margin (a write starts only with ``RENEW_BELOW`` seconds left, and its
  wait ends ``SKEW`` seconds, plus the history's observed lag, before the claim
  does) covers requests that land late by less than that; a request delayed longer inside Discord could land
  after a successor took over. Such a write is never acknowledged (its outcome
  is unknown, I1), and the successor read everything after taking over, so the
  late write is read back as Discord decides it, never lost from memory.
- **I8 A message carries what it supersedes.** The message that decides an id
  (I2) carries that id's history of the last 30 days (every change: when, who,
  which command, the values it replaced) and, for a deleted record, the record
  itself (its trash). A change's message is the one request it costs anyway,
  so history and trash add no request (a deletion edits the record's message
  into its marker rather than deleting it: one request either way). Whatever
  supersedes a message (an edit in place, a newer message, a compaction fold)
  repeats what that message carried, pruned to 30 days; so deleting a message
  that decides nothing (compaction's sweep) loses no history, and what a
  cold load reads from the deciding messages is the whole kept history (I1).
  The history lives in memory in its stored form beside the records,
  changed only by loading and ``apply`` (I5).
- **I9 A restore or an undo is a write like any other.** It is a draft of
  record states (the trashed record under its old id, I3: ids are never
  reused, so the id is still free; or the values an entry replaced), checked
  against the unique columns and stored by ``Committer.commit`` under the
  lease and the lock (I4 to I6), and it is itself a change in the history.
  An undo refuses if a later change touched one of its records (it would
  lose that change), and names the change it undid, so a second undo reaches
  the change before, never undoes the undo; both read only what I8 keeps,
  so they hold after a restart and after compaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .backend import Backend
from .cache.budget import CacheBudget
from .cache.catalog_cache import Tables
from .cache.categories import storage_categories
from .model.catalog import Access, Settings
from .model.query import Query
from .model.records import Found, Record
from .model.schema import TableSchema
from .write.commit import Committer
from .write.compaction import CompactionResult, Compactor
from .write.events import Reconciler
from .write.gate import WriteGate
from .write.group_commit import GroupCommit
from .write.imports import RowProblem, check_rows, plan_import
from .write.lease import Lease
from .write.record_writes import RecordWrites
from .write.schema_changes import SchemaChanges
from .write.table_changes import TableChanges
from .write.undo import Undo

__all__ = ["GuildStore", "StoreStatus"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StoreStatus:
    """What one guild's store holds now, for an admin's status view."""

    tables: int
    loaded_tables: int
    cached_records: int
    writes_in_progress: int
    holds_lease: bool
    packed_writes: int = 0
    """Writes stored in a batch with others since start (group commit)."""
    shared_requests: int = 0
    """The batch messages that stored them."""
    compacted_batches: int = 0
    """Batches compaction wrote since start."""
    compacted_deleted: int = 0
    """Messages compaction deleted since start."""


class GuildStore(RecordWrites, Undo, TableChanges, SchemaChanges):
    """Tables and records of one guild, on one ``Backend`` (see the module docstring for its parts)."""

    def __init__(
        self,
        backend: Backend,
        category: str = "discobase",
        budget: CacheBudget | None = None,
        lease: Lease | None = None,
    ) -> None:
        self.backend = backend
        self.lease = lease
        self.tables = Tables(backend, category, budget, lease.clock if lease is not None else lambda: 0.0)
        self.gate = WriteGate(backend, self.tables, lease)
        self.committer = Committer(backend, self.gate)
        self.compactor = Compactor(self.gate, self.committer)
        self.queues = GroupCommit(self.gate, self.committer, self.compactor)
        self.events = Reconciler(self.tables, self.gate, self.committer, self._restore_lost, lease)
        self._closed = False

    # ------------------------------------------------------------ the layout and lifecycle

    @property
    def is_open(self) -> bool:
        """Whether the layout is in place and the catalog read."""
        return self.tables.is_open

    @property
    def closing(self) -> bool:
        """Whether the store is closing (new writes are refused)."""
        return self.gate.closing

    @property
    def category_id(self) -> int | None:
        """The first storage category's id (it holds the catalog), once open."""
        return self.tables.category_id

    @property
    def category_ids(self) -> list[int]:
        """Every storage category's id, the first (with the catalog) first; empty until open (no request)."""
        return storage_categories(self.backend, self.tables.category_name, self.tables.category_id)

    @property
    def catalog_id(self) -> int | None:
        """The catalog channel's id, once open."""
        return self.tables.catalog_id

    async def open(self) -> None:
        """Find or create the category and catalog channel, then read the catalog. Safe to repeat."""
        await self.tables.open()

    def forget_cache(self) -> None:
        """Read the catalog and every table again before their next use (events may have been missed)."""
        self.events.reconnected()

    def status(self) -> StoreStatus:
        """Tables known and loaded, records in memory, writes running, and whether this process may write."""
        known = self.tables.all() if self.tables.catalog_id is not None else []
        loaded = [table for table in known if table.loaded]
        return StoreStatus(
            tables=len(known),
            loaded_tables=len(loaded),
            cached_records=sum(len(table) for table in loaded),
            writes_in_progress=self.gate.running,
            holds_lease=self.lease is None or self.lease.held,
            packed_writes=self.queues.packed_writes,
            shared_requests=self.queues.shared_requests,
            compacted_batches=self.compactor.total.batches,
            compacted_deleted=self.compactor.total.deleted,
        )

    async def close(self, grace: float = 20.0) -> None:
        """Stop at a consistent point (at shutdown): refuse new writes, let running ones finish, release the lease.

        A running import stops at its next batch boundary; what it wrote stays,
        and the same import run again writes only the rest. Closing twice is harmless.
        """
        if self._closed:
            return
        self._closed = True
        if not await self.gate.close(grace):
            # A successor must not write while ours may still land: keep the lease, let it run out.
            log.warning("closing without releasing the write lease")
            return
        await self._pay_owed_markers()
        if self.lease is not None and self.tables.catalog_id is not None:
            await self.lease.release(self.tables.catalog_id)

    async def drain(self) -> None:
        """Wait for the writes started from gateway events (before a shutdown, or in tests)."""
        await self.gate.drain()

    # ------------------------------------------------------------ tables

    def table_names(self) -> list[str]:
        """Names of every table in the catalog, sorted (the store must be open)."""
        return self.tables.names()

    def schema(self, name: str) -> TableSchema:
        """The schema of a table, or ``UnknownTable`` with the closest name."""
        return self.tables.entry(name).schema

    def access(self, name: str) -> Access:
        """Who may read and write a table (role ids, None for everyone), for commands that apply them (no request).

        The store itself writes as the bot and is not bound by these rules.
        """
        return self.tables.entry(name).access

    def settings(self) -> Settings:
        """The database's settings (the audit channel), from the catalog (no request; the store must be open)."""
        self.tables.catalog()
        return self.tables.settings

    def orphaned_channels(self) -> list[str]:
        """Names of the storage categories' channels that neither the catalog nor a table owns (no request)."""
        return self.tables.orphaned_channels()

    async def _pay_owed_markers(self) -> None:
        """At close, once writes are done: write the ``gone`` markers the tables owe (else the next process does)."""
        for table in self.tables.all():
            if not table.owed_markers() or table.damaged:
                continue
            async with table.lock:
                try:
                    await self.committer.pay_owed(table)
                except Exception:  # a restart must still go on; the next process reads what is there
                    log.exception("could not write the deletion markers of %s before closing", table.name)

    # ------------------------------------------------------------ reads (never a write)

    async def load(self, name: str) -> TableSchema:
        """Read the table into memory now, if it is not there yet; its schema."""
        return (await self.tables.loaded(name)).schema

    async def get(self, name: str, record_id: int) -> Record:
        """One record by id (no request on a loaded table)."""
        return (await self.tables.loaded(name)).get(record_id)

    async def find(self, name: str, query: Query | None = None) -> Found:
        """Records matching the query, and in ``matched`` how many match without its limit (no request when loaded)."""
        return (await self.tables.loaded(name)).select(query or Query())

    async def count(self, name: str, query: Query | None = None) -> int:
        """How many records match (all of them without a query)."""
        return (await self.tables.loaded(name)).count(query or Query())

    async def check_rows(
        self, name: str, rows: Sequence[Mapping[str, Any]], *, resumable: bool = False
    ) -> list[RowProblem]:
        """Every problem that would stop ``insert_many`` (with the same ``resumable``) from writing these rows.

        No request on a loaded table; rows an interrupted resumable run wrote already are not checked.
        """
        while True:
            table = await self.tables.loaded(name)
            async with table.lock:  # the check lets other tasks run; none unloads or changes a locked table
                if table.loaded:
                    skip = plan_import(table, rows, resumable, self.backend.upload_limit).written_rows
                    return (await check_rows(table, rows, skip, self.backend.upload_limit))[1]

    async def compact(self, name: str) -> CompactionResult:
        """Fold the table's small messages into batches and delete them now (else done in the background).

        Safe to stop at any moment (see compaction.py); a few requests per 1,000 records.
        """
        await self.tables.table(name)
        return await self.compactor.compact(name)

    # ------------------------------------------------------------ gateway events

    def message_deleted(self, channel_id: int, message_id: int) -> None:
        """A message was deleted (by hand, or by us): drop the record or catalog entry it held."""
        self.events.message_deleted(channel_id, message_id)

    def channel_deleted(self, channel_id: int) -> None:
        """A channel was deleted: a table's becomes damaged; the catalog's or category's is rebuilt."""
        self.events.channel_deleted(channel_id)
