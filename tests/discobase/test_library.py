"""The library API of SPEC.md, run as written against SimCord."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated, Any

import pytest
import simcord

import discobase
from discobase import SchemaError, UniqueViolation


async def _run_spec_example(db: discobase.Database) -> None:
    @db.table
    class User(discobase.Table):
        name: str
        password: str

    async with db.conn("token"):
        await User(name="peter", password="x").save()
        users = await User.find(name="peter")
        assert [u.name for u in users] == ["peter"]
        assert len(await User.find()) == 1
        peter = await User.find_unique(name="peter")
        assert peter is not None and peter.id == 1
        peter.password = "y"
        await peter.update()
        assert (await User.find_unique(name="peter")).password == "y"  # type: ignore[union-attr]
        await peter.delete()
        assert await User.find() == []


async def test_spec_example_on_an_existing_guild() -> None:
    """Database("My database") finds the guild of that name and the SPEC example runs as written."""
    db = discobase.Database("My database")
    env = simcord.Env(db.bot)
    env.create_guild("Other")
    guild = env.create_guild("My database")
    await env.start()
    try:
        await _run_spec_example(db)
        assert db.open and db.guild is not None and db.guild.id == guild.id
        assert sorted(c.name for c in guild.channels.values()) == ["db-catalog", "discobase", "user"]
        assert not any(r.path == "/guilds" for r in env.http_requests)
    finally:
        await env.shutdown()
        env.raise_errors()


async def test_database_creates_its_guild_when_missing() -> None:
    """Without a guild of that name, the bot creates one and uses it."""
    db = discobase.Database("Fresh database")
    async with simcord.run(db.bot) as env:
        await env.settle()
        await _run_spec_example(db)
        assert db.guild is not None and db.guild.name == "Fresh database"
        assert any(r.method == "POST" and r.path == "/guilds" for r in env.http_requests)


async def test_library_and_command_tables_are_the_same_thing() -> None:
    """A class maps onto a table made elsewhere; data written by one is read by the other, after restart."""
    first = discobase.Database("Shared")
    async with simcord.run(first.bot) as env:
        env.create_guild("Shared")
        await env.settle()
        await first.wait_ready()
        assert first.guild is not None
        store = first.engine.store(first.guild)
        await store.create_table(
            discobase.TableSchema(
                name="book", columns=discobase.parse_columns("title:text unique, year:int optional, tag:text optional")
            )
        )
        await store.insert("book", {"title": "Dune", "year": "1965"}, 5)

        second = discobase.Database("Shared")
        await first.close()
        await env.restart_bot(second.bot)
        await second.wait_ready()

        @second.table
        class Book(discobase.Table):
            title: Annotated[str, discobase.Unique]
            year: int | None = None
            published: date | None = None

        with pytest.raises(discobase.NotBuilt, match=r"await db.build_tables\(\)"):
            await Book.find()
        await second.build_tables()  # attached after the database opened
        dune = await Book.find_unique(title="Dune")
        assert dune is not None and (dune.id, dune.year, dune.published) == (1, 1965, None)
        with pytest.raises(UniqueViolation):
            await Book(title="Dune").save()
        emma = await Book(title="Emma", published=date(1815, 12, 23)).save()
        assert emma.id == 2
        assert second.engine.store(second.guild).schema("book").column_names == [  # type: ignore[arg-type]
            "title",
            "year",
            "tag",
            "published",
        ]


async def test_find_unique_strict_and_not() -> None:
    """find_unique is strict by default; strict=False gives None for no match."""
    db = discobase.Database("Strict")

    @db.table
    class Item(discobase.Table):
        kind: str

    async with simcord.run(db.bot) as env:
        env.create_guild("Strict")
        await env.settle()
        await db.wait_ready()
        await Item(kind="a").save()
        await Item(kind="a").save()
        with pytest.raises(LookupError, match="matched 2 records"):
            await Item.find_unique(kind="a")
        with pytest.raises(LookupError, match="matched 0 records"):
            await Item.find_unique(kind="b")
        assert await Item.find_unique(kind="b", strict=False) is None
        first = await Item.find_unique(kind="a", strict=False)
        assert first is not None and first.id == 1
        first.kind = "c"
        await first.commit()
        assert [i.kind for i in await Item.find()] == ["c", "a"]


def test_table_classes_are_checked_at_decoration() -> None:
    """A field type with no column type, or a class attached twice, fails at once with the reason."""
    db = discobase.Database("x")

    with pytest.raises(SchemaError, match="Field `tags`"):

        @db.table
        class Bad(discobase.Table):
            tags: list[str]

    @db.table
    class Good(discobase.Table):
        name: str

    with pytest.raises(SchemaError, match="attached to a database already"):
        discobase.Database("y").table(Good)


def test_tables_do_not_share_keys() -> None:
    """Each table's columns are its own (the original shared one set across tables)."""
    db = discobase.Database("z")

    @db.table
    class One(discobase.Table):
        a: str

    @db.table
    class Two(discobase.Table):
        b: int

    assert One.table_schema().column_names == ["a"]
    assert Two.table_schema().column_names == ["b"]


async def test_using_a_table_before_connecting_says_how_to_connect() -> None:
    """Saving before the database is open raises NotConnected with the fix."""
    db = discobase.Database("w")

    @db.table
    class Thing(discobase.Table):
        name: str

    with pytest.raises(discobase.NotConnected, match="db.conn"):
        await Thing(name="x").save()


