"""Reading a loaded table's history and trash: a record's changes, the trash, a member's last change.

Pure reads of what the deciding messages carry (history.py): no request, no
write. Values come back typed, by column name; a value under a storage key the
schema no longer has (a dropped or retyped column) is left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..model.columns import ColumnType, Value
from ..model.history import KEEP_SECONDS, UNDO_SECONDS, Change
from ..model.records import Record
from ..model.schema import TableSchema
from .stored_table import StoredTable

__all__ = [
    "HistoryEntry",
    "TrashedRecord",
    "changed_since",
    "last_change",
    "record_history",
    "trash",
    "typed",
    "undoable",
]


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One change of a record: when, who (0: the bot), which command, and each changed column as (old, new)."""

    at: datetime
    actor: int
    command: str
    changes: dict[str, tuple[Value, Value]]


@dataclass(frozen=True, slots=True)
class TrashedRecord:
    """A deleted record in the trash: the record as it was, who deleted it and when."""

    record: Record
    deleted_at: datetime
    deleted_by: int


def _time(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def typed(schema: TableSchema, stored: Mapping[str, Any]) -> dict[str, Value]:
    """Stored values by storage key as typed values by column name (keys the schema lost are left out).

    A value from before its column's type changed (an ``alter-column`` entry)
    stays as it was stored where the new type cannot read it.
    """
    columns = {column.storage_key: column for column in schema.columns}
    return {columns[key].name: _read(columns[key].type, value) for key, value in stored.items() if key in columns}


def _read(column_type: ColumnType, value: Any) -> Value:
    try:
        return column_type.from_json(value)
    except (TypeError, ValueError):
        return value  # type: ignore[no-any-return]


def record_history(table: StoredTable, record_id: int, now: int) -> list[HistoryEntry]:
    """The record's changes of the last 30 days, newest first, each column old -> new.

    Walked back from the record as it is now (or gone): an entry's old values
    and the state after it give both sides of each changed column. An
    ``alter-column`` entry names the column's new key (with the value it
    replaced) and its old one (empty): entries older than it read the old key
    as the new.
    """
    schema = table.schema
    current = table.find(record_id)
    state: dict[str, Any] | None = schema.encode(current.values) if current is not None else None
    found: list[HistoryEntry] = []
    keys = {column.storage_key for column in schema.columns}
    aliases: dict[str, str] = {}  # an old storage key -> the key its column has now
    for change, entry in reversed(table.history.entries(record_id)):
        replaced = None if entry.old is None else {aliases.get(key, key): value for key, value in entry.old.items()}
        before = _before(state, replaced)
        old, new = typed(schema, before or {}), typed(schema, state or {})
        changed = {
            name: (old.get(name), new.get(name))
            for name in [column.name for column in schema.columns]
            if old.get(name) != new.get(name)
        }
        if change.at >= now - KEEP_SECONDS:
            found.append(HistoryEntry(_time(change.at), change.actor, change.command, changed))
        if change.command == "alter-column" and entry.old:
            _learn_alias(aliases, entry.old, keys)
        state = before
    return found


def _learn_alias(aliases: dict[str, str], old: Mapping[str, Any], keys: set[str]) -> None:
    """An alteration's entry names the key its column has (directly, or through a later alteration) and the old."""
    current = [key for key in old if aliases.get(key, key) in keys]
    retired = [key for key in old if aliases.get(key, key) not in keys]
    if len(current) == 1 and len(retired) == 1:
        aliases[retired[0]] = aliases.get(current[0], current[0])


def _before(after: dict[str, Any] | None, old: dict[str, Any] | None) -> dict[str, Any] | None:
    """The stored state before an entry (``old``: the values it replaced, by key as the schema has them now).

    None before an insert or restore, the old values before a delete.
    """
    if old is None:
        return None
    if after is None:
        return dict(old)
    before = {**after, **old}
    return {key: value for key, value in before.items() if key not in old or old[key] is not None}


def trash(table: StoredTable, now: int) -> list[TrashedRecord]:
    """The deleted records the table's markers keep from the last 30 days, newest deletion first."""
    found: list[TrashedRecord] = []
    for record_id in table.history.trashed_ids():
        trashed = table.history.trashed(record_id)
        entries = table.history.entries(record_id)
        if trashed is None or not entries or table.find(record_id) is not None:
            continue
        deletion = entries[-1][0]
        if deletion.at < now - KEEP_SECONDS:
            continue
        values = table.schema.decode(trashed.data)
        record = Record(record_id, values, trashed.creator, 0, trashed.created)
        found.append(TrashedRecord(record, _time(deletion.at), deletion.actor))
    found.sort(key=lambda item: (item.deleted_at, item.record.id), reverse=True)
    return found


def last_change(table: StoredTable, actor: int) -> Change | None:
    """The member's last change on the table that an undo may reach: not an undo, not undone (any age).

    A column's alteration is a change of the whole table, made by an admin: never undone here.
    """
    changes = table.history.changes()
    undone = {change.undoes for change in changes if change.undoes}
    mine = [
        c
        for c in changes
        if c.actor == actor and not c.undoes and c.token not in undone and c.command != "alter-column"
    ]
    return max(mine, key=lambda change: (change.at, change.token), default=None)


def undoable(change: Change, now: int) -> bool:
    """Whether the change is recent enough to undo (the last hour)."""
    return change.at >= now - UNDO_SECONDS


def changed_since(table: StoredTable, change: Change, record_ids: list[int]) -> list[tuple[int, int]]:
    """The records a later change touched (id, and who made the last such change): an undo would lose it.

    Changes undone since, and their undos, cancel out and do not count.
    """
    changes = table.history.changes()
    undone = {c.undoes for c in changes if c.undoes}
    cancelled = undone | {c.token for c in changes if c.undoes in undone and c.undoes}
    found: list[tuple[int, int]] = []
    for record_id in record_ids:
        entries = table.history.entries(record_id)
        tokens = [entry.token for _, entry in entries]
        if change.token not in tokens:
            continue
        later = [c for c, entry in entries[tokens.index(change.token) + 1 :] if c.token not in cancelled]
        if later:
            found.append((record_id, later[-1].actor))
    return found
