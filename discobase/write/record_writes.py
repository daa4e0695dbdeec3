"""Record writes: insert, update, delete (queued, group commit) and insert_many (an import), each as drafts.

Each validates its input once, first (no request, not even the lease, for bad
input). A single write joins its table's queue (group_commit.py) and is
checked and stored with the writes beside it; an import takes the table's lock
and commits one draft per batch (imports.py cuts and checks the rows).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from ..cache.draft import Draft
from ..errors import ShuttingDown
from ..model.history import Change
from ..model.records import Record
from .group_commit import Pending
from .imports import ROWS_BETWEEN_YIELDS, BulkResult, ImportRejected, check_rows, check_size, plan_import
from .lease import LeaseLost
from .parts import StoreParts
from .progress import Progress, ProgressReports

__all__ = ["RecordWrites"]


class RecordWrites(StoreParts):
    """The record writes of one guild's store (a part of ``GuildStore``)."""

    async def insert(self, name: str, values: Mapping[str, Any], creator_id: int, *, command: str = "insert") -> Record:
        """Insert one record (1 request, shared with the writes queued beside it) and return it with its new id.

        Its history starts with this change (``command`` names it: ``insert``, ``edit form``...).
        """
        table = await self.tables.table(name)
        schema = table.schema
        converted = schema.validate_new(values)  # bad input costs no request, not even the lease
        check_size(name, schema.encode(converted), self.backend.upload_limit)
        change = Change.new(creator_id, command)
        write = Pending("insert", schema, values, converted, creator_id=creator_id, change=change)
        return await self.queues.submit(table, write)

    async def update(
        self, name: str, record_id: int, changes: Mapping[str, Any], *, actor: int = 0, command: str = "update"
    ) -> Record:
        """Change some columns of one record (1 request: an edit of its message, a new one, or a shared batch).

        Changes that leave every value as it is write nothing and return the
        record as it was. The record's history gains the change, made by
        ``actor`` (0: the bot) with ``command``, and the values it replaced.
        """
        table = await self.tables.table(name)
        schema = table.schema
        converted = schema.validate_changes(changes)
        check_size(name, schema.encode(converted), self.backend.upload_limit)
        change = Change.new(actor, command)
        return await self.queues.submit(table, Pending("update", schema, changes, converted, record_id, change=change))

    async def delete(self, name: str, record_id: int, *, actor: int = 0, command: str = "delete") -> Record:
        """Delete one record into the table's trash (1 request, or a share of a batch) and return it as it was.

        Its message becomes its ``gone`` marker, keeping the record and its
        history for 30 days (a new marker when it sits in a batch).
        """
        table = await self.tables.table(name)
        change = Change.new(actor, command)
        return await self.queues.submit(table, Pending("delete", table.schema, record_id=record_id, change=change))

    async def restore(self, name: str, record_id: int, *, actor: int = 0) -> Record:
        """Bring a trashed record back under its id, creator and creation time (1 request, or a share of a batch).

        ``NotInTrash`` says why a record cannot be; ``UniqueViolation`` names
        the record that holds one of its unique values now. Nothing is written then.
        """
        table = await self.tables.table(name)
        change = Change.new(actor, "restore")
        return await self.queues.submit(table, Pending("restore", table.schema, record_id=record_id, change=change))

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
        table = await self.tables.table(name)
        reports = ProgressReports(on_progress)
        try:
            async with self.committer.locked(table):
                plan = plan_import(table, rows, resumable, self.backend.upload_limit)
                converted, problems = await check_rows(table, rows, plan.written_rows, self.backend.upload_limit)
                if problems:
                    raise ImportRejected(name, problems)
                values_by_row = iter(converted)
                change = Change.new(creator_id, "import")  # every part is one change: undone as a whole
                written: list[Record] = []
                for number, cut in enumerate(plan.cuts):
                    if number in plan.done:
                        continue
                    if self.gate.closing and written:
                        raise ShuttingDown(
                            f"{len(written)} of {len(converted)} rows were written; "
                            "run the same import again to write only the rest."
                        )
                    tag = (plan.key, number) if plan.key is not None else None
                    draft = Draft(table, batch=len(cut) > 1, import_part=tag)
                    ids = []
                    for count in range(1, len(cut) + 1):
                        ids.append(draft.insert(next(values_by_row), creator_id, change))
                        if count % ROWS_BETWEEN_YIELDS == 0:
                            await asyncio.sleep(0)  # other members' commands are answered meanwhile
                    try:
                        message_id = await self.committer.commit(table, draft)
                    except LeaseLost:
                        if not written:
                            raise
                        raise ShuttingDown(
                            f"Another copy of the bot took over writing to this server: {len(written)} of "
                            f"{len(converted)} rows were written; run the same import again to write only the rest."
                        ) from None
                    written += [Record(id_, draft.current(id_) or {}, creator_id, message_id) for id_ in ids]
                    await reports.report(len(written), len(converted))
                self.compactor.consider(table)
        finally:
            await reports.finish()
        return BulkResult(written, len(plan.written_rows))
