"""The audit trail: a line in the server's audit channel for every change made through the commands.

Commands report a change once it is stored (``report.audit``); this cog posts
the lines in the channel set with ``/table audit`` (kept in the catalog, so it
survives restarts). Lines are packed (``trail.py``): the first line of a quiet
moment goes out at once, and lines arriving while a post is under way or within
``PACE`` seconds of the last one wait and go out together, as many as fit in one
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

from ..utils.context import client_of
from .trail import AuditTrail

__all__ = ["AuditCog"]

log = logging.getLogger(__name__)

FLUSH_WAIT = 5.0
"""Seconds the cog waits for the lines still waiting when the bot stops."""


class AuditCog(commands.Cog):
    """Posts the reported changes of each server in its audit channel."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        self.trails: dict[int, AuditTrail] = {}

    @commands.Cog.listener()
    async def on_discobase_change(self, guild: discord.Guild, line: str, channel_id: int | None = None) -> None:
        """Queue the line for ``channel_id``, else for the server's audit channel, if it has one."""
        if channel_id is None:
            store = client_of(self.bot).engine.store(guild)
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
