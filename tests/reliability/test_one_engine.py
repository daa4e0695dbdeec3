"""One engine per client: the bot's cogs and every ``Database`` on the same bot write together, in one cache
under one write lease, so nothing waits on its own process and each sees the others' writes at once.

Before, each ``Database`` built an ``Engine`` of its own: a library write on the
running bot waited for the write lease its own process held through the cogs'
engine (60 s), and two caches of one guild could disagree.
"""

from __future__ import annotations

import asyncio
import re
from typing import Annotated

import pytest

import discobase
from bot import Settings
from tests.cogs.helpers import reply

from .helpers import burst
from .test_concurrency import outcomes

INSERTED = re.compile(r"Inserted record \*\*(\d+)\*\* into `books`: .*")
GUARD = 30  # seconds: a write waiting on its own process's lease would take 60; fail instead of hanging


def books_class() -> type[discobase.Table]:
    """A class over the `books` table the admin made with /table create."""

    class Books(discobase.Table):
        title: Annotated[str, discobase.Unique]
        author: str
        year: int | None = None
        read: bool = False

    return Books


async def _race(env, library: list[asyncio.Task], calls) -> tuple[list[int], list[str], int]:
    """Library saves and slash commands at once: the ids the library got, the replies, and library refusals."""
    results, *saved = await asyncio.wait_for(asyncio.gather(burst(env, calls), *library, return_exceptions=True), GUARD)
    assert not isinstance(results, BaseException), results
    ids = [book.id for book in saved if isinstance(book, discobase.Table)]
    refused = [error for error in saved if isinstance(error, BaseException)]
    assert all(isinstance(error, discobase.UniqueViolation) for error in refused), refused
    return ids, outcomes(env, results), len(refused)


async def test_bound_database_and_commands_write_together(simcord_env, guild, member, channel, books, store, overlap):
    """Database.bind on the running bot: library and slash-command inserts interleave; ids and unique hold."""
    bot = simcord_env.bot
    db = discobase.Database.bind(bot, bot.get_guild(guild.id))
    Books = db.table(books_class())
    await asyncio.wait_for(db.init(), GUARD)
    assert db.engine is bot.engine and db.engine.store(db.guild) is store

    library = [Books(title=f"Lib{n}", author="L").save() for n in range(8)] + [Books(title="Same", author="L").save()]
    calls = [
        (member, channel, "record insert", {"table": "books", "values": f"title=Cmd{n}, author=C"}) for n in range(8)
    ]
    calls.append((member, channel, "record insert", {"table": "books", "values": "title=Same, author=C"}))
    ids, texts, refused = await _race(simcord_env, library, calls)

    command_ids = [int(match.group(1)) for text in texts if (match := INSERTED.fullmatch(text))]
    assert refused + sum("is unique" in text for text in texts) == 1  # "Same" was stored once
    assert sorted(ids + command_ids) == list(range(1, 18))
    assert overlap["most"] >= 2  # the writes really were in flight together
    stored = await store.find("books")
    assert len({record.values["title"] for record in stored}) == len(stored) == 17

    # Each side sees the other's writes at once.
    assert reply(await member.slash(channel, "record count", table="books")).content == "`books` has 17 records."
    assert await Books.count() == 17
    assert {book.title for book in await Books.find(author="C")} >= {f"Cmd{n}" for n in range(8)}
    mine = await asyncio.wait_for(Books(title="Later", author="L").save(), GUARD)
    found = reply(await member.slash(channel, "record find", table="books", where="title = Later"))
    assert [field.name for field in found.embeds[0].fields] == [f"#{mine.id}"]
    await member.slash(channel, "record insert", table="books", values="title=Typed, author=C")
    typed = await Books.find_unique(title="Typed")
    assert typed.id == mine.id + 1


async def test_two_databases_and_commands_share_one_engine(simcord_env, guild, member, channel, books, store, overlap):
    """Two Database objects on one bot (bind, and bot=) and the cogs: one engine, ids and unique right."""
    bot = simcord_env.bot
    first = discobase.Database.bind(bot, bot.get_guild(guild.id))
    second = discobase.Database(guild.name, bot=bot)
    First, Second = first.table(books_class()), second.table(books_class())
    await asyncio.wait_for(asyncio.gather(first.init(), second.init()), GUARD)
    assert first.engine is second.engine is bot.engine
    assert second.guild is not None and second.guild.id == guild.id

    library = [First(title=f"A{n}", author="1").save() for n in range(5)]
    library += [Second(title=f"B{n}", author="2").save() for n in range(5)]
    library += [First(title="Same", author="1").save(), Second(title="Same", author="2").save()]
    calls = [
        (member, channel, "record insert", {"table": "books", "values": f"title=C{n}, author=3"}) for n in range(5)
    ]
    ids, texts, refused = await _race(simcord_env, library, calls)

    command_ids = [int(match.group(1)) for text in texts if (match := INSERTED.fullmatch(text))]
    assert refused == 1 and len(command_ids) == 5
    assert sorted(ids + command_ids) == list(range(1, 17))
    assert overlap["most"] >= 2
    assert await First.count() == await Second.count() == 16
    assert {book.title for book in await Second.find(author="1")} == {f"A{n}" for n in range(5)} | (
        {"Same"} if await First.count(title="Same", author="1") else set()
    )
    assert reply(await member.slash(channel, "record count", table="books")).content == "`books` has 16 records."

    # Closing a database on a bot it did not make leaves the bot, its engine and the other database running.
    await first.close()
    assert not bot.is_closed() and not store.closing
    await asyncio.wait_for(Second(title="After", author="2").save(), GUARD)
    assert reply(await member.slash(channel, "record count", table="books")).content == "`books` has 17 records."


def test_a_client_has_one_engine(simcord_env, settings):
    """Engine.of gives the bot's own engine; a second engine, or other options, are refused with the way out."""
    bot = simcord_env.bot
    assert discobase.Engine.of(bot) is discobase.Engine.of(bot, category=settings.category) is bot.engine
    assert discobase.Engine.of(bot, cache_bytes=settings.cache_mb * 1024 * 1024) is bot.engine
    with pytest.raises(ValueError, match="one engine serves a client"):
        discobase.Engine.of(bot, cache_bytes=1024)
    with pytest.raises(RuntimeError, match=r"Use Engine.of\(client\)"):
        discobase.Engine(bot).attach()
    assert discobase.Engine.of(bot, category="elsewhere") is not bot.engine  # another category: another database
    with pytest.raises(ValueError, match="categories \\['discobase', 'elsewhere'\\]: name one"):
        discobase.Engine.of(bot)


@pytest.mark.parametrize("settings", [Settings(category="vault")])
async def test_bind_takes_the_bots_storage_category(simcord_env, guild, member, channel, settings):
    """On a bot run with DISCOBASE_CATEGORY=vault, Database.bind sees the bot's tables without being told."""
    bot = simcord_env.bot
    db = discobase.Database.bind(bot, bot.get_guild(guild.id))

    @db.table
    class Memo(discobase.Table):
        text: str

    await asyncio.wait_for(db.init(), GUARD)
    assert db.engine is bot.engine and db.category == "vault"
    await Memo(text="hello").save()
    found = reply(await member.slash(channel, "record find", table="memo"))
    assert [field.name for field in found.embeds[0].fields] == ["#1"]
    assert db._metadata_channel is not None and db._metadata_channel.category.name == "vault"
