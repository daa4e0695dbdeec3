"""Embeds for records and tables, kept inside Discord's limits (25 fields, 1,024 a field, 6,000 in all)."""

from __future__ import annotations

import discord

import discobase

from .formatting import code, cut, escape, plural, role_text, show

__all__ = ["COLOR", "access_text", "column_line", "record_embed", "record_line", "schema_embed", "views_text"]

COLOR = discord.Color.blurple()
EMBED_BUDGET = 5000
"""Characters the values of one embed may take, leaving room for titles and names under Discord's 6,000."""


def record_line(schema: discobase.TableSchema, record: discobase.Record, limit: int, *, rich: bool = True) -> str:
    """A record's non-empty values on one line, ``column: value`` each, for lists and (``rich=False``) choices."""
    share = max(20, limit // max(1, len(schema.columns)))
    parts = [
        f"{column.name}: {show(column.type, record.values.get(column.name), share, rich=rich)}"
        for column in schema.columns
        if record.values.get(column.name) is not None
    ]
    return cut(" \u00b7 ".join(parts), limit) or "(no values)"


def record_embed(schema: discobase.TableSchema, record: discobase.Record, title: str) -> discord.Embed:
    """One record, every column a field, with who created it and when."""
    embed = discord.Embed(title=title, color=COLOR, timestamp=record.created_at)
    embed.description = f"Created by <@{record.creator_id}>"
    share = min(1024, EMBED_BUDGET // len(schema.columns))
    for column in schema.columns:
        value = show(column.type, record.values.get(column.name), share)
        embed.add_field(name=column.name, value=value, inline=len(value) <= 40)
    return embed


def column_line(column: discobase.Column) -> str:
    """``title`` text, unique: a column as ``/record describe`` lists it."""
    flags = [escape(column.type_text)]
    if column.unique:
        flags.append("unique")
    if column.optional:
        flags.append("optional")
    if column.default is not None:
        flags.append(f"default {show(column.type, column.default_value, 60)}")
    if column.required:
        flags.append("required")
    return f"{code(column.name)} {', '.join(flags)}"


def access_text(access: discobase.Access) -> str:
    """``read: @Staff · write: everyone`` (role mentions render as names and never ping)."""
    return f"read: {role_text(access.read_role_id)} \u00b7 write: {role_text(access.write_role_id)}"


def schema_embed(
    schema: discobase.TableSchema, count: int | None, access: discobase.Access | None = None, *, own: bool = False
) -> discord.Embed:
    """A table: description, columns with types and flags, record count, creator and (if given) who may use it.

    ``count`` is None if the table is damaged; with ``own``, it counts only the member's own records.
    """
    embed = discord.Embed(title=f"Table {schema.name}", color=COLOR)
    lines = [escape(schema.description)] if schema.description else []
    lines += [column_line(column) for column in schema.columns]
    embed.description = cut("\n".join(lines), 4000)
    records = plural(count, "record") if count is not None else "damaged: its channel was deleted"
    if own and count is not None:
        records += " of yours"
    embed.add_field(name="Records", value=records)
    if schema.creator_id:
        embed.add_field(name="Created by", value=f"<@{schema.creator_id}>")
    if access is not None:
        embed.add_field(name="Access", value=access_text(access), inline=False)
    if schema.views:
        embed.add_field(name="Views", value=views_text(schema), inline=False)
    return embed


def views_text(schema: discobase.TableSchema) -> str:
    """One line per view: `open` `status = open` (``/table describe``, ``/record describe``)."""
    lines = [
        f"{code(view.name)} {code(cut(view.where, 80)) if view.where else 'every record'}" for view in schema.views
    ]
    return cut("\n".join(lines), 1024)
