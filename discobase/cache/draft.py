"""A draft: the record states one commit will store, checked against a table and the entries before them.

Every data change is a draft (invariant I5 in store.py): an insert, update or
delete alone; the writes queued on a table (group commit); a bulk change or an
import part; an alter-column rewrite; a compaction fold or sweep; the ``gone``
markers a table owes. A draft maps ids to their new state, values or gone
(None), in the order they were set; each id once, with the state the last
change left, since in a message only one copy may decide an id.

A change made by a command (``change``) is noted per record with the values
it replaces, and a deleted record's values go to its trash: the message that
stores the draft carries them (I8 in store.py; history.py).

Nothing here touches Discord or the table: the draft reads the table as it is
(with the table's lock held, nothing else changes it meanwhile) and remembers
each touched record as it was, so that committing it never depends on the
table still holding that record (a hand deletion may land while the request
is in flight: the request, being newer, decides).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from ..errors import NotInTrash, RecordNotFound, UniqueViolation
from ..model.columns import Value
from ..model.history import KEEP_SECONDS, Change, Entry, Trashed, now_seconds
from ..model.records import BatchItem, Extra, Record
from ..model.schema import TableSchema
from .history import Carried, TableHistory

__all__ = ["Draft", "DraftTable"]


class DraftTable(Protocol):
    """What a draft reads of its table (a ``StoredTable``): nothing that changes it."""

    @property
    def name(self) -> str: ...  # noqa: D102

    @property
    def schema(self) -> TableSchema: ...  # noqa: D102

    @property
    def next_id(self) -> int: ...  # noqa: D102

    def find(self, record_id: int) -> Record | None: ...  # noqa: D102

    def holder(self, column: str, value: Value) -> int | None: ...  # noqa: D102

    @property
    def history(self) -> TableHistory: ...  # noqa: D102


Encoder = Callable[[int, Mapping[str, Value]], dict[str, Any]]
"""How a record's values become stored data, given its id."""


