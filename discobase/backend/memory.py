"""A backend in plain dictionaries: fast engine tests, no Discord at all.

It refuses what Discord refuses about channels, with the error the Discord
backend raises for it (``ChannelLimit``): more than 500 channels in the guild,
more than 50 in a category. So an engine test fails where a real server would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from discord.utils import time_snowflake

from ..errors import ChannelLimit, ChannelMissing, MessageMissing
from .base import (
    CATEGORY_CHANNEL_LIMIT,
    DEFAULT_UPLOAD_LIMIT,
    GUILD_CHANNEL_LIMIT,
    Backend,
    StoredMessage,
    split_by_age,
)

__all__ = ["MemoryBackend"]


@dataclass
class _Channel:
    name: str
    parent_id: int | None
    category: bool = False
    messages: dict[int, StoredMessage] = field(default_factory=dict)


class MemoryBackend(Backend):
    """Channels and messages in memory; ``calls`` counts each operation, like REST requests."""

    def __init__(self, me_id: int = 1, upload_limit: int = DEFAULT_UPLOAD_LIMIT) -> None:
        self._me_id = me_id
        self._upload_limit = upload_limit
        self.channels: dict[int, _Channel] = {}
        self.calls: list[str] = []
        self._last_id = 0

    @property
    def me_id(self) -> int:  # noqa: D102
        return self._me_id

    @property
    def upload_limit(self) -> int:  # noqa: D102
        return self._upload_limit

    def _snowflake(self) -> int:
        """Ids like Discord's: increasing, with the creation time inside."""
        self._last_id = max(self._last_id + 1, time_snowflake(datetime.now(UTC)))
        return self._last_id

    def _get(self, channel_id: int) -> _Channel:
        if channel_id not in self.channels:
            raise ChannelMissing(channel_id)
        return self.channels[channel_id]

    def _room(self, name: str, category_id: int | None) -> None:
        """Refuse a new channel as Discord would: the guild's 500 (30013), the category's 50 (50035)."""
        if len(self.channels) >= GUILD_CHANNEL_LIMIT:
            raise ChannelLimit(name, GUILD_CHANNEL_LIMIT, len(self.channels))
        if category_id is not None and self.category_size(category_id) >= CATEGORY_CHANNEL_LIMIT:
            raise ChannelLimit(name, CATEGORY_CHANNEL_LIMIT, None, category=self.channels[category_id].name)

    async def ensure_category(self, name: str) -> int:  # noqa: D102
        for channel_id, channel in self.channels.items():
            if channel.category and channel.name == name:
                return channel_id
        self._room(name, None)
        self.calls.append("create_category")
        channel_id = self._snowflake()
        self.channels[channel_id] = _Channel(name, None, category=True)
        return channel_id

    def categories(self) -> dict[int, str]:  # noqa: D102
        return {channel_id: channel.name for channel_id, channel in self.channels.items() if channel.category}

    def channel_count(self) -> int:  # noqa: D102
        return len(self.channels)

    def category_size(self, category_id: int) -> int:  # noqa: D102
        return sum(1 for channel in self.channels.values() if channel.parent_id == category_id)

    def add_channels(self, count: int, category_id: int | None = None) -> None:
        """Channels a member made (not the bot's): a server filling up towards Discord's limits."""
        for n in range(count):
            self._room(f"channel-{n}", category_id)
            self.channels[self._snowflake()] = _Channel(f"channel-{n}", category_id)

    async def ensure_channel(self, category_id: int, name: str, topic: str) -> int:  # noqa: D102
        for channel_id, channel in self.channels.items():
            if channel.parent_id == category_id and channel.name == name:
                return channel_id
        return await self.create_channel(category_id, name, topic)

    async def create_channel(self, category_id: int, name: str, topic: str) -> int:  # noqa: D102
        self._get(category_id)
        self._room(name, category_id)
        self.calls.append("create_channel")
        channel_id = self._snowflake()
        self.channels[channel_id] = _Channel(name, category_id)
        return channel_id

    async def delete_channel(self, channel_id: int) -> None:  # noqa: D102
        self.calls.append("delete_channel")
        self.channels.pop(channel_id, None)
        for channel in self.channels.values():
            if channel.parent_id == channel_id:
                channel.parent_id = None  # as on Discord: a deleted category's channels stay, outside any category

    def channel_exists(self, channel_id: int) -> bool:  # noqa: D102
        return channel_id in self.channels

    def channels_in(self, category_id: int) -> dict[int, str]:  # noqa: D102
        return {channel_id: c.name for channel_id, c in self.channels.items() if c.parent_id == category_id}

    async def send(self, channel_id: int, text: str) -> int:  # noqa: D102
        channel = self._get(channel_id)
        self.calls.append("send")
        message_id = self._snowflake()
        channel.messages[message_id] = StoredMessage(message_id, self._me_id, text)
        return message_id

    async def edit(self, channel_id: int, message_id: int, text: str) -> None:  # noqa: D102
        channel = self._get(channel_id)
        self.calls.append("edit")
        if message_id not in channel.messages:
            raise MessageMissing()
        channel.messages[message_id] = StoredMessage(message_id, self._me_id, text)

    async def delete(self, channel_id: int, message_id: int) -> None:  # noqa: D102
        channel = self._get(channel_id)
        self.calls.append("delete")
        channel.messages.pop(message_id, None)

    async def delete_many(self, channel_id: int, message_ids: list[int]) -> None:  # noqa: D102
        channel = self._get(channel_id)
        split_by_age(message_ids)  # within Discord's rules, as the Discord backend requires
        self.calls.append("delete_many")
        for message_id in message_ids:
            channel.messages.pop(message_id, None)

    async def history(self, channel_id: int) -> AsyncIterator[StoredMessage]:  # noqa: D102
        messages = sorted(self._get(channel_id).messages.values(), key=lambda m: m.id, reverse=True)
        for start in range(0, max(len(messages), 1), 100):
            self.calls.append("history")
            for message in messages[start : start + 100]:
                yield message

    def post_foreign(self, channel_id: int, text: str, author_id: int = 999) -> int:
        """Post a message as someone else (a member typing into a storage channel)."""
        message_id = self._snowflake()
        self._get(channel_id).messages[message_id] = StoredMessage(message_id, author_id, text)
        return message_id
