"""The library as discobase 1.0 users know it, and where it does better, through the public API on SimCord.

Upstream's own scenarios run unchanged in test_migration_from_discobase.py;
these cover the rest of its surface (``clean``, ``logging``, the exception
families, writes that return running tasks) and the library's own promises:
unsaved objects, classes over existing tables, exact values, queries.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

import pytest
import simcord
from pydantic import Field, ValidationError

import discobase
from discobase.exceptions import (
    DatabaseCorruptionError,
    DatabaseLookupError,
    DatabaseStorageError,
    DatabaseTableError,
    DiscobaseError,
    NotConnectedError,
)


@dataclass
class World:
    """An open database in a simulated Discord, with its guild as the simulation sees it."""

    db: discobase.Database
    env: simcord.Env
    guild: simcord.GuildHandle

    @property
    def store(self) -> discobase.GuildStore:
        assert self.db.guild is not None
        return self.db.engine.store(self.db.guild)

    def channel_names(self) -> list[str]:
        return sorted(channel.name for channel in self.guild.channels.values())


@pytest.fixture
async def world() -> AsyncIterator[World]:
    db = discobase.Database("Compat")
    env = simcord.Env(db.bot)
    guild = env.create_guild("Compat")
    await env.start()
    await db.wait_ready()
    try:
        yield World(db, env, guild)
    finally:
        await db.close()
        await env.shutdown()
        env.raise_errors()


def note_class(db: discobase.Database) -> type[discobase.Table]:
    @db.table
    class Note(discobase.Table):
        text: Annotated[str, discobase.Unique]
        stars: int = 0

    return Note


# ------------------------------------------------------------ exceptions


@pytest.mark.parametrize(
    ("error", "family"),
    [
        (discobase.SchemaError, DatabaseTableError),
        (discobase.NotBuilt, DatabaseTableError),
        (discobase.TableExists, DatabaseTableError),
        (discobase.RecordRejected, DatabaseTableError),
        (discobase.RecordNotFound, DatabaseLookupError),
        (discobase.UnknownTable, DatabaseLookupError),
        (discobase.UnknownColumn, DatabaseLookupError),
        (discobase.NoUniqueMatch, DatabaseLookupError),
        (discobase.UniqueViolation, DatabaseStorageError),
        (discobase.NotSaved, DatabaseStorageError),
        (discobase.AlreadySaved, DatabaseStorageError),
        (discobase.DiscordUnavailable, DatabaseStorageError),
        (discobase.MissingPermission, DatabaseStorageError),
        (discobase.StorageBusy, DatabaseStorageError),
        (discobase.ShuttingDown, DatabaseStorageError),
        (discobase.BulkRejected, DatabaseStorageError),
        (discobase.PartlyStored, DatabaseStorageError),
        (discobase.TableDamaged, DatabaseCorruptionError),
        (discobase.StorageDamaged, DatabaseCorruptionError),
    ],
)
def test_each_error_belongs_to_its_discobase_1_family(error, family):
    """`except DatabaseTableError` (and the others) catch what a discobase 1.0 user expects."""
    assert issubclass(error, family) and issubclass(family, DiscobaseError)


def test_upstream_names_are_ours():
    """The module and top-level names of discobase 1.0 exist, and NotConnectedError is NotConnected."""
    assert NotConnectedError is discobase.NotConnected is discobase.NotConnectedError
    assert discobase.DatabaseTableError is DatabaseTableError and discobase.DiscobaseError is DiscobaseError
    assert isinstance(discobase.__version__, str) and discobase.__license__ == "MIT"


async def test_errors_raised_are_caught_by_the_upstream_families(world):
    """A duplicate, an unknown field and an ambiguous find_unique raise into the families upstream code catches."""
    Note = note_class(world.db)
    await world.db.build_tables()
    await Note(text="a").save()
    with pytest.raises(DatabaseStorageError, match='record 1 already has "a"'):
        await Note(text="a").save()
    with pytest.raises(DatabaseLookupError, match="Did you mean `text`"):
        await Note.find(txt="a")
    with pytest.raises(DatabaseLookupError, match="matched 0 records"):
        await Note.find_unique(text="b")
    with pytest.raises(ValueError, match="needs a filter"):
        await Note.find_unique()


# ------------------------------------------------------------ writes return running tasks


async def test_a_save_not_awaited_still_happens(world):
    """save() returns a running task: without await the record is written, and close() waits for it."""
    Note = note_class(world.db)
    await world.db.build_tables()
    task = Note(text="background").save()
    assert isinstance(task, asyncio.Task)
    Note(text="forgotten").save()  # never awaited
    assert (await task).id == 1
    await world.db.close()
    channel = next(c for c in world.guild.channels.values() if c.name == "note")
    assert sorted(m.content.count("forgotten") + m.content.count("background") for m in channel.history()) == [1, 1]


async def test_a_failed_save_nobody_awaited_is_reported(world, caplog):
    """Not silent: asyncio logs the error of a background write that nobody awaited."""
    Note = note_class(world.db)
    await world.db.build_tables()
    await Note(text="same").save()
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        Note(text="same").save()
        await world.db.close()
        gc.collect()
    reported = [record for record in caplog.records if record.name == "asyncio"]
    assert reported and "never retrieved" in reported[0].getMessage()
    assert isinstance(reported[0].exc_info[1], discobase.UniqueViolation)


async def test_what_can_be_checked_raises_at_the_call(world):
    """No database, not built, not open: raised by save() itself, awaited or not."""

    class Loose(discobase.Table):
        text: str

    with pytest.raises(DatabaseTableError, match="decorate it with @db.table"):
        Loose(text="x").save()
    Note = note_class(world.db)  # attached after the database opened
    with pytest.raises(discobase.NotBuilt, match=r"await db.build_tables\(\)"):
        Note(text="x").save()
    await world.db.build_tables()
    with pytest.raises(NotConnectedError, match="needs the database's event loop"):
        await asyncio.to_thread(lambda: Note(text="x").save())  # from a thread with no event loop
    await world.db.close()
    with pytest.raises(NotConnectedError, match="db.conn"):
        Note(text="x").save()


# ------------------------------------------------------------ saved or not


async def test_update_and_delete_need_a_record(world):
    """Never saved, deleted, or saved twice: each says so; a record deleted elsewhere names its id."""
    Note = note_class(world.db)
    await world.db.build_tables()
    fresh = Note(text="fresh")
    assert fresh.__disco_id__ == -1
    with pytest.raises(discobase.NotSaved, match="never saved, so there is nothing to update: save\\(\\) it first"):
        fresh.update()
    with pytest.raises(discobase.NotSaved, match="nothing to delete"):
        fresh.delete()

    saving = fresh.save()
    with pytest.raises(discobase.AlreadySaved, match="being saved already"):
        fresh.save()
    with pytest.raises(discobase.NotSaved, match="still being saved: await its save\\(\\) before you update it"):
        fresh.update()
    await saving
    assert fresh.__disco_id__ == fresh.id == 1
    with pytest.raises(discobase.AlreadySaved, match="saved already \\(record 1 of `note`\\)"):
        fresh.save()
    await fresh.delete()
    with pytest.raises(discobase.NotSaved, match="was deleted \\(it was record 1 of `note`\\)"):
        fresh.update()
    assert (await fresh.save()).id == 2  # saved again: a new record

    other = await Note(text="other").save()
    await world.store.delete("note", other.id)  # deleted elsewhere (a command, another program)
    other.stars = 5
    with pytest.raises(discobase.RecordNotFound, match=f"no record with id {other.id}"):
        await other.update()


# ------------------------------------------------------------ clean


async def test_clean_erases_the_database_from_the_server(world):
    """Every table (the class's and one made otherwise), the catalog and the category go; build_tables rebuilds."""
    Note = note_class(world.db)
    await world.db.build_tables()
    await Note(text="kept?").save()
    await world.store.create_table(discobase.TableSchema(name="other", columns=discobase.parse_columns("name:text")))
    assert world.channel_names() == ["db-catalog", "discobase", "note", "other"]

    await world.db.clean()
    await world.env.settle()
    assert world.channel_names() == []
    with pytest.raises(discobase.NotBuilt):
        await Note.find()

    await world.db.build_tables()
    assert await Note.find() == []
    assert world.channel_names() == ["db-catalog", "discobase", "note"]


# ------------------------------------------------------------ logging


async def test_logging_true_shows_discobase_logs(caplog):
    """Database(name, logging=True) lets discobase's INFO lines through; without it they stay quiet."""
    logger = logging.getLogger("discobase")
    level, handlers = logger.level, list(logger.handlers)
    try:
        for flag in (False, True):
            caplog.clear()
            db = discobase.Database("Logged", logging=flag)
            async with simcord.run(db.bot) as env:
                env.create_guild("Logged")
                await db.wait_ready()
                await db.close()
            lines = [r.getMessage() for r in caplog.records if r.name.startswith("discobase")]
            assert ("catalog of discobase read: 0 tables" in lines) is flag
    finally:
        logger.setLevel(level)
        logger.handlers[:] = handlers


# ------------------------------------------------------------ classes over existing tables


async def test_a_record_without_a_value_reads_as_the_class_default(world):
    """year: int = 0 over records with no year reads 0 (was: a raw pydantic ValidationError)."""
    await world.store.create_table(
        discobase.TableSchema(name="book", columns=discobase.parse_columns("title:text, year:int optional"))
    )
    await world.store.insert("book", {"title": "Emma"}, 1)

    @world.db.table
    class Book(discobase.Table):
        title: str
        year: int = 0

    await world.db.build_tables()
    assert [(book.title, book.year) for book in await Book.find()] == [("Emma", 0)]


async def test_a_stored_value_the_class_refuses_names_record_field_and_fix(world):
    """A value outside the class's constraints, or a missing one it requires: a discobase error, not pydantic's."""
    await world.store.create_table(
        discobase.TableSchema(name="film", columns=discobase.parse_columns("title:text, year:int optional"))
    )
    await world.store.insert("film", {"title": "Old", "year": -5}, 1)
    await world.store.insert("film", {"title": "Undated"}, 1)

    @world.db.table
    class Film(discobase.Table):
        title: str
        year: int = Field(default=2000, ge=0)

    await world.db.build_tables()
    with pytest.raises(discobase.RecordRejected) as refused:
        await Film.find(title="Old")
    assert not isinstance(refused.value, ValidationError) and isinstance(refused.value, DatabaseTableError)
    assert str(refused.value) == (
        "Record 1 of `film`: field `year` holds -5, which Film.year does not accept "
        "(Input should be greater than or equal to 0). Change the field's type or constraints, "
        "or the stored value: `/record update table:film id:1 set:year=...`."
    )
    assert (await Film.find_unique(title="Undated")).year == 2000


async def test_a_required_field_over_a_record_without_it(world):
    """A field with no default over a record lacking it: the error says how to give one."""
    await world.store.create_table(
        discobase.TableSchema(name="song", columns=discobase.parse_columns("title:text, year:int optional"))
    )
    await world.store.insert("song", {"title": "Undated"}, 1)

    @world.db.table
    class Song(discobase.Table):
        title: str
        year: int

    await world.db.build_tables()
    with pytest.raises(discobase.RecordRejected, match="Record 1 of `song`: field `year` has no value, and Song.year"):
        await Song.find()


# ------------------------------------------------------------ exact values


async def test_the_empty_text_is_a_value_in_the_library(world):
    """bio: str = "" saves, updates and is found with bio=""; it is not the same as no value."""

    @world.db.table
    class Profile(discobase.Table):
        name: str
        bio: str = ""
        motto: str | None = None

    await world.db.build_tables()
    ann = await Profile(name="ann").save()
    ann.name = "Ann"
    await ann.update()  # was: BadValue `"" cannot be emptied`
    await Profile(name="bob", bio="hi", motto="").save()
    assert [p.name for p in await Profile.find(bio="")] == ["Ann"]
    assert [p.name for p in await Profile.find(motto="")] == ["bob"]
    assert [p.name for p in await Profile.find(motto=None)] == ["Ann"]


async def test_explicit_none_beats_the_default(world):
    """nick=None is stored as no value even though nick defaults to "anon"; left out, it is "anon"."""

    @world.db.table
    class Player(discobase.Table):
        name: str
        nick: str | None = "anon"

    await world.db.build_tables()
    await Player(name="bob", nick=None).save()
    await Player(name="al").save()
    assert [(p.name, p.nick) for p in await Player.find()] == [("bob", None), ("al", "anon")]
    assert [r.values["nick"] for r in await world.store.find("player")] == [None, "anon"]


async def test_messages_show_values_as_typed(world):
    """A unique refusal and find_unique's complaint show times and text as a member types them."""

    @world.db.table
    class Event(discobase.Table):
        at: Annotated[datetime, discobase.Unique]

    await world.db.build_tables()
    when = datetime(2024, 5, 31, 14, 30, tzinfo=UTC)
    await Event(at=when).save()
    with pytest.raises(discobase.UniqueViolation, match="record 1 already has 2024-05-31T14:30:00Z\\."):
        await Event(at=when).save()
    with pytest.raises(discobase.NoUniqueMatch, match=r"find_unique\(at=2024-06-01T00:00:00Z\) matched 0"):
        await Event.find_unique(at=datetime(2024, 6, 1, tzinfo=UTC))


# ------------------------------------------------------------ queries


async def test_find_and_count_take_the_record_find_grammar(world):
    """where, sort and limit as /record find reads them, together with keyword filters."""

    @world.db.table
    class Novel(discobase.Table):
        title: str
        year: int | None = None
        author: str = "?"

    await world.db.build_tables()
    for title, year, author in [
        ("Dune", 1965, "Herbert"),
        ("Dune Messiah", 1969, "Herbert"),
        ("Children of Dune", 1976, "Herbert"),
        ("Emma", 1815, "Austen"),
        ("Dune Notes", None, "Fan"),
    ]:
        await Novel(title=title, year=year, author=author).save()

    found = await Novel.find(where="year >= 1950 and title ~ dune", sort="-year", limit=10)
    assert [novel.title for novel in found] == ["Children of Dune", "Dune Messiah", "Dune"]
    assert [n.id for n in await Novel.find(where="title ~ dune", sort="year", limit=2)] == [1, 2]
    assert [n.title for n in await Novel.find(where="year < 1970", author="Herbert")] == ["Dune", "Dune Messiah"]
    assert [n.title for n in await Novel.find(where="year =")] == ["Dune Notes"]
    assert await Novel.count() == 5
    assert await Novel.count(where="title ~ dune") == 4
    assert await Novel.count(where="id > 2", author="Herbert") == 1
    with pytest.raises(discobase.UnknownColumn, match="no column `yaer`. Did you mean `year`?"):
        await Novel.find(where="yaer >= 1950")
    with pytest.raises(discobase.GrammarError, match="`limit` is 0"):
        await Novel.find(limit=0)
