"""Reporting a change for the audit channel: commands say what they changed, the audit cog posts it.

A command calls ``audit(interaction, table, what)`` once its change is stored;
the line goes out as the bot event ``discobase_change`` (``_cog.py`` listens),
so commands need not know whether, or where, a server audits. Each
line names who (a mention, which never pings), when, the command, the table
and what changed; values are cut and shown as typed.
"""

from __future__ import annotations

import time

import discord

import discobase
from discobase.model.columns import Value

from ..utils.context import store_of
from ..utils.formatting import code, cut, show

__all__ = ["EVENT", "audit", "changed_columns", "changes_text", "update_lines"]

EVENT = "discobase_change"
"""The bot event an audited change is dispatched as (``on_discobase_change(guild, line, channel_id)``)."""
LINE_LIMIT = 400


def audit(
    interaction: discord.Interaction,
    table: str | None,
    what: str,
    *,
    values: str | None = None,
    command: str | None = None,
    channel_id: int | None = None,
) -> None:
    """Report a stored change: ``<t:…:T> @ada `/record update` `books`: #3 year: 1965 → 1966``.

    ``what`` names the change without any record's values (``#3 updated `year```);
    ``values`` says it with them, and is posted instead unless the table has a
    read role: a private table's values never leave it, whoever reads the audit
    channel. ``command`` names the command for a button or form (which has none
    of its own); ``channel_id`` posts there instead of the audit channel set now
    (the last line of an audit trail being turned off).
    """
    if interaction.guild is None:
        return
    if values is not None and not _secret(interaction, table):
        what = values
    name = command or (interaction.command.qualified_name if interaction.command else "a button")
    where = f" {code(table)}" if table else ""
    line = f"<t:{int(time.time())}:T> {interaction.user.mention} `/{name}`{where}: {what}"
    interaction.client.dispatch(EVENT, interaction.guild, cut(line, LINE_LIMIT), channel_id)


def _secret(interaction: discord.Interaction, table: str | None) -> bool:
    """Whether the table has a read role; unknown (a table dropped meanwhile) counts as secret, to say less."""
    if table is None:
        return False
    try:
        return store_of(interaction).access(table).read_role_id is not None
    except discobase.DiscobaseError:
        return True


def changed_columns(schema: discobase.TableSchema, before: dict[str, Value], after: dict[str, Value]) -> list[str]:
    """The columns whose value changed, in the table's order."""
    return [name for name in schema.column_names if before.get(name) != after.get(name)]


def changes_text(schema: discobase.TableSchema, before: dict[str, Value], after: dict[str, Value]) -> str:
    """``year: 1965 → 1966, read: false → true``: every column whose value changed, old → new."""
    return ", ".join(
        f"{name}: {show(schema.column(name).type, before.get(name), 60)} \u2192 "
        f"{show(schema.column(name).type, after.get(name), 60)}"
        for name in changed_columns(schema, before, after)
    )


def update_lines(
    record_id: int, schema: discobase.TableSchema, before: dict[str, Value], after: dict[str, Value]
) -> tuple[str, str]:
    """The audit texts of one record's update: without values (the columns), and with them (old → new)."""
    columns = ", ".join(code(name) for name in changed_columns(schema, before, after))
    return f"#{record_id} updated {columns}", f"#{record_id} {changes_text(schema, before, after)}"
