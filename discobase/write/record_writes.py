"""Record writes: insert, bulk insert, update, delete, each one pass through the write gate.

Each validates its input first (no request, not even the lease, for bad input),
then enters the gate (gate.py), checks ids and unique columns against the
locked table, makes its Discord call through ``gate.call`` and only then
changes the cache. Inserts, updates and deletes queue on their table: one
alone is written as below, several queued together share one batch message
(group_commit.py).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from ..backend import Backend
from ..cache.catalog_cache import Tables
from ..cache.stored_table import CachedTable
from ..errors import MessageMissing, RecordNotFound, ShuttingDown
from ..model.columns import Value
from ..model.records import Record, encode_batch, encode_gone, encode_record
from .gate import WriteGate
from .group_commit import Pending, write_packed
from .imports import BulkResult, ImportRejected, check_rows, plan_import
from .lease import LeaseLost
from .metrics import note_packed

__all__ = ["Progress", "ProgressReports", "RecordWrites"]

log = logging.getLogger(__name__)

Progress = Callable[[int, int], Awaitable[None]]


class ProgressReports:
    """Runs an import's ``on_progress`` beside the import, never under the table's lock.

    A slow progress edit would otherwise hold up every write to the table. At
    most one report runs at a time; a newer count replaces one still waiting.
    """

    def __init__(self, on_progress: Progress | None) -> None:
        self.on_progress = on_progress
        self._waiting: tuple[int, int] | None = None
        self._task: asyncio.Task[None] | None = None

    async def report(self, done: int, total: int) -> None:
        """Show that ``done`` of ``total`` are stored (the newest count wins; never waits for a slow report)."""
        if self.on_progress is None:
            return
        self._waiting = (done, total)
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run())
        await asyncio.sleep(0)  # let it start: a quick report is done at once, a slow one runs beside us

    async def _run(self) -> None:
        assert self.on_progress is not None
        while self._waiting is not None:
            done, total = self._waiting
            self._waiting = None
            try:
                await self.on_progress(done, total)
            except Exception:  # a progress message is a courtesy: the import goes on without it
                log.exception("import progress report failed")

    async def finish(self) -> None:
        """Wait for the last report."""
        if self._task is not None:
            await self._task


class RecordWrites:
    """The writes of records of one guild's tables."""

    def __init__(self, backend: Backend, tables: Tables, gate: WriteGate) -> None:
        self.backend = backend
        self.tables = tables
        self.gate = gate
        self.packed_writes = 0
        self.shared_requests = 0

    async def insert(self, name: str, values: Mapping[str, Any], creator_id: int) -> Record:
        """Insert one record and return it with its new id (1 request, shared with the writes queued beside it)."""
        await self.tables.open()
        schema = self.tables.entry(name).schema
        converted = schema.validate_new(values)  # bad input costs no request, not even the lease
        return await self._submit(name, Pending("insert", schema, values, converted, creator_id=creator_id))

    async def _submit(self, name: str, write: Pending) -> Record:
        """Queue the write on its table and wait until it, or a write ahead of it, stores it."""
        await self.gate.join(name, write, self._store)
        note_packed(write.packed)
        return write.outcome()

    async def _store(self, table: CachedTable, writes: list[Pending]) -> None:
        """Under the table's lock: a lone write as ever, several in one batch (group_commit.py)."""
        if len(writes) > 1:
            await write_packed(self.gate, self.backend, table, writes)
            self.packed_writes += sum(1 for write in writes if write.packed > 1)
            self.shared_requests += any(write.packed > 1 for write in writes)
            return
        write = writes[0]
        alone = {"insert": self._insert_alone, "update": self._update_alone, "delete": self._delete_alone}[write.kind]
        try:
            write.succeed(await alone(table, write))
        except Exception as error:
            write.fail(error)

    async def _insert_alone(self, table: CachedTable, write: Pending) -> Record:
        converted = write.values
        if table.schema is not write.schema:  # a column was added meanwhile
            converted = table.schema.validate_new(write.raw)
        table.check_unique(converted)
        record_id = table.next_id
        text = encode_record(record_id, write.creator_id, table.schema.encode(converted))
        message_id = await self.gate.call(functools.partial(self.backend.send, table.channel_id, text), table)
        record = Record(record_id, converted, write.creator_id, message_id)
        table.add(record)
        table.note_message(message_id)
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
        """Insert many records, all or none: checked first, then written in batch messages (see bulk.py)."""
        await self.tables.open()
        self.tables.entry(name)
        reports = ProgressReports(on_progress)
        try:
            async with self.gate.table(name) as table:
                plan = plan_import(table, rows, resumable)
                converted, problems = check_rows(table, rows, plan.written_rows)
                if problems:
                    raise ImportRejected(name, problems)
                values_by_row = iter(converted)
                written: list[Record] = []
                for number, cut in enumerate(plan.cuts):
                    if number in plan.done:
                        continue
                    if self.gate.closing and written:
                        raise ShuttingDown(
                            f"{len(written)} of {len(converted)} rows were written; "
                            "run the same import again to write only the rest."
                        )
                    part = [next(values_by_row) for _ in cut]
                    try:
                        written += await self._write_part(table, part, creator_id, plan.key, number)
                    except LeaseLost:
                        if not written:
                            raise
                        raise ShuttingDown(
                            f"Another copy of the bot took over writing to this server: {len(written)} of "
                            f"{len(converted)} rows were written; run the same import again to write only the rest."
                        ) from None
                    await reports.report(len(written), len(converted))
        finally:
            await reports.finish()
        return BulkResult(written, len(plan.written_rows))

    async def _write_part(
        self, table: CachedTable, values: list[dict[str, Value]], creator_id: int, key: str | None, number: int
    ) -> list[Record]:
        """Write one batch (or, untagged and alone, a plain record) and add its records to the cache."""
        first_id = table.next_id
        encoded = [(first_id + offset, creator_id, table.schema.encode(row)) for offset, row in enumerate(values)]
        batch = len(encoded) > 1 or key is not None
        text = encode_batch(encoded, key, number) if batch else encode_record(*encoded[0])
        message_id = await self.gate.call(functools.partial(self.backend.send, table.channel_id, text), table)
        if batch:
            table.note_batch(message_id, key, number)
        if key is None:  # a tagged part stays: running the import again finds it
            table.note_message(message_id)
        records = [Record(first_id + offset, row, creator_id, message_id) for offset, row in enumerate(values)]
        for record in records:
            table.add(record)
        return records

    async def update(self, name: str, record_id: int, changes: Mapping[str, Any]) -> Record:
        """Change some columns of one record (1 request: an edit of its message, a new one, or a shared batch).

        Changes that leave every value as it is write nothing and return the record as it was.
        """
        await self.tables.open()
        schema = self.tables.entry(name).schema
        converted = schema.validate_changes(changes)
        return await self._submit(name, Pending("update", schema, changes, converted, record_id))

    async def _update_alone(self, table: CachedTable, write: Pending) -> Record:
        converted = write.values
        if table.schema is not write.schema:
            converted = table.schema.validate_changes(write.raw)
        record = table.get(write.record_id)
        values = {**record.values, **converted}
        if values == record.values:
            return record
        table.check_unique(values, record.id)
        created = record.created_message_id or (record.message_id if table.in_batch(record) else 0)
        text = encode_record(record.id, record.creator_id, table.schema.encode(values), created)
        if table.in_batch(record):
            # Rewriting a whole batch for one record would be slow: a newer single message supersedes it.
            send = functools.partial(self.backend.send, table.channel_id, text)
            message_id = await self.gate.call(send, table)
            table.shadow(record.id)
            table.note_message(message_id)
            return table.replace(record, values, message_id)
        try:
            await self.gate.call(functools.partial(self.backend.edit, table.channel_id, record.message_id, text), table)
        except MessageMissing:
            # Deleted by hand while the bot did not see it (offline, or the table was not in memory).
            await self._gone_by_hand(table, record)
            raise RecordNotFound(table.name, record.id) from None
        return table.replace(record, values, record.message_id)

    async def delete(self, name: str, record_id: int) -> Record:
        """Delete one record (1 request, or a share of a batch) and return it as it was.

        Mostly its message is deleted. Where that is not enough (the newest id,
        which must stay used after a restart; a record in a batch or with an
        older copy), its message becomes, or a new one is, a ``gone`` marker.
        """
        await self.tables.open()
        schema = self.tables.entry(name).schema
        return await self._submit(name, Pending("delete", schema, record_id=record_id))

    async def _delete_alone(self, table: CachedTable, write: Pending) -> Record:
        record = table.get(write.record_id)
        channel = table.channel_id
        if not table.needs_marker(record):
            await self.gate.call(functools.partial(self.backend.delete, channel, record.message_id), table)
            table.forget_message(record.message_id)
        elif table.in_batch(record):
            marker = await self.gate.call(functools.partial(self.backend.send, channel, encode_gone(record.id)), table)
            table.note_message(marker, [record.id])
        else:
            try:
                mark = functools.partial(self.backend.edit, channel, record.message_id, encode_gone(record.id))
                await self.gate.call(mark, table)
                table.note_message(record.message_id, [record.id])
            except MessageMissing:  # deleted by hand meanwhile: the marker still has to be written
                table.forget_message(record.message_id)
                send = functools.partial(self.backend.send, channel, encode_gone(record.id))
                table.note_message(await self.gate.call(send, table), [record.id])
        table.remove(record)
        table.unshadow(record.id)
        return record

    async def _gone_by_hand(self, table: CachedTable, record: Record) -> None:
        """Under the table's lock: a record's message was deleted by hand; forget it and write its marker if owed."""
        if self.gone_by_hand(table, record):
            await self.gate.pay_markers(table)

    @staticmethod
    def gone_by_hand(table: CachedTable, record: Record) -> bool:
        """Forget a record whose message was deleted by hand; True if a ``gone`` marker is now owed.

        Its older copy in a batch would come back on the next load, and the
        newest id must stay used after a restart (as in ``delete``).
        """
        owed = table.unshadow(record.id) or record.id == table.next_id - 1
        table.remove(record)
        table.forget_message(record.message_id)
        if owed:
            table.owe_marker(record.id)
        return owed
