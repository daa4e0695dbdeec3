"""Catalog entries: one message per table in the catalog channel.

The text is JSON: ``{"v": 2, "kind": "table", "channel": 123, "schema": {...},
"access": {"read": null, "write": 456}}``. The channel is named by id, so an
admin renaming a table's channel breaks nothing. A schema or access change
edits the entry in place. Version 1 entries (before access rules) read as
open to everyone, and are written as version 2 on their next change. A schema
whose values are stored under keys other than the column names (a column
renamed, dropped or altered) is written as version 3, so a reader that knows no
storage keys skips the table rather than misread its records.

Settings of the whole database (the audit channel) are one more message,
``{"v": 2, "kind": "settings", "audit": 789}``, written on their first change
and edited afterwards. An older process skips it: it reads only ``table`` entries.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from pydantic import ValidationError

from ..errors import SchemaError
from .schema import TableSchema

__all__ = [
    "CATALOG_CHANNEL",
    "DEFAULT_SETTINGS",
    "EVERYONE",
    "Access",
    "CatalogEntry",
    "Settings",
    "decode_entry",
    "decode_settings",
    "encode_entry",
    "encode_settings",
]

CATALOG_CHANNEL = "db-catalog"
"""The catalog channel's name; a hyphen, so no table (letters, digits, `_`) can take it."""
LAYOUT_VERSION = 2
KEYED_VERSION = 3
_READABLE_VERSIONS = (1, 2, 3)


@dataclass(frozen=True, slots=True)
class Access:
    """Who may read and who may write a table: a role id each, None for everyone.

    The library writes as the bot and is not bound by these; the bot's commands
    apply them, and a developer's own commands can (``GuildStore.access``).
    """

    read_role_id: int | None = None
    write_role_id: int | None = None


EVERYONE = Access()
"""The access of a table without rules: everyone may read and write it."""


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """A table as the catalog knows it."""

    schema: TableSchema
    channel_id: int
    access: Access = EVERYONE


@dataclass(frozen=True, slots=True)
class Settings:
    """Settings of a guild's whole database, kept in the catalog beside the tables."""

    audit_channel_id: int | None = None
    """Where a line is posted for every change to records and tables; None: nowhere."""


DEFAULT_SETTINGS = Settings()


def encode_entry(entry: CatalogEntry) -> str:
    """The catalog message text of a table."""
    return orjson.dumps(
        {
            "v": KEYED_VERSION if entry.schema.uses_storage_keys else LAYOUT_VERSION,
            "kind": "table",
            "channel": entry.channel_id,
            "schema": entry.schema.model_dump(mode="json", exclude_defaults=True),  # short: no `"unique":false`
            "access": {"read": entry.access.read_role_id, "write": entry.access.write_role_id},
        }
    ).decode()


def decode_entry(text: str) -> CatalogEntry | None:
    """Read a catalog message; None when it is not an entry of a known version."""
    try:
        payload = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(payload, dict) or payload.get("v") not in _READABLE_VERSIONS or payload.get("kind") != "table":
        return None
    channel_id = payload.get("channel")
    if not isinstance(channel_id, int):
        return None
    try:
        schema = TableSchema.model_validate(payload.get("schema"))
    except (ValidationError, SchemaError):
        return None
    access = _decode_access(payload.get("access"))
    if access is None:
        return None
    return CatalogEntry(schema, channel_id, access)


def _decode_access(raw: object) -> Access | None:
    """The access rules of an entry; missing (version 1) means everyone, anything malformed None."""
    if raw is None:
        return EVERYONE
    if not isinstance(raw, dict):
        return None
    read, write = raw.get("read"), raw.get("write")
    if not all(role is None or (isinstance(role, int) and not isinstance(role, bool)) for role in (read, write)):
        return None
    return Access(read, write)


def encode_settings(settings: Settings) -> str:
    """The catalog message text of the database's settings."""
    return orjson.dumps({"v": LAYOUT_VERSION, "kind": "settings", "audit": settings.audit_channel_id}).decode()


def decode_settings(text: str) -> Settings | None:
    """Read a catalog message; None when it is not a settings message of a known version."""
    try:
        payload = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(payload, dict) or payload.get("v") != LAYOUT_VERSION or payload.get("kind") != "settings":
        return None
    audit = payload.get("audit")
    if audit is not None and (not isinstance(audit, int) or isinstance(audit, bool)):
        return None
    return Settings(audit)
