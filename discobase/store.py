"""The engine for one guild: its tables and records, read from memory and written through one gate.

``GuildStore`` is the surface the bot's cogs and the library use. It is made of
one piece a concern:

- ``Tables`` (tables.py): the layout, the catalog in memory, tables loaded on use;
- ``WriteGate`` (gate.py): the one way a write reaches Discord, gate -> lease ->
  lock -> checks -> one Discord call -> cache, and the store's lifecycle;
- ``TableChanges`` (table_changes.py), ``SchemaChanges`` (schema_changes.py)
  and ``RecordWrites`` (record_writes.py): the writes, each one pass through the
  gate; record writes queued on a table share one message (group_commit.py);
- ``Compactor`` (compaction.py): folds a table's many small messages into
  batches in the background, so cold loads stay short;
- ``RecordChanges`` (bulk_changes.py): bulk updates, deletes and upserts,
  checked whole under the table's lock and stored in batch messages;
- ``Reconciler`` (events.py): gateway events about changes made by hand;
- ``Lease`` (lease.py): the guild's single writer; ``retry`` (retry.py): the one
  retry layer under every REST call.

Reads are served from memory once a table is loaded (history pages of 100,
newest first): a find on a warm table costs no request.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .backend import Backend
from .cache.budget import CacheBudget
from .cache.catalog_cache import Tables
from .cache.stored_table import CachedTable
from .errors import DiscobaseError
from .model.catalog import Access, Settings
from .model.columns import ColumnType
from .model.query import Query
from .model.records import Found, Record
from .model.schema import Column, TableSchema
from .write.bulk_changes import BulkUpdate, RecordChanges, RecordProblem, UpsertResult
from .write.compaction import CompactionResult, Compactor
from .write.events import Reconciler
from .write.gate import WriteGate
from .write.imports import BulkResult, RowProblem, check_rows, plan_import
from .write.lease import Lease
from .write.record_writes import Progress, RecordWrites
from .write.schema_changes import AlterResult, SchemaChanges
from .write.table_changes import TableChanges

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


class GuildStore:
    """Tables and records of one guild, on one ``Backend``."""

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
        self._changes = TableChanges(backend, self.tables, self.gate)
        self._records = RecordWrites(backend, self.tables, self.gate)
        self._bulk = RecordChanges(backend, self.tables, self.gate)
        self._schemas = SchemaChanges(backend, self.tables, self.gate)
        self.compactor = Compactor(backend, self.gate)
        self.events = Reconciler(self.tables, self.gate, self._changes, lease)
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
        """The storage category's id, once open."""
        return self.tables.category_id

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
            packed_writes=self._records.packed_writes,
            shared_requests=self._records.shared_requests,
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

    async def set_access(self, name: str, access: Access) -> Access:
        """Set who may read and write a table, kept in its catalog entry (1 request: the catalog edit)."""
        return await self._changes.set_access(name, access)

    def settings(self) -> Settings:
        """The database's settings (the audit channel), from the catalog (no request; the store must be open)."""
        self.tables.catalog()
        return self.tables.settings

    async def set_settings(self, settings: Settings) -> Settings:
        """Change the database's settings, kept in the catalog (1 request; none when nothing changes)."""
        return await self._changes.set_settings(settings)

    def orphaned_channels(self) -> list[str]:
        """Names of the category's channels that neither the catalog nor a table owns (no request)."""
        return self.tables.orphaned_channels()

    async def create_table(self, schema: TableSchema) -> TableSchema:
        """Create a table: its channel, then its catalog entry (2 requests)."""
        return await self._changes.create(schema)

    async def add_column(self, name: str, column: Column) -> TableSchema:
        """Add a column; existing records read it as its default (1 request: the catalog edit)."""
        return await self._changes.add_column(name, column)

    async def rename_table(self, name: str, new_name: str) -> TableSchema:
        """Give a table another name; its channel, ids and records stay as they are (1 request: the catalog edit)."""
        return await self._schemas.rename_table(name, new_name)

    async def set_description(self, name: str, description: str) -> TableSchema:
        """Change a table's description (1 request: the catalog edit)."""
        return await self._schemas.set_description(name, description)

    async def rename_column(self, name: str, column: str, new_name: str) -> TableSchema:
        """Give a column another name; no record is rewritten (1 request: the catalog edit)."""
        return await self._schemas.rename_column(name, column, new_name)

    async def drop_column(self, name: str, column: str) -> TableSchema:
        """Remove a column and its values from every read (1 request: the catalog edit). CANNOT BE REVERSED."""
        return await self._schemas.drop_column(name, column)

    async def alter_column(
        self,
        name: str,
        column: str,
        *,
        column_type: ColumnType | None = None,
        choices: Sequence[str] | None = None,
        unique: bool | None = None,
        optional: bool | None = None,
        default: Any = None,
    ) -> AlterResult:
        """Change a column's type or flags, all records or none (``AlterRejected`` lists those that cannot take it).

        Flags alone cost 1 request (the catalog edit); a change of stored values
        (type, default, filled empty values) also writes every record again, one
        batch message per 1,000 records.
        """
        return await self._schemas.alter_column(
            name,
            column,
            column_type=column_type,
            choices=choices,
            unique=unique,
            optional=optional,
            default=default,
        )

    async def drop_table(self, name: str) -> None:
        """Delete a table: its catalog entry first, then its channel. CANNOT BE REVERSED."""
        await self._changes.drop(name)

    async def remove_layout(self) -> None:
        """Delete the catalog channel and the category, once every table is dropped. CANNOT BE REVERSED."""
        await self._changes.remove_layout()

    # ------------------------------------------------------------ reads

    async def _loaded(self, name: str) -> CachedTable:
        """The table in memory; compaction starts in the background if it has many small messages."""
        table = await self.tables.loaded(name)
        self.compactor.consider(table)
        return table

    async def load(self, name: str) -> TableSchema:
        """Read the table into memory now, if it is not there yet; its schema."""
        return (await self._loaded(name)).schema

    async def get(self, name: str, record_id: int) -> Record:
        """One record by id (no request on a loaded table)."""
        return (await self._loaded(name)).get(record_id)

    async def find(self, name: str, query: Query | None = None) -> Found:
        """Records matching the query, and in ``matched`` how many match without its limit (no request when loaded)."""
        return (await self._loaded(name)).select(query or Query())

    async def count(self, name: str, query: Query | None = None) -> int:
        """How many records match (all of them without a query)."""
        table = await self._loaded(name)
        if query is None or not query.conditions:
            return len(table)
        matches = query.predicate()
        return sum(1 for record in table if matches(record))

    async def check_rows(
        self, name: str, rows: Sequence[Mapping[str, Any]], *, resumable: bool = False
    ) -> list[RowProblem]:
        """Every problem that would stop ``insert_many`` (with the same ``resumable``) from writing these rows.

        No request on a loaded table; rows an interrupted resumable run wrote already are not checked.
        """
        table = await self._loaded(name)
        return check_rows(table, rows, plan_import(table, rows, resumable).written_rows)[1]

    # ------------------------------------------------------------ record writes

    async def insert(self, name: str, values: Mapping[str, Any], creator_id: int) -> Record:
        """Insert one record (1 request) and return it with its new id."""
        record = await self._records.insert(name, values, creator_id)
        self._written(name)
        return record

    async def insert_many(
        self,
        name: str,
        rows: Sequence[Mapping[str, Any]],
        creator_id: int,
        on_progress: Progress | None = None,
        *,
        resumable: bool = False,
    ) -> BulkResult:
        """Insert many records, all or none: checked first, then written in batch messages.

        Raises ``ImportRejected`` listing every bad row, with nothing written.
        ``on_progress(done, total)`` runs beside the import after batches reach
        Discord (never holding up other writes). With ``resumable``, batches are
        tagged with the import's fingerprint, and the same rows inserted again
        write only the batches an interrupted run missed.
        """
        result = await self._records.insert_many(name, rows, creator_id, on_progress, resumable=resumable)
        self._written(name)
        return result

    async def update(self, name: str, record_id: int, changes: Mapping[str, Any]) -> Record:
        """Change some columns of one record (1 request; none when nothing changes)."""
        record = await self._records.update(name, record_id, changes)
        self._written(name)
        return record

    async def delete(self, name: str, record_id: int) -> Record:
        """Delete one record (1 request) and return it as it was."""
        record = await self._records.delete(name, record_id)
        self._written(name)
        return record

    # ------------------------------------------------------------ bulk changes (bulk_changes.py)

    async def check_update_many(
        self, name: str, record_ids: Sequence[int], changes: Mapping[str, Any]
    ) -> list[RecordProblem]:
        """Every problem that would stop ``update_many`` from changing these records now (no request when loaded)."""
        return await self._bulk.check_update(name, record_ids, changes)

    async def update_many(self, name: str, record_ids: Sequence[int], changes: Mapping[str, Any]) -> list[BulkUpdate]:
        """Set the same columns of many records, all or none, in batch messages (1 request per 1,000 records).

        Raises ``BulkRejected`` naming every record that cannot take the change, with nothing written.
        """
        changed = await self._bulk.update_many(name, record_ids, changes)
        self._written(name)
        return changed

    async def delete_many(self, name: str, record_ids: Sequence[int]) -> list[Record]:
        """Delete many records, all or none, in batch messages; returns them as they were."""
        deleted = await self._bulk.delete_many(name, record_ids)
        self._written(name)
        return deleted

    async def check_upsert(self, name: str, rows: Sequence[Mapping[str, Any]], key: str) -> list[RowProblem]:
        """Every problem that would stop ``upsert_many`` from writing these rows now (no request when loaded)."""
        return await self._bulk.check_upsert(name, rows, key)

    async def upsert_many(
        self,
        name: str,
        rows: Sequence[Mapping[str, Any]],
        key: str,
        creator_id: int,
        on_progress: Progress | None = None,
    ) -> UpsertResult:
        """Rows whose ``key`` (a unique column) names a record update it; the others insert. All or none.

        Raises ``ImportRejected`` listing every problem of every row, with nothing written.
        """
        result = await self._bulk.upsert_many(name, rows, key, creator_id, on_progress)
        self._written(name)
        return result

    async def compact(self, name: str) -> CompactionResult:
        """Fold the table's small messages into batches and delete them now (else done in the background).

        Safe to stop at any moment (see compaction.py); a few requests per 1,000 records.
        """
        await self.tables.open()
        self.tables.entry(name)
        return await self.compactor.compact(name)

    def _written(self, name: str) -> None:
        try:
            table = self.tables.entry(name)
        except DiscobaseError:  # dropped meanwhile
            return
        if table.loaded:
            self.compactor.consider(table)

    # ------------------------------------------------------------ gateway events

    def message_deleted(self, channel_id: int, message_id: int) -> None:
        """A message was deleted (by hand, or by us): drop the record or catalog entry it held."""
        self.events.message_deleted(channel_id, message_id)

    def channel_deleted(self, channel_id: int) -> None:
        """A channel was deleted: a table's becomes damaged; the catalog's or category's is rebuilt."""
        self.events.channel_deleted(channel_id)
