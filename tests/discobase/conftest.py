"""Engine fixtures: one ``harness`` parametrised over the in-memory and the SimCord backend.

Like TinyDB's ``db`` fixture, every engine test that takes ``harness`` runs on
both: the memory backend is quick and exact, SimCord runs real discord.py
against a simulated Discord. A harness can restart (a new process: new client,
new engine, empty caches) and play an admin's hand edits.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

import discord
import pytest
import simcord
from discord.ext import commands

from discobase import Engine, GuildStore, MemoryBackend, TableSchema, default_intents, parse_columns


def books_schema(columns: str = "title:text unique, year:int optional, read:bool default=false") -> TableSchema:
    """The table most tests use."""
    return TableSchema(name="books", columns=parse_columns(columns))


class Harness(Protocol):
    """What an engine test can do, whatever the backend."""

    store: GuildStore

    async def restart(self) -> GuildStore: ...
    async def delete_by_hand(self, table: str, record_id: int) -> None: ...
    async def delete_channel_by_hand(self, table: str) -> None: ...
    async def post_foreign(self, table: str, text: str) -> None: ...
    async def add_channels(self, count: int) -> None: ...
    async def delete_category_by_hand(self, category_id: int) -> None: ...
    def requests(self) -> int: ...


class MemoryHarness:
    """The engine on dictionaries; a restart is a new store over the same backend."""

    def __init__(self) -> None:
        self.backend = MemoryBackend()
        self.store = GuildStore(self.backend)

    async def restart(self) -> GuildStore:
        self.store = GuildStore(self.backend)
        return self.store

    def _channel(self, table: str) -> int:
        return self.store.tables.entry(table).channel_id

    async def delete_by_hand(self, table: str, record_id: int) -> None:
        channel_id = self._channel(table)
        message_id = (await self.store.get(table, record_id)).message_id
        self.backend.channels[channel_id].messages.pop(message_id)
        self.store.message_deleted(channel_id, message_id)
        await self.store.drain()

    async def delete_channel_by_hand(self, table: str) -> None:
        channel_id = self._channel(table)
        del self.backend.channels[channel_id]
        self.store.channel_deleted(channel_id)

    async def post_foreign(self, table: str, text: str) -> None:
        self.backend.post_foreign(self._channel(table), text)

    async def add_channels(self, count: int) -> None:
        """Channels a member made outside the storage: a server filling up."""
        self.backend.add_channels(count)

    async def delete_category_by_hand(self, category_id: int) -> None:
        """As on Discord: the category goes, its channels stay outside any category."""
        await self.backend.delete_channel(category_id)
        self.store.channel_deleted(category_id)

    def requests(self) -> int:
        return len(self.backend.calls)


def make_client() -> commands.Bot:
    """A bare bot with the engine's intents, as a library user might have."""
    return commands.Bot(command_prefix=commands.when_mentioned, intents=default_intents())


class SimcordHarness:
    """The engine on real discord.py against SimCord; a restart is ``env.restart_bot`` with a new client."""

    def __init__(self, env: simcord.Env, guild: simcord.builders.GuildHandle, client: commands.Bot) -> None:
        self.env = env
        self.guild = guild
        self.admin = guild.add_member(
            env.create_user("admin"),
            roles=[guild.create_role("Admin", permissions=discord.Permissions(administrator=True))],
        )
        self._attach(client)

    def _attach(self, client: commands.Bot) -> None:
        self.client = client
        self.engine = Engine(client).attach()
        guild = client.get_guild(self.guild.id)
        assert guild is not None
        self.store = self.engine.store(guild)

    async def restart(self) -> GuildStore:
        """A clean restart: the old process releases its write lease, as on SIGTERM."""
        await self.engine.close()
        client = make_client()
        await self.env.restart_bot(client)
        self._attach(client)
        return self.store

    def _channel(self, table: str) -> simcord.builders.ChannelHandle:
        channel_id = self.store.tables.entry(table).channel_id
        return next(c for c in self.guild.channels.values() if c.id == channel_id)

    async def delete_by_hand(self, table: str, record_id: int) -> None:
        message_id = (await self.store.get(table, record_id)).message_id
        message = next(m for m in self._channel(table).history() if m.id == message_id)
        await self.admin.delete(message)

    async def delete_channel_by_hand(self, table: str) -> None:
        self.env.backend.delete_channel(self._channel(table).id)
        await self.env.settle()

    async def post_foreign(self, table: str, text: str) -> None:
        await self.admin.send(self._channel(table), text)

    async def add_channels(self, count: int) -> None:
        """Channels a member made outside the storage: a server filling up."""
        for n in range(count):
            self.guild.create_text_channel(f"channel-{n}")
        await self.env.settle()

    async def delete_category_by_hand(self, category_id: int) -> None:
        self.env.backend.delete_channel(category_id)
        await self.env.settle()

    def requests(self) -> int:
        return len(self.env.http_requests)


@asynccontextmanager
async def simcord_harness() -> AsyncIterator[SimcordHarness]:
    """The engine on a bare bot in a fresh SimCord world with one guild."""
    client = make_client()
    env = simcord.Env(client)
    await env.start()
    try:
        guild = env.create_guild("Library")
        await env.settle()
        yield SimcordHarness(env, guild, client)
    finally:
        await env.shutdown()
        env.raise_errors()


@pytest.fixture(params=["memory", "simcord"])
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    """A fresh engine on each backend."""
    if request.param == "memory":
        yield MemoryHarness()
        return
    async with simcord_harness() as on_simcord:
        yield on_simcord


@pytest.fixture
async def store(harness: Harness) -> GuildStore:
    """The harness's store with the `books` table created."""
    await harness.store.create_table(books_schema())
    return harness.store
