"""Group commit: record writes that queue on a table are stored together, in one batch message.

A table takes about one message a second (Discord: 5 creates or edits per 5 s
per channel), so fifty members inserting at once would wait 45 s for the last
one. Instead, a write that finds the table's lock taken joins the table's
queue (``WriteGate.join``). Whoever gets the lock next takes the whole queue
and stores it: a lone write as it always was (one request, no added delay),
several in one batch message (records.py), in arrival order.

Why each packed write keeps its own outcome:

- each is checked in turn against a ``Draft``: the cache with the writes
  accepted before it in the batch applied. So its id follows theirs, its
  unique values are checked against the table and against them, an update
  or delete sees their changes; a write refused there gets its own error and
  is left out, changing nothing for the rest;
- the accepted ones share the one Discord call. Only when Discord has stored
  the batch does the cache take the draft, and each write gets its own
  record; if the call fails, each gets that failure (an unknown outcome
  marks the table stale, as for any write), so acknowledged still means stored;
- the batch names each id once, with its state after the last write to it
  (a record, or ``[id]``: gone), because in a message only one copy may
  decide an id. It is the newest message naming those ids, so it decides them
  (the reading rule of records.py); the older copies it supersedes stay until
  compaction deletes them (compaction.py).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..backend import Backend
from ..cache.stored_table import CachedTable
from ..errors import DiscordUnavailable, RecordNotFound, UniqueViolation
from ..model.columns import Value
from ..model.records import BatchItem, Record, encode_batch
from ..model.schema import TableSchema
from .gate import WriteGate

__all__ = ["Draft", "Pending", "write_packed"]


@dataclass(eq=False)
class Pending:
    """One record write waiting in a table's queue, and, once settled, its own outcome."""

    kind: Literal["insert", "update", "delete"]
    schema: TableSchema
    raw: Mapping[str, Any] = field(default_factory=dict)
    values: dict[str, Value] = field(default_factory=dict)
    record_id: int = 0
    creator_id: int = 0
    settled: bool = False
    packed: int = 1
    """How many writes shared its Discord call (1: it went alone, or wrote nothing)."""
    _result: Record | None = None
    _error: BaseException | None = None

    def succeed(self, record: Record, packed: int = 1) -> None:
        """Its write is stored (or needed no write): this is its record."""
        self._result, self.packed, self.settled = record, packed, True

    def fail(self, error: BaseException) -> None:
        """Its write was refused or could not be stored."""
        self._error, self.settled = error, True

    def outcome(self) -> Record:
        """The record, or the write's own error."""
        if self._error is not None:
            raise self._error
        assert self._result is not None, "a write left its queue unsettled"
        return self._result


