"""The audit trail: a line in the server's audit channel for every change made through the commands.

Commands report a change once it is stored (``utils.audit``); this cog posts
the lines in the channel set with ``/table audit`` (kept in the catalog, so it
survives restarts). Lines are packed: the first line of a quiet moment goes
out at once, and lines arriving while a post is under way or within ``PACE``
seconds of the last one wait and go out together, as many as fit in one
message. So fifty inserts in a burst are two or three messages, not fifty,
and the trail spends at most one of the channel's five messages per five
seconds. Posts never ping (allowed mentions: none). A channel the bot cannot
post in loses its lines with a warning in the log; nothing is retried in a
loop, and no command waits for, or fails with, its audit line.
"""

from __future__ import annotations

import asyncio
import logging

import discord
from discord.ext import commands

import discobase

from .utils.replies import NO_PINGS

__all__ = ["PACE", "AuditCog", "AuditTrail"]

log = logging.getLogger(__name__)

PACE = 2.0
"""Least seconds between two posts of one server's trail."""
MESSAGE_LIMIT = 2000
FLUSH_WAIT = 5.0
"""Seconds the cog waits for the lines still waiting when the bot stops."""


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


class AuditCog(commands.Cog):
    """Posts the reported changes of each server in its audit channel."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        self.trails: dict[int, AuditTrail] = {}

    @commands.Cog.listener()
    async def on_discobase_change(self, guild: discord.Guild, line: str, channel_id: int | None = None) -> None:
        """Queue the line for ``channel_id``, else for the server's audit channel, if it has one."""
        engine = getattr(self.bot, "engine", None)
        if channel_id is None and isinstance(engine, discobase.Engine):
            store = engine.store(guild)
            channel_id = store.settings().audit_channel_id if store.is_open else None
        if channel_id is None:
            return
        self.trails.setdefault(guild.id, AuditTrail(self.bot)).add(channel_id, line)

    async def cog_unload(self) -> None:
        """Post what is still waiting before the bot stops (``Bot.close`` unloads every cog)."""
        try:
            async with asyncio.timeout(FLUSH_WAIT):
                await asyncio.gather(*(trail.flush() for trail in self.trails.values()))
        except TimeoutError:
            log.warning("audit lines still waiting when the bot stopped were not posted")


async def setup(bot: commands.Bot) -> None:
    """Load the audit trail."""
    await bot.add_cog(AuditCog(bot))
