"""``discobase.Database``: the API of the published discobase 1.0 over the engine."""

from __future__ import annotations

import asyncio
import logging
import threading
import warnings
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import discord
from discord.ext import commands

from .engine import Engine
from .errors import NotBuilt, NotConnected, SchemaError
from .model.catalog import CATALOG_CHANNEL
from .model.schema import check_name
from .store import GuildStore
from .table import Table
from .write.retry import retrying

__all__ = ["Database", "default_intents"]

log = logging.getLogger(__name__)
T = TypeVar("T", bound=type[Table])
R = TypeVar("R")


def default_intents() -> discord.Intents:
    """Guilds (channels and their deletion) and guild messages (hand deletions); nothing privileged."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    return intents


def _show_logs() -> None:
    """``Database(..., logging=True)``: discobase's INFO lines on stderr, unless the program configured logging."""
    logger = logging.getLogger("discobase")
    logger.setLevel(logging.INFO)
    if not logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)


class Database:
    """A Discord server used as a database.

    ``Database("My database")`` uses the guild of that name among the bot's
    guilds, or creates it (Discord lets a bot create guilds while it is in fewer
    than 10). ``Database.bind(client, guild)`` uses a client and guild you have.
    However the client is started, the database gets ready on its ``on_ready``.
    Every ``Database`` on one client shares the client's ``Engine`` (see
    ``Engine.of``) with the bot's cogs, if it runs them.
    """

    def __init__(
        self,
        name: str,
        logging: bool = False,
        *,
        category: str | None = None,
        bot: commands.Bot | None = None,
    ) -> None:
        if logging:
            _show_logs()
        self.name = name
        self._owns_bot = bot is None
        self.bot = bot or commands.Bot(command_prefix=commands.when_mentioned, intents=default_intents())
        self.guild: discord.Guild | None = None
        self.tables: dict[str, type[Table]] = {}
        self.open = False
        self.engine = Engine.of(self.bot, category=category)
        self.category = self.engine.category
        self._store: GuildStore | None = None
        self._built: set[str] = set()
        self._build_lock = asyncio.Lock()
        self._init_lock = asyncio.Lock()
        self._ready = asyncio.Event()
        self._startup_error: BaseException | None = None
        self._task: asyncio.Task[None] | None = None
        self._writes: set[asyncio.Task[Any]] = set()
        self.bot.add_listener(self._on_ready, "on_ready")

    @classmethod
    def bind(cls, bot: commands.Bot, guild: discord.Guild, *, category: str | None = None) -> Database:
        """A database on an existing bot and guild; call ``await db.init()`` once the bot is ready.

        Without ``category`` it uses the storage category of the bot's engine
        (the discobase bot's ``DISCOBASE_CATEGORY``), so it sees the bot's tables.
        """
        database = cls(guild.name, category=category, bot=bot)
        database.guild = guild
        return database

    @property
    def user_id(self) -> int:
        """The bot's user id: the creator of records the library writes."""
        if self.bot.user is None:
            raise NotConnected("The bot is not logged in yet.")
        return self.bot.user.id

    @property
    def _metadata_channel(self) -> discord.TextChannel | None:
        """The catalog channel, under the published discobase 1.0's name for it (there: ``_dbmetadata``)."""
        if self.guild is None:
            return None
        return discord.utils.find(
            lambda channel: (
                channel.name == CATALOG_CHANNEL
                and channel.category is not None
                and channel.category.name == self.category
            ),
            self.guild.text_channels,
        )

    def table(self, cls: T) -> T:
        """Attach a ``Table`` subclass to this database (use as a decorator).

        Attached before the database opens, its table is built on the way in;
        attached later, ``await db.build_tables()`` builds it.
        """
        if not (isinstance(cls, type) and issubclass(cls, Table)):
            raise SchemaError(f"{cls!r} is not a subclass of discobase.Table.")
        name = check_name(cls.__name__.lower(), "table")
        if name in self.tables:
            raise SchemaError(f"A table named `{name}` is attached already.")
        if cls.__disco_database__ is not None:
            raise SchemaError(f"{cls.__name__} is attached to a database already.")
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
        """Find or create the guild, lay out the storage and build the attached tables. Safe to repeat."""
        async with self._init_lock:
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

    def _open_store(self) -> GuildStore:
        if self._store is None or not self.open:
            raise NotConnected("The database is not open: use `async with db.conn(token)` first.")
        return self._store

    async def build_tables(self) -> None:
        """Make sure every attached table exists in the catalog (for tables attached after opening). Safe to repeat."""
        store = self._open_store()
        await store.open()
        async with self._build_lock:
            for cls in list(self.tables.values()):
                await self._build(store, cls)
                self._built.add(cls.__disco_name__)

    def check_usable(self, cls: type[Table]) -> None:
        """Raise at once what stops ``cls`` from being used now: the database not open, or the table not built."""
        self._open_store()
        if cls.__disco_name__ not in self._built:
            raise NotBuilt(cls.__name__)

    async def store_for(self, cls: type[Table]) -> GuildStore:
        """The guild store, with ``cls``'s table present in the catalog (made again if it was dropped meanwhile)."""
        self.check_usable(cls)
        store = self._open_store()
        await store.open()
        if cls.__disco_name__ not in store.table_names():
            async with self._build_lock:
                await self._build(store, cls)
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

    def run(self, work: Coroutine[Any, Any, R]) -> asyncio.Task[R]:
        """Run a table write as a task that runs whether or not it is awaited; ``close()`` waits for it."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            work.close()
            raise NotConnected(
                "A table write needs the database's event loop: call it from async code, "
                "inside `async with db.conn(token)`."
            ) from None
        task = loop.create_task(work)
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)
        return task

    async def clean(self) -> None:
        """Erase the database from its server: every table with its records, the catalog and the category.

        CANNOT BE REVERSED. The ``Table`` classes stay attached but are not built
        any more: ``build_tables()`` makes their (empty) tables again.
        """
        store = self._open_store()
        await self._settle_writes()
        async with self._build_lock:
            await store.open()
            for name in store.table_names():
                await store.drop_table(name)
            await store.remove_layout()
            self._built.clear()
        log.info("database %r cleaned", self.name)

    async def _settle_writes(self) -> None:
        """Let the writes nobody awaited finish (their failures stay for asyncio to report)."""
        while self._writes:
            await asyncio.wait(set(self._writes))

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
        harness), it only gets the database ready (building every attached
        table) and leaves the bot running.
        """
        if self.bot.is_ready():
            await self.init()
            await self.build_tables()
            try:
                yield self
            finally:
                await self._settle_writes()
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
        """Let unawaited writes finish, then close; a bot this database made is closed with its engine.

        A bot you gave (``bind``, ``bot=``) keeps running with its engine: it is
        yours to close, and its cogs or other databases may still use them.
        """
        await self._settle_writes()
        self.open = False
        if not self._owns_bot:
            return
        await self.engine.close()
        if not self.bot.is_closed():
            await self.bot.close()