async def test_a_class_after_its_column_was_renamed() -> None:
    """A field named as a renamed column's old name becomes a new, empty column: never the old values."""
    db = discobase.Database("Renamed")
    async with simcord.run(db.bot) as env:
        env.create_guild("Renamed")
        await env.settle()
        await db.wait_ready()
        assert db.guild is not None
        store = db.engine.store(db.guild)
        schema = discobase.TableSchema(name="book", columns=discobase.parse_columns("title:text, year:int optional"))
        await store.create_table(schema)
        await store.insert("book", {"title": "Dune", "year": "1965"}, 5)
        await store.rename_column("book", "year", "published")

        @db.table
        class Book(discobase.Table):
            title: str
            published: int | None = None
            year: int | None = None

        await db.build_tables()
        dune = await Book.find_unique(title="Dune")
        assert (dune.published, dune.year) == (1965, None)
        assert store.schema("book").column_names == ["title", "published", "year"]
        await db.close()


def _round_trips(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every Discord call yields to the loop a few times, as a real request does (SimCord answers at once)."""
    from discobase.backend import discord_backend

    original = discord_backend._call

    async def round_trip(*args: object, **kwargs: object) -> object:
        for _ in range(3):
            await asyncio.sleep(0)
        return await original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(discord_backend, "_call", round_trip)


async def test_library_saves_at_once_share_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """Thirty Table.save() at once: each object gets its own id, and they share a couple of messages."""
    db = discobase.Database("Crowd")

    @db.table
    class Item(discobase.Table):
        kind: str

    async with simcord.run(db.bot) as env:
        env.create_guild("Crowd")
        await env.settle()
        await db.wait_ready()
        await Item(kind="first").save()  # the table and the write lease
        _round_trips(monkeypatch)
        items = [Item(kind=f"k{n}") for n in range(30)]
        start = len(env.http_requests)
        await asyncio.gather(*(item.save() for item in items))
        creates = [r for r in env.http_requests[start:] if r.method == "POST" and r.path.endswith("/messages")]
        assert sorted(item.id for item in items) == list(range(2, 32))
        assert len(creates) <= 3
        assert sorted(i.kind for i in await Item.find()) == sorted(["first", *(f"k{n}" for n in range(30))])


@asynccontextmanager
async def _notes(name: str) -> AsyncIterator[tuple[simcord.Env, Any]]:
    """A library program with one ``Note`` table (a body of any size) on a fresh simulated server; the class."""
    db = discobase.Database(name)

    @db.table
    class Note(discobase.Table):
        title: str
        body: str = ""

    async with simcord.run(db.bot) as env:
        env.create_guild(name)
        await env.settle()
        async with db.conn("token"):
            yield env, Note


async def test_an_11_mib_value_is_refused_beside_concurrent_saves() -> None:
    """With 10 MiB a message, an 11 MiB value is refused with its size; the saves beside it land."""
    async with _notes("Big values") as (_, Note):
        huge = Note(title="huge", body="x" * (11 * 2**20))
        saves = [Note(title=f"n{n}", body="short").save() for n in range(5)]
        outcomes = await asyncio.gather(huge.save(), *saves, return_exceptions=True)
        assert isinstance(outcomes[0], discobase.RecordTooLarge) and "11.0 MiB" in str(outcomes[0])
        assert sorted(note.title for note in outcomes[1:]) == [f"n{n}" for n in range(5)]
        assert sorted(note.title for note in await Note.find()) == [f"n{n}" for n in range(5)]


async def test_concurrent_medium_saves_past_10_mib_in_total_all_land_within_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Twelve 1 MiB saves at once (12 MiB, past one upload): all stored, in several batches each within 10 MiB."""
    async with _notes("Medium values") as (env, Note):
        await Note(title="first").save()  # the table and the write lease
        _round_trips(monkeypatch)
        start = len(env.http_requests)
        notes = [Note(title=f"n{n}", body=f"{n}" * 2**20) for n in range(12)]
        await asyncio.gather(*(note.save() for note in notes))
        creates = [r for r in env.http_requests[start:] if r.method == "POST" and r.path.endswith("/messages")]
        assert 2 <= len(creates) < 12  # packed, in as many batches as the bytes need
        # every upload went through tests/strict_discord.py, which refuses one over 10 MiB
        found = {note.title: note.body for note in await Note.find()}
        assert all(found[f"n{n}"] == f"{n}" * 2**20 for n in range(12))


async def test_trash_restore_and_history_are_typed() -> None:
    """Table.trash() gives objects of the class with who and when; restore() brings one back; history() its changes."""
    db = discobase.Database("Shelf")

    @db.table
    class Book(discobase.Table):
        title: Annotated[str, discobase.Unique]
        year: int | None = None

    async with simcord.run(db.bot) as env:
        env.create_guild("Shelf")
        await env.settle()
        await db.wait_ready()
        dune = await Book(title="Dune").save()
        dune.year = 1965
        await dune.update()
        await dune.delete()
        [deleted] = await Book.trash()
        assert isinstance(deleted, discobase.Deleted) and isinstance(deleted.item, Book)
        assert (deleted.item.id, deleted.item.title, deleted.item.year, deleted.deleted_by) == (1, "Dune", 1965, 0)
        restored = await Book.restore(1)
        assert isinstance(restored, Book) and restored.id == 1 and restored.year == 1965
        with pytest.raises(discobase.NotInTrash, match="is not deleted"):
            await Book.restore(1)
        history = await Book.history(1)
        assert [entry.command for entry in history] == ["restore", "delete", "update", "insert"]
        assert history[2].changes == {"year": (None, 1965)}
        assert all(isinstance(entry, discobase.HistoryEntry) for entry in history)
