"""Changes of a table's schema after it was made: rename it, describe it, rename, drop and alter its columns.

Each passes through the write gate's catalog door (gate.py): the lease, then
the catalog's lock and the table's, then its Discord calls through
``gate.call``, then the change in memory. Stored records are never rewritten
for a rename or a drop: record messages name values by storage key (schema.py),
and the catalog entry maps keys to columns. Only ``alter_column`` writes
records, when their stored values change, and then in batch messages.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..backend import Backend
from ..cache.catalog_cache import Tables
from ..cache.stored_table import CachedTable
from ..errors import DiscobaseError, SchemaError, TableExists
from ..model.alteration import plan_alter
from ..model.catalog import CatalogEntry, encode_entry
from ..model.columns import ColumnType
from ..model.records import encode_batch
from ..model.schema import TableSchema
from .gate import WriteGate
from .imports import parts

__all__ = ["AlterResult", "SchemaChanges"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AlterResult:
    """What ``alter_column`` did: the new schema, records written again, and empty values given the default."""

    schema: TableSchema
    rewritten: int
    filled: int
    requests: int


class SchemaChanges:
    """The schema changes of one guild's tables."""

    def __init__(self, backend: Backend, tables: Tables, gate: WriteGate) -> None:
        self.backend = backend
        self.tables = tables
        self.gate = gate

    async def _write_entry(self, tables: Tables, table: CachedTable, schema: TableSchema) -> None:
        """Edit the table's catalog entry to hold ``schema``, keeping its access rules (1 request)."""
        entry = encode_entry(CatalogEntry(schema, table.channel_id, table.access))
        await self.gate.call(functools.partial(self.backend.edit, tables.catalog(), table.catalog_message_id, entry))

    async def rename_table(self, name: str, new_name: str) -> TableSchema:
        """Give a table another name; its channel, ids and records stay as they are (1 request)."""
        async with self.gate.catalog() as tables:
            table = tables.entry(name)
            async with table.lock:
                if new_name == name:
                    raise SchemaError(f"Table `{name}` is called that already: nothing was changed.")
                if new_name in tables.names():
                    raise TableExists(new_name)
                schema = table.schema.renamed(new_name)
                await self._write_entry(tables, table, schema)
                tables.renamed(table, schema)
        log.info("table %s renamed to %s", name, new_name)
        return schema

    async def set_description(self, name: str, description: str) -> TableSchema:
        """Change a table's description (1 request)."""
        async with self.gate.catalog() as tables:
            table = tables.entry(name)
            async with table.lock:
                schema = table.schema.with_description(description)
                await self._write_entry(tables, table, schema)
                table.set_schema(schema)
        return schema

    async def rename_column(self, name: str, column: str, new_name: str) -> TableSchema:
        """Give a column another name; stored records keep its values under its storage key (1 request)."""
        async with self.gate.catalog() as tables:
            table = tables.entry(name)
            async with table.lock:
                schema = table.schema.with_column_renamed(column, new_name)
                await self._write_entry(tables, table, schema)
                table.set_schema(schema)
        log.info("table %s: column %s renamed to %s", name, column, new_name)
        return schema

    async def drop_column(self, name: str, column: str) -> TableSchema:
        """Remove a column and its values (and its unique rule) from every read (1 request). CANNOT BE REVERSED.

        Stored records keep the bytes under the column's retired key, which no
        column ever reads again.
        """
        async with self.gate.catalog() as tables:
            table = tables.entry(name)
            async with table.lock:
                schema = table.schema.without_column(column)
                await self._write_entry(tables, table, schema)
                table.set_schema(schema)
        log.info("table %s: column %s dropped", name, column)
        return schema

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
        """Change a column's type or flags after checking every stored value (see alteration.py).

        When stored values change, the column's fresh key is first reserved in
        the catalog (1 request), then every record is written again under it,
        in batch messages of up to 1,000 that keep the old key's values too:
        until the last catalog edit lands (1 request), the table reads as it did.
        """
        async with self.gate.catalog() as tables:
            table = tables.entry(name)
            async with table.lock:
                await self.gate.check_live(table)
                old = table.schema
                plan = plan_alter(
                    old,
                    list(table),
                    column,
                    column_type=column_type,
                    choices=choices,
                    unique=unique,
                    optional=optional,
                    default=default,
                )
                new_column = plan.column
                if plan.rewrite:
                    key = old.fresh_key(column)
                    assert key is not None, "the column's own key is taken, so a rewrite gets a new one"
                    # Reserved in the catalog first: if what follows fails, no later column takes this key and
                    # reads the values the rewrite left under it.
                    reserved = old.model_copy(update={"retired_keys": (*old.retired_keys, key)}).revalidated()
                    await self._write_entry(tables, table, reserved)
                    table.set_schema(reserved)
                    new_column = new_column.model_copy(update={"key": key})
                schema = old.replacing(column, new_column)
                try:
                    written = await self._rewrite(table, schema, column, plan.values) if plan.rewrite else []
                    await self._write_entry(tables, table, schema)
                except DiscobaseError:
                    table.mark_stale()  # batches may have landed: read the table again before trusting it
                    raise
                table.set_schema(schema)
                for message_id, ids in written:
                    table.note_batch(message_id)
                    for record_id in ids:
                        record = table.get(record_id)
                        table.replace(record, {**record.values, column: plan.values[record_id]}, message_id)
                        table.shadow(record_id)  # older copies of it lie below the batch
        rewritten = sum(len(ids) for _, ids in written)
        log.info("table %s: column %s altered, %d records written again", name, column, rewritten)
        return AlterResult(schema, rewritten, plan.filled, len(written) + (2 if plan.rewrite else 1))

    async def _rewrite(
        self, table: CachedTable, schema: TableSchema, column: str, values: dict[int, Any]
    ) -> list[tuple[int, list[int]]]:
        """Write every record again in batch messages, under both the old and the new keys; (message, ids) each.

        Each copy names the message that first held its record, so its creation time outlives the older copies.
        """
        rows: list[tuple[int, int, dict[str, Any], int]] = [
            (
                record.id,
                record.creator_id,
                {**table.schema.encode(record.values), **schema.encode({**record.values, column: values[record.id]})},
                record.created_message_id or record.message_id,
            )
            for record in sorted(table, key=lambda r: r.id)
        ]
        written: list[tuple[int, list[int]]] = []
        for cut in parts([row[2] for row in rows]):
            batch = [rows[index] for index in cut]
            send = functools.partial(self.backend.send, table.channel_id, encode_batch(batch))
            written.append((await self.gate.call(send, table), [row[0] for row in batch]))
        return written
