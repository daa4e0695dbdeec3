"""Workloads run through the real engine on SimCord, each returning the REST requests it made."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import discord
import simcord
from discord.ext import commands

from discobase import Engine, GuildStore, TableSchema, default_intents, parse_columns, parse_query

from .ratelimit import Request, model_seconds

__all__ = ["Measurement", "command_workloads", "engine_workloads"]

COLUMNS = "title:text unique, author:text, year:int optional, read:bool default=false"


@dataclass(frozen=True, slots=True)
class Measurement:
    """What one operation cost: REST requests, modelled seconds under the limits, local CPU seconds.

    The CPU figure includes SimCord's simulated Discord, so it is an upper bound of the engine's own.
    """

    name: str
    requests: int
    modelled_seconds: float
    cpu_seconds: float
    note: str = ""


def _row(n: int) -> dict[str, str]:
    return {"title": f"Book {n}", "author": f"Author {n % 97}", "year": str(1900 + n % 120)}


class _Session:
    """A SimCord world with one guild and the engine on a fresh client; restartable."""

    def __init__(self, env: simcord.Env, guild_id: int, client: commands.Bot) -> None:
        self.env = env
        self.guild_id = guild_id
        self._use(client)

    def _use(self, client: commands.Bot) -> None:
        guild = client.get_guild(self.guild_id)
        assert guild is not None
        self.engine = Engine(client).attach()
        self.store: GuildStore = self.engine.store(guild)

    async def restart(self) -> None:
        """A clean restart, as on a deploy: the old process releases its write lease first."""
        await self.engine.close()
        client = _client()
        await self.env.restart_bot(client)
        self._use(client)

    async def measure(self, name: str, operation: Callable[[], Awaitable[object]], note: str = "") -> Measurement:
        start = len(self.env.http_requests)
        cpu = time.process_time()
        await operation()
        cpu = time.process_time() - cpu
        requests = [Request(r.method, r.path) for r in self.env.http_requests[start:]]
        return Measurement(name, len(requests), model_seconds(requests), cpu, note)


def _client() -> commands.Bot:
    return commands.Bot(command_prefix=commands.when_mentioned, intents=default_intents())


@asynccontextmanager
async def _session() -> AsyncIterator[_Session]:
    client = _client()
    async with simcord.run(client) as env:
        guild = env.create_guild("Bench")
        await env.settle()
        yield _Session(env, guild.id, client)


async def engine_workloads(big: int = 10_000) -> list[Measurement]:
    """Create, insert, import, find, load, update and delete, measured one by one."""
    results: list[Measurement] = []
    async with _session() as session:
        schema = TableSchema(name="books", columns=parse_columns(COLUMNS))
        results.append(
            await session.measure(
                "create table (first use: layout too)", lambda: session.store.create_table(schema), "first use"
            )
        )
        results.append(
            await session.measure(
                "create table",
                lambda: session.store.create_table(schema.model_copy(update={"name": "other"}).revalidated()),
            )
        )
        results.append(await session.measure("insert 1", lambda: session.store.insert("books", _row(0), 1)))

        async def one_by_one() -> None:
            for n in range(1, 1001):
                await session.store.insert("books", _row(n), 1)

        results.append(await session.measure("insert 1,000 one by one", one_by_one))
        for n in range(1001, big):
            await session.store.insert("books", _row(n), 1)
        results.append(await session.measure("update 1", lambda: session.store.update("books", 5, {"read": "yes"})))
        results.append(await session.measure("delete 1", lambda: session.store.delete("books", 6)))

        await session.store.create_table(schema.model_copy(update={"name": "imported"}).revalidated())
        rows = [_row(n) for n in range(1000)]
        results.append(
            await session.measure("import 1,000 rows (engine)", lambda: session.store.insert_many("imported", rows, 1))
        )
        await session.store.create_table(schema.model_copy(update={"name": "big"}).revalidated())
        rows = [_row(n) for n in range(big)]
        results.append(
            await session.measure(f"import {big:,} rows (engine)", lambda: session.store.insert_many("big", rows, 1))
        )
        await session.restart()
        await session.store.open()
        results.append(
            await session.measure(
                f"cold load of {big:,} imported rows", lambda: session.store.count("big"), "plus CDN file reads"
            )
        )
        await session.store.insert("big", _row(big), 1)  # takes the new process's write lease (3 requests, once)
        big_schema = session.store.schema("big")
        unique = parse_query(big_schema, where=f"title = Book {big // 2}")
        scan = parse_query(big_schema, where="author ~ or 42")
        results.append(
            await session.measure(f"find on warm {big:,}: unique column", lambda: session.store.find("big", unique))
        )
        results.append(
            await session.measure(f"find on warm {big:,}: non-indexed ~", lambda: session.store.find("big", scan))
        )
        results.append(
            await session.measure("update 1 (imported record)", lambda: session.store.update("big", 7, {"read": "yes"}))
        )
        results.append(await session.measure("delete 1 (imported record)", lambda: session.store.delete("big", 8)))
        await session.restart()
        await session.store.open()
        results.append(
            await session.measure(f"cold load of {big - 1:,} single-message rows", lambda: session.store.count("books"))
        )
    return results


async def command_workloads(rows: int = 1000) -> list[Measurement]:
    """What members pay through the slash commands: `/table create`, `/record insert`, `/record import`."""
    from bot import Settings, create_bot  # the bot is measured only here; the engine workloads do not need it

    results: list[Measurement] = []
    bot = create_bot(Settings())
    async with simcord.run(bot) as env:
        guild = env.create_guild("Bench")
        channel = guild.create_text_channel("general")
        role = guild.create_role("Admin", permissions=discord.Permissions(manage_guild=True))
        admin = guild.add_member(env.create_user("admin"), roles=[role])
        await env.settle()

        async def measure(name: str, operation: Callable[[], Awaitable[object]]) -> None:
            start = len(env.http_requests)
            cpu = time.process_time()
            await operation()
            cpu = time.process_time() - cpu
            requests = [Request(r.method, r.path) for r in env.http_requests[start:]]
            storage = sum(1 for r in requests if not r.path.startswith(("/interactions/", "/webhooks/")))
            results.append(
                Measurement(name, len(requests), model_seconds(requests), cpu, f"{storage} storage, rest replies")
            )

        await measure(
            "/table create (first use)",
            lambda: admin.slash(channel, "table create", name="books", columns=COLUMNS),
        )
        await measure(
            "/record insert",
            lambda: admin.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert"),
        )
        csv = "title,author,year\n" + "".join(f"Title {n},Author {n % 97},{1900 + n % 120}\n" for n in range(rows))
        await measure(
            f"/record import of {rows:,} rows",
            lambda: admin.slash(channel, "record import", table="books", file=("books.csv", csv.encode())),
        )
    return results
