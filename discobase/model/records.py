"""Records and their encoding into messages.

Messages the bot writes in a table channel are compact JSON of three shapes:

- a record: ``{"v": 1, "id": 7, "by": 1234, "d": {"title": "Dune"}}``, and
  ``"c": <message id>`` when a newer copy must keep the record's creation time
  (the message that first held it), since compaction may delete older copies;
- a batch: ``{"v": 1, "batch": [[7, 1234, {...}], [8], ...]}``, many records
  in one message (usually in its attached file), so a table is not held to
  Discord's one message per second per channel. Bulk imports write them, and so
  do group commit (writes queued on a table, group_commit.py) and compaction
  (compaction.py). An item ``[id]`` is a ``gone`` marker inside the batch; an
  item may carry a fourth element, the id of the message that first held the
  record (its creation time, as ``"c"`` above). Each item is written on a
  line of its own, so a load parses a batch a line at a time. An
  import tags its batches ``"import": <key>, "part": <n>``, so running it again
  after an interruption writes only the parts that are missing;
- a ``gone`` marker: ``{"v": 1, "id": 7, "gone": true}``: record 7 is deleted.
  It stands where deleting a message is not enough: the newest id (so ids are
  never reused after a restart) and records whose older copy sits in a batch.

Any of them may also carry the history of the ids it names and the trash of
those it deletes: ``"x"``, one JSON text of the objects ``"h"``, ``"hc"``
and ``"t"`` (history.py). A message carries what it supersedes, so keeping
them costs no request (I8 in store.py); as one text, a cold load passes over
it at the speed of a string and reads it only when asked.

Reading newest first, the first message that names an id decides it (I2 in
store.py): a newer single record supersedes its copy in an older batch, a newer
marker deletes it.
``v`` is the format version: the reader skips versions it does not know instead
of misreading them. The creation time is not stored: it is the snowflake time
of the message that first held the record.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson
from discord.utils import snowflake_time

from .columns import Value

__all__ = [
    "FORMAT_VERSION",
    "BatchItem",
    "DecodedMessage",
    "Extra",
    "Found",
    "Layout",
    "MessageHead",
    "Record",
    "StoredItem",
    "StoredRecord",
    "by_id",
    "column_getter",
    "decode_message",
    "encode_batch",
    "encode_gone",
    "encode_record",
    "layout_of",
    "read_extra",
    "read_message",
    "shared_layout",
]

FORMAT_VERSION = 1


_VALUES = 3
"""Where a record's values start: after its id, creator and message."""


