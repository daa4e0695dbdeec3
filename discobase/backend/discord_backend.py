"""The backend on Discord itself, through discord.py.

Channel look-ups read discord.py's gateway cache, so finding the storage
channels again costs no request. Errors from Discord become the engine's own:
403 names the missing permission, a vanished channel becomes ``ChannelMissing``.

Every REST call goes through the one retry layer (retry.py): passing failures
are retried within a deadline, a 403 or 404 never is (Discord bans clients that
send many). A message create carries a nonce that Discord enforces, so a retry
after an unknown outcome cannot store the record twice.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import io
import logging
import secrets
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

import aiohttp
import discord
from discord.http import HTTPClient

from ..errors import ChannelLimit, ChannelMissing, DiscordUnavailable, MessageMissing, MissingPermission
from ..write import sending
from ..write.metrics import note_request
from ..write.retry import retrying
from .base import (
    CATEGORY_CHANNEL_LIMIT,
    GUILD_CHANNEL_LIMIT,
    MESSAGE_LIMIT,
    Backend,
    StoredMessage,
    WriteWindow,
    compress_file,
    split_by_age,
)

__all__ = ["DiscordBackend"]

log = logging.getLogger(__name__)
T = TypeVar("T")

ATTACHMENT_NAME = "data.json.gz"
"""A stored file: the message's JSON, gzip-compressed (a batch of short records shrinks about 7 times)."""
PLAIN_ATTACHMENT_NAME = "data.json"
"""A stored file as versions before 0.3 wrote it: read, never written."""
_HISTORY_PAGE = 100
_DOWNLOADS = 8
"""Attached files of one history page downloaded at the same time (Discord's CDN is not rate-limited per route)."""
_UNKNOWN_CHANNEL = 10003
_UNKNOWN_MESSAGE = 10008
_MAX_GUILD_CHANNELS = 30013
_INVALID_FORM_BODY = 50035


_MISSING_ACCESS = 50001
_STORAGE_GRANTS = ("view_channel", "send_messages", "read_message_history", "manage_messages", "attach_files")
"""What the storage channels' permission overwrites allow the bot (``_storage_overwrites``)."""

Place = discord.Guild | discord.abc.GuildChannel


@dataclass(frozen=True, slots=True)
class Needs:
    """What one call needs, so a 403 can name what the bot actually lacks.

    ``permissions``, in order, in ``place`` (the server, or the channel or
    category acted on: its settings may take away what the bot's roles give);
    ``grants``: permissions a created channel's overwrites set, which Discord
    lets the bot set only if it holds them in ``place`` or holds Manage Roles.
    """

    permissions: tuple[str, ...]
    place: Place
    grants: tuple[str, ...] = ()

    def missing(self, error: discord.Forbidden, action: str) -> MissingPermission:
        """The permission to blame for Discord's 403, read from the bot's permissions now (the gateway's view).

        50001 Missing Access means the bot cannot see the channel: View Channel.
        When the bot seems to hold everything (a permission changed after the
        gateway's view), the call's main permission is named, as Discord's 403
        says only that one is missing.
        """
        place = self.place
        guild = place if isinstance(place, discord.Guild) else place.guild
        me = guild.me
        held = me.guild_permissions if isinstance(place, discord.Guild) else place.permissions_for(me)
        wanted = list(self.permissions)
        if not isinstance(place, discord.Guild) and "view_channel" not in wanted:
            wanted.insert(0, "view_channel")  # Discord refuses every call in a channel the bot cannot see
        for name in wanted:
            if not getattr(held, name):
                return MissingPermission(_shown(name), action, self._where(me, name))
        if self.grants and not held.manage_roles:
            for name in self.grants:
                if not getattr(held, name):
                    return MissingPermission(_shown(name), action, self._where(me, name), grant=True)
        if error.code == _MISSING_ACCESS:
            return MissingPermission(_shown("view_channel"), action, self._where(me, "view_channel"))
        main = next((name for name in self.permissions if name != "view_channel"), "view_channel")
        return MissingPermission(_shown(main), action)

    def _where(self, me: discord.Member, name: str) -> str | None:
        """None when the bot's roles lack it in the whole server; else the channel or category taking it away."""
        place = self.place
        if isinstance(place, discord.Guild) or not getattr(me.guild_permissions, name):
            return None
        kind = "category" if isinstance(place, discord.CategoryChannel) else "channel"
        return f"the {kind} `{place.name}`"


def _shown(name: str) -> str:
    """A permission as Discord's settings name it: ``attach_files`` is Attach Files."""
    return name.replace("_", " ").title()


