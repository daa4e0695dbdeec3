"""Reading a table's channel back into memory (a cold load).

History comes newest first, 100 messages a request. The first message that
names an id decides it (I2 in store.py): later (older) copies of that id are
shadowed, a ``gone`` marker deletes it; the next id is one above the highest
any message names (I3). With the commit (stored_table.py), loading is one of
the two writers of a table's state. Only the bot's own messages are read.
Messages compaction may fold are noted as it goes (compaction.py): every one
it can read, but the tagged parts of imports. What a message carries of
history and trash is kept, as it is stored, for the ids it decides (I8):
messages without any cost nothing more.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from ..backend import Backend
from ..model.columns import ColumnType, Value
from ..model.records import Record, layout_of, read_message
from ..model.schema import TableSchema
from .stored_table import StoredTable

__all__ = ["load_table"]

log = logging.getLogger(__name__)


async def load_table(backend: Backend, table: StoredTable) -> None:
    """Fill ``table`` from its channel; raises ``ChannelMissing`` if the channel is gone.

    Records are built straight from the stored items, a batch parsed a line at
    a time, into a list at their id (which also says which ids are decided):
    a load holds little besides what it keeps.
    """
    rows: list[Record | None] = [None]
    gone: set[int] = set()
    batch_messages: set[int] = set()
    shadowed: set[int] = set()
    imports: dict[str, set[int]] = {}
    part_in: dict[int, tuple[str, int]] = {}
    loose: set[int] = set()
    gone_in: dict[int, set[int]] = {}
    extras: list[tuple[int, str]] = []
    highest = 0
    schema = table.schema
    layout = layout_of(schema.column_names)
    decode = schema.row_decoder()
    share = _SharedValues(schema).share
    creators: dict[int, int] = {}
    make = tuple.__new__
    with _collector_paused():
        async for message in backend.history(table.channel_id):
            if message.author_id != backend.me_id:
                continue
            head, items = read_message(message.text)
            if head.extra:
                extras.append((message.id, head.extra))
            message_id, held, live = message.id, 0, False
            for item in items:
                held += 1
                record_id = item[0]
                if record_id > highest:
                    highest = record_id
                    if record_id >= len(rows):
                        rows.extend([None] * max(record_id + 1 - len(rows), len(rows)))
                newer = rows[record_id]
                if newer is not None or record_id in gone:
                    if newer is not None:
                        # The newer message is an update of this copy: the record was created here, or before.
                        first = item[3] if len(item) == 4 else message_id
                        rows[record_id] = newer.created_in(min(newer.created_message_id or first, first))
                    shadowed.add(record_id)  # an older copy: deleting the newer message alone would bring it back
                    continue
                if len(item) == 1:
                    gone.add(record_id)
                    gone_in.setdefault(message_id, set()).add(record_id)
                    continue
                row = share(decode(item[2]))
                if len(item) == 4 and item[3]:
                    row.append(item[3])  # the message that first held it
                rows[record_id] = make(layout, (record_id, creators.setdefault(item[1], item[1]), message_id, *row))
                live = True
            if live and head.is_batch:
                batch_messages.add(message_id)
            if head.import_key is not None:
                imports.setdefault(head.import_key, set()).add(head.part)
                part_in[message_id] = (head.import_key, head.part)
            elif held:
                loose.add(message_id)
        del rows[highest + 1 :]
        table.fill(filter(None, rows), highest + 1, batch_messages, shadowed, imports, loose, gone_in, part_in, extras)
    log.info("table %s loaded: %d records", table.name, len(table))


_paused = 0


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a table loads (loads may overlap: the last one out resumes it).

    A load makes a million objects and no reference cycle: each pass of the
    collector over them is wasted, about a quarter of a load's CPU. Memory is
    still freed as usual, by reference counts.
    """
    global _paused
    if not _paused and not gc.isenabled():
        yield  # paused by the application: leave it as it is
        return
    _paused += 1
    gc.disable()
    try:
        yield
    finally:
        _paused -= 1
        if not _paused:
            gc.enable()


class _SharedValues:
    """One object for each repeated value of a column while a table loads (JSON makes a new one per record).

    A column of few distinct values (a genre, a year, an author) then costs a
    pointer a record instead of a string or a number each. A column that turns
    out to have many (titles) stops being shared: its pool would cost more than
    it saves. Only columns that hold one type are shared (text, whole numbers,
    ids, choices), so ``1``, ``1.0`` and ``True`` never stand for each other;
    unique columns never repeat a value.
    """

    MANY = 4096
    """Distinct values past which a column stops being shared."""
    CHECK_EVERY = 1024
    """Records between two looks at the pools' sizes."""

    def __init__(self, schema: TableSchema) -> None:
        self._pools: dict[int, dict[Value, Value]] = {
            position: {}
            for position, column in enumerate(schema.columns)
            if not column.unique and column.type in _ONE_TYPE
        }
        self._plan = [(position, pool.setdefault) for position, pool in self._pools.items()]
        self._until_check = self.CHECK_EVERY

    def share(self, row: list[Value]) -> list[Value]:
        """The row (changed in place) with each shared value replaced by the first equal one seen."""
        for position, setdefault in self._plan:
            value = row[position]
            row[position] = setdefault(value, value)
        self._until_check -= 1
        if not self._until_check:
            self._until_check = self.CHECK_EVERY
            self._pools = {position: pool for position, pool in self._pools.items() if len(pool) <= self.MANY}
            self._plan = [(position, pool.setdefault) for position, pool in self._pools.items()]
        return row


_ONE_TYPE = frozenset(
    {
        ColumnType.TEXT,
        ColumnType.URL,
        ColumnType.CHOICE,
        ColumnType.INT,
        ColumnType.USER,
        ColumnType.CHANNEL,
        ColumnType.ROLE,
    }
)
"""Column types whose values are all of one Python type (``str`` or ``int``), so sharing never changes a type."""