class Record(tuple[Any, ...]):
    """One row: its id, its values by column, who created it, and the message that holds it now.

    A record is one tuple, ``(id, creator, message, *values)``, and then the
    message that first held it if that is another one: a table of a million
    records keeps a million of them, and a dataclass with a dict of values took
    twice the memory. Its class is its layout (``layout_of``): the column names
    its values follow, shared by every record of a table. ``values`` builds the
    dict when asked; scans read by position (``column_getter``). Records are
    immutable: a change is a new record.
    """

    __slots__ = ()
    columns: tuple[str, ...] = ()
    """The column names its values follow, in order (set on each layout)."""
    _positions: dict[str, int] = {}

    def __new__(
        cls, id: int, values: Mapping[str, Value], creator_id: int, message_id: int, created_message_id: int = 0
    ) -> Record:
        """A record from its values by column (their order becomes its layout)."""
        return layout_of(values).of_row(id, values.values(), creator_id, message_id, created_message_id)

    @classmethod
    def of_row(cls, id: int, row: Iterable[Value], creator_id: int, message_id: int, created: int = 0) -> Record:
        """A record of this layout from values already in its order (a cold load builds its tuples directly)."""
        items = (id, creator_id, message_id, *row, created) if created else (id, creator_id, message_id, *row)
        return tuple.__new__(cls, items)

    def __eq__(self, other: object) -> bool:
        """Equal when id, values by column, creator and messages are: as tuples when both share a layout."""
        if not isinstance(other, Record):
            return False  # not a plain tuple of the same items either
        if type(self) is type(other):
            return tuple.__eq__(self, other)
        return self._fields() == other._fields()

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = None  # type: ignore[assignment]  # compared by values across layouts, as a dataclass of them was

    def _fields(self) -> tuple[int, dict[str, Value], int, int, int]:
        return (self.id, self.values, self.creator_id, self.message_id, self.created_message_id)

    def __reduce__(self) -> tuple[Any, ...]:  # copy and pickle: the base class, which finds the layout again
        return (Record, self._fields())

    def __repr__(self) -> str:
        return (
            f"Record(id={self.id!r}, values={self.values!r}, creator_id={self.creator_id!r}, "
            f"message_id={self.message_id!r}, created_message_id={self.created_message_id!r})"
        )

    if TYPE_CHECKING:  # typed for readers; at run time each is a C-level item getter (scans read them per record)

        @property
        def id(self) -> int:
            """The record's id."""

        @property
        def creator_id(self) -> int:
            """Who inserted it."""

        @property
        def message_id(self) -> int:
            """The message that holds it now."""

    else:
        id = property(operator.itemgetter(0), doc="The record's id.")
        creator_id = property(operator.itemgetter(1), doc="Who inserted it.")
        message_id = property(operator.itemgetter(2), doc="The message that holds it now.")

    @property
    def created_message_id(self) -> int:
        """The message that first held it, when that is not ``message_id`` (0: it is)."""
        return self[-1] if len(self) > _VALUES + len(self.columns) else 0

    @property
    def layout(self) -> Layout:
        """The layout its values follow."""
        return type(self)

    @property
    def values(self) -> dict[str, Value]:
        """Its values by column name (a new dict each time)."""
        columns = self.columns
        return dict(zip(columns, self[_VALUES : _VALUES + len(columns)], strict=True))

    def get(self, column: str) -> Value:
        """The value of one column (None when empty or not a column of its layout)."""
        position = self._positions.get(column)
        return None if position is None else self[position]

    def in_layout(self, layout: Layout) -> Record:
        """The same record with its values in ``layout``'s order (a column it lacks reads as empty)."""
        if type(self) is layout:
            return self
        return layout.of_row(self[0], map(self.get, layout.columns), self[1], self[2], self.created_message_id)

    def created_in(self, message_id: int) -> Record:
        """The same record, first held by ``message_id``."""
        return self.of_row(self[0], self[_VALUES : _VALUES + len(self.columns)], self[1], self[2], message_id)

    @property
    def created_at(self) -> datetime:
        """When the record was inserted (the time of the first message that held it)."""
        return snowflake_time(self.created_message_id or self.message_id)


Layout = type[Record]
"""The column names a record's values follow, as the class of the records that follow them (``layout_of``)."""

_LAYOUTS: dict[tuple[str, ...], Layout] = {}


def layout_of(names: Iterable[str]) -> Layout:
    """The layout of these column names: one class for every record that follows them (read by position)."""
    columns = tuple(names)
    layout = _LAYOUTS.get(columns)
    if layout is None:
        positions = {name: _VALUES + position for position, name in enumerate(columns)}
        attributes = {"__slots__": (), "columns": columns, "_positions": positions, "__module__": __name__}
        layout = _LAYOUTS[columns] = type("Record", (Record,), attributes)
    return layout


def column_getter(column: str, layout: Layout | None) -> Callable[[Record], Value]:
    """A function reading ``column`` of a record: by position when every record read has ``layout``.

    A scan calls it per record: ``itemgetter`` is a C call, where ``record.values`` builds a dict.
    """
    if column == "id":
        return by_id
    if layout is None:
        return lambda record: record.get(column)
    position = layout._positions.get(column)
    if position is None:
        return lambda record: None
    return operator.itemgetter(position)


by_id: Callable[[Record], int] = operator.itemgetter(0)
"""A record's id, as a sort key (a C call)."""


def shared_layout(records: Iterable[Record]) -> Layout | None:
    """The layout every record has, if they share one (then ``column_getter`` reads by position)."""
    layouts = set(map(type, records))
    return layouts.pop() if len(layouts) == 1 else None


