"""Posting one server's audit lines: packed into as few messages as fit, at most one post per ``PACE`` seconds.

The first line of a quiet moment goes out at once; lines arriving while a post
is under way or within ``PACE`` seconds of the last one wait and go out
together, as many as fit in one message. Posts never ping. A channel the bot
cannot post in loses its lines with a warning in the log; nothing is retried.
"""

from __future__ import annotations

import asyncio
import logging

import discord

from ..utils.replies import NO_PINGS

__all__ = ["PACE", "AuditTrail"]

log = logging.getLogger(__name__)

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
