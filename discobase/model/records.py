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
  record (its creation time, as ``"c"`` above). An
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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import orjson
from discord.utils import snowflake_time

from .columns import Value

__all__ = [
    "FORMAT_VERSION",
    "BatchItem",
    "DecodedMessage",
    "Extra",
    "Found",
    "Record",
    "StoredRecord",
    "decode_message",
    "encode_batch",
    "encode_gone",
    "encode_record",
    "read_extra",
]

FORMAT_VERSION = 1


@dataclass(slots=True)
class Record:
    """One row: its id, its values by column, who created it, and the message that holds it now."""

    id: int
    values: dict[str, Value]
    creator_id: int
    message_id: int
    created_message_id: int = 0

    @property
    def created_at(self) -> datetime:
        """When the record was inserted (the time of the first message that held it)."""
        return snowflake_time(self.created_message_id or self.message_id)


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
"""What a message carries besides its records: ``{"h": history, "hc": changes, "t": trash}`` (history.py)."""


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
    """The message text of a batch of records and ``gone`` markers, tagged with its import if any."""
    payload: dict[str, Any] = {"v": FORMAT_VERSION, "batch": records}
    if import_key is not None:
        payload["import"], payload["part"] = import_key, part
    return _with_extra(payload, extra)


@dataclass(frozen=True, slots=True)
class DecodedMessage:
    """What a message holds: its records, whether it is a batch, the import part it is, and its ``extra``.

    ``extra``: the text of its history and trash, unread (``read_extra`` reads it, on first use).
    """

    records: list[StoredRecord]
    is_batch: bool = False
    import_key: str | None = None
    part: int = 0
    extra: str | None = None


_NOTHING = DecodedMessage([])


def decode_message(text: str) -> DecodedMessage:
    """Read a message; it holds no records when it is not ours to read."""
    try:
        payload = orjson.loads(text)
    except orjson.JSONDecodeError:
        return _NOTHING
    if not isinstance(payload, dict) or payload.get("v") != FORMAT_VERSION:
        return _NOTHING
    extra = payload.get("x")
    extra = extra if isinstance(extra, str) else None
    batch = payload.get("batch")
    if isinstance(batch, list):
        records = [stored for item in batch if (stored := _batch_item(item)) is not None]
        key, part = payload.get("import"), payload.get("part")
        if isinstance(key, str) and isinstance(part, int):
            return DecodedMessage(records, True, key, part, extra)
        return DecodedMessage(records, True, extra=extra)
    stored = _single(payload)
    return DecodedMessage([stored], extra=extra) if stored is not None else _NOTHING


def read_extra(text: str) -> Extra:
    """The history, changes and trash a message's ``"x"`` carries (each an object, else left out)."""
    try:
        payload = orjson.loads(text)
    except orjson.JSONDecodeError:
        return {}
    if not isinstance(payload, dict):
        return {}
    return {key: value for key in ("h", "hc", "t") if isinstance(value := payload.get(key), dict)}


def _single(payload: dict[str, Any]) -> StoredRecord | None:
    record_id = payload.get("id")
    if not isinstance(record_id, int) or record_id < 1:
        return None
    if payload.get("gone") is True:
        return StoredRecord(record_id, 0, {}, gone=True)
    data = payload.get("d")
    creator = payload.get("by")
    if not isinstance(data, dict) or not isinstance(creator, int):
        return None
    created = payload.get("c")
    return StoredRecord(record_id, creator, data, created=created if isinstance(created, int) else 0)


def _batch_item(item: Any) -> StoredRecord | None:
    """One item of a batch, or None if it is not one we wrote (a cold load calls this per record: kept lean)."""
    if type(item) is not list:
        return None
    size = len(item)
    if size == 3 or size == 4:
        record_id, creator, data = item[0], item[1], item[2]
        if type(record_id) is int and record_id >= 1 and type(creator) is int and type(data) is dict:
            created = item[3] if size == 4 and type(item[3]) is int else 0
            return StoredRecord(record_id, creator, data, False, created)
        return None
    if size == 1 and type(item[0]) is int and item[0] >= 1:
        return StoredRecord(item[0], 0, {}, True)
    return None
