"""One table in memory: its catalog entry, its record index, its message ledger, and the lock that orders its writes.

The index (index.py) and the ledger (ledger.py) are private, and two things
change them: ``fill`` (loading read the channel) and ``apply`` (a draft was
committed: its request is stored, or a hand deletion was seen). Everything
else reads. So the cache only ever holds what Discord decides (I1, I2 in
store.py), and there is one place where a stored request becomes memory.

A stale table may have missed changes (a new gateway session, a lease taken
over): it keeps serving the write that holds its lock, and is read again
before anything else uses it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator, Mapping

from ..errors import RecordNotFound, TableDamaged
from ..model.catalog import EVERYONE, Access
from ..model.columns import Value
from ..model.query import Query
from ..model.records import Found, Record, by_id
from ..model.schema import TableSchema
from .draft import Draft
from .history import TableHistory
from .index import RecordIndex
from .ledger import MessageLedger, Request

__all__ = ["CachedTable", "StoredTable", "order_bytes"]


class StoredTable:
    """A table's catalog entry and, once loaded, its records; its state changes only by ``fill`` and ``apply``.

    ``schema``, ``access`` and ``catalog_message_id`` follow the catalog entry
    (set by the catalog's writers once Discord has stored it). ``history``:
    the records' history and trash, for reading (I8: loading and ``apply``
    change it, as they change the records).
    """

    def __init__(
        self, schema: TableSchema, channel_id: int, catalog_message_id: int, access: Access = EVERYONE
    ) -> None:
        self.schema = schema
        self.channel_id = channel_id
        self.catalog_message_id = catalog_message_id
        self.access = access
        self.lock = asyncio.Lock()
        self._index: RecordIndex | None = None
        self._ledger = MessageLedger()
        self.history = TableHistory()
        self._next_id = 1  # kept while unloaded
        self._damaged = False
        self._stale = False

    # ------------------------------------------------------------ state

    @property
    def name(self) -> str:
        """The table's name."""
        return self.schema.name

    @property
    def loaded(self) -> bool:
        """Whether the records are in memory."""
        return self._index is not None

    @property
    def damaged(self) -> bool:
        """Whether the table's channel is gone (deleted by hand)."""
        return self._damaged

    @property
    def stale(self) -> bool:
        """Whether the records in memory may have missed changes and must be read again before the next use."""
        return self._stale

    @property
    def next_id(self) -> int:
        """One above the highest id ever given, deleted ones included (ids are never reused, I3)."""
        return self._index.next_id if self._index is not None else self._next_id

    # ------------------------------------------------------------ the two writers: loading and commit

    def fill(
        self,
        records: Iterable[Record],
        next_id: int,
        batch_messages: set[int],
        shadowed: set[int],
        imports: dict[str, set[int]] | None = None,
        loose: set[int] | None = None,
        gone_in: dict[int, set[int]] | None = None,
        part_in: dict[int, tuple[str, int]] | None = None,
        extras: list[tuple[int, str]] | None = None,
    ) -> None:
        """Take the records read from the channel as the whole table (loading.py).

        ``part_in``: the import part each tagged message holds (so a part deleted by hand is written again);
        ``extras``: the history and trash texts messages carry, by message (kept for the ids each decides).
        """
        owed = set(self._ledger.owed())  # deleted, their marker not written yet
        index = RecordIndex(self.name, self.schema.column_names, self.schema.unique_columns)
        layout = index.layout
        kept = [
            record if type(record) is layout else record.in_layout(layout)
            for record in sorted(records, key=by_id)
            if not owed or record[0] not in owed
        ]
        index.load(kept)
        index.next_id = max(next_id, self.next_id, index.next_id)
        self._ledger.reset(kept, batch_messages, shadowed, imports or {}, loose or set(), gone_in or {}, part_in or {})
        self._index, self._stale = index, False
        self.history = TableHistory(extras or [], self._ledger.decided_by)

    def plan(self, draft: Draft) -> Request | None:
        """The one request that stores the draft (chosen by the ledger); None for a hand deletion (no request)."""
        return None if draft.deleted_by_hand else self._ledger.plan(draft, self.next_id)

    def apply(self, draft: Draft, request: Request | None, message_id: int = 0) -> list[int]:
        """The draft's request is stored (``message_id``: the new message of a send): memory takes the draft.

        Every entry is settled, whether or not the table still held its record
        (a hand deletion during the request: the request is newer and decides,
        but for a copy, which must not undo the deletion). Returns the ids whose
        ``gone`` marker is now owed.
        """
        index = self._index
        if index is None:  # unloaded or damaged meanwhile: the next load reads what Discord has
            return []
        if request is None:
            return _deleted_by_hand(index, self._ledger, self.history, draft.deleted_by_hand)
        if request.kind == "delete_many":
            for message in request.message_ids:
                self._ledger.forget(message)
            return []
        if request.kind == "delete":
            self.history.settle(draft.states, draft.carried())
            for record_id, old in draft.before.items():
                index.drop(record_id)
                if old is not None:
                    self._ledger.deleted(old)
            return []
        target = message_id if request.kind == "send" else request.message_id
        if request.kind == "edit" and self._ledger.vanished(target):
            return []  # the edit landed, then the message was deleted by hand: that deletion was applied already
        self.history.settle(draft.states, draft.carried())  # after that check: what a deleted message carried is gone
        owed: list[int] = []
        for record_id, values in draft.states.items():
            old = draft.before[record_id]
            if draft.copy and values is not None and index.find(record_id) is None:
                owed.append(record_id)  # deleted by hand while its copy was in flight: a newer marker keeps it gone
                self._ledger.owe(record_id)
                self.history.forget([record_id])
                continue
            if values is None:
                index.drop(record_id)
                self._ledger.decide_gone(target, record_id, old)
                continue
            moved = old is not None and old.message_id != target
            created = (
                (old.created_message_id or old.message_id)
                if moved and old
                else (old.created_message_id if old else draft.created.get(record_id, 0))
            )
            index.put(Record(record_id, values, draft.creator(record_id), target, created))
            self._ledger.decide_live(target, record_id, old)
        index.next_id = max(index.next_id, draft.next_id)
        if request.kind == "send":
            self._ledger.note_message(target, request.batch, draft.import_part)
            if self._ledger.vanished(target):
                owed += _deleted_by_hand(index, self._ledger, self.history, target)
        return sorted(owed)

    # ------------------------------------------------------------ catalog and lifecycle

    def set_schema(self, schema: TableSchema, rewritten: Mapping[str, Mapping[int, Value]] | None = None) -> None:
        """Take a changed schema; values follow their storage key, and unique indexes are rebuilt.

        A renamed column keeps its values, a dropped one loses them, and a new
        one (or a replaced one, with a fresh key) reads as its default, but for
        the columns in ``rewritten``: their values by record id, which an
        alter-column's rewrite stored under the column's fresh key.
        """
        names = {column.storage_key: column.name for column in self.schema.columns}
        same_columns = schema.columns == self.schema.columns
        self.schema = schema
        if self._index is None or (same_columns and not rewritten):
            return  # a description or a view changed: the records read as they did
        index = RecordIndex(self.name, schema.column_names, schema.unique_columns)
        for record in self._index:
            old = record.values
            values: dict[str, Value] = {
                c.name: rewritten[c.name].get(record.id)
                if rewritten and c.name in rewritten
                else old.get(names[c.storage_key])
                if c.storage_key in names
                else c.default_value
                for c in schema.columns
            }
            index.put(Record(record.id, values, record.creator_id, record.message_id, record.created_message_id))
        index.next_id = self._index.next_id
        self._index = index

    def unload(self) -> None:
        """Drop the records from memory (they stay on Discord) with their ledger and history; owed markers are kept."""
        self._next_id = self.next_id
        self._index = None
        self._ledger.reset([], set(), set(), {}, set(), {}, {})
        self.history = TableHistory()
        self._stale = False

    def mark_stale(self) -> None:
        """The records may have missed changes: read them again before their next use (see the module docstring)."""
        if self._index is not None:
            self._stale = True

    def mark_damaged(self) -> None:
        """The table's channel is gone: its records cannot be read any more."""
        self._damaged = True
        self.unload()

    # ------------------------------------------------------------ reads

    def __len__(self) -> int:
        return len(_loaded(self))

    def __iter__(self) -> Iterator[Record]:
        return iter(_loaded(self))

    def get(self, record_id: int) -> Record:
        """The record with that id, or ``RecordNotFound``."""
        record = _loaded(self).find(record_id)
        if record is None:
            raise RecordNotFound(self.name, record_id)
        return record

    def find(self, record_id: int) -> Record | None:
        """The record with that id, if there is one."""
        return _loaded(self).find(record_id)

    def holder(self, column: str, value: Value) -> int | None:
        """The id of the record holding ``value`` in the unique ``column``, if any."""
        return _loaded(self).holder(column, value)

    def select(self, query: Query) -> Found:
        """Records matching the query, sorted and limited, with the count before the limit (one scan)."""
        return _loaded(self).select(query)

    def count(self, query: Query) -> int:
        """How many records match (no sort; indexes and the id order serve what they can)."""
        return _loaded(self).count(query)

    def owed_markers(self) -> list[int]:
        """The deleted records whose ``gone`` marker is still to be written (kept across reloads)."""
        return self._ledger.owed()

    def import_parts(self, key: str) -> frozenset[int]:
        """The parts of the tagged import ``key`` written so far."""
        return self._ledger.import_parts(key)

    def loose_count(self) -> int:
        """How many messages compaction may fold or delete (no sorting: asked after every write)."""
        return self._ledger.loose_count()

    def loose_messages(self) -> list[int]:
        """Messages compaction may fold and delete, oldest first."""
        return self._ledger.loose_messages()

    def decided_by(self, message_id: int) -> tuple[list[int], list[int]]:
        """The ids this message decides: records it holds now, and deletions."""
        return self._ledger.decided_by(message_id)


