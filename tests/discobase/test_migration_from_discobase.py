"""The migration check: the published discobase 1.0's own test suite, run on this engine.

These are the scenarios of ``tests/test_database.py`` in ZeroIntensity/discobase
(MIT licence, Copyright 2021 Python Discord; the file as of commit b5f5446, the
last to change it), kept as they are so that code written for discobase 1.0 is
shown to run unchanged. What differs, and only that:

- the fixture: SimCord (a simulated Discord running the real discord.py)
  starts the bot instead of a token, and a fresh simulated world replaces
  deleting the test guild and initialising again;
- ``test_metadata_channel``: the catalog channel is called ``db-catalog``
  (inside the ``discobase`` category), where discobase 1.0 called it ``_dbmetadata``;
- the markers say ``loop_scope="session"`` where upstream's say ``scope="session"``,
  the same setting under the name pytest-asyncio gives it now;
- ``test_long_resize`` runs on every Python version; upstream ran it only on 3.12,
  because it took long against the real Discord.

The commented-out ``test_clean`` of upstream is left out; ``clean()`` is tested
in tests/discobase/test_library_compat.py.
"""

import logging
import random
import string

import discord
import pytest
import pytest_asyncio
import simcord
from pydantic import Field

import discobase
from discobase.exceptions import DatabaseTableError


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def database():
    logger = logging.getLogger("discobase")
    level, handlers = logger.level, list(logger.handlers)
    db = discobase.Database("discobase test", logging=True)
    env = simcord.Env(db.bot)  # instead of db.login_task(TEST_BOT_TOKEN): the simulated Discord runs the bot
    await env.start()
    await db.wait_ready()
    try:
        yield db
    finally:
        await db.close()
        await env.shutdown()
        env.raise_errors()
        logger.setLevel(level)  # logging=True set up discobase's logging for the program: undo it for the next tests
        logger.handlers[:] = handlers


@pytest_asyncio.fixture(scope="module", loop_scope="session")
def bot(database: discobase.Database):
    return database.bot


def test_about():
    assert isinstance(discobase.__version__, str)
    assert discobase.__license__ == "MIT"


@pytest.mark.asyncio(loop_scope="session")
async def test_creation(database: discobase.Database, bot: discord.Client):
    found_guild: discord.Guild | None = None
    for guild in bot.guilds:
        if guild.name == database.name:
            found_guild = guild

    assert found_guild == database.guild


@pytest.mark.asyncio(loop_scope="session")
async def test_metadata_channel(database: discobase.Database):
    assert database._metadata_channel is not None
    assert database._metadata_channel.name == "db-catalog"  # upstream: "_dbmetadata"
    assert database.guild is not None
    found: bool = False

    for channel in database.guild.channels:
        if channel == database._metadata_channel:
            found = True
            break

    assert found is True


@pytest.mark.asyncio(loop_scope="session")
async def test_schemas(database: discobase.Database):
    class Bar(discobase.Table):
        name: str
        password: str

    with pytest.raises(DatabaseTableError):
        # No database attached
        await Bar(name="Peter", password="foobar").save()

    with pytest.raises(DatabaseTableError):
        # Missing `Table` subclass
        @database.table  # type: ignore
        class Foo:
            name: str
            password: str

    Bar = database.table(Bar)
    with pytest.raises(DatabaseTableError):
        Bar = database.table(Bar)
        # Duplicate table name
    with pytest.raises(DatabaseTableError):
        # Not ready
        await Bar(name="Peter", password="foobar").save()

    await database.build_tables()
    user = Bar(name="Peter", password="foobar")
    await user.save()
    assert (await Bar.find_unique(name="Peter")) == user


@pytest.mark.asyncio(loop_scope="session")
async def test_resizing(database: discobase.Database):
    @database.table
    class User(discobase.Table):
        name: str
        password: str

    await database.build_tables()

    things: list[str] = [
        "aa",
        "bbbbbb",
        f"cc{random.randint(100, 10000)}",
        f"{random.randint(1000, 100000)}dd{random.randint(10000, 100000)}",
        "".join(
            random.choices(
                string.ascii_letters,
                k=random.randint(10, 40),
            )
        ),
    ]

    for name in things:
        await User(name=name, password="test").save()

    items = await User.find(password="test")
    assert len(items) == len(things)
    for i in items:
        assert i.name in things


@pytest.mark.asyncio(loop_scope="session")
async def test_long_resize(database: discobase.Database):
    @database.table
    class X(discobase.Table):
        foo: str
        bar: str = Field(default="bar")

    await database.build_tables()

    for char in string.ascii_letters:
        await X(foo=char).save()

    items = await X.find()
    assert len(items) == len(string.ascii_letters)
    for i in items:
        assert i.bar == "bar"
        assert i.foo in string.ascii_letters


@pytest.mark.asyncio(loop_scope="session")
async def test_update(database: discobase.Database):
    @database.table
    class UpdateTest(discobase.Table):
        foo: str

    await database.build_tables()
    test = UpdateTest(foo="test")
    await test.save()
    test.foo = "test again"
    await test.update()
    assert len(await UpdateTest.find(foo="test")) == 0
    assert len(await UpdateTest.find(foo="test again")) == 1


@pytest.mark.asyncio(loop_scope="session")
async def test_delete(database: discobase.Database):
    @database.table
    class DeleteTest(discobase.Table):
        foo: str

    await database.build_tables()
    test = DeleteTest(foo="test")
    await test.save()
    assert len(await DeleteTest.find()) == 1
    await test.delete()
    assert len(await DeleteTest.find()) == 0
