"""Catalog entries: one message per table in the catalog channel.

The text is JSON: ``{"v": 1, "kind": "table", "channel": 123, "schema": {...}}``.
The channel is named by id, so an admin renaming a table's channel breaks
nothing. A schema change (``add-column``) edits the entry in place.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from pydantic import ValidationError

from .errors import SchemaError
from .schema import TableSchema

__all__ = ["CATALOG_CHANNEL", "CatalogEntry", "decode_entry", "encode_entry"]

CATALOG_CHANNEL = "db-catalog"
"""The catalog channel's name; a hyphen, so no table (letters, digits, `_`) can take it."""
LAYOUT_VERSION = 1


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """A table as the catalog knows it."""

    schema: TableSchema
    channel_id: int


def encode_entry(entry: CatalogEntry) -> str:
    """The catalog message text of a table."""
    return orjson.dumps(
        {
            "v": LAYOUT_VERSION,
            "kind": "table",
            "channel": entry.channel_id,
            "schema": entry.schema.model_dump(mode="json"),
        }
    ).decode()


def decode_entry(text: str) -> CatalogEntry | None:
    """Read a catalog message; None when it is not an entry of a known version."""
    try:
        payload = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(payload, dict) or payload.get("v") != LAYOUT_VERSION or payload.get("kind") != "table":
        return None
    channel_id = payload.get("channel")
    if not isinstance(channel_id, int):
        return None
    try:
        schema = TableSchema.model_validate(payload.get("schema"))
    except (ValidationError, SchemaError):
        return None
    return CatalogEntry(schema, channel_id)