class Found(list[Record]):
    """The records a find returns (sorted, limited), and ``matched``: how many matched before the limit."""

    def __init__(self, records: list[Record], matched: int | None = None) -> None:
        super().__init__(records)
        self.matched = len(records) if matched is None else matched


class StoredRecord(NamedTuple):
    """A record message as read back: values still in stored (JSON) form (a tuple: a load makes one per record).

    ``created``: the id of the message that first held the record, when the message says (0: it does not).
    """

    id: int
    creator_id: int
    data: dict[str, Any]
    gone: bool = False
    created: int = 0


Extra = dict[str, dict[str, Any]]
"""What a message carries besides its records: ``{"h": history, "hr": runs of it, "hc": changes, "t": trash}``.

See history.py."""


def encode_record(
    record_id: int, creator_id: int, data: dict[str, Any], created: int = 0, extra: Extra | None = None
) -> str:
    """The message text of a record (``created``: the message that first held it, if not this one)."""
    payload: dict[str, Any] = {"v": FORMAT_VERSION, "id": record_id, "by": creator_id, "d": data}
    if created:
        payload["c"] = created
    return _with_extra(payload, extra)


def encode_gone(record_id: int, extra: Extra | None = None) -> str:
    """The message text that marks a record deleted (with its trash and history, if any)."""
    return _with_extra({"v": FORMAT_VERSION, "id": record_id, "gone": True}, extra)


def _with_extra(payload: dict[str, Any], extra: Extra | None) -> str:
    if extra:
        payload["x"] = orjson.dumps(extra).decode()
    return orjson.dumps(payload).decode()


BatchItem = tuple[int, int, dict[str, Any]] | tuple[int, int, dict[str, Any], int] | tuple[int]
"""A record in a batch, ``(id, creator, data)`` or ``(id, creator, data, created)``, or ``(id,)``: it is gone."""


def encode_batch(
    records: Sequence[BatchItem], import_key: str | None = None, part: int = 0, extra: Extra | None = None
) -> str:
    """The message text of a batch of records and ``gone`` markers, tagged with its import if any.

    One item a line, after a first line with the rest (``"batch"`` last): still
    one JSON text, and a cold load parses it a line at a time, so a batch of
    100,000 records is never held parsed all at once (``read_message``).
    """
    payload: dict[str, Any] = {"v": FORMAT_VERSION}
    if import_key is not None:
        payload["import"], payload["part"] = import_key, part
    if extra:
        payload["x"] = orjson.dumps(extra).decode()
    head = orjson.dumps(payload)[:-1] + b',"batch":[\n'
    return (head + b",\n".join(map(orjson.dumps, records)) + b"\n]}").decode()


@dataclass(frozen=True, slots=True)
class MessageHead:
    """What a message is, besides its records: a batch or not, the import part it is, and its ``extra``.

    ``extra``: the text of its history and trash, unread (``read_extra`` reads it, on first use).
    """

    is_batch: bool = False
    import_key: str | None = None
    part: int = 0
    extra: str | None = None


@dataclass(frozen=True, slots=True)
class DecodedMessage(MessageHead):
    """A message read whole: its head and its records."""

    records: list[StoredRecord] = field(default_factory=list)


StoredItem = list[Any]
"""A record as a message stores it, checked: ``[id, creator, data]`` or ``[id, creator, data, created]``;
``[id]``: the id is gone."""


def read_message(text: str) -> tuple[MessageHead, Iterator[StoredItem]]:
    """Read a message's head, and its records one by one as they are parsed (none when it is not ours to read).

    A batch written a line per item (``encode_batch``) is parsed a line at a
    time; one written in one line, by older versions, is parsed whole.
    """
    first_line = text.find("\n")
    if first_line > 0 and text.startswith("{") and text.endswith(',"batch":[', 0, first_line):
        try:  # the standard parser: orjson takes ten times a long escaped string's size while reading it
            payload = json.loads(text[:first_line] + "]}")
        except ValueError:
            return MessageHead(), iter(())
        head = _head(payload)
        return (head, _lines(text, first_line + 1)) if head is not None else (MessageHead(), iter(()))
    try:
        payload = orjson.loads(text)
    except orjson.JSONDecodeError:
        return MessageHead(), iter(())
    head = _head(payload)
    if head is None:
        return MessageHead(), iter(())
    if head.is_batch:
        return head, filter(None, map(_checked, payload["batch"]))
    item = _single(payload)
    return (head, iter([item])) if item is not None else (MessageHead(), iter(()))


