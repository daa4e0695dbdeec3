"""One table in memory: its records, its indexes, and the lock that orders its writes.

Everything here is synchronous and does no I/O: the store does the Discord call
and then applies the change here, so the cache only ever holds what Discord has.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from ..errors import RecordNotFound, UniqueViolation
from ..model.catalog import EVERYONE, Access
from ..model.columns import Value
from ..model.query import Query
from ..model.records import Found, Record
from ..model.schema import TableSchema

__all__ = ["CachedTable"]


@dataclass(eq=False)
class CachedTable:
    """A table's catalog entry and, once loaded, its records; its state changes only through its methods.

    ``records`` is None until the table's channel has been read (tables load
    lazily, on first use). ``next_id`` is one above the highest id ever given,
    including deleted ones, so ids are never reused. Batch messages hold
    several records (bulk imports); a shadowed id's current message is newer
    than a copy of it in a batch, so deleting that message alone would bring the
    old copy back (see records.py); ``import_parts`` are the parts written so
    far of each tagged import. ``loose`` messages are the ones compaction may
    fold into a batch and delete (single-record messages, markers, untagged
    batches, copies that decide nothing any more); ``gone_in`` says which
    deletions each message decides. A stale table may have missed changes (a new
    gateway session, a lease taken over): it keeps serving the write that holds
    its lock, and is read again before anything else uses it.
    """

    schema: TableSchema
    channel_id: int
    catalog_message_id: int
    access: Access = EVERYONE
    records: dict[int, Record] | None = None
    next_id: int = 1
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _damaged: bool = False
    _stale: bool = False
    _batch_messages: set[int] = field(default_factory=set)
    _shadowed: set[int] = field(default_factory=set)
    _imports: dict[str, set[int]] = field(default_factory=dict)
    _owed_markers: set[int] = field(default_factory=set)
    _loose: set[int] = field(default_factory=set)
    _gone_in: dict[int, set[int]] = field(default_factory=dict)
    _gone_at: dict[int, int] = field(default_factory=dict)
    _by_message: dict[int, set[int]] = field(default_factory=dict)
    _unique: dict[str, dict[Value, int]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The table's name."""
        return self.schema.name

    @property
    def loaded(self) -> bool:
        """Whether the records are in memory."""
        return self.records is not None

    @property
    def damaged(self) -> bool:
        """Whether the table's channel is gone (deleted by hand)."""
        return self._damaged

    @property
    def stale(self) -> bool:
        """Whether the records in memory may have missed changes and must be read again before the next use."""
        return self._stale

    def fill(
        self,
        records: list[Record],
        next_id: int,
        batch_messages: set[int],
        shadowed: set[int],
        imports: dict[str, set[int]] | None = None,
        loose: set[int] | None = None,
        gone_in: dict[int, set[int]] | None = None,
    ) -> None:
        """Take the records read from the channel as the whole table."""
        self.records = {}
        self._by_message = {}
        self._unique = {name: {} for name in self.schema.unique_columns}
        for record in sorted(records, key=lambda r: r.id):
            if record.id not in self._owed_markers:  # deleted, its marker not written yet
                self.add(record)
        self.next_id = max(next_id, self.next_id)
        self._batch_messages = batch_messages
        self._shadowed = shadowed
        self._imports = imports or {}
        self._loose = loose if loose is not None else set()
        self._gone_in = gone_in if gone_in is not None else {}
        self._gone_at = {record_id: message for message, ids in self._gone_in.items() for record_id in ids}
        self._stale = False

    def set_schema(self, schema: TableSchema) -> None:
        """Take a changed schema; values follow their storage key, and unique indexes are rebuilt.

        A renamed column keeps its values, a dropped one loses them, and a new
        one (or a replaced one, with a fresh key) reads as its default.
        """
        names = {column.storage_key: column.name for column in self.schema.columns}
        self.schema = schema
        if self.records is None:
            return
        for record in self.records.values():
            old = record.values
            record.values = {
                c.name: old.get(names[c.storage_key]) if c.storage_key in names else c.default_value
                for c in schema.columns
            }
        self.fill(
            list(self.records.values()),
            self.next_id,
            self._batch_messages,
            self._shadowed,
            self._imports,
            self._loose,
            self._gone_in,
        )

    def set_access(self, access: Access) -> None:
        """Take the table's access rules as its catalog entry now holds them."""
        self.access = access

    def set_catalog_message(self, message_id: int) -> None:
        """The table's catalog entry was written anew (the catalog channel was rebuilt)."""
        self.catalog_message_id = message_id

    def unload(self) -> None:
        """Drop the records from memory (they stay on Discord)."""
        self.records = None
        self._by_message = {}
        self._unique = {}
        self._batch_messages = set()
        self._shadowed = set()
        self._imports = {}
        self._loose = set()
        self._gone_in = {}
        self._gone_at = {}
        self._stale = False

    def mark_stale(self) -> None:
        """The records may have missed changes: read them again before their next use (see the class docstring)."""
        if self.records is not None:
            self._stale = True

    def mark_damaged(self) -> None:
        """The table's channel is gone: its records cannot be read any more."""
        self._damaged = True
        self.unload()

    def note_batch(self, message_id: int, import_key: str | None = None, part: int = 0) -> None:
        """A batch message was written (tagged with its import's key and part, if any)."""
        self._batch_messages.add(message_id)
        if import_key is not None:
            self._imports.setdefault(import_key, set()).add(part)

    def note_message(self, message_id: int, gone: Iterable[int] = ()) -> None:
        """A message compaction may fold was written (a single record, a marker, an untagged batch).

        ``gone`` are the deletions it decides. A deletion is decided by one message only: the newest naming the id.
        """
        self._loose.add(message_id)
        for record_id in gone:
            self._gone_in.setdefault(message_id, set()).add(record_id)
            older = self._gone_at.get(record_id)
            if older is not None and older != message_id:
                self._gone_in[older].discard(record_id)
            self._gone_at[record_id] = message_id

    def forget_message(self, message_id: int) -> list[int]:
        """A message is gone from the channel (deleted by us or by hand); the deletions it decided."""
        self._loose.discard(message_id)
        gone = sorted(self._gone_in.pop(message_id, ()))
        for record_id in gone:
            self._gone_at.pop(record_id, None)
        return gone

    def loose_count(self) -> int:
        """How many messages compaction may fold or delete (no sorting: asked after every write)."""
        return len(self._loose)

    def loose_messages(self) -> list[int]:
        """Messages compaction may fold and delete, oldest first."""
        return sorted(self._loose)

    def decided_by(self, message_id: int) -> tuple[list[int], list[int]]:
        """The ids this message decides: records it holds now, and deletions."""
        return sorted(self._by_message.get(message_id, ())), sorted(self._gone_in.get(message_id, ()))

    def owe_marker(self, record_id: int) -> None:
        """A ``gone`` marker for this deleted record could not be written yet; the next write on the table owes it."""
        self._owed_markers.add(record_id)

    def owed_markers(self) -> list[int]:
        """The deleted records whose ``gone`` marker is still to be written (kept across reloads)."""
        return sorted(self._owed_markers)

    def marker_written(self, record_id: int) -> None:
        """A ``gone`` marker owed for this record is on Discord now."""
        self._owed_markers.discard(record_id)

    def import_parts(self, key: str) -> frozenset[int]:
        """The parts of the tagged import ``key`` written so far."""
        return frozenset(self._imports.get(key, ()))

    def in_batch(self, record: Record) -> bool:
        """Whether the record's current message is a batch (so it cannot be edited for one record)."""
        return record.message_id in self._batch_messages

    def shadow(self, record_id: int) -> None:
        """The record's current message supersedes an older copy of it in a batch."""
        self._shadowed.add(record_id)

    def unshadow(self, record_id: int) -> bool:
        """Forget that the record had an older copy in a batch; True if it had."""
        if record_id in self._shadowed:
            self._shadowed.discard(record_id)
            return True
        return False

    def _rows(self) -> dict[int, Record]:
        if self.records is None:
            raise RuntimeError(f"table {self.name} is not loaded")
        return self.records

    def __len__(self) -> int:
        return len(self._rows())

    def __iter__(self) -> Iterator[Record]:
        return iter(self._rows().values())

    def get(self, record_id: int) -> Record:
        """The record with that id, or ``RecordNotFound``."""
        record = self._rows().get(record_id)
        if record is None:
            raise RecordNotFound(self.name, record_id)
        return record

    def holder(self, column: str, value: Value) -> int | None:
        """The id of the record holding ``value`` in the unique ``column``, if any."""
        return self._unique.get(column, {}).get(value)

    def check_unique(self, values: Mapping[str, Value], record_id: int | None = None) -> None:
        """Raise ``UniqueViolation`` if another record holds one of these unique values."""
        for column, index in self._unique.items():
            value = values.get(column)
            if value is None:
                continue
            holder = index.get(value)
            if holder is not None and holder != record_id:
                raise UniqueViolation(self.name, column, value, holder)

    def add(self, record: Record) -> None:
        """Put a record (new, or read back) into the table and its indexes."""
        rows = self._rows()
        rows[record.id] = record
        self._by_message.setdefault(record.message_id, set()).add(record.id)
        for column, index in self._unique.items():
            value = record.values.get(column)
            if value is not None:
                index[value] = record.id
        self.next_id = max(self.next_id, record.id + 1)

    def remove(self, record: Record) -> None:
        """Take a record out of the table and its indexes."""
        self._rows().pop(record.id, None)
        holders = self._by_message.get(record.message_id)
        if holders is not None:
            holders.discard(record.id)
            if not holders:
                del self._by_message[record.message_id]
                self._batch_messages.discard(record.message_id)
        for column, index in self._unique.items():
            value = record.values.get(column)
            if value is not None and index.get(value) == record.id:
                del index[value]

    def replace(self, record: Record, values: dict[str, Value], message_id: int) -> Record:
        """Swap a record for its new version (after an update reached Discord)."""
        self.remove(record)
        first_message = record.created_message_id or record.message_id
        updated = Record(record.id, values, record.creator_id, message_id, first_message)
        self.add(updated)
        return updated

    def in_message(self, message_id: int) -> list[Record]:
        """The records a message holds (several for a batch)."""
        rows = self._rows()
        return [rows[record_id] for record_id in self._by_message.get(message_id, ())]

    def needs_marker(self, record: Record) -> bool:
        """Whether deleting this record must leave a ``gone`` marker rather than just delete its message."""
        return record.id == self.next_id - 1 or record.message_id in self._batch_messages or record.id in self._shadowed

    def select(self, query: Query) -> Found:
        """Records matching the query, sorted and limited, with the count before the limit (one scan).

        Indexes serve `=` on id and unique columns.
        """
        candidates = self._candidates(query)
        matches = query.predicate()
        matching = [record for record in candidates if matches(record)]
        ordered = query.order(matching)
        return Found(ordered if query.limit is None else ordered[: query.limit], len(matching))

    def _candidates(self, query: Query) -> list[Record] | Iterator[Record]:
        rows = self._rows()
        for condition in query.index_lookups():
            if condition.column == "id":
                found = rows.get(condition.value) if isinstance(condition.value, int) else None
                return [found] if found else []
            index = self._unique.get(condition.column)
            if index is not None:
                holder = index.get(condition.value)
                return [rows[holder]] if holder is not None else []
        return iter(rows.values())
