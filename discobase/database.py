"""``discobase.Database``: the seed document's API over the engine."""

from __future__ import annotations

import asyncio
import logging
import threading
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeVar

import discord
from discord.ext import commands

from .engine import Engine
from .errors import NotConnected, SchemaError
from .retry import retrying
from .schema import check_name
from .store import GuildStore
from .table import Table

__all__ = ["Database", "default_intents"]

log = logging.getLogger(__name__)
T = TypeVar("T", bound=type[Table])


def default_intents() -> discord.Intents:
    """Guilds (channels and their deletion) and guild messages (hand deletions); nothing privileged."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    return intents


class Database:
    """A Discord server used as a database.

    ``Database("My database")`` uses the guild of that name among the bot's
    guilds, or creates it (Discord lets a bot create guilds while it is in fewer
    than 10). ``Database.bind(client, guild)`` uses a client and guild you have.
    However the client is started, the database gets ready on its ``on_ready``.
    """

    def __init__(self, name: str, *, category: str = "discobase", bot: commands.Bot | None = None) -> None:
        self.name = name
        self.bot = bot or commands.Bot(command_prefix=commands.when_mentioned, intents=default_intents())
        self.guild: discord.Guild | None = None
        self.tables: dict[str, type[Table]] = {}
        self.open = False
        self.engine = Engine(self.bot, category=category).attach()
        self._store: GuildStore | None = None
        self._built: set[str] = set()
        self._build_lock = asyncio.Lock()
        self._ready = asyncio.Event()
        self._startup_error: BaseException | None = None
        self._task: asyncio.Task[None] | None = None
        self.bot.add_listener(self._on_ready, "on_ready")

    @classmethod
    def bind(cls, bot: commands.Bot, guild: discord.Guild, *, category: str = "discobase") -> Database:
        """A database on an existing bot and guild; call ``await db.init()`` once the bot is ready."""
        database = cls(guild.name, category=category, bot=bot)
        database.guild = guild
        return database

    @property
    def user_id(self) -> int:
        """The bot's user id: the creator of records the library writes."""
        if self.bot.user is None:
            raise NotConnected("The bot is not logged in yet.")
        return self.bot.user.id

    def table(self, cls: T) -> T:
        """Attach a ``Table`` subclass to this database (use as a decorator)."""
        if not (isinstance(cls, type) and issubclass(cls, Table)):
            raise SchemaError(f"{cls!r} is not a subclass of discobase.Table.")
        if cls.__disco_database__ is not None:
            raise SchemaError(f"{cls.__name__} is attached to a database already.")
        name = check_name(cls.__name__.lower(), "table")
        if name in self.tables:
            raise SchemaError(f"A table named `{name}` is attached already.")
        cls.__disco_name__ = name
        cls.table_schema()  # fail now, not at the first save
        cls.__disco_database__ = self
        self.tables[name] = cls
        return cls

    # ------------------------------------------------------------ readiness

    async def _on_ready(self) -> None:
        try:
            await self.init()
        except Exception as error:  # surfaced by wait_ready(): on_ready's errors are otherwise only logged
            log.exception("discobase could not start")
            self._startup_error = error
            self._ready.set()

    async def init(self) -> None:
        """Find or create the guild, lay out the storage and build the attached tables."""
        if self.open:
            return
        await self.bot.wait_until_ready()
        if self.guild is None:
            self.guild = discord.utils.get(self.bot.guilds, name=self.name) or await self._create_guild()
        self._store = self.engine.store(self.guild)
        await self._store.open()
        self.open = True
        await self.build_tables()
        self._ready.set()

    async def _create_guild(self) -> discord.Guild:
        log.info("no guild named %r: creating it", self.name)
        try:
            # discord.py deprecates it because Discord allows it only to bots in fewer than 10 guilds;
            # record=True swallows the warning that discord.py forces to show.
            with warnings.catch_warnings(record=True):
                created = await retrying(lambda: self.bot.create_guild(name=self.name), "create the server")
        except discord.HTTPException as error:
            raise NotConnected(
                f"The bot is in no server named {self.name!r} and Discord refused to create one ({error.text}). "
                "Invite the bot to a server of that name, or use Database.bind(bot, guild)."
            ) from None
        cached = self.bot.get_guild(created.id)
        if cached is not None:
            return cached
        joined: discord.Guild = await self.bot.wait_for(
            "guild_join", check=lambda guild: guild.id == created.id, timeout=60
        )
        return joined

    async def wait_ready(self) -> None:
        """Wait until the database is ready; raises what went wrong at start-up."""
        await self._ready.wait()
        if self._startup_error is not None:
            raise self._startup_error

    async def build_tables(self) -> None:
        """Make sure every attached table exists in the catalog. Safe to repeat."""
        for cls in list(self.tables.values()):
            await self.store_for(cls)

    async def store_for(self, cls: type[Table]) -> GuildStore:
        """The guild store, with ``cls``'s table present in the catalog."""
        if self._store is None or not self.open:
            raise NotConnected("The database is not open: use `async with db.conn(token)` first.")
        store = self._store
        await store.open()
        if cls.__disco_name__ in self._built and cls.__disco_name__ in store.table_names():
            return store
        async with self._build_lock:
            await self._build(store, cls)
            self._built.add(cls.__disco_name__)
        return store

    @staticmethod
    async def _build(store: GuildStore, cls: type[Table]) -> None:
        wanted = cls.table_schema()
        if wanted.name not in store.table_names():
            await store.create_table(wanted)
            return
        existing = store.schema(wanted.name)
        for column in wanted.columns:
            if column.name not in existing.column_names:
                await store.add_column(wanted.name, column)
            elif existing.column(column.name).type is not column.type:
                raise SchemaError(
                    f"{cls.__name__}.{column.name} is {column.type.value}, but table `{wanted.name}` "
                    f"stores it as {existing.column(column.name).type.value}. Change the field's type."
                )

    # ------------------------------------------------------------ connection

    async def login(self, token: str) -> None:
        """Run the bot until it is closed (the database gets ready on the way)."""
        if self.open:
            raise RuntimeError("The database is open already: was login() called twice?")
        await self.bot.start(token)

    def login_task(self, token: str) -> asyncio.Task[None]:
        """Run ``login()`` in a task of its own; the database keeps the reference."""
        self._task = asyncio.create_task(self.login(token))
        return self._task

    def login_thread(self, token: str) -> threading.Thread:
        """Run ``login()`` on an event loop in a daemon thread; use the tables from that loop."""
        thread = threading.Thread(target=asyncio.run, args=(self.login(token),), daemon=True, name="discobase")
        thread.start()
        return thread

    @asynccontextmanager
    async def conn(self, token: str) -> AsyncIterator[Database]:
        """Connect, wait until ready, and close on the way out.

        On a bot that is already connected (started by your own code or a test
        harness), it only waits for the database and leaves the bot running.
        """
        if self.bot.is_ready():
            await self.init()
            yield self
            return
        task = self.login_task(token)
        ready = asyncio.ensure_future(self.wait_ready())
        try:
            await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
            if not ready.done():
                ready.cancel()
                task.result()  # raises the login error
                raise NotConnected("The bot stopped before the database was ready.")
            ready.result()
            yield self
        finally:
            await self.close()

    async def close(self) -> None:
        """Release the write leases and close the bot's connection."""
        self.open = False
        await self.engine.close()
        if not self.bot.is_closed():
            await self.bot.close()