@contextmanager
def _discord_errors(needs: Needs, action: str, channel_id: int | None = None) -> Iterator[None]:
    try:
        yield
    except discord.Forbidden as error:
        raise needs.missing(error, action) from None
    except discord.NotFound as error:
        if channel_id is not None and error.code == _UNKNOWN_CHANNEL:
            raise ChannelMissing(channel_id) from None
        if error.code == _UNKNOWN_MESSAGE:
            raise MessageMissing() from None
        raise


async def _call(
    make: Callable[[], Awaitable[T]], needs: Needs, action: str, channel_id: int | None, http: HTTPClient
) -> T:
    """Run one Discord call through the retry layer, translating what Discord refused."""

    async def attempt() -> T:
        note_request()
        sending.report_traced(trace_requests(http))
        return await make()

    with _discord_errors(needs, action, channel_id):
        return await retrying(attempt, action)


async def _request_started(*_: object) -> None:
    sending.report_sent()


async def _request_answered(_session: object, _context: object, params: aiohttp.TraceRequestEndParams) -> None:
    sending.report_answer(params.response.status)


async def _request_failed(*_: object) -> None:
    sending.report_lost()


_TRACE = aiohttp.TraceConfig()
"""Reports each request discord.py sends, and its answer, into the running task's scopes (sending.py)."""
_TRACE.on_request_start.append(_request_started)
_TRACE.on_request_end.append(_request_answered)
_TRACE.on_request_exception.append(_request_failed)
_TRACE.freeze()


def trace_requests(http: HTTPClient) -> bool:
    """Put ``_TRACE`` on discord.py's session; whether the requests it sends now are reported.

    discord.py waits for its rate limits before it sends (the global limit, the
    route's bucket) and after a 429: only the aiohttp session sees a request
    leave. The trace goes on the session in use (``trace_configs``, aiohttp's
    public list) and, if the client has none of its own, as its ``http_trace``
    for the sessions it makes later. Where it cannot (no session: a simulated
    Discord, or a custom transport), False: the engine then assumes every
    request may have been sent, as before.
    """
    if http.http_trace is None:
        http.http_trace = _TRACE
    session = getattr(http, "_HTTPClient__session", None)
    if not isinstance(session, aiohttp.ClientSession) or session.closed:
        return False
    if _TRACE not in session.trace_configs:
        session.trace_configs.append(_TRACE)
    return True


def _storage_overwrites(
    guild: discord.Guild,
) -> dict[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite]:
    """Hidden from @everyone; the bot keeps what it needs to store data."""
    return {
        guild.default_role: discord.PermissionOverwrite(view_channel=False),
        guild.me: discord.PermissionOverwrite(
            view_channel=True,
            send_messages=True,
            read_message_history=True,
            manage_messages=True,
            attach_files=True,
        ),
    }


