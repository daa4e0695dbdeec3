"""The small interface the engine needs from one guild: channels and messages.

Kept as narrow as TinyDB's ``Storage``: the real implementation talks to Discord
through discord.py (``DiscordBackend``); ``MemoryBackend`` keeps everything in
dictionaries for fast engine unit tests and model-based tests.
"""

from __future__ import annotations

import datetime
import gzip
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import discord

__all__ = [
    "BULK_DELETE_AGE",
    "BULK_DELETE_LIMIT",
    "BULK_MARGIN",
    "CATEGORY_CHANNEL_LIMIT",
    "COMPRESSION_LEVEL",
    "DEFAULT_UPLOAD_LIMIT",
    "GUILD_CHANNEL_LIMIT",
    "MESSAGE_LIMIT",
    "OLD_DELETES",
    "Backend",
    "StoredMessage",
    "WriteWindow",
    "bulk_deletable",
    "compress_file",
    "split_by_age",
]

MESSAGE_LIMIT = 2000
"""Characters of content a message may hold; longer text goes in an attached file."""
DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024
"""Bytes one attached file may hold on a server without boosts (Discord: 10 MiB)."""
COMPRESSION_LEVEL = 1
"""zlib's fastest level: 7.1 times on a 100,000-record batch in 35 ms; level 6 gives 8.6 times in 94 ms."""


def compress_file(text: str) -> bytes:
    """A stored file's bytes: the text gzip-compressed (what Discord's upload limit counts)."""
    return gzip.compress(text.encode(), compresslevel=COMPRESSION_LEVEL, mtime=0)


GUILD_CHANNEL_LIMIT = 500
"""Channels a server may have, categories included, threads not (Discord: error 30013 past it)."""
CATEGORY_CHANNEL_LIMIT = 50
"""Channels one category may hold (Discord: 400, "Maximum number of channels in category reached (50)")."""
BULK_DELETE_AGE = datetime.timedelta(days=14)
"""Discord bulk-deletes only messages younger than this (by the time in their snowflake id)."""
BULK_MARGIN = datetime.timedelta(hours=1)
"""How much younger than ``BULK_DELETE_AGE`` a message must be for a backend to bulk-delete it: one that ages
while the request is under way stays out of the bulk request."""
BULK_DELETE_LIMIT = 100
"""Messages one bulk delete takes (Discord: 2 to 100)."""
OLD_DELETES = 5
"""Messages too old for a bulk delete that one ``delete_many`` takes: each is a request of its own, so a few
at a time keep one call within its deadline and clear of the 429s that count toward Discord's ban."""


def bulk_deletable(message_id: int, margin: datetime.timedelta = BULK_MARGIN) -> bool:
    """Whether Discord still bulk-deletes the message ``margin`` from now (its age read from its id).

    The time is discord.py's ``utcnow`` (a simulated Discord sets it), the same
    clock discord.py compares message ids against.
    """
    return discord.utils.snowflake_time(message_id) > discord.utils.utcnow() - BULK_DELETE_AGE + margin


def split_by_age(message_ids: Sequence[int]) -> tuple[list[int], list[int]]:
    """A ``delete_many``'s messages as young (one bulk request) and old (one request each).

    ``ValueError`` (a bug in the caller: compaction plans its sweeps within these
    limits) past 100 messages, or past ``OLD_DELETES`` old ones: many single
    deletes in one call outlast its deadline and draw 429s.
    """
    young = [message_id for message_id in message_ids if bulk_deletable(message_id)]
    old = [message_id for message_id in message_ids if not bulk_deletable(message_id)]
    if len(young) < 2:
        young, old = [], old + young  # a bulk delete takes 2 or more
    if len(message_ids) > BULK_DELETE_LIMIT or len(old) > OLD_DELETES:
        raise ValueError(
            f"delete_many got {len(message_ids)} messages, {len(old)} of them too old for a bulk delete: "
            f"it takes at most {BULK_DELETE_LIMIT}, of which {OLD_DELETES} old; split the sweep"
        )
    return young, old


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """A message as the engine sees it: who wrote it and its text (content or attached file)."""

    id: int
    author_id: int
    text: str


@dataclass(frozen=True, slots=True)
class WriteWindow:
    """A channel's message window as Discord's rate-limit headers describe it."""

    limit: int
    remaining: int
    resets_in: float
    """Seconds until the window is full again."""


class Backend(ABC):
    """Channels inside one category of one guild, and the bot's messages in them.

    A text longer than ``MESSAGE_LIMIT`` is the backend's business: it stores it
    in an attached file of the same message and gives it back whole.
    """

    @property
    @abstractmethod
    def me_id(self) -> int:
        """The user id of the bot: only its messages are data."""

    @property
    def upload_limit(self) -> int:
        """Bytes one attached file may hold in this guild (more on boosted servers); batches stay under it."""
        return DEFAULT_UPLOAD_LIMIT

    @abstractmethod
    async def ensure_category(self, name: str) -> int:
        """The id of the category called ``name``, created (hidden from everyone) when missing.

        ``ChannelLimit`` when the server has no room for one more channel.
        """

    def write_window(self, channel_id: int) -> WriteWindow | None:
        """What Discord last said of the channel's message window (5 creates or edits per 5 s); None if nothing.

        Group commit paces the channel's writes by it. Without rate limits (memory, a simulator): None.
        """
        return None

    def categories(self) -> dict[int, str]:
        """Every category of the guild by id, with its name (no request: from the gateway's view)."""
        return {}

    def channel_count(self) -> int | None:
        """How many channels the guild has, categories included, threads not (no request); None if unknown."""
        return None

    def category_size(self, category_id: int) -> int:
        """How many channels of any kind the category holds (no request)."""
        return len(self.channels_in(category_id))

    @abstractmethod
    async def ensure_channel(self, category_id: int, name: str, topic: str) -> int:
        """The id of the text channel ``name`` in the category, created when missing."""

    @abstractmethod
    async def create_channel(self, category_id: int, name: str, topic: str) -> int:
        """Create a text channel in the category, hidden from everyone but the bot.

        ``ChannelLimit`` when Discord has no room for it (the server's 500, the category's 50).
        """

    @abstractmethod
    async def delete_channel(self, channel_id: int) -> None:
        """Delete a channel and its messages; a channel already gone is not an error."""

    @abstractmethod
    def channel_exists(self, channel_id: int) -> bool:
        """Whether the channel still exists (no request: from the gateway's view)."""

    def channels_in(self, category_id: int) -> dict[int, str]:
        """The text channels of a category by id, with their names (no request); empty if unknown."""
        return {}

    @abstractmethod
    async def send(self, channel_id: int, text: str) -> int:
        """Write a message; returns its id once Discord has stored it."""

    @abstractmethod
    async def edit(self, channel_id: int, message_id: int, text: str) -> None:
        """Replace the text of one of the bot's messages; ``MessageMissing`` if it is gone."""

    @abstractmethod
    async def delete(self, channel_id: int, message_id: int) -> None:
        """Delete a message; one already gone is not an error."""

    @abstractmethod
    async def delete_many(self, channel_id: int, message_ids: list[int]) -> None:
        """Delete up to 100 messages, in bulk where Discord allows it; ones already gone are not an error.

        At most ``OLD_DELETES`` of them may be too old for a bulk delete (``split_by_age``).
        """

    @abstractmethod
    def history(self, channel_id: int) -> AsyncIterator[StoredMessage]:
        """Every message of the channel, newest first."""
