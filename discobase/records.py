"""Records and their encoding into messages.

A record is stored as one message written by the bot whose text is compact JSON:
``{"v": 1, "id": 7, "by": 1234, "d": {"title": "Dune"}}``. ``v`` is the format
version, so a later write path can add other shapes (the reader skips versions
it does not know instead of misreading them). The creation time is not stored:
it is the message's snowflake timestamp. A ``gone`` marker (``{"v": 1, "id":
7, "gone": true}``) keeps the highest id ever given when the newest record is
deleted, so ids are never reused across restarts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from discord.utils import snowflake_time

from .columns import Value

__all__ = ["FORMAT_VERSION", "Record", "StoredRecord", "decode_record", "encode_gone", "encode_record"]

FORMAT_VERSION = 1


@dataclass(slots=True)
class Record:
    """One row: its id, its values by column, who created it, and the message that holds it."""

    id: int
    values: dict[str, Value]
    creator_id: int
    message_id: int

    @property
    def created_at(self) -> datetime:
        """When the record was inserted (the time of its message)."""
        return snowflake_time(self.message_id)


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record message as read back: values still in stored (JSON) form."""

    id: int
    creator_id: int
    data: dict[str, Any]
    gone: bool = False


def encode_record(record_id: int, creator_id: int, data: dict[str, Any]) -> str:
    """The message text of a record."""
    return orjson.dumps({"v": FORMAT_VERSION, "id": record_id, "by": creator_id, "d": data}).decode()


def encode_gone(record_id: int) -> str:
    """The message text that marks the highest id given as used."""
    return orjson.dumps({"v": FORMAT_VERSION, "id": record_id, "gone": True}).decode()


def decode_record(text: str) -> StoredRecord | None:
    """Read a record message; None when the text is not a record of a known version."""
    try:
        payload = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(payload, dict) or payload.get("v") != FORMAT_VERSION:
        return None
    record_id = payload.get("id")
    if not isinstance(record_id, int) or record_id < 1:
        return None
    if payload.get("gone") is True:
        return StoredRecord(record_id, 0, {}, gone=True)
    data = payload.get("d")
    creator = payload.get("by")
    if not isinstance(data, dict) or not isinstance(creator, int):
        return None
    return StoredRecord(record_id, creator, data)