class Draft:
    """A table's records as the writes accepted so far in a batch leave them; nothing is stored yet."""

    def __init__(self, table: CachedTable) -> None:
        self.table = table
        self.next_id = table.next_id
        self.state: dict[int, dict[str, Value] | None] = {}  # touched ids, in order: values, or None when gone
        self.creators: dict[int, int] = {}
        self._claims: dict[tuple[str, Value], int | None] = {}  # unique values taken (id) or freed (None)

    def current(self, record_id: int) -> dict[str, Value] | None:
        """The record's values as the batch leaves them so far; None if there is no such record."""
        if record_id in self.state:
            return self.state[record_id]
        rows = self.table.records or {}
        record = rows.get(record_id)
        return None if record is None else record.values

    def check_unique(self, values: Mapping[str, Value], record_id: int | None = None) -> None:
        """``UniqueViolation`` if another record, in the table or the batch, holds one of these unique values."""
        for column in self.table.schema.unique_columns:
            value = values.get(column)
            if value is None:
                continue
            key = (column, value)
            holder = self._claims[key] if key in self._claims else self.table.holder(column, value)
            if holder is not None and holder != record_id:
                raise UniqueViolation(self.table.name, column, value, holder)

    def set(self, record_id: int, values: dict[str, Value] | None) -> None:
        """Take the record's new values (None: deleted), moving its unique values."""
        old = self.current(record_id)
        for column in self.table.schema.unique_columns:
            if old is not None and old.get(column) is not None:
                self._claims[column, old[column]] = None
            if values is not None and values.get(column) is not None:
                self._claims[column, values[column]] = record_id
        self.state[record_id] = values

    def apply(self, write: Pending) -> tuple[int, dict[str, Value]] | None:
        """Check one write against the draft and take it: its id and values (for a delete: as they were).

        None for an update that changes nothing (it writes nothing); the write's own error if it is refused.
        """
        schema = self.table.schema
        if write.kind == "insert":
            values = write.values if schema is write.schema else schema.validate_new(write.raw)
            self.check_unique(values)
            record_id = self.next_id
            self.next_id += 1
            self.creators[record_id] = write.creator_id
            self.set(record_id, values)
            return record_id, values
        current = self.current(write.record_id)
        if current is None:
            raise RecordNotFound(self.table.name, write.record_id)
        if write.kind == "delete":
            self.set(write.record_id, None)
            return write.record_id, current
        changes = write.values if schema is write.schema else schema.validate_changes(write.raw)
        values = {**current, **changes}
        if values == current and write.record_id not in self.state:
            return None
        self.check_unique(values, write.record_id)
        self.set(write.record_id, values)
        return write.record_id, values

    def items(self) -> list[BatchItem]:
        """The batch: each touched id once, as the last write left it (an updated record with its creation)."""
        encode = self.table.schema.encode
        rows = self.table.records or {}
        items: list[BatchItem] = []
        for record_id, values in self.state.items():
            old = rows.get(record_id)
            if values is None:
                items.append((record_id,))
            elif old is None:
                items.append((record_id, self.creators[record_id], encode(values)))
            else:
                items.append((record_id, old.creator_id, encode(values), old.created_message_id or old.message_id))
        return items

    def commit(self, message_id: int) -> None:
        """The batch is on Discord: the cache takes the draft."""
        table = self.table
        rows = table.records or {}
        gone: list[int] = []
        for record_id, values in self.state.items():
            old = rows.get(record_id)
            if values is None:
                gone.append(record_id)
                if old is not None:
                    table.remove(old)
                table.unshadow(record_id)
            elif old is not None:
                table.replace(old, values, message_id)
                table.shadow(record_id)  # its older message still names it until compaction deletes it
            else:
                table.add(Record(record_id, values, self.creators[record_id], message_id))
        table.next_id = max(table.next_id, self.next_id)
        table.note_batch(message_id)
        table.note_message(message_id, gone)


async def write_packed(gate: WriteGate, backend: Backend, table: CachedTable, writes: list[Pending]) -> None:
    """Under the table's lock: store several queued writes in one batch message, settling each.

    Refused writes settle with their own error; the rest share the call and its outcome.
    """
    draft = Draft(table)
    accepted: list[tuple[Pending, int, dict[str, Value]]] = []
    for write in writes:
        try:
            taken = draft.apply(write)
        except Exception as error:  # its own refusal (or fault), never its neighbours'
            write.fail(error)
            continue
        if taken is None:
            write.succeed(table.get(write.record_id))
            continue
        accepted.append((write, taken[0], dict(taken[1])))
    if not accepted:
        return
    rows = table.records or {}
    before = {record_id: rows[record_id] for _, record_id, _ in accepted if record_id in rows}
    text = encode_batch(draft.items())
    try:
        message_id = await gate.call(functools.partial(backend.send, table.channel_id, text), table)
    except Exception as error:
        for write, _, _ in accepted:
            write.fail(error)
        return
    except BaseException as error:  # cancelled while Discord may have stored it: read the table again
        table.mark_stale()
        for write, _, _ in accepted:
            write.fail(DiscordUnavailable("store the change", error, unknown=True))
        raise
    draft.commit(message_id)
    packed = len(accepted)
    for write, record_id, values in accepted:
        old = before.get(record_id)
        creator = old.creator_id if old is not None else draft.creators[record_id]
        if write.kind == "delete":
            if old is None:  # inserted earlier in this batch
                write.succeed(Record(record_id, values, creator, message_id), packed)
            else:
                write.succeed(Record(record_id, values, creator, old.message_id, old.created_message_id), packed)
        else:
            first = (old.created_message_id or old.message_id) if old is not None else 0
            write.succeed(Record(record_id, values, creator, message_id, first), packed)
