"""The engine for one guild: its catalog, its tables and every read and write.

Data model (how a Discord server holds a database):

- a category (``discobase`` by default) holds everything, hidden from @everyone;
- its ``db-catalog`` channel has one message per table: the schema (see catalog.py);
- each table has a channel in the category; each record is one message the bot
  wrote there (see records.py); messages by anyone else are never data.

Reads are served from memory once a table is loaded (history pages of 100,
newest first). Every write takes the same steps in the same
order: validate, take the table's lock, check ids and unique columns, make the
one Discord call, then change the cache. So the cache never shows a write that
Discord has not stored, and two writes on one table never interleave.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from .backend import Backend
from .cached_table import CachedTable
from .catalog import CATALOG_CHANNEL, CatalogEntry, decode_entry, encode_entry
from .errors import ChannelMissing, NotConnected, SchemaError, TableDamaged, TableExists, UnknownTable
from .query import Query
from .records import Record, decode_record, encode_gone, encode_record
from .schema import Column, TableSchema

__all__ = ["GuildStore"]

log = logging.getLogger(__name__)


class GuildStore:
    """Tables and records of one guild, on one ``Backend``."""

    def __init__(self, backend: Backend, category: str = "discobase") -> None:
        self.backend = backend
        self.category_name = category
        self.category_id: int | None = None
        self.catalog_id: int | None = None
        self._tables: dict[str, CachedTable] = {}
        self._open_lock = asyncio.Lock()
        self._catalog_lock = asyncio.Lock()
        self._background: set[asyncio.Task[None]] = set()

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
                entry = decode_entry(message.text) if message.author_id == self.backend.me_id else None
                if entry is None:
                    continue
                # Newest first: an older entry of the same name wins, as the first one written.
                tables[entry.schema.name] = CachedTable(entry.schema, entry.channel_id, message.id)
            self._tables = tables
            self.category_id, self.catalog_id = category_id, catalog_id
            log.info("catalog of %s read: %d tables", self.category_name, len(tables))

    def _catalog(self) -> int:
        if self.catalog_id is None:
            raise RuntimeError("GuildStore.open() must run first")
        return self.catalog_id

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

    def is_damaged(self, name: str) -> bool:
        """Whether the table's channel has gone missing."""
        table = self._entry(name)
        return table.damaged or not self.backend.channel_exists(table.channel_id)

    async def create_table(self, schema: TableSchema) -> TableSchema:
        """Create a table: its channel, then its catalog entry (2 requests)."""
        await self.open()
        async with self._catalog_lock:
            if schema.name in self._tables:
                raise TableExists(schema.name)
            assert self.category_id is not None
            channel_id = await self.backend.create_channel(self.category_id, schema.name, schema.description)
            entry = CatalogEntry(schema, channel_id)
            message_id = await self.backend.send(self._catalog(), encode_entry(entry))
            table = CachedTable(schema, channel_id, message_id)
            table.fill([], 1, None)
            self._tables[schema.name] = table
        log.info("table %s created", schema.name)
        return schema

    async def add_column(self, name: str, column: Column) -> TableSchema:
        """Add a column; existing records read it as its default (1 request: the catalog edit)."""
        table = await self._loaded(name)
        if column.required and len(table):
            raise SchemaError(
                f"`{name}` has records, so a new column must be `optional` or have a `default=`; "
                f"`{column.name}` has neither."
            )
        async with self._catalog_lock, table.lock:
            schema = table.schema.with_column(column)
            await self.backend.edit(
                self._catalog(), table.catalog_message_id, encode_entry(CatalogEntry(schema, table.channel_id))
            )
            table.schema = schema
            for record in table:
                record.values[column.name] = column.default_value
        return schema

    async def drop_table(self, name: str) -> None:
        """Delete a table: its catalog entry first, then its channel. CANNOT BE REVERSED."""
        await self.open()
        async with self._catalog_lock:
            table = self._entry(name)
            async with table.lock:
                await self.backend.delete(self._catalog(), table.catalog_message_id)
                del self._tables[name]
                table.unload()
                await self.backend.delete_channel(table.channel_id)
        log.info("table %s dropped", name)

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
                    await self._load(table)
        return table

    async def _load(self, table: CachedTable) -> None:
        """Read a table's channel (history pages of 100, newest first) into memory."""
        records: list[Record] = []
        seen: set[int] = set()
        highest = 0
        gone_marker: int | None = None
        try:
            async for message in self.backend.history(table.channel_id):
                stored = decode_record(message.text) if message.author_id == self.backend.me_id else None
                if stored is None:
                    continue
                highest = max(highest, stored.id)
                if stored.gone:
                    if gone_marker is None:
                        gone_marker = message.id
                    continue
                if stored.id in seen:
                    log.warning("table %s: record %d appears twice; keeping the newer", table.name, stored.id)
                    continue
                seen.add(stored.id)
                values = table.schema.decode(stored.data)
                records.append(Record(stored.id, values, stored.creator_id, message.id))
        except ChannelMissing:
            table.damaged = True
            raise TableDamaged(table.name) from None
        table.fill(records, highest + 1, gone_marker)
        log.info("table %s loaded: %d records", table.name, len(records))

    async def table(self, name: str) -> CachedTable:
        """The loaded table (read from Discord on first use)."""
        return await self._loaded(name)

    # ------------------------------------------------------------ records

    async def insert(self, name: str, values: Mapping[str, Any], creator_id: int) -> Record:
        """Insert one record (1 request) and return it with its new id."""
        table = await self._loaded(name)
        converted = table.schema.validate_new(values)
        async with table.lock:
            self._check_live(table)
            table.check_unique(converted)
            record_id = table.next_id
            text = encode_record(record_id, creator_id, table.schema.encode(converted))
            message_id = await self._call(table, self.backend.send(table.channel_id, text))
            record = Record(record_id, converted, creator_id, message_id)
            table.add(record)
        return record

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
        return sum(1 for record in table if query.matches(record))

    async def update(self, name: str, record_id: int, changes: Mapping[str, Any]) -> Record:
        """Change some columns of one record (1 request: an edit of its message)."""
        table = await self._loaded(name)
        converted = table.schema.validate_changes(changes)
        async with table.lock:
            self._check_live(table)
            record = table.get(record_id)
            values = {**record.values, **converted}
            table.check_unique(values, record.id)
            text = encode_record(record.id, record.creator_id, table.schema.encode(values))
            await self._call(table, self.backend.edit(table.channel_id, record.message_id, text))
            return table.replace(record, values)

    async def delete(self, name: str, record_id: int) -> Record:
        """Delete one record (1 request) and return it as it was.

        The newest record's message is turned into a ``gone`` marker instead of
        deleted, so its id stays used after a restart.
        """
        table = await self._loaded(name)
        async with table.lock:
            self._check_live(table)
            record = table.get(record_id)
            if record.id == table.next_id - 1:
                await self._call(table, self.backend.edit(table.channel_id, record.message_id, encode_gone(record.id)))
                stale, table.gone_marker_id = table.gone_marker_id, record.message_id
                if stale is not None:
                    self._spawn(self.backend.delete(table.channel_id, stale))
            else:
                await self._call(table, self.backend.delete(table.channel_id, record.message_id))
            table.remove(record)
        return record

    def _check_live(self, table: CachedTable) -> None:
        """Refuse a write on a table dropped or damaged while the write waited for the lock."""
        if self._tables.get(table.name) is not table:
            raise UnknownTable(table.name, self._tables)
        if table.damaged:
            raise TableDamaged(table.name)

    async def _call(self, table: CachedTable, call: Any) -> Any:
        """Await a write; a vanished channel marks the table damaged."""
        try:
            return await call
        except ChannelMissing:
            table.damaged = True
            table.unload()
            raise TableDamaged(table.name) from None

    def _spawn(self, coroutine: Any) -> None:
        """Run a best-effort clean-up without making the caller wait for it."""
        task: asyncio.Task[None] = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

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
                record = table.by_message(message_id)
                if record is not None:
                    log.info("record %d of %s deleted by hand", record.id, table.name)
                    table.remove(record)
                return

    def channel_deleted(self, channel_id: int) -> None:
        """A channel was deleted: a table's becomes damaged; the catalog's or category's resets the layout."""
        if channel_id in (self.catalog_id, self.category_id):
            log.warning("storage channel %d deleted by hand; the layout will be rebuilt on next use", channel_id)
            self.catalog_id = self.category_id = None
            self._tables = {}
            return
        for table in self._tables.values():
            if table.channel_id == channel_id:
                log.warning("channel of table %s deleted by hand: table damaged", table.name)
                table.damaged = True
                table.unload()
