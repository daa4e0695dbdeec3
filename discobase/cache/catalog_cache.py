"""A guild's tables: the storage layout, the catalog read into memory, and tables loaded on use.

Data model (how a Discord server holds a database):

- a category (``discobase`` by default) holds everything, hidden from @everyone;
- its ``db-catalog`` channel has one message per table, the schema (catalog.py),
  one for the database's settings (the audit channel), and the write lease's
  claims (lease.py);
- each table has a channel in a storage category; each record is one message
  the bot wrote there (records.py); messages by anyone else are never data;
- a category holds at most 50 channels, so past the catalog and 49 tables,
  tables spill into further storage categories named ``discobase-2``,
  ``discobase-3``, … (made hidden like the first, when the ones there are full).
  The catalog stays in the first; an entry names its table's channel by id, so
  a channel may live in any storage category (or none, once its category is
  deleted by hand), and finding the categories again is a look at the gateway's
  cache by name, no request.

Nothing here writes data: table and record changes go through the write gate
(gate.py), which tells this map what changed once Discord has stored it.
``invalidate()`` (a new gateway session, a lease taken over) never drops what a
write is using: the catalog is read again on next use and kept tables are only
marked stale, to be read again under their lock once the write holding it ends.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from ..backend import Backend
from ..errors import ChannelMissing, NotConnected, TableDamaged, UnknownTable
from ..model.catalog import CATALOG_CHANNEL, DEFAULT_SETTINGS, CatalogEntry, Settings, decode_entry, decode_settings
from ..model.schema import TableSchema
from ..write import guard
from ..write.lease import Lease
from .budget import CacheBudget
from .categories import storage_categories
from .loading import load_table
from .stored_table import StoredTable

__all__ = ["Tables"]

log = logging.getLogger(__name__)


class Tables:
    """The tables of one guild by name, read from its catalog channel."""

    def __init__(
        self,
        backend: Backend,
        category: str,
        budget: CacheBudget | None,
        clock: Callable[[], float],
    ) -> None:
        self.backend = backend
        self.category_name = category
        self.budget = budget
        self.clock = clock
        self.category_id: int | None = None
        self.catalog_id: int | None = None
        self.opened_at = 0.0
        self.lock = asyncio.Lock()  # held by catalog writes and by reading the catalog
        self._tables: dict[str, StoredTable] = {}
        self._lost: dict[str, StoredTable] = {}  # known when the catalog channel was deleted by hand
        self._stale = False
        self.settings = DEFAULT_SETTINGS
        self.settings_message_id: int | None = None  # written on the first change of the settings
        self.settings_owed = False  # known when the catalog channel was deleted by hand, to write again
        self.removing = False  # the layout is being deleted on purpose: its delete events rebuild nothing

    # ------------------------------------------------------------ the catalog

    @property
    def is_open(self) -> bool:
        """Whether the layout is in place and the catalog read (and not since invalidated)."""
        return self.catalog_id is not None and not self._stale

    async def open(self) -> None:
        """Find or create the category and catalog channel, then read the catalog. Safe to repeat."""
        if self.is_open:
            return
        async with self.lock:
            if self.is_open:
                return
            with guard.path("layout"):  # outside the lease: the lease lives in the channel made here
                category_id = await self.backend.ensure_category(self.category_name)
                catalog_id = await self.backend.ensure_channel(
                    category_id, CATALOG_CHANNEL, "discobase catalog: one message per table. Do not post here."
                )
            entries: dict[str, tuple[CatalogEntry, int]] = {}
            settings: tuple[Settings, int] | None = None
            async for message in self.backend.history(catalog_id):
                if message.author_id != self.backend.me_id or Lease.is_claim(message.text):
                    continue
                # Newest first: an older entry of the same name (or older settings) wins, as the first written.
                entry = decode_entry(message.text)
                if entry is not None:
                    entries[entry.schema.name] = (entry, message.id)
                elif (read := decode_settings(message.text)) is not None:
                    settings = (read, message.id)
            self._reconcile(entries)
            if settings is not None:
                (self.settings, self.settings_message_id), self.settings_owed = settings, False
            elif not self.settings_owed:
                self.settings, self.settings_message_id = DEFAULT_SETTINGS, None
            self.opened_at = self.clock()
            self.category_id, self.catalog_id, self._stale = category_id, catalog_id, False
            log.info("catalog of %s read: %d tables", self.category_name, len(self._tables))
            if orphans := self.orphaned_channels():
                log.warning(
                    "channels in the storage category that no table owns (catalog entries deleted by hand?): %s",
                    ", ".join(orphans),
                )

    def _reconcile(self, entries: dict[str, tuple[CatalogEntry, int]]) -> None:
        """Take the catalog as read, keeping the table objects that still stand for the same table."""
        tables: dict[str, StoredTable] = {}
        for name, (entry, message_id) in entries.items():
            kept = self._tables.get(name)
            if kept is not None and kept.channel_id == entry.channel_id:
                kept.catalog_message_id = message_id
                if kept.schema != entry.schema:
                    kept.set_schema(entry.schema)
                kept.access = entry.access
                tables[name] = kept
            else:
                tables[name] = StoredTable(entry.schema, entry.channel_id, message_id, entry.access)
        for name, table in self._lost.items():
            tables.setdefault(name, table)  # served at once; the store writes them into this catalog
        for name, table in self._tables.items():
            if tables.get(name) is not table and self.budget is not None:
                self.budget.forget(table)
        self._tables = tables

    def invalidate(self) -> None:
        """Changes may have been missed: read the catalog again on next use, and every table before its next use."""
        self._stale = True
        for table in self._tables.values():
            table.mark_stale()

    def layout_lost(self) -> None:
        """The catalog channel or the category was deleted by hand: rebuild them, keeping the tables known."""
        self._lost.update(self._tables)
        self._tables = {}
        self.catalog_id = self.category_id = None
        self.settings_message_id = None
        self.settings_owed = self.settings != DEFAULT_SETTINGS  # kept, and written into the new catalog

    def layout_removed(self) -> None:
        """The layout was deleted on purpose (``clean()``): forget it; the next use lays it out anew."""
        self._tables, self._lost = {}, {}
        self.catalog_id = self.category_id = None
        self.settings, self.settings_message_id, self.settings_owed = DEFAULT_SETTINGS, None, False
        self.removing = False

    def lost_tables(self) -> dict[str, StoredTable]:
        """Tables known when the catalog channel was deleted by hand, still to be written into the new one."""
        return {name: table for name, table in self._lost.items() if self._tables.get(name) is table}

    def settings_set(self, settings: Settings, message_id: int) -> None:
        """The database's settings are on Discord, in this catalog message."""
        self.settings, self.settings_message_id, self.settings_owed = settings, message_id, False

    def settings_deleted(self) -> None:
        """The settings message was deleted by hand: the settings read as the defaults, as after a restart."""
        self.settings, self.settings_message_id, self.settings_owed = DEFAULT_SETTINGS, None, False

    def restored(self, name: str) -> None:
        """A lost table's entry is in the new catalog (or the table is gone): no longer owed."""
        self._lost.pop(name, None)

    def catalog(self) -> int:
        """The catalog channel's id (the store must be open)."""
        if self.catalog_id is None:
            raise NotConnected("The store is not open yet: `await store.open()` first.")
        return self.catalog_id

    # ------------------------------------------------------------ lookups (no request)

    def names(self) -> list[str]:
        """Names of every table in the catalog, sorted."""
        if self.catalog_id is None:
            raise NotConnected("The store is not open yet: `await store.open()` first.")
        return sorted(self._tables)

    def entry(self, name: str) -> StoredTable:
        """The table called ``name``, or ``UnknownTable`` with the closest name."""
        if self.catalog_id is None:
            raise NotConnected("The store is not open yet: `await store.open()` first.")
        table = self._tables.get(name)
        if table is None:
            raise UnknownTable(name, self._tables)
        return table

    def holds(self, table: StoredTable) -> bool:
        """Whether this table object is still the catalog's table of its name (not dropped or replaced)."""
        return self._tables.get(table.name) is table

    def all(self) -> list[StoredTable]:
        """Every table known, loaded or not."""
        return list(self._tables.values())

    def by_channel(self, channel_id: int) -> StoredTable | None:
        """The table whose channel this is, if any."""
        return next((table for table in self._tables.values() if table.channel_id == channel_id), None)

    def orphaned_channels(self) -> list[str]:
        """Names of the storage categories' channels that neither the catalog nor a table owns (no request).

        A table whose catalog entry (or the whole catalog channel, while the bot
        was offline) was deleted by hand leaves its channel behind, unreadable.
        """
        if self.catalog_id is None or self.category_id is None:
            return []
        owned = {self.catalog_id, *(table.channel_id for table in self._tables.values())}
        return sorted(
            name
            for category_id in storage_categories(self.backend, self.category_name, self.category_id)
            for channel_id, name in self.backend.channels_in(category_id).items()
            if channel_id not in owned
        )

    # ------------------------------------------------------------ changes the gate reports

    def added(self, schema: TableSchema, channel_id: int, message_id: int) -> StoredTable:
        """A table's channel and catalog entry are on Discord: it is known, loaded and empty."""
        table = StoredTable(schema, channel_id, message_id)
        table.fill([], 1, set(), set())
        self._tables[schema.name] = table
        return table

    def renamed(self, table: StoredTable, schema: TableSchema) -> None:
        """A table's catalog entry now has another name: it is known by that name only."""
        if self._tables.get(table.name) is table:
            del self._tables[table.name]
        table.set_schema(schema)
        self._tables[schema.name] = table

    def removed(self, table: StoredTable) -> None:
        """A table's catalog entry is gone (dropped, or deleted by hand)."""
        if self._tables.get(table.name) is table:
            del self._tables[table.name]
        table.unload()
        if self.budget is not None:
            self.budget.forget(table)

    # ------------------------------------------------------------ loading

    async def table(self, name: str) -> StoredTable:
        """The table called ``name`` (the catalog read first if it is not yet), or ``UnknownTable``."""
        await self.open()
        return self.entry(name)

    async def loaded(self, name: str) -> StoredTable:
        """The table with its records in memory (read from Discord on first use, or when stale)."""
        table = await self.table(name)
        await self.ensure_loaded(table)
        return table

    async def ensure_loaded(self, table: StoredTable) -> None:
        """Read the table's records if they are not in memory or stale; ``TableDamaged`` if its channel is gone."""
        if table.damaged or not self.backend.channel_exists(table.channel_id):
            table.mark_damaged()
            raise TableDamaged(table.name)
        if not table.loaded or table.stale:
            async with table.lock:
                await self.reload_if_needed(table)
        if self.budget is not None:
            self.budget.touch(table)

    async def reload_if_needed(self, table: StoredTable) -> None:
        """Under the table's lock: read it from its channel if it is not in memory or may have missed changes."""
        if table.loaded and not table.stale:
            return
        if self.budget is not None:
            self.budget.before_load(table)
        try:
            await load_table(self.backend, table)
        except ChannelMissing:
            table.mark_damaged()
            raise TableDamaged(table.name) from None
