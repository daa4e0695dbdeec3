"""Reporting a change for the audit channel: commands say what they changed, the audit cog posts it.

A command calls ``audit(interaction, table, what)`` once its change is stored;
the line goes out as the bot event ``discobase_change`` (``cogs/audit.py``
listens), so commands need not know whether, or where, a server audits. Each
line names who (a mention, which never pings), when, the command, the table
and what changed; values are cut and shown as typed.
"""

from __future__ import annotations

import asyncio
import logging
import time

import discord

import discobase
from discobase.model.columns import Value

from .context import store_of
from .formatting import code, cut, show
from .replies import NO_PINGS

__all__ = ["EVENT", "PACE", "AuditTrail", "audit", "changed_columns", "changes_text", "update_lines"]

log = logging.getLogger(__name__)

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


PACE = 2.0
"""Least seconds between two posts of one server's trail."""
MESSAGE_LIMIT = 2000


class AuditTrail:
    """The lines waiting for one server's audit channel, and the task that posts them."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client
        self.waiting: list[tuple[int, str]] = []
        self._task: asyncio.Task[None] | None = None
        self._last_post = float("-inf")

    def add(self, channel_id: int, line: str) -> None:
        """Queue a line; start posting unless a post is under way or pacing."""
        self.waiting.append((channel_id, line))
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._post_all())

    async def _post_all(self) -> None:
        loop = asyncio.get_running_loop()
        while self.waiting:
            if (pause := self._last_post + PACE - loop.time()) > 0:
                await asyncio.sleep(pause)  # lines arriving meanwhile join this post
            channel_id, text = self._take()
            self._last_post = loop.time()
            await self._post(channel_id, text)

    def _take(self) -> tuple[int, str]:
        """The first waiting line and those after it for the same channel that fit in one message with it."""
        channel_id, text = self.waiting.pop(0)
        while self.waiting and self.waiting[0][0] == channel_id:
            line = self.waiting[0][1]
            if len(text) + 1 + len(line) > MESSAGE_LIMIT:
                break
            text += "\n" + line
            self.waiting.pop(0)
        return channel_id, text

    async def _post(self, channel_id: int, text: str) -> None:
        channel = self.client.get_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            log.warning("audit channel %d is gone: %d characters of audit lines lost", channel_id, len(text))
            return
        try:
            await channel.send(text, allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            log.warning("could not post in audit channel %d", channel_id, exc_info=True)

    async def flush(self) -> None:
        """Wait until every waiting line is posted (or given up)."""
        if self._task is not None:
            await self._task