class Draft:
    """Record states to store in one request: ``states`` (id -> values, or None: gone), checked as they are set.

    ``batch``: store them as a batch message even when there is one (compaction
    folds, alter-column rewrites, import parts); ``import_part``: the tag of a
    resumable import's part; ``sweep``: messages to delete that decide nothing
    (compaction); ``encode``: how values become stored data (alter-column keeps
    the old keys beside the new ones); ``deleted_by_hand``: a message deleted
    by hand, seen on the gateway (no request: Discord has it already);
    ``copy``: the states repeat what the table holds (a compaction fold), so
    a record deleted by hand while it is in flight must stay deleted.
    """

    def __init__(
        self,
        table: DraftTable,
        *,
        batch: bool = False,
        import_part: tuple[str, int] | None = None,
        encode: Encoder | None = None,
        deleted_by_hand: int = 0,
        copy: bool = False,
    ) -> None:
        self.table = table
        self.schema = table.schema
        self.next_id = table.next_id
        self.batch = batch or import_part is not None
        self.import_part = import_part
        self.encode: Encoder = encode or (lambda _, values: self.schema.encode(values))
        self.deleted_by_hand = deleted_by_hand
        self.copy = copy
        self.states: dict[int, dict[str, Value] | None] = {}
        self.before: dict[int, Record | None] = {}
        self.creators: dict[int, int] = {}
        self.sweep: list[int] = []
        self.now = now_seconds()
        self.notes: dict[int, list[Entry]] = {}  # the changes this draft makes, per record (history)
        self.changes: dict[int, Change] = {}
        self.trash: dict[int, Trashed] = {}  # records this draft deletes, as their marker keeps them
        self.created: dict[int, int] = {}  # restored records: the message that first held them
        self._carried: Carried | None = None
        self._claims: dict[tuple[str, Value], int | None] = {}  # unique values taken (id) or freed (None)

    def __len__(self) -> int:
        return len(self.states) + len(self.sweep)

    def current(self, record_id: int) -> dict[str, Value] | None:
        """The record's values as the draft leaves them so far; None if there is no such record."""
        if record_id in self.states:
            return self.states[record_id]
        record = self.table.find(record_id)
        return None if record is None else record.values

    def check_unique(self, values: Mapping[str, Value], record_id: int | None = None) -> None:
        """``UniqueViolation`` if another record, in the table or the draft, holds one of these unique values."""
        for column in self.schema.unique_columns:
            value = values.get(column)
            if value is None:
                continue
            key = (column, value)
            holder = self._claims[key] if key in self._claims else self.table.holder(column, value)
            if holder is not None and holder != record_id:
                raise UniqueViolation(self.table.name, column, value, holder)

    def set(
        self,
        record_id: int,
        values: dict[str, Value] | None,
        creator_id: int = 0,
        change: Change | None = None,
        replaced: dict[str, Any] | None = None,
    ) -> None:
        """Take the record's new state unchecked (None: gone), moving its unique values.

        With ``change``, the record's history gains it, with the values it
        replaces: those the encoder gives, or ``replaced`` (stored form) where
        the caller knows better (a column's rewrite under a new key).
        """
        if record_id not in self.before:
            self.before[record_id] = self.table.find(record_id)
        old = self.current(record_id)
        if change is not None:
            self._note(record_id, old, values, change, creator_id, replaced)
        for column in self.schema.unique_columns:
            if old is not None and old.get(column) is not None:
                self._claims[column, old[column]] = None
            if values is not None and values.get(column) is not None:
                self._claims[column, values[column]] = record_id
        if values is not None and self.before[record_id] is None and record_id not in self.creators:
            self.creators[record_id] = creator_id
        self.states[record_id] = values

    def _note(
        self,
        record_id: int,
        old: dict[str, Value] | None,
        values: dict[str, Value] | None,
        change: Change,
        creator_id: int,
        replaced: dict[str, Any] | None,
    ) -> None:
        """Note the change in the record's history: the stored values it replaces; a deletion's trash."""
        self._carried = None
        self.changes[change.token] = change
        if old is not None and values is None:
            replaced = self.encode(record_id, old)
            first = self.before[record_id]
            created = (first.created_message_id or first.message_id) if first is not None else 0
            creator = self.creator(record_id) or creator_id
            self.trash[record_id] = Trashed(creator, replaced, self.created.get(record_id, created))
        elif old is not None and replaced is None:
            stored, new = self.encode(record_id, old), self.encode(record_id, values or {})
            replaced = {key: stored.get(key) for key in stored.keys() | new.keys() if stored.get(key) != new.get(key)}
        if values is not None:
            self.trash.pop(record_id, None)
        self.notes.setdefault(record_id, []).append(Entry(change.token, replaced))

    def insert(self, values: dict[str, Value], creator_id: int, change: Change | None = None) -> int:
        """Check and take a new record; its id (the next one, never given before)."""
        self.check_unique(values)
        record_id = self.next_id
        self.next_id += 1
        self.set(record_id, values, creator_id, change)
        return record_id

    def restore(self, record_id: int, change: Change | None = None) -> dict[str, Value]:
        """Check and take a trashed record back under its id, creator and creation time; its values.

        ``NotInTrash`` (saying why) unless the record is deleted and its marker
        keeps it from the last 30 days; ``UniqueViolation`` if another record
        holds one of its unique values now.
        """
        if self.current(record_id) is not None:
            raise NotInTrash(self.table.name, record_id, "is not deleted")
        if record_id in self.states or (trashed := self.table.history.trashed(record_id)) is None:
            raise NotInTrash(self.table.name, record_id, self._why_not(record_id))
        if not self._kept(record_id):
            raise NotInTrash(self.table.name, record_id, "was deleted more than 30 days ago: it is gone for good")
        values = self.schema.decode(trashed.data)
        self.check_unique(values, record_id)
        self.created[record_id] = trashed.created
        self.set(record_id, values, trashed.creator, change)
        return values

    def retrash(self, record_id: int, trashed: Trashed) -> None:
        """Carry a deleted record's trash in a new form (a column's rewrite): the id stays deleted."""
        if record_id not in self.before:
            self.before[record_id] = self.table.find(record_id)
        self._carried = None
        self.states[record_id] = None
        self.trash[record_id] = trashed

    def _kept(self, record_id: int) -> bool:
        """Whether the record's last change (its deletion) is of the last 30 days."""
        changes = self.table.history.entries(record_id)
        return bool(changes) and changes[-1][0].at >= self.now - KEEP_SECONDS

    def _why_not(self, record_id: int) -> str:
        if record_id >= self.next_id:
            return "was never given in this table"
        if record_id in self.states:
            return "is changed by this same command already"
        return "is not in the trash (deleted more than 30 days ago, or before the trash was kept)"

    def update(
        self, record_id: int, changes: Mapping[str, Value], change: Change | None = None
    ) -> dict[str, Value] | None:
        """Check and take some columns' new values; the record's values, or None when nothing changes."""
        current = self.current(record_id)
        if current is None:
            raise RecordNotFound(self.table.name, record_id)
        values = {**current, **changes}
        if values == current and record_id not in self.states:
            return None
        self.check_unique(values, record_id)
        self.set(record_id, values, change=change)
        return values

    def delete(self, record_id: int, change: Change | None = None) -> dict[str, Value]:
        """Take a record as gone (to the trash, with ``change``); its values as they were."""
        current = self.current(record_id)
        if current is None:
            raise RecordNotFound(self.table.name, record_id)
        self.set(record_id, None, change=change)
        return current

    def creator(self, record_id: int) -> int:
        """Who created the record (the draft may have inserted it)."""
        old = self.before.get(record_id)
        return old.creator_id if old is not None else self.creators.get(record_id, 0)

    def items(self) -> list[BatchItem]:
        """The states as batch items: a record with its creation (when an older message first held it), or ``[id]``."""
        items: list[BatchItem] = []
        for record_id, values in self.states.items():
            old = self.before[record_id]
            if values is None:
                items.append((record_id,))
            elif old is None and self.created.get(record_id):
                items.append(
                    (record_id, self.creators[record_id], self.encode(record_id, values), self.created[record_id])
                )
            elif old is None:
                items.append((record_id, self.creators[record_id], self.encode(record_id, values)))
            else:
                items.append(
                    (
                        record_id,
                        old.creator_id,
                        self.encode(record_id, values),
                        old.created_message_id or old.message_id,
                    )
                )
        return items

    def carried(self) -> Carried:
        """What the draft's message carries of history and trash (computed once: planning and applying agree)."""
        if self._carried is None:
            self._carried = self.table.history.carry(self.states, self.notes, self.changes, self.trash, self.now)
        return self._carried

    def extra(self) -> Extra:
        """The history and trash objects of the draft's message."""
        return self.carried().extra()