def order_bytes(table: StoredTable) -> int:
    """Memory the table's kept sort orders take (index.py), besides its records (the cache budget counts them)."""
    return table._index.order_bytes() if table._index is not None else 0


def _loaded(table: StoredTable) -> RecordIndex:
    """The table's records, which a read needs loaded (the store loads a table before reading it).

    A table whose channel was deleted by hand meanwhile (during an import, say) is ``TableDamaged``.
    """
    if table._index is None:
        if table.damaged:
            raise TableDamaged(table.name)
        raise RuntimeError(f"table {table.name} is not loaded")
    return table._index


def _deleted_by_hand(index: RecordIndex, ledger: MessageLedger, history: TableHistory, message_id: int) -> list[int]:
    """A message was deleted by hand: what it decided, nobody decides now; markers owed where needed (I2, I3).

    The history and trash it carried are gone with it (I8).
    """
    live, gone = ledger.forget(message_id)
    ledger.vanish(message_id)
    history.forget([*live, *gone])
    owed = list(gone)  # a marker deleted by hand: an older copy of the record must not come back
    for record_id in live:
        index.drop(record_id)
        if ledger.shadowed(record_id) or record_id == index.next_id - 1:
            owed.append(record_id)
    for record_id in owed:
        ledger.owe(record_id)
    return sorted(owed)


CachedTable = StoredTable
"""The name this class had before 0.2 (kept working)."""
