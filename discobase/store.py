"""The engine for one guild: its catalog, its tables and every read and write.

Data model (how a Discord server holds a database):

- a category (``discobase`` by default) holds everything, hidden from @everyone;
- its ``db-catalog`` channel has one message per table: the schema (see catalog.py);
- each table has a channel in the category; each record is one message the bot
  wrote there (see records.py); messages by anyone else are never data.

Reads are served from memory once a table is loaded (history pages of 100,
newest first). Every write takes the same steps in the same order: validate
the input (no request yet), then ``_writing``: hold the guild's write lease,
load the table, take its lock, check it is still live; then check ids and
unique columns, make the one Discord call, and only then change the cache. So
the cache never shows a write that Discord has not stored, and two writes on
one table never interleave.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeVar

from .backend import Backend
from .budget import CacheBudget
from .bulk import BulkResult, ImportRejected, RowProblem, check_rows, plan_import
from .cached_table import CachedTable
from .catalog import CATALOG_CHANNEL, CatalogEntry, decode_entry, encode_entry
from .columns import Value
from .errors import (
    ChannelMissing,
    MessageMissing,
    NotConnected,
    RecordNotFound,
    SchemaError,
    ShuttingDown,
    TableDamaged,
    TableExists,
    UnknownTable,
)
from .lease import Lease
from .loading import load_table
from .query import Query
from .records import Record, encode_batch, encode_gone, encode_record
from .schema import Column, TableSchema

__all__ = ["GuildStore", "StoreStatus"]

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")


def _write_operation(
    method: Callable[Concatenate[GuildStore, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[GuildStore, P], Coroutine[Any, Any, T]]:
    """Count a write while it runs, so ``close()`` can wait for it; refused once closing began."""

    @functools.wraps(method)
    async def counted(store: GuildStore, /, *args: P.args, **kwargs: P.kwargs) -> T:
        if store.closing:
            raise ShuttingDown()
        store._writes += 1
        store._idle.clear()
        try:
            return await method(store, *args, **kwargs)
        finally:
            store._writes -= 1
            if not store._writes:
                store._idle.set()

    return counted


@dataclass(frozen=True, slots=True)
class StoreStatus:
    """What one guild's store holds now, for an admin's status view."""

    tables: int
    loaded_tables: int
    cached_records: int
    writes_in_progress: int
    holds_lease: bool


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
        self.category_name = category
        self.budget = budget
        self.lease = lease
        self.category_id: int | None = None
        self.catalog_id: int | None = None
        self._opened_at = 0.0
        self._tables: dict[str, CachedTable] = {}
        self._lost: dict[str, CachedTable] = {}  # known when the catalog channel was deleted by hand
        self._open_lock = asyncio.Lock()
        self._catalog_lock = asyncio.Lock()
        self._background: set[asyncio.Task[None]] = set()
        self.closing = False
        self._writes = 0
        self._idle = asyncio.Event()
        self._idle.set()

    # ------------------------------------------------------------ layout

    @property
    def is_open(self) -> bool:
        """Whether the layout is in place and the catalog read."""
        return self.catalog_id is not None

    async def open(self) -> None:
        """Find or create the category and catalog channel, then read the catalog. Safe to repeat."""
        if self.is_open:
            return
        async with self._open_lock:
            if self.is_open:
                return
            category_id = await self.backend.ensure_category(self.category_name)
            catalog_id = await self.backend.ensure_channel(
                category_id, CATALOG_CHANNEL, "discobase catalog: one message per table. Do not post here."
            )
            tables: dict[str, CachedTable] = {}
            async for message in self.backend.history(catalog_id):
                if message.author_id != self.backend.me_id or (self.lease is not None and self.lease.found(message)):
                    continue
                entry = decode_entry(message.text)
                if entry is None:
                    continue
                # Newest first: an older entry of the same name wins, as the first one written.
                tables[entry.schema.name] = CachedTable(entry.schema, entry.channel_id, message.id)
            for name, table in self._lost.items():
                tables.setdefault(name, table)  # served at once; ``_restore`` writes them into this catalog
            self._tables = tables
            self._opened_at = self.lease.clock() if self.lease is not None else 0.0
            self.category_id, self.catalog_id = category_id, catalog_id
            log.info("catalog of %s read: %d tables", self.category_name, len(tables))
            if orphans := self.orphaned_channels():
                log.warning(
                    "channels in the storage category that no table owns (catalog entries deleted by hand?): %s",
                    ", ".join(orphans),
                )

    def _catalog(self) -> int:
        if self.catalog_id is None:
            raise RuntimeError("GuildStore.open() must run first")
        return self.catalog_id

    async def _schema_for_write(self, name: str) -> TableSchema:
        """The table's schema, read before a write takes the lease: a misspelt table costs no lease or load."""
        await self.open()
        return self._entry(name).schema

    async def _hold(self) -> bool:
        """Hold the guild's write lease; True if its last holder could have written since our reads.

        Then the catalog and tables were dropped from memory, to be read again.
        """
        await self.open()
        if self.lease is None:
            return False
        previous = await self.lease.hold(self._catalog())
        if previous is None or previous.until < self._opened_at:
            return False
        log.warning("write lease taken over from a process that wrote after our reads: reading everything again")
        self._forget()
        await self.open()
        return True

    def forget_cache(self) -> None:
        """Drop the catalog and every cached table; they are read again on next use.

        For when events may have been missed (a gateway session that could not resume).
        """
        self._forget()

    def _forget(self) -> None:
        """Drop the catalog and every cached table; they are read again on next use."""
        for table in self._tables.values():
            table.unload()
            if self.budget is not None:
                self.budget.forget(table)
        self._tables = {}
        self.catalog_id = self.category_id = None

    def status(self) -> StoreStatus:
        """Tables known and loaded, records in memory, writes running, and whether this process may write."""
        loaded = [table for table in self._tables.values() if table.loaded]
        return StoreStatus(
            tables=len(self._tables),
            loaded_tables=len(loaded),
            cached_records=sum(len(table) for table in loaded),
            writes_in_progress=self._writes,
            holds_lease=self.lease is None or self.lease.held,
        )

    async def close(self, grace: float = 20.0) -> None:
        """Stop at a consistent point (at shutdown): refuse new writes, let running ones finish, release the lease.

        A running import stops at its next batch boundary; what it wrote stays,
        and the same import run again writes only the rest.
        """
        self.closing = True
        try:
            await asyncio.wait_for(self._idle.wait(), grace)
            await asyncio.wait_for(self.drain(), 2.0)
        except TimeoutError:
            # A successor must not write while ours may still land: keep the lease, let it run out.
            log.warning(
                "%d writes still running after %.0f s; closing without releasing the lease", self._writes, grace
            )
            return
        if self.lease is not None and self.catalog_id is not None:
            await self.lease.release(self.catalog_id)

    # ------------------------------------------------------------ tables

    def table_names(self) -> list[str]:
        """Names of every table in the catalog, sorted (the store must be open)."""
        if not self.is_open:
            raise NotConnected("The store is not open yet: `await store.open()` first.")
        return sorted(self._tables)

    def schema(self, name: str) -> TableSchema:
        """The schema of a table, or ``UnknownTable`` with the closest name."""
        return self._entry(name).schema

    def _entry(self, name: str) -> CachedTable:
        if not self.is_open:
            raise NotConnected("The store is not open yet: `await store.open()` first.")
        table = self._tables.get(name)
        if table is None:
            raise UnknownTable(name, self._tables)
        return table

    def orphaned_channels(self) -> list[str]:
        """Names of the category's channels that neither the catalog nor a table owns (no request).

        A table whose catalog entry (or the whole catalog channel, while the bot
        was offline) was deleted by hand leaves its channel behind, unreadable.
        """
        if not self.is_open or self.category_id is None:
            return []
        owned = {self.catalog_id, *(table.channel_id for table in self._tables.values())}
        return sorted(
            name for channel_id, name in self.backend.channels_in(self.category_id).items() if channel_id not in owned
        )

    @_write_operation
    async def create_table(self, schema: TableSchema) -> TableSchema:
        """Create a table: its channel, then its catalog entry (2 requests)."""
        await self._hold()
        async with self._catalog_lock:
            if schema.name in self._tables:
                raise TableExists(schema.name)
            assert self.category_id is not None
            channel_id = await self.backend.create_channel(self.category_id, schema.name, schema.description)
            entry = CatalogEntry(schema, channel_id)
            message_id = await self.backend.send(self._catalog(), encode_entry(entry))
            table = CachedTable(schema, channel_id, message_id)
            table.fill([], 1, set(), set())
            self._tables[schema.name] = table
        log.info("table %s created", schema.name)
        return schema

    @_write_operation
    async def add_column(self, name: str, column: Column) -> TableSchema:
        """Add a column; existing records read it as its default (1 request: the catalog edit)."""
        async with self._catalog_lock, self._writing(name) as table:
            if column.required and len(table):
                raise SchemaError(
                    f"`{name}` has records, so a new column must be `optional` or have a `default=`; "
                    f"`{column.name}` has neither."
                )
            schema = table.schema.with_column(column)
            await self.backend.edit(
                self._catalog(), table.catalog_message_id, encode_entry(CatalogEntry(schema, table.channel_id))
            )
            table.set_schema(schema)
        return schema

    @_write_operation
    async def drop_table(self, name: str) -> None:
        """Delete a table: its catalog entry first, then its channel. CANNOT BE REVERSED."""
        await self._hold()
        async with self._catalog_lock:
            table = self._entry(name)
            async with table.lock:
                await self.backend.delete(self._catalog(), table.catalog_message_id)
                self._tables.pop(name, None)  # the gateway's delete event may have removed it already
                table.unload()
                if self.budget is not None:
                    self.budget.forget(table)
                await self.backend.delete_channel(table.channel_id)
        log.info("table %s dropped", name)

    @_write_operation
    async def remove_layout(self) -> None:
        """Delete the catalog channel and the category, once every table is dropped. CANNOT BE REVERSED.

        Forgotten first, so their delete events do not rebuild them; the next use lays them out anew
        (not before they are gone: the open lock is held meanwhile, after the catalog lock as everywhere).
        """
        await self._hold()
        async with self._catalog_lock, self._open_lock:
            if self._tables:
                raise SchemaError(f"Drop every table first; the catalog still lists {', '.join(sorted(self._tables))}.")
            catalog_id, category_id = self._catalog(), self.category_id
            self._forget()
            if self.lease is not None:
                self.lease.forget()
            await self.backend.delete_channel(catalog_id)
            if category_id is not None:
                await self.backend.delete_channel(category_id)
        log.info("storage layout %s removed", self.category_name)

    # ------------------------------------------------------------ loading

    async def _loaded(self, name: str) -> CachedTable:
        await self.open()
        table = self._entry(name)
        if table.damaged or not self.backend.channel_exists(table.channel_id):
            table.damaged = True
            raise TableDamaged(name)
        if not table.loaded:
            async with table.lock:
                if not table.loaded:
                    if self.budget is not None:
                        self.budget.before_load(table)
                    await self._load(table)
        if self.budget is not None:
            self.budget.touch(table)
        return table

    async def _load(self, table: CachedTable) -> None:
        try:
            await load_table(self.backend, table)
        except ChannelMissing:
            table.damaged = True
            raise TableDamaged(table.name) from None

    async def table(self, name: str) -> CachedTable:
        """The loaded table (read from Discord on first use)."""
        return await self._loaded(name)

    # ------------------------------------------------------------ records

    @_write_operation
    async def insert(self, name: str, values: Mapping[str, Any], creator_id: int) -> Record:
        """Insert one record (1 request) and return it with its new id."""
        schema = await self._schema_for_write(name)
        converted = schema.validate_new(values)  # bad input costs no request, not even the lease
        async with self._writing(name) as table:
            if table.schema is not schema:  # a column was added meanwhile
                converted = table.schema.validate_new(values)
            table.check_unique(converted)
            record_id = table.next_id
            text = encode_record(record_id, creator_id, table.schema.encode(converted))
            message_id = await self._call(table, self.backend.send(table.channel_id, text))
            record = Record(record_id, converted, creator_id, message_id)
            table.add(record)
        return record

    async def check_rows(
        self, name: str, rows: Sequence[Mapping[str, Any]], *, resumable: bool = False
    ) -> list[RowProblem]:
        """Every problem that would stop ``insert_many`` (with the same ``resumable``) from writing these rows.

        No request on a loaded table; rows an interrupted resumable run wrote already are not checked.
        """
        table = await self._loaded(name)
        return check_rows(table, rows, plan_import(table, rows, resumable).written_rows)[1]

    @_write_operation
    async def insert_many(
        self,
        name: str,
        rows: Sequence[Mapping[str, Any]],
        creator_id: int,
        on_progress: Callable[[int, int], Awaitable[None]] | None = None,
        *,
        resumable: bool = False,
    ) -> BulkResult:
        """Insert many records, all or none: checked first, then written in batch messages.

        Raises ``ImportRejected`` listing every bad row, with nothing written.
        ``on_progress(done, total)`` runs after each batch reaches Discord. With
        ``resumable``, batches are tagged with the import's fingerprint, and the
        same rows inserted again write only the batches an interrupted run missed.
        """
        await self._schema_for_write(name)
        async with self._writing(name) as table:
            plan = plan_import(table, rows, resumable)
            converted, problems = check_rows(table, rows, plan.written_rows)
            if problems:
                raise ImportRejected(name, problems)
            values_by_row = iter(converted)
            written: list[Record] = []
            for number, cut in enumerate(plan.cuts):
                if number in plan.done:
                    continue
                if self.closing and written:
                    raise ShuttingDown(
                        f"{len(written)} of {len(converted)} rows were written; "
                        "run the same import again to write only the rest."
                    )
                part = [next(values_by_row) for _ in cut]
                written += await self._write_part(table, part, creator_id, plan.key, number)
                if on_progress is not None:
                    await on_progress(len(written), len(converted))
        return BulkResult(written, len(plan.written_rows))

    async def _write_part(
        self, table: CachedTable, values: list[dict[str, Value]], creator_id: int, key: str | None, number: int
    ) -> list[Record]:
        """Write one batch (or, untagged and alone, a plain record) and add its records to the cache."""
        if await self._hold():
            # Another process wrote while this import ran (its lease ran out): the ids here may clash with its.
            raise ShuttingDown("Another copy of the bot wrote to this server during the import, which stopped.")
        first_id = table.next_id
        encoded = [(first_id + offset, creator_id, table.schema.encode(row)) for offset, row in enumerate(values)]
        batch = len(encoded) > 1 or key is not None
        text = encode_batch(encoded, key, number) if batch else encode_record(*encoded[0])
        message_id = await self._call(table, self.backend.send(table.channel_id, text))
        if batch:
            table.batch_messages.add(message_id)
        if key is not None:
            table.imports.setdefault(key, set()).add(number)
        records = [Record(first_id + offset, row, creator_id, message_id) for offset, row in enumerate(values)]
        for record in records:
            table.add(record)
        return records

    async def get(self, name: str, record_id: int) -> Record:
        """One record by id (no request on a loaded table)."""
        return (await self._loaded(name)).get(record_id)

    async def find(self, name: str, query: Query | None = None) -> list[Record]:
        """Records matching the query (no request on a loaded table)."""
        return (await self._loaded(name)).select(query or Query())

    async def count(self, name: str, query: Query | None = None) -> int:
        """How many records match (all of them without a query)."""
        table = await self._loaded(name)
        if query is None or not query.conditions:
            return len(table)
        matches = query.predicate()
        return sum(1 for record in table if matches(record))

    @_write_operation
    async def update(self, name: str, record_id: int, changes: Mapping[str, Any]) -> Record:
        """Change some columns of one record (1 request: an edit of its message, or a new one for a batch)."""
        schema = await self._schema_for_write(name)
        converted = schema.validate_changes(changes)
        async with self._writing(name) as table:
            if table.schema is not schema:
                converted = table.schema.validate_changes(changes)
            record = table.get(record_id)
            values = {**record.values, **converted}
            table.check_unique(values, record.id)
            text = encode_record(record.id, record.creator_id, table.schema.encode(values))
            if record.message_id in table.batch_messages:
                # Rewriting a whole batch for one record would be slow: a newer single message supersedes it.
                message_id = await self._call(table, self.backend.send(table.channel_id, text))
                table.shadowed.add(record.id)
            else:
                try:
                    await self._call(table, self.backend.edit(table.channel_id, record.message_id, text))
                except MessageMissing:
                    # Deleted by hand while the bot did not see it (offline, or the table was not in memory).
                    table.remove(record)
                    raise RecordNotFound(name, record_id) from None
                message_id = record.message_id
            return table.replace(record, values, message_id)

    @_write_operation
    async def delete(self, name: str, record_id: int) -> Record:
        """Delete one record (1 request) and return it as it was.

        Mostly its message is deleted. Where that is not enough (the newest id,
        which must stay used after a restart; a record in a batch or with an
        older copy in one), its message becomes, or a new one is, a ``gone`` marker.
        """
        await self._schema_for_write(name)
        async with self._writing(name) as table:
            record = table.get(record_id)
            if not table.needs_marker(record):
                await self._call(table, self.backend.delete(table.channel_id, record.message_id))
            elif record.message_id in table.batch_messages:
                await self._call(table, self.backend.send(table.channel_id, encode_gone(record.id)))
            else:
                try:
                    await self._call(
                        table, self.backend.edit(table.channel_id, record.message_id, encode_gone(record.id))
                    )
                except MessageMissing:  # deleted by hand meanwhile: the marker still has to be written
                    await self._call(table, self.backend.send(table.channel_id, encode_gone(record.id)))
            table.remove(record)
            table.shadowed.discard(record.id)
        return record

    @asynccontextmanager
    async def _writing(self, name: str) -> AsyncIterator[CachedTable]:
        """The one way into a table write: hold the lease, load the table, take its lock, check it is still live."""
        await self._hold()
        table = await self._loaded(name)
        async with table.lock:
            await self._check_live(table)
            yield table

    async def _check_live(self, table: CachedTable) -> None:
        """Under the table's lock: refuse a write whose table was dropped or damaged, or the store closed, meanwhile.

        So at shutdown only the write holding each table's lock finishes; the queued ones stop at once.
        A table the cache budget unloaded while the write waited is read again here, so its checks see every record.
        """
        if self.closing:
            raise ShuttingDown()
        if self._tables.get(table.name) is not table:
            raise UnknownTable(table.name, self._tables)
        if table.damaged:
            raise TableDamaged(table.name)
        if not table.loaded:
            await self._load(table)

    async def _call(self, table: CachedTable, call: Awaitable[T]) -> T:
        """Await a write; a vanished channel marks the table damaged."""
        try:
            return await call
        except ChannelMissing:
            table.damaged = True
            table.unload()
            raise TableDamaged(table.name) from None

    def _spawn(self, coroutine: Any) -> None:
        """Run a write from an event handler, which has nobody to answer; failures are logged."""
        task: asyncio.Task[Any] = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background_done)

    async def drain(self) -> None:
        """Wait for the writes started from event handlers (before a shutdown, or in tests)."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    def _background_done(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background storage write failed", exc_info=task.exception())

    async def _restore(self) -> None:
        """Write the tables known when the catalog channel was deleted by hand into the new catalog."""
        if self.closing:
            return
        await self._hold()
        async with self._catalog_lock:
            for name, table in list(self._lost.items()):
                if self._tables.get(name) is table:
                    entry = encode_entry(CatalogEntry(table.schema, table.channel_id))
                    table.catalog_message_id = await self.backend.send(self._catalog(), entry)
                    log.warning("table %s written into the new catalog", name)
                del self._lost[name]

    # ------------------------------------------------------------ gateway events

    def message_deleted(self, channel_id: int, message_id: int) -> None:
        """A message was deleted (by hand, or by us): drop the record or catalog entry it held."""
        if channel_id == self.catalog_id:
            for name, table in list(self._tables.items()):
                if table.catalog_message_id == message_id:
                    log.warning("catalog entry of %s deleted by hand: the table is no longer known", name)
                    del self._tables[name]
            return
        for table in self._tables.values():
            if table.channel_id == channel_id and table.loaded:
                for record in table.in_message(message_id):
                    log.info("record %d of %s deleted by hand", record.id, table.name)
                    table.remove(record)
                    # Its older copy in a batch would come back on the next load, and the newest id
                    # must stay used after a restart (as in ``delete``): mark it gone.
                    if record.id in table.shadowed or record.id == table.next_id - 1:
                        table.shadowed.discard(record.id)
                        self._spawn(self.backend.send(table.channel_id, encode_gone(record.id)))
                return

    def channel_deleted(self, channel_id: int) -> None:
        """A channel was deleted: a table's becomes damaged; the catalog's or category's is rebuilt, tables kept."""
        if channel_id in (self.catalog_id, self.category_id):
            log.warning(
                "storage channel %d deleted by hand: rebuilding the layout, with the %d tables known",
                channel_id,
                len(self._tables),
            )
            self._lost.update(self._tables)
            self.catalog_id = self.category_id = None
            self._tables = {}
            if self.lease is not None:
                self.lease.forget()
            self._spawn(self._restore())
            return
        for table in self._tables.values():
            if table.channel_id == channel_id:
                log.warning("channel of table %s deleted by hand: table damaged", table.name)
                table.damaged = True
                table.unload()
