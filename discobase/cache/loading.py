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
    """Fill ``table`` from its channel; raises ``ChannelMissing`` if the channel is gone."""
    reading = _ChannelRead(table.schema)
    async for message in backend.history(table.channel_id):
        if message.author_id == backend.me_id:
            with _collector_paused():
                reading.take(message.id, message.text)
    with _collector_paused():
        reading.fill(table)
    log.info("table %s loaded: %d records", table.name, len(table))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a message's records are built (no await inside: no other task runs).

    A load makes a million objects and no reference cycle: each pass of the
    collector over them is wasted, about a quarter of a load's CPU. Memory is
    still freed as usual, by reference counts, and between messages (while a
    download is awaited) the collector runs as it would.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _ChannelRead:
    """What a channel's messages say, newest first, as they are read: records straight from the stored items.

    Records go into a list at their id, which also says which ids are decided;
    a batch is parsed a chunk of lines at a time: a load holds little besides
    what it keeps.
    """

    def __init__(self, schema: TableSchema) -> None:
        self.rows: list[Record | None] = [None]
        self.gone: set[int] = set()
        self.highest = 0
        self.batch_messages: set[int] = set()
        self.shadowed: set[int] = set()
        self.imports: dict[str, set[int]] = {}
        self.part_in: dict[int, tuple[str, int]] = {}
        self.loose: set[int] = set()
        self.gone_in: dict[int, set[int]] = {}
        self.extras: list[tuple[int, str]] = []
        self._layout = layout_of(schema.column_names)
        self._decode = schema.row_decoder()
        self._share = _SharedValues(schema).share
        self._creators: dict[int, int] = {}

    def take(self, message_id: int, text: str) -> None:
        """Read one message of ours (older than those taken before): the ids it names that nothing newer decided."""
        head, items = read_message(text)
        if head.extra:
            self.extras.append((message_id, head.extra))
        rows, gone, layout, decode, share, creators = (
            self.rows,
            self.gone,
            self._layout,
            self._decode,
            self._share,
            self._creators,
        )
        make = tuple.__new__
        held, live = 0, False
        for item in items:
            held += 1
            record_id = item[0]
            if record_id > self.highest:
                self.highest = record_id
                if record_id >= len(rows):
                    rows.extend([None] * max(record_id + 1 - len(rows), len(rows)))
            newer = rows[record_id]
            if newer is not None or record_id in gone:
                if newer is not None:
                    # The newer message is an update of this copy: the record was created here, or before.
                    first = item[3] if len(item) == 4 and item[3] else message_id
                    rows[record_id] = newer.created_in(min(newer.created_message_id or first, first))
                self.shadowed.add(record_id)  # an older copy: deleting the newer message alone would bring it back
                continue
            if len(item) == 1:
                gone.add(record_id)
                self.gone_in.setdefault(message_id, set()).add(record_id)
                continue
            row = share(decode(item[2]))
            if len(item) == 4 and item[3]:
                row.append(item[3])  # the message that first held it
            rows[record_id] = make(layout, (record_id, creators.setdefault(item[1], item[1]), message_id, *row))
            live = True
        if live and head.is_batch:
            self.batch_messages.add(message_id)
        if head.import_key is not None:
            self.imports.setdefault(head.import_key, set()).add(head.part)
            self.part_in[message_id] = (head.import_key, head.part)
        elif held:
            self.loose.add(message_id)

    def fill(self, table: StoredTable) -> None:
        """Give the table what the channel says (``StoredTable.fill``)."""
        del self.rows[self.highest + 1 :]
        table.fill(
            filter(None, self.rows),
            self.highest + 1,
            self.batch_messages,
            self.shadowed,
            self.imports,
            self.loose,
            self.gone_in,
            self.part_in,
            self.extras,
        )


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
