"""The backend on Discord itself, through discord.py.

Channel look-ups read discord.py's gateway cache, so finding the storage
channels again costs no request. Errors from Discord become the engine's own:
403 names the missing permission, a vanished channel becomes ``ChannelMissing``.
Nothing here retries a 403 or 404 (Discord bans clients that repeat them).
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import discord

from ..errors import ChannelMissing, MissingPermission
from .base import MESSAGE_LIMIT, Backend, StoredMessage

__all__ = ["DiscordBackend"]

ATTACHMENT_NAME = "data.json"
_UNKNOWN_CHANNEL = 10003
_UNKNOWN_MESSAGE = 10008


@contextmanager
def _discord_errors(permission: str, action: str, channel_id: int | None = None) -> Iterator[None]:
    try:
        yield
    except discord.Forbidden:
        raise MissingPermission(permission, action) from None
    except discord.NotFound as error:
        if channel_id is not None and error.code == _UNKNOWN_CHANNEL:
            raise ChannelMissing(channel_id) from None
        raise


class DiscordBackend(Backend):
    """Storage channels of one guild, looked up by id so a reconnect's fresh cache is used."""

    def __init__(self, client: discord.Client, guild_id: int) -> None:
        self.client = client
        self.guild_id = guild_id

    @property
    def guild(self) -> discord.Guild:
        """The guild as the client's cache has it now."""
        guild = self.client.get_guild(self.guild_id)
        if guild is None:
            raise ChannelMissing(self.guild_id)
        return guild

    @property
    def me_id(self) -> int:  # noqa: D102
        return self.guild.me.id

    def _overwrites(self) -> dict[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite]:
        """Hidden from @everyone; the bot keeps what it needs to store data."""
        return {
            self.guild.default_role: discord.PermissionOverwrite(view_channel=False),
            self.guild.me: discord.PermissionOverwrite(
                view_channel=True,
                send_messages=True,
                read_message_history=True,
                manage_messages=True,
                attach_files=True,
            ),
        }

    async def ensure_category(self, name: str) -> int:  # noqa: D102
        found = discord.utils.get(self.guild.categories, name=name)
        if found is not None:
            return found.id
        with _discord_errors("Manage Channels", "create the storage category"):
            category = await self.guild.create_category(name, overwrites=self._overwrites(), reason="discobase storage")
        return category.id

    async def ensure_channel(self, category_id: int, name: str, topic: str) -> int:  # noqa: D102
        category = self.guild.get_channel(category_id)
        if isinstance(category, discord.CategoryChannel):
            found = discord.utils.get(category.text_channels, name=name)
            if found is not None:
                return found.id
        return await self.create_channel(category_id, name, topic)

    async def create_channel(self, category_id: int, name: str, topic: str) -> int:  # noqa: D102
        category = self.guild.get_channel(category_id)
        if not isinstance(category, discord.CategoryChannel):
            raise ChannelMissing(category_id)
        with _discord_errors("Manage Channels", f"create the channel `{name}`"):
            channel = await self.guild.create_text_channel(
                name,
                category=category,
                topic=topic[:1024],
                overwrites=self._overwrites(),
                reason="discobase storage",
            )
        return channel.id

    async def delete_channel(self, channel_id: int) -> None:  # noqa: D102
        channel = self.guild.get_channel(channel_id)
        if channel is None:
            return
        try:
            with _discord_errors("Manage Channels", "delete a table's channel", channel_id):
                await channel.delete(reason="discobase: table dropped")
        except ChannelMissing:
            return

    def channel_exists(self, channel_id: int) -> bool:  # noqa: D102
        return self.guild.get_channel(channel_id) is not None

    def _channel(self, channel_id: int) -> discord.TextChannel:
        channel = self.guild.get_channel(channel_id)
        if not isinstance(channel, discord.TextChannel):
            raise ChannelMissing(channel_id)
        return channel

    async def send(self, channel_id: int, text: str) -> int:  # noqa: D102
        channel = self._channel(channel_id)
        with _discord_errors("Send Messages and Attach Files", "write records", channel_id):
            if len(text) <= MESSAGE_LIMIT:
                message = await channel.send(text, allowed_mentions=discord.AllowedMentions.none())
            else:
                message = await channel.send(file=_file(text), allowed_mentions=discord.AllowedMentions.none())
        return message.id

    async def edit(self, channel_id: int, message_id: int, text: str) -> None:  # noqa: D102
        message = self._channel(channel_id).get_partial_message(message_id)
        with _discord_errors("Send Messages and Attach Files", "change records", channel_id):
            if len(text) <= MESSAGE_LIMIT:
                await message.edit(content=text, attachments=[])
            else:
                await message.edit(content="", attachments=[_file(text)])

    async def delete(self, channel_id: int, message_id: int) -> None:  # noqa: D102
        message = self._channel(channel_id).get_partial_message(message_id)
        try:
            with _discord_errors("Manage Messages", "delete records", channel_id):
                await message.delete()
        except discord.NotFound as error:
            if error.code != _UNKNOWN_MESSAGE:
                raise

    async def history(self, channel_id: int) -> AsyncIterator[StoredMessage]:  # noqa: D102
        channel = self._channel(channel_id)
        with _discord_errors("Read Message History", "read the stored records", channel_id):
            async for message in channel.history(limit=None):
                text = message.content
                attachment = next((a for a in message.attachments if a.filename == ATTACHMENT_NAME), None)
                if not text and attachment is not None:
                    text = (await attachment.read()).decode("utf-8", errors="replace")
                yield StoredMessage(message.id, message.author.id, text)


def _file(text: str) -> discord.File:
    return discord.File(io.BytesIO(text.encode()), filename=ATTACHMENT_NAME)