class DiscordBackend(Backend):
    """Storage channels of one guild, looked up by id so a reconnect's fresh cache is used."""

    def __init__(self, client: discord.Client, guild_id: int) -> None:
        self.client = client
        self.guild_id = guild_id

    async def _call(
        self, make: Callable[[], Awaitable[T]], needs: Needs, action: str, channel_id: int | None = None
    ) -> T:
        return await _call(make, needs, action, channel_id, self.client.http)

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

    @property
    def upload_limit(self) -> int:
        """The guild's own limit (``filesize_limit``: 10 MiB, more on boosted servers)."""
        return self.guild.filesize_limit

    @contextmanager
    def _channel_limits(self, name: str, category: discord.CategoryChannel | None = None) -> Iterator[None]:
        """Discord's refusals for want of room as ``ChannelLimit`` (the engine checks first; a race may hit them).

        The server's 500 answers 400 with code 30013; a full category answers
        400 with 50035 and "Maximum number of channels in category reached (50)".
        """
        try:
            yield
        except discord.HTTPException as error:
            if error.code == _MAX_GUILD_CHANNELS:
                raise ChannelLimit(name, GUILD_CHANNEL_LIMIT, self.channel_count()) from None
            if error.code == _INVALID_FORM_BODY and "channels in category" in str(error) and category is not None:
                raise ChannelLimit(name, CATEGORY_CHANNEL_LIMIT, None, category=category.name) from None
            raise

    def _available(self) -> discord.Guild:
        """The guild, once Discord has sent it whole: never lay storage out from a guild still unavailable.

        Right after a shard's new session, a guild is a stub without channels
        until its GUILD_CREATE arrives; looking for the storage there would find
        nothing and make a second, empty layout.
        """
        guild = self.guild
        if guild.unavailable:
            raise DiscordUnavailable("read the server's channels", RuntimeError("the server is not available yet"))
        return guild

    async def ensure_category(self, name: str) -> int:  # noqa: D102
        found = discord.utils.get(self._available().categories, name=name)
        if found is not None:
            return found.id
        with self._channel_limits(name):
            category = await self._call(
                lambda: self.guild.create_category(
                    name, overwrites=_storage_overwrites(self.guild), reason="discobase storage"
                ),
                Needs(("manage_channels",), self.guild, _STORAGE_GRANTS),
                "create the storage category",
            )
        return category.id

    def write_window(self, channel_id: int) -> WriteWindow | None:
        """From discord.py's rate-limit bucket of the channel's message creates (Discord's headers fill it).

        discord.py keeps no public view of its buckets; this reads its
        ``HTTPClient`` the way it looks buckets up itself, and says nothing when
        it finds none (a new channel, no headers yet, another discord.py version).
        """
        http = self.client.http
        route = "POST /channels/{channel_id}/messages"
        bucket_hash = getattr(http, "_bucket_hashes", {}).get(route)
        bucket = getattr(http, "_buckets", {}).get(f"{bucket_hash or route}:{channel_id}")
        expires = getattr(bucket, "expires", None)
        if bucket is None or not getattr(bucket, "dirty", False) or not isinstance(expires, float):
            return None
        return WriteWindow(bucket.limit, bucket.remaining, expires - asyncio.get_running_loop().time())

    def categories(self) -> dict[int, str]:  # noqa: D102
        return {category.id: category.name for category in self.guild.categories}

    def channel_count(self) -> int:
        """From the gateway's cache: every channel the guild has (the bot is sent all of them), threads apart."""
        return len(self.guild.channels)

    def category_size(self, category_id: int) -> int:  # noqa: D102
        category = self.guild.get_channel(category_id)
        return len(category.channels) if isinstance(category, discord.CategoryChannel) else 0

    async def ensure_channel(self, category_id: int, name: str, topic: str) -> int:  # noqa: D102
        category = self._available().get_channel(category_id)
        if isinstance(category, discord.CategoryChannel):
            found = discord.utils.get(category.text_channels, name=name)
            if found is not None:
                return found.id
        return await self.create_channel(category_id, name, topic)

    async def create_channel(self, category_id: int, name: str, topic: str) -> int:  # noqa: D102
        category = self.guild.get_channel(category_id)
        if not isinstance(category, discord.CategoryChannel):
            raise ChannelMissing(category_id)
        with self._channel_limits(name, category):
            channel = await self._call(
                lambda: self.guild.create_text_channel(
                    name,
                    category=category,
                    topic=topic[:1024],
                    overwrites=_storage_overwrites(self.guild),
                    reason="discobase storage",
                ),
                Needs(("view_channel", "manage_channels"), category, _STORAGE_GRANTS),
                f"create the channel `{name}`",
            )
        return channel.id

    async def delete_channel(self, channel_id: int) -> None:  # noqa: D102
        channel = self.guild.get_channel(channel_id)
        if channel is None:
            return
        try:
            await self._call(
                lambda: channel.delete(reason="discobase: table dropped"),
                Needs(("view_channel", "manage_channels"), channel),
                "delete a table's channel",
                channel_id,
            )
        except ChannelMissing:
            return

    def channel_exists(self, channel_id: int) -> bool:  # noqa: D102
        return self.guild.get_channel(channel_id) is not None

    def channels_in(self, category_id: int) -> dict[int, str]:  # noqa: D102
        category = self.guild.get_channel(category_id)
        if not isinstance(category, discord.CategoryChannel):
            return {}
        return {channel.id: channel.name for channel in category.text_channels}

    def _channel(self, channel_id: int) -> discord.TextChannel:
        channel = self.guild.get_channel(channel_id)
        if not isinstance(channel, discord.TextChannel):
            raise ChannelMissing(channel_id)
        return channel

    async def send(self, channel_id: int, text: str) -> int:  # noqa: D102
        channel = self._channel(channel_id)
        nonce = secrets.token_hex(12)  # one per logical write: Discord returns the first message on a retry
        none = discord.AllowedMentions.none()
        if len(text) <= MESSAGE_LIMIT:
            message = await self._call(
                lambda: channel.send(text, nonce=nonce, allowed_mentions=none),
                Needs(("view_channel", "send_messages"), channel),
                "write records",
                channel_id,
            )
        else:
            message = await self._call(
                lambda: channel.send(file=_file(text), nonce=nonce, allowed_mentions=none),
                Needs(("view_channel", "send_messages", "attach_files"), channel),
                "write records",
                channel_id,
            )
        return message.id

    async def edit(self, channel_id: int, message_id: int, text: str) -> None:  # noqa: D102
        channel = self._channel(channel_id)
        message = channel.get_partial_message(message_id)
        none = discord.AllowedMentions.none()  # as for send: a value holding @everyone must not ping on an edit
        if len(text) <= MESSAGE_LIMIT:
            await self._call(
                lambda: message.edit(content=text, attachments=[], allowed_mentions=none),
                Needs(("view_channel", "send_messages"), channel),
                "change records",
                channel_id,
            )
        else:
            await self._call(
                lambda: message.edit(content="", attachments=[_file(text)], allowed_mentions=none),
                Needs(("view_channel", "send_messages", "attach_files"), channel),
                "change records",
                channel_id,
            )

    async def delete(self, channel_id: int, message_id: int) -> None:  # noqa: D102
        channel = self._channel(channel_id)
        message = channel.get_partial_message(message_id)
        needs = Needs(("view_channel", "manage_messages"), channel)
        try:
            await self._call(message.delete, needs, "delete records", channel_id)
        except MessageMissing:
            return

    async def delete_many(self, channel_id: int, message_ids: list[int]) -> None:
        """One bulk delete for the messages younger than 14 days (2 to 100); the few older ones one by one.

        Discord refuses to bulk-delete a message 14 days old or older; a margin
        (``BULK_MARGIN``) keeps a message that ages while the request is under
        way out of the bulk request. The old ones are at most ``OLD_DELETES``:
        compaction sweeps them a few a step, each step its own deadline, with
        pauses between (compaction.py), so this call never loops over many.
        """
        channel = self._channel(channel_id)
        young, old = split_by_age(message_ids)
        if young:
            bulk = [discord.Object(message_id) for message_id in young]
            needs = Needs(("view_channel", "manage_messages"), channel)
            await self._call(lambda: channel.delete_messages(bulk), needs, "delete records", channel_id)
        for message_id in old:
            await self.delete(channel_id, message_id)

    async def history(self, channel_id: int) -> AsyncIterator[StoredMessage]:  # noqa: D102
        channel = self._channel(channel_id)
        before: discord.Object | None = None
        while True:
            page = await self._call(
                functools.partial(_page, channel, before),
                Needs(("view_channel", "read_message_history"), channel),
                "read the stored records",
                channel_id,
            )
            for stored in await self._read_page(page):
                yield stored
            if len(page) < _HISTORY_PAGE:
                return
            before = discord.Object(page[-1].id)

    async def _read_page(self, page: list[discord.Message]) -> list[StoredMessage]:
        """A page's messages in order, their attached files downloaded at once (``_DOWNLOADS`` at a time).

        A batch's records live in its file, so a cold load is mostly downloads:
        one after another they would cost a round trip each. If one fails (after
        its retries), the others are cancelled and the load fails whole: a
        table is never half loaded.
        """
        slots = asyncio.Semaphore(_DOWNLOADS)

        async def read(message: discord.Message) -> StoredMessage:
            async with slots:
                return await self._stored(message)

        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(read(message)) for message in page]
        except ExceptionGroup as failed:  # the engine's own error (ChannelMissing, DiscordUnavailable, ...), as one
            raise failed.exceptions[0] from None
        return [task.result() for task in tasks]

    async def _stored(self, message: discord.Message) -> StoredMessage:
        text = message.content
        names = (ATTACHMENT_NAME, PLAIN_ATTACHMENT_NAME)
        attachment = next((a for a in message.attachments if a.filename in names), None)
        if not text and attachment is not None:
            needs = Needs(("view_channel", "read_message_history"), message.channel)  # type: ignore[arg-type]
            data = await self._call(attachment.read, needs, "read a stored file")
            text = _file_text(data, compressed=attachment.filename == ATTACHMENT_NAME)
        return StoredMessage(message.id, message.author.id, text)


async def _page(channel: discord.TextChannel, before: discord.Object | None) -> list[discord.Message]:
    """One request: up to 100 messages older than ``before``, newest first."""
    return [message async for message in channel.history(limit=_HISTORY_PAGE, before=before)]


def _file(text: str) -> discord.File:
    """A message's text as a stored file: compressed, so a batch downloads fast and fits more records."""
    return discord.File(io.BytesIO(compress_file(text)), filename=ATTACHMENT_NAME)


def _file_text(data: bytes, compressed: bool) -> str:
    """A stored file's text; a file that is not what its name says holds no records (it reads as foreign text)."""
    if compressed:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error):
            return ""
    return data.decode("utf-8", errors="replace")
