"""Workloads run through the real engine on SimCord, each returning the REST requests it made."""

from __future__ import annotations

import asyncio
import gc
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

import discord
import simcord
from discord.ext import commands

from discobase import (
    Engine,
    GuildStore,
    MemoryBackend,
    TableSchema,
    View,
    default_intents,
    parse_columns,
    parse_query,
)
from discobase.backend import discord_backend
from discobase.backend.base import WriteWindow

from .ratelimit import Request, model_seconds

__all__ = [
    "Measurement",
    "RateLimitedBackend",
    "command_workloads",
    "concurrent_workloads",
    "engine_workloads",
    "spread_workload",
]

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
        # Compaction runs only when a workload asks, so each figure is what it says; no pauses between its steps.
        self.store.compactor.threshold = 10**9
        self.store.compactor.pause = self.store.compactor.quiet = 0

    async def restart(self) -> None:
        """A clean restart, as on a deploy: the old process releases its write lease first."""
        await self.engine.close()
        client = _client()
        await self.env.restart_bot(client)
        self._use(client)

    async def measure(self, name: str, operation: Callable[[], Awaitable[object]], note: str = "") -> Measurement:
        await self.env.settle()  # SimCord's own bookkeeping of earlier work is not this operation's CPU,
        gc.collect()  # nor a full collection of the heap earlier work left (it would land in whatever allocates next)
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
        unread = View(name="unread", where="read = false", sort="-year", columns=("title", "year"))
        results.append(await session.measure("save a view", lambda: session.store.save_view("books", unread)))
        results.append(await session.measure("update 1", lambda: session.store.update("books", 5, {"read": "yes"})))
        results.append(await session.measure("delete 1", lambda: session.store.delete("books", 6, actor=1)))
        results.append(
            await session.measure("restore 1 (from the trash)", lambda: session.store.restore("books", 6, actor=1))
        )
        results.append(await session.measure("undo 1 (the restore)", lambda: session.store.undo("books", 1)))
        results.append(await session.measure("history of 1 record (warm)", lambda: session.store.history("books", 6)))
        results.append(await session.measure("trash (warm)", lambda: session.store.trash("books")))

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
        results += await _bulk_changes(session)
        await session.restart()
        await session.store.open()
        results.append(
            await session.measure(f"cold load of {big - 1:,} single-message rows", lambda: session.store.count("books"))
        )
        await session.store.insert("books", _row(big + 1), 1)  # the write lease, once
        with session.env.time_context():  # SimCord's clock tells the messages' age (bulk delete: under 14 days)
            results.append(
                await session.measure(
                    f"compaction of {big:,} single-message rows",
                    lambda: session.store.compact("books"),
                    "background; yields to members",
                )
            )
        await session.restart()
        await session.store.open()
        results.append(
            await session.measure(
                f"cold load of {big:,} rows after compaction",
                lambda: session.store.count("books"),
                f"plus {_batches(session, 'books')} CDN file reads",
            )
        )
    return results


async def _bulk_changes(session: _Session) -> list[Measurement]:
    """Day-two work on the 1,000 imported rows: a bulk update and a bulk delete by where, an upsert of 1,000 rows."""
    store = session.store
    schema = store.schema("imported")
    first_thousand = parse_query(schema, where="id <= 1000")

    async def update_where() -> None:
        ids = [record.id for record in await store.find("imported", first_thousand)]
        await store.update_many("imported", ids, {"read": "yes"})

    rows = [{**_row(n), "year": "2024"} for n in range(500, 1500)]  # 500 updates, 500 inserts
    results = [
        await session.measure("update 1,000 records by where", update_where, "1 batch; +1: the cold table read"),
        await session.measure(
            "upsert import of 1,000 rows (500 new)",
            lambda: store.upsert_many("imported", rows, "title", 1),
            "key: title",
        ),
    ]

    async def delete_where() -> None:
        old = parse_query(schema, where="year < 1950")
        await store.delete_many("imported", [record.id for record in await store.find("imported", old)])

    results.append(await session.measure("delete by where (about 350 records)", delete_where))
    return results


def _batches(session: _Session, name: str) -> int:
    """Batch messages in a table's channel (each one a file to read on a cold load)."""
    channel = session.env.backend.messages.get(session.store.tables.entry(name).channel_id, {})
    return sum(1 for message in channel.values() if message.attachments)


@contextmanager
def _round_trips() -> Iterator[None]:
    """Every Discord call yields to the loop first, as a network round trip does, so members really overlap.

    SimCord answers at once; without this each member's write would end before the next began.
    """
    original = discord_backend._call

    async def delayed(*args: Any, **kwargs: Any) -> Any:
        for _ in range(3):
            await asyncio.sleep(0)
        return await original(*args, **kwargs)

    discord_backend._call = delayed
    try:
        yield
    finally:
        discord_backend._call = original


