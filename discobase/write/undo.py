"""Nothing lost by mistake: the trash, a record's history, restores and undo, over what record messages carry.

Reads (``trash``, ``history``) are served from the loaded table (no request).
A restore and an undo are bulk changes (bulk_changes.py): writes of group
commit (``Pending``), checked whole under the table's lock against one draft,
then stored in batches through the one commit path (I5), so they hold the
lease, the unique columns and all-or-nothing like any write, and are in the
history themselves (an undo's change names the change it undid: a second
undo skips both and reaches the change before).

An undo reverses one change of the member's, whole: an insert or a restore
is deleted (into the trash), an update gets back the values it replaced, a
delete is restored. If a later change touched one of its records, nothing is
undone (``UndoRefused`` names them and who changed them): undoing would lose it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..cache.changes import (
    HistoryEntry,
    TrashedRecord,
    changed_since,
    last_change,
    record_history,
    trash,
    typed,
    undoable,
)
from ..cache.stored_table import StoredTable
from ..errors import NothingToUndo, RecordNotFound, UndoRefused
from ..model.history import Change, now_seconds
from ..model.records import Record
from .bulk_changes import BulkChanges, BulkUpdate
from .group_commit import Pending

__all__ = ["Undo", "Undone"]


@dataclass(frozen=True, slots=True)
class Undone:
    """What an undo did to the records of ``change``: deleted, restored, and updated back (before, after)."""

    change: Change
    deleted: list[Record] = field(default_factory=list)
    restored: list[Record] = field(default_factory=list)
    updated: list[BulkUpdate] = field(default_factory=list)


def describe(change: Change) -> str:
    """A change as an answer names it: ``your update at <t:…:f>``."""
    return f"your {change.command} at <t:{change.at}:f>"


class Undo(BulkChanges):
    """The trash, history, restores and undo of one guild's tables (a part of ``GuildStore``)."""

    async def trash(self, name: str) -> list[TrashedRecord]:
        """The table's deleted records of the last 30 days, newest deletion first (no request when loaded)."""
        return trash(await self.tables.loaded(name), now_seconds())

    async def history(self, name: str, record_id: int) -> list[HistoryEntry]:
        """A record's changes of the last 30 days, newest first (no request when loaded).

        ``RecordNotFound`` for an id no message of the table names any more.
        """
        table = await self.tables.loaded(name)
        entries = record_history(table, record_id, now_seconds())
        if not entries and table.find(record_id) is None:
            raise RecordNotFound(name, record_id)
        return entries

    async def restore_many(self, name: str, record_ids: Sequence[int], *, actor: int = 0) -> list[Record]:
        """Bring trashed records back under their ids, all or none (``BulkRejected`` names every problem)."""
        table = await self.tables.table(name)
        async with self.committer.locked(table):
            change = Change.new(actor, "restore")
            writes = [Pending("restore", table.schema, record_id=i, change=change) for i in dict.fromkeys(record_ids)]
            self._whole(table, writes)
            await self._store(table, writes, lambda write: {})
        return [write.outcome() for write in writes]

    async def undo(self, name: str, actor: int) -> Undone:
        """Undo the member's own last change on the table within the hour, whole, or nothing.

        ``NothingToUndo`` (naming their last change, if any) or ``UndoRefused``
        (records changed since, and by whom); a unique value taken meanwhile
        refuses it as ``BulkRejected``.
        """
        table = await self.tables.table(name)
        async with self.committer.locked(table):
            change = last_change(table, actor)
            record_ids = table.history.touched_by(change.token) if change is not None else []
            if change is None or not undoable(change, now_seconds()) or not record_ids:
                raise NothingToUndo(name, describe(change) if change is not None else None)
            if changed := changed_since(table, change, record_ids):
                raise UndoRefused(name, f"{describe(change)} changed {len(record_ids)} record(s)", changed)
            writes = _reversing(table, change, record_ids, Change.new(actor, "undo", undoes=change.token))
            self._whole(table, writes)
            before = {write.record_id: table.get(write.record_id) for write in writes if write.kind == "update"}
            await self._store(table, writes, lambda write: write.values)
        outcomes = [(write.kind, write.outcome()) for write in writes]
        return Undone(
            change,
            deleted=[record for kind, record in outcomes if kind == "delete"],
            restored=[record for kind, record in outcomes if kind == "restore"],
            updated=[BulkUpdate(before[record.id], record) for kind, record in outcomes if kind == "update"],
        )


def _reversing(table: StoredTable, change: Change, record_ids: list[int], undo: Change) -> list[Pending]:
    """The writes that reverse ``change`` on each of its records (as the history says it replaced them)."""
    writes: list[Pending] = []
    for record_id in record_ids:
        entry = next(entry for header, entry in table.history.entries(record_id) if header.token == change.token)
        if entry.old is None:  # an insert or a restore
            writes.append(Pending("delete", table.schema, record_id=record_id, change=undo))
        elif table.find(record_id) is None:  # a delete
            writes.append(Pending("restore", table.schema, record_id=record_id, change=undo))
        else:
            old = typed(table.schema, entry.old)
            writes.append(Pending("update", table.schema, old, old, record_id, change=undo))
    return writes
