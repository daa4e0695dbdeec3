"""Changes of tables: create, add a column, set access rules and settings, drop, and rebuilding a lost catalog.

Each passes through the write gate's catalog door (gate.py): the lease, then
the catalog's lock (and the table's, where records are involved), then its
Discord calls through ``gate.call``, then the change in memory.
"""

from __future__ import annotations

import functools
import logging

from ..backend.base import GUILD_CHANNEL_LIMIT
from ..cache.categories import category_with_room, next_category_name, storage_categories
from ..errors import ChannelLimit, DiscobaseError, MessageMissing, SchemaError, TableExists
from ..model.catalog import Access, CatalogEntry, Settings, encode_entry, encode_settings
from ..model.schema import Column, TableSchema
from . import guard
from .parts import StoreParts

__all__ = ["TableChanges"]

log = logging.getLogger(__name__)


class TableChanges(StoreParts):
    """The table-level writes of one guild's store (a part of ``GuildStore``)."""

    async def create_table(self, schema: TableSchema) -> TableSchema:
        """Create a table: its channel, then its catalog entry (2 requests; 3 when a storage category is full).

        The channel goes into the first storage category with room; when every
        one holds Discord's 50, a new one (``discobase-2``, …) is made first. At
        the server's 500 channels it refuses with ``ChannelLimit`` before any
        request. If the entry cannot be written, the new channel is deleted
        again, so a failed create leaves nothing behind and trying again makes
        no second channel.
        """
        async with self.gate.catalog() as tables:
            if schema.name in tables.names():
                raise TableExists(schema.name)
            category_id = category_with_room(self.backend, tables.category_name, tables.category_id)
            needed = 1 if category_id is not None else 2
            count = self.backend.channel_count()  # the gateway's view: no request
            if count is not None and count + needed > GUILD_CHANNEL_LIMIT:
                raise ChannelLimit(schema.name, GUILD_CHANNEL_LIMIT, count, needed)
            if category_id is None:
                name = next_category_name(self.backend, tables.category_name)
                category_id = await self.gate.call(functools.partial(self.backend.ensure_category, name))
                log.info("storage categories full: tables go on into %s", name)
            create = functools.partial(self.backend.create_channel, category_id, schema.name, schema.description)
            channel_id = await self.gate.call(create)
            entry = encode_entry(CatalogEntry(schema, channel_id))
            try:
                message_id = await self.gate.call(functools.partial(self.backend.send, tables.catalog(), entry))
            except DiscobaseError:
                await self._undo_channel(channel_id, schema.name)
                raise
            tables.added(schema, channel_id, message_id)
        log.info("table %s created", schema.name)
        return schema

    async def _undo_channel(self, channel_id: int, name: str) -> None:
        try:
            await self.gate.call(functools.partial(self.backend.delete_channel, channel_id))
        except DiscobaseError:
            log.exception("table %s: its catalog entry failed and its new channel could not be deleted", name)

    async def add_column(self, name: str, column: Column) -> TableSchema:
        """Add a column; existing records read it as its default (1 request: the catalog edit)."""
        async with self.gate.catalog_entry(name, live=True) as table:
            if column.required and len(table):
                raise SchemaError(
                    f"`{name}` has records, so a new column must be `optional` or have a `default=`; "
                    f"`{column.name}` has neither."
                )
            schema = table.schema.with_column(column)
            await self._write_entry(table, schema)
            table.set_schema(schema)
        return schema

    async def set_access(self, name: str, access: Access) -> Access:
        """Set who may read and write a table (1 request: the catalog edit; none when nothing changes)."""
        async with self.gate.catalog_entry(name) as table:
            if table.access == access:
                return access
            await self._write_entry(table, access=access)
            table.access = access
        log.info("table %s: access set to read=%s write=%s", name, access.read_role_id, access.write_role_id)
        return access

    async def set_settings(self, settings: Settings) -> Settings:
        """Change the database's settings (1 request: the settings message, sent the first time, then edited)."""
        async with self.gate.catalog() as tables:
            if tables.settings == settings:
                return settings
            text = encode_settings(settings)
            message_id = tables.settings_message_id
            if message_id is not None:
                try:
                    await self.gate.call(functools.partial(self.backend.edit, tables.catalog(), message_id, text))
                except MessageMissing:  # deleted by hand unseen: write it anew
                    message_id = None
            if message_id is None:
                message_id = await self.gate.call(functools.partial(self.backend.send, tables.catalog(), text))
            tables.settings_set(settings, message_id)
        log.info("settings set: audit channel %s", settings.audit_channel_id)
        return settings

    async def drop_table(self, name: str) -> None:
        """Delete a table: its catalog entry first, then its channel. CANNOT BE REVERSED."""
        async with self.gate.catalog_entry(name) as table:
            delete = functools.partial(self.backend.delete, self.tables.catalog(), table.catalog_message_id)
            await self.gate.call(delete)
            self.tables.removed(table)  # the gateway's delete event may have removed it already
            await self.gate.call(functools.partial(self.backend.delete_channel, table.channel_id))
        log.info("table %s dropped", name)

    async def remove_layout(self) -> None:
        """Delete the catalog channel and every storage category, once every table is dropped. CANNOT BE REVERSED.

        Their delete events must not rebuild them: the layout is forgotten as
        it goes; the next use lays it out anew. The lease lived in the catalog
        channel, so it goes with it (the further categories go first, under it).
        """
        async with self.gate.catalog() as tables:
            if tables.names():
                raise SchemaError(f"Drop every table first; the catalog still lists {', '.join(tables.names())}.")
            catalog_id, category_id = tables.catalog(), tables.category_id
            tables.removing = True
            try:
                for spill_id in storage_categories(self.backend, tables.category_name, category_id)[1:]:
                    if self.backend.channels_in(spill_id):
                        continue  # a channel someone put there: the category is not only ours to delete
                    await self.gate.call(functools.partial(self.backend.delete_channel, spill_id))
                await self.gate.call(functools.partial(self.backend.delete_channel, catalog_id))
                if self.gate.lease is not None:
                    self.gate.lease.forget()
                if category_id is not None:
                    with guard.path("layout"):
                        await self.backend.delete_channel(category_id)
            finally:
                tables.layout_removed()
        log.info("storage layout %s removed", tables.category_name)

    async def _restore_lost(self) -> None:
        """Write the tables known when the catalog channel was deleted by hand into the new catalog."""
        async with self.gate.catalog() as tables:
            for name, table in tables.lost_tables().items():
                entry = encode_entry(CatalogEntry(table.schema, table.channel_id, table.access))
                send = functools.partial(self.backend.send, tables.catalog(), entry)
                table.catalog_message_id = await self.gate.call(send)
                tables.restored(name)
                log.warning("table %s written into the new catalog", name)
            if tables.settings_owed:
                text = encode_settings(tables.settings)
                message_id = await self.gate.call(functools.partial(self.backend.send, tables.catalog(), text))
                tables.settings_set(tables.settings, message_id)