async def concurrent_workloads(crowds: tuple[int, ...] = (10, 50, 200)) -> list[Measurement]:
    """N members insert, then update, on one table at the same moment: requests and time until the last is stored."""
    results: list[Measurement] = []
    async with _session() as session:
        for members in crowds:
            results += await _crowd(session, members)
    return results


async def _crowd(session: _Session, members: int) -> list[Measurement]:
    """``members`` inserts at once on a table of their own, then an update each of their records at once."""
    name = f"crowd{members}"
    await session.store.create_table(TableSchema(name=name, columns=parse_columns(COLUMNS)))
    await session.store.insert(name, _row(-1), 1)  # the write lease and a first record, outside the figure
    ids: list[int] = []

    async def insert_all() -> None:
        records = await asyncio.gather(*(session.store.insert(name, _row(n), 1000 + n) for n in range(members)))
        ids.extend(record.id for record in records)

    async def update_all() -> None:
        await asyncio.gather(*(session.store.update(name, record_id, {"read": "yes"}) for record_id in ids))

    with _round_trips():
        inserted = await session.measure(f"{members} members insert at once", insert_all, "one table; all at 0 s")
        updated = await session.measure(f"{members} members update at once", update_all, "their own records")
    assert len(set(ids)) == members
    return [inserted, updated]


async def command_workloads(rows: int = 1000) -> list[Measurement]:
    """What members pay through the slash commands: `/table create`, `/record insert`, `/record import`."""
    from bot import Settings, create_bot  # the bot is measured only here; the engine workloads do not need it

    results: list[Measurement] = []
    bot = create_bot(Settings())
    async with simcord.run(bot, settle_timeout=60.0) as env:  # a 100,000-row import parses for seconds
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


class RateLimitedBackend(MemoryBackend):
    """Discord's message window of a channel, enforced in real time and reported as its headers say, with a round trip.

    A fixed window, as Discord's buckets are: 5 creates a channel from the
    window's first one until 5 s later; a create past them waits for the reset
    (as discord.py waits). Each request takes 50 to 150 ms (seeded).
    """

    LIMIT, SECONDS = 5, 5.0

    def __init__(self, paced: bool = True, seed: int = 1) -> None:
        super().__init__()
        self.paced = paced
        self.rng = random.Random(seed)
        self.sent: list[float] = []
        self.resets_waited = 0
        self._window: dict[int, tuple[float, int]] = {}  # channel: the window's start, creates in it

    async def send(self, channel_id: int, text: str) -> int:
        loop = asyncio.get_running_loop()
        start, used = self._window.get(channel_id, (0.0, 0))
        if loop.time() >= start + self.SECONDS:
            start, used = loop.time(), 0
        elif used >= self.LIMIT:
            self.resets_waited += 1
            await asyncio.sleep(start + self.SECONDS - loop.time())
            start, used = loop.time(), 0
        self._window[channel_id] = (start, used + 1)
        await asyncio.sleep(self.rng.uniform(0.05, 0.15))
        self.sent.append(loop.time())
        return await super().send(channel_id, text)

    def write_window(self, channel_id: int) -> WriteWindow | None:
        """The window as Discord's headers would say it; None when unpaced (as on a simulator)."""
        start, used = self._window.get(channel_id, (0.0, 0))
        resets_in = start + self.SECONDS - asyncio.get_running_loop().time()
        if not self.paced or resets_in <= 0:
            return None
        return WriteWindow(self.LIMIT, self.LIMIT - used, resets_in)


async def spread_workload(members: int = 50, seconds: float = 10.0, paced: bool = True) -> dict[str, float]:
    """``members`` inserts arriving at random over ``seconds`` (real time): writes, and each member's wait."""
    backend = RateLimitedBackend(paced, seed=1)
    store = GuildStore(backend)
    await store.create_table(TableSchema(name="books", columns=parse_columns(COLUMNS)))
    await store.insert("books", _row(-1), 1)  # the layout and the first write, outside the figure
    await asyncio.sleep(5.0)  # the window empties
    backend.sent.clear()
    arrive = random.Random(2)
    arrivals = sorted(arrive.uniform(0, seconds) for _ in range(members))
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def member(n: int, at: float) -> float:
        await asyncio.sleep(start + at - loop.time())
        await store.insert("books", _row(n), 1000 + n)
        return loop.time() - start - at

    waits = sorted(await asyncio.gather(*(member(n, at) for n, at in enumerate(arrivals))))
    return {"writes": len(backend.sent), "p95": waits[int(0.95 * (len(waits) - 1))], "longest": waits[-1]}
