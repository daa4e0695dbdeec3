"""A draft: the record states one commit will store, checked against a table and the entries before them.

Every data change is a draft (invariant I5 in store.py): an insert, update or
delete alone; the writes queued on a table (group commit); a bulk change or an
import part; an alter-column rewrite; a compaction fold or sweep; the ``gone``
markers a table owes. A draft maps ids to their new state, values or gone
(None), in the order they were set; each id once, with the state the last
change left, since in a message only one copy may decide an id.

Nothing here touches Discord or the table: the draft reads the table as it is
(with the table's lock held, nothing else changes it meanwhile) and remembers
each touched record as it was, so that committing it never depends on the
table still holding that record (a hand deletion may land while the request
is in flight: the request, being newer, decides).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from ..errors import RecordNotFound, UniqueViolation
from ..model.columns import Value
from ..model.records import BatchItem, Record
from ..model.schema import TableSchema

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

    def set(self, record_id: int, values: dict[str, Value] | None, creator_id: int = 0) -> None:
        """Take the record's new state unchecked (None: gone), moving its unique values."""
        if record_id not in self.before:
            self.before[record_id] = self.table.find(record_id)
        old = self.current(record_id)
        for column in self.schema.unique_columns:
            if old is not None and old.get(column) is not None:
                self._claims[column, old[column]] = None
            if values is not None and values.get(column) is not None:
                self._claims[column, values[column]] = record_id
        if values is not None and self.before[record_id] is None and record_id not in self.creators:
            self.creators[record_id] = creator_id
        self.states[record_id] = values

    def insert(self, values: dict[str, Value], creator_id: int) -> int:
        """Check and take a new record; its id (the next one, never given before)."""
        self.check_unique(values)
        record_id = self.next_id
        self.next_id += 1
        self.set(record_id, values, creator_id)
        return record_id

    def update(self, record_id: int, changes: Mapping[str, Value]) -> dict[str, Value] | None:
        """Check and take some columns' new values; the record's values, or None when nothing changes."""
        current = self.current(record_id)
        if current is None:
            raise RecordNotFound(self.table.name, record_id)
        values = {**current, **changes}
        if values == current and record_id not in self.states:
            return None
        self.check_unique(values, record_id)
        self.set(record_id, values)
        return values

    def delete(self, record_id: int) -> dict[str, Value]:
        """Take a record as gone; its values as they were."""
        current = self.current(record_id)
        if current is None:
            raise RecordNotFound(self.table.name, record_id)
        self.set(record_id, None)
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
