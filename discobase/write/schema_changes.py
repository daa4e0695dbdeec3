"""Changes of a table's schema after it was made: rename it, describe it, rename, drop and alter its columns, views.

Each passes through the write gate's catalog door (gate.py): the lease, then
the catalog's lock and the table's, then its Discord calls through
``gate.call``, then the change in memory. Stored records are never rewritten
for a rename or a drop: record messages name values by storage key (schema.py),
and the catalog entry maps keys to columns. Only ``alter_column`` writes
records, when their stored values change, and then in batch messages.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..cache.changes import trash as trashed_records
from ..cache.draft import Draft
from ..cache.stored_table import StoredTable
from ..errors import DiscobaseError, SchemaError, TableExists
from ..model.alteration import ColumnChange, plan_alter, trashed_value
from ..model.columns import ColumnType, Value
from ..model.history import Change, Trashed, now_seconds
from ..model.schema import TableSchema, View
from ..model.views import check_view, follow_rename
from .imports import batch_bytes, carried_size, parts, stored_size
from .parts import StoreParts

__all__ = ["AlterResult", "SchemaChanges"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AlterResult:
    """What ``alter_column`` did: the new schema, records written again, and empty values given the default."""

    schema: TableSchema
    rewritten: int
    filled: int
    requests: int


class SchemaChanges(StoreParts):
    """The schema changes of one guild's tables (a part of ``GuildStore``)."""

    async def rename_table(self, name: str, new_name: str) -> TableSchema:
        """Give a table another name; its channel, ids and records stay as they are (1 request)."""
        async with self.gate.catalog_entry(name) as table:
            if new_name == name:
                raise SchemaError(f"Table `{name}` is called that already: nothing was changed.")
            if new_name in self.tables.names():
                raise TableExists(new_name)
            schema = table.schema.renamed(new_name)
            await self._write_entry(table, schema)
            self.tables.renamed(table, schema)
        log.info("table %s renamed to %s", name, new_name)
        return schema

    async def set_description(self, name: str, description: str) -> TableSchema:
        """Change a table's description (1 request)."""
        async with self.gate.catalog_entry(name) as table:
            schema = table.schema.with_description(description)
            await self._write_entry(table, schema)
            table.set_schema(schema)
        return schema

    async def rename_column(self, name: str, column: str, new_name: str) -> TableSchema:
        """Give a column another name; stored records keep its values under its storage key (1 request)."""
        async with self.gate.catalog_entry(name) as table:
            schema = follow_rename(table.schema, table.schema.with_column_renamed(column, new_name), column, new_name)
            await self._write_entry(table, schema)
            table.set_schema(schema)
        log.info("table %s: column %s renamed to %s", name, column, new_name)
        return schema

    async def save_view(self, name: str, view: View) -> TableSchema:
        """Save a view of a table, or change the one of that name (1 request: the catalog edit; none if unchanged).

        Its where, sort and columns must read on the table as it is now.
        """
        async with self.gate.catalog_entry(name) as table:
            check_view(table.schema, view)
            schema = table.schema.with_view(view)
            if schema != table.schema:
                await self._write_entry(table, schema)
                table.set_schema(schema)
        log.info("table %s: view %s saved", name, view.name)
        return schema

    async def delete_view(self, name: str, view: str) -> TableSchema:
        """Delete a view of a table (1 request: the catalog edit)."""
        async with self.gate.catalog_entry(name) as table:
            schema = table.schema.without_view(view)
            await self._write_entry(table, schema)
            table.set_schema(schema)
        log.info("table %s: view %s deleted", name, view)
        return schema

    async def drop_column(self, name: str, column: str) -> TableSchema:
        """Remove a column and its values (and its unique rule) from every read (1 request). CANNOT BE REVERSED.

        Stored records keep the bytes under the column's retired key, which no
        column ever reads again.
        """
        async with self.gate.catalog_entry(name) as table:
            schema = table.schema.without_column(column)
            await self._write_entry(table, schema)
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
        actor: int = 0,
    ) -> AlterResult:
        """Change a column's type or flags after checking every stored value (see alteration.py).

        When stored values change, the column's fresh key is first reserved in
        the catalog (1 request), then every record is written again under it,
        in batch messages (as many records as one holds) that keep the old
        key's values too: until the last catalog edit lands (1 request), the
        table reads as it did.
        Each record rewritten gains an ``alter-column`` change by ``actor`` in its history.
        """
        async with self.gate.catalog_entry(name, live=True) as table:
            old = table.schema
            change = ColumnChange(column_type, choices, unique, optional, default)
            plan = plan_alter(old, list(table), column, change)
            new_column = plan.column
            if plan.rewrite:
                key = old.fresh_key(column)
                assert key is not None, "the column's own key is taken, so a rewrite gets a new one"
                # Reserved in the catalog first: if what follows fails, no later column takes this key and
                # reads the values the rewrite left under it.
                reserved = old.model_copy(update={"retired_keys": (*old.retired_keys, key)}).revalidated()
                await self._write_entry(table, reserved)
                table.set_schema(reserved)
                new_column = new_column.model_copy(update={"key": key})
            schema = old.replacing(column, new_column)
            try:
                batches = await self._rewrite(table, schema, column, plan.values, actor) if plan.rewrite else 0
                await self._write_entry(table, schema)
            except DiscobaseError:
                table.mark_stale()  # batches may have landed: read the table again before trusting it
                raise
            table.set_schema(schema, {column: plan.values} if plan.rewrite else None)
        rewritten = len(plan.values) if plan.rewrite else 0
        log.info("table %s: column %s altered, %d records written again", name, column, rewritten)
        return AlterResult(schema, rewritten, plan.filled, batches + (2 if plan.rewrite else 1))

    async def _rewrite(
        self, table: StoredTable, schema: TableSchema, column: str, values: dict[int, Any], actor: int
    ) -> int:
        """Commit every record again in batch drafts, stored under both the old and the new keys; how many batches.

        Memory keeps reading the old values until the catalog names the new
        key (``set_schema`` then takes the new ones), as a fresh load would. The
        drafts are copies: a record deleted by hand meanwhile stays deleted, and
        each copy keeps its record's creation time.
        """
        old_schema = table.schema

        def both_keys(record_id: int, current: Mapping[str, Value]) -> dict[str, Any]:
            return {**old_schema.encode(current), **schema.encode({**current, column: values[record_id]})}

        ids = sorted(values)
        change = Change.new(actor, "alter-column")
        old_key, new_key = old_schema.column(column).storage_key, schema.column(column).storage_key
        budget = batch_bytes(self.backend.upload_limit)
        rows = [both_keys(record_id, table.get(record_id).values) for record_id in ids]
        cuts = parts(rows, budget, [carried_size(table, record_id) for record_id in ids])
        for cut in cuts:
            draft = Draft(table, batch=True, copy=True, encode=both_keys)
            for record_id in ids[cut.start : cut.stop]:
                if (record := table.find(record_id)) is not None:  # else deleted by hand since: it stays deleted
                    # History: the value it replaces, and the old key (named only), so older entries read across it
                    was = old_schema.encode(record.values).get(old_key)
                    draft.set(record_id, record.values, change=change, replaced={new_key: was, old_key: None})
            if draft.states:
                await self.committer.commit(table, draft)
        return len(cuts) + await self._rewrite_trash(table, schema, column)

    async def _rewrite_trash(self, table: StoredTable, schema: TableSchema, column: str) -> int:
        """Carry the trash anew with the column under its new key too, so a restore reads it; how many batches.

        The trash keeps the old key's values as well, like the records, until
        it is written again (unless both forms would not fit one message). Only
        what the last 30 days keep is carried.
        """
        old_schema, now = table.schema, now_seconds()
        old_column, new_column = old_schema.column(column), schema.column(column)
        old_key, budget = old_column.storage_key, batch_bytes(self.backend.upload_limit)
        trash: dict[int, Trashed] = {}
        for kept in trashed_records(table, now):
            record = kept.record
            stored = table.history.trashed(record.id)
            assert stored is not None, "the trash lists only what the history keeps"
            values = {**record.values, column: trashed_value(old_column, new_column, record.values.get(column))}
            data = {**stored.data, **schema.encode(values)}
            if stored_size(data) + carried_size(table, record.id) > budget:
                data.pop(old_key, None)  # both forms would not fit one message: the new one alone
            trash[record.id] = Trashed(stored.creator, data, stored.created)
        ids = sorted(trash)
        rows = [trash[record_id].data for record_id in ids]
        cuts = parts(rows, budget, [carried_size(table, n) for n in ids])
        for cut in cuts:
            draft = Draft(table, batch=True)
            for record_id in ids[cut.start : cut.stop]:
                draft.retrash(record_id, trash[record_id])
            await self.committer.commit(table, draft)
        return len(cuts)