def decode_message(text: str) -> DecodedMessage:
    """Read a whole message; it holds no records when it is not ours to read."""
    head, items = read_message(text)
    records = [
        StoredRecord(item[0], 0, {}, True)
        if len(item) == 1
        else StoredRecord(item[0], item[1], item[2], False, item[3] if len(item) == 4 else 0)
        for item in items
    ]
    return DecodedMessage(head.is_batch, head.import_key, head.part, head.extra, records)


def _head(payload: Any) -> MessageHead | None:
    """The head of a parsed message, or None when it is not a message of ours this version reads."""
    if not isinstance(payload, dict) or payload.get("v") != FORMAT_VERSION:
        return None
    extra = payload.get("x")
    extra = extra if isinstance(extra, str) else None
    if not isinstance(payload.get("batch"), list):
        return MessageHead(extra=extra)
    key, part = payload.get("import"), payload.get("part")
    if isinstance(key, str) and isinstance(part, int):
        return MessageHead(True, key, part, extra)
    return MessageHead(True, extra=extra)


_CHUNK = 1 << 16
"""Characters of a batch's lines parsed in one call: about 700 records, so a parse costs one C call, not 700."""


def _lines(text: str, start: int) -> Iterator[StoredItem]:
    """The checked items of a batch written a line per item, from ``start``, a chunk of lines at a time.

    A chunk that does not parse is read again a line at a time, and only the lines that do not parse are skipped.
    """
    body_end = text.rfind("\n")  # the closing ``]}`` follows the last item's line
    while start < body_end:
        stop = text.find("\n", min(start + _CHUNK, body_end))
        stop = body_end if stop < 0 else stop
        chunk = text[start:stop].rstrip(",")
        start = stop + 1
        try:
            items = orjson.loads(f"[{chunk}]")
        except orjson.JSONDecodeError:
            items = [item for line in chunk.split("\n") if (item := _parsed(line.rstrip(","))) is not None]
        yield from filter(None, map(_checked, items))


def _parsed(line: str) -> Any:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return None


def read_extra(text: str) -> Extra:
    """The history, changes and trash a message's ``"x"`` carries (each an object, else left out)."""
    try:
        payload = orjson.loads(text)
    except orjson.JSONDecodeError:
        return {}
    if not isinstance(payload, dict):
        return {}
    return {key: value for key in ("h", "hr", "hc", "t") if isinstance(value := payload.get(key), dict)}


def _single(payload: dict[str, Any]) -> StoredItem | None:
    """A single record's message as an item."""
    record_id = payload.get("id")
    if not isinstance(record_id, int) or record_id < 1:
        return None
    if payload.get("gone") is True:
        return [record_id]
    data = payload.get("d")
    creator = payload.get("by")
    if not isinstance(data, dict) or not isinstance(creator, int):
        return None
    created = payload.get("c")
    return [record_id, creator, data, created] if isinstance(created, int) and created else [record_id, creator, data]


def _checked(item: Any) -> StoredItem | None:
    """A batch's item if it is one we wrote, else None (a cold load calls this per record: kept lean)."""
    if type(item) is not list:
        return None
    size = len(item)
    if size == 3 or size == 4:
        record_id, creator, data = item[0], item[1], item[2]
        if type(record_id) is int and record_id >= 1 and type(creator) is int and type(data) is dict:
            return item if size == 3 or type(item[3]) is int else item[:3]
        return None
    if size == 1 and type(item[0]) is int and item[0] >= 1:
        return item
    return None
