"""Hand edits by a server admin in the storage channels: nothing crashes, and the commands say what happened.

The admin is a real member with Administrator acting through SimCord: deleting
messages, posting into the hidden channels, deleting and renaming channels.
Every command afterwards must answer cleanly (a success or an expected error),
and the same must hold after a restart, which reads everything from Discord again.
"""

from __future__ import annotations

import logging

import orjson
import pytest

import discobase
from bot import create_bot
from tests.cogs.helpers import field_values, refusal, reply

from .helpers import cleanly


async def restart(env, settings) -> None:
    """A clean restart: the old process releases its write lease, a new one reads everything back."""
    await env.bot.close()
    await env.restart_bot(create_bot(settings))


def channel_of(guild, store, table: str):
    return next(c for c in guild.channels.values() if c.id == store.tables.entry(table).channel_id)


def message_of(channel, message_id: int):
    return next(m for m in channel.history() if m.id == message_id)


def ids(message) -> list[int]:
    return [int((field.name or "#0")[1:]) for field in message.embeds[0].fields] if message.embeds else []


async def find(env, member, channel, table: str = "books"):
    return await cleanly(env, member.slash(channel, "record find", table=table))


@pytest.fixture
async def three(member, channel, books):
    """Records 1 to 3 of `books`."""
    for title in ("Dune", "Emma", "Ulysses"):
        await member.slash(channel, "record insert", table="books", values=f"title={title}, author=X")


# ---------------------------------------------------------------- record messages


async def test_a_record_deleted_by_hand_is_gone_at_once_and_after_a_restart(
    simcord_env, settings, guild, root, member, channel, store, three
):
    """Deleting record 2's message: get, find and count stop seeing it at once, and after a restart."""
    table_channel = channel_of(guild, store, "books")
    await root.delete(message_of(table_channel, (await store.get("books", 2)).message_id))
    result = await member.slash(channel, "record get", table="books", id=2)
    assert "has no record with id 2" in refusal(simcord_env, result, discobase.RecordNotFound)
    assert ids(await find(simcord_env, member, channel)) == [1, 3]
    await restart(simcord_env, settings)
    assert ids(await find(simcord_env, member, channel)) == [1, 3]
    count = await cleanly(simcord_env, member.slash(channel, "record count", table="books"))
    assert count.content == "`books` has 2 records."


async def test_the_newest_record_deleted_by_hand_never_gives_its_id_again(
    simcord_env, settings, guild, root, member, channel, store, three
):
    """Ids are never reused, even when the newest record's message is deleted by hand and the bot restarts."""
    await root.delete(message_of(channel_of(guild, store, "books"), (await store.get("books", 3)).message_id))
    await simcord_env.settle()
    await restart(simcord_env, settings)
    inserted = await cleanly(
        simcord_env, member.slash(channel, "record insert", table="books", values="title=Odyssey, author=Y")
    )
    assert inserted.content.startswith("Inserted record **4** into `books`:")


async def test_an_imported_record_changed_then_deleted_by_hand_stays_gone(
    simcord_env, settings, guild, root, member, channel, books, store, moderator
):
    """A record of an import batch, updated, then its message deleted by hand: its batch copy does not come back."""
    rows = orjson.dumps([{"title": t, "author": "X"} for t in ("Dune", "Emma", "Ulysses")])
    await cleanly(simcord_env, moderator.slash(channel, "record import", table="books", file=("b.json", rows)))
    await cleanly(simcord_env, moderator.slash(channel, "record update", table="books", id=2, set="year=1815"))
    await root.delete(message_of(channel_of(guild, store, "books"), (await store.get("books", 2)).message_id))
    await simcord_env.settle()
    assert ids(await find(simcord_env, member, channel)) == [1, 3]
    await restart(simcord_env, settings)
    assert ids(await find(simcord_env, member, channel)) == [1, 3]


async def test_a_whole_import_batch_deleted_by_hand_takes_its_records(
    simcord_env, settings, guild, root, member, channel, books, store, moderator
):
    """Deleting the one message that holds an import's rows deletes those records, at once and after a restart."""
    await member.slash(channel, "record insert", table="books", values="title=Before, author=X")
    rows = orjson.dumps([{"title": t, "author": "X"} for t in ("Dune", "Emma")])
    await cleanly(simcord_env, moderator.slash(channel, "record import", table="books", file=("b.json", rows)))
    await root.delete(message_of(channel_of(guild, store, "books"), (await store.get("books", 2)).message_id))
    assert ids(await find(simcord_env, member, channel)) == [1]
    await restart(simcord_env, settings)
    assert ids(await find(simcord_env, member, channel)) == [1]
    inserted = await cleanly(
        simcord_env, member.slash(channel, "record insert", table="books", values="title=After, author=Y")
    )
    assert inserted.content.startswith("Inserted record **4** into `books`:")


# ---------------------------------------------------------------- foreign messages


FAKES = [
    '{"v": 1, "id": 1, "by": 1, "d": {"title": "Forged", "author": "Mallory"}}',
    '{"v": 1, "id": 99, "by": 1, "d": {"title": "Injected", "author": "Mallory"}}',
    '{"v": 1, "id": 2, "gone": true}',
    '{"v": 1, "batch": [[50, 1, {"title": "Batch", "author": "M"}]], "import": "x", "part": 0}',
    "@everyone look at this",
]


async def test_foreign_messages_in_a_table_channel_are_ignored(
    simcord_env, settings, guild, root, member, channel, store, three
):
    """An admin's messages in a table channel, even forged records, never become data, before or after a restart."""
    table_channel = channel_of(guild, store, "books")
    posted = [await root.send(table_channel, text) for text in FAKES]
    await root.send(table_channel, "", attachments=[("data.json", FAKES[1].encode())])
    for _ in range(2):
        message = await find(simcord_env, member, channel)
        assert ids(message) == [1, 2, 3]
        assert field_values(message.embeds[0])["#1"].startswith("title: Dune")
        await restart(simcord_env, settings)
    await root.delete(posted[0])  # deleting a foreign message changes nothing either
    assert ids(await find(simcord_env, member, channel)) == [1, 2, 3]
    inserted = await cleanly(
        simcord_env, member.slash(channel, "record insert", table="books", values="title=Next, author=Y")
    )
    assert inserted.content.startswith("Inserted record **4** into `books`:")


async def test_foreign_messages_in_the_catalog_are_ignored(simcord_env, settings, guild, root, member, channel, books):
    """A forged catalog entry or lease posted by an admin is no table and takes no lease, after a restart too."""
    catalog = guild.channels["db-catalog"]
    forged = {"v": 1, "kind": "table", "channel": channel.id, "schema": {"name": "forged", "columns": []}}
    forged["schema"]["columns"] = [{"name": "x", "type": "text"}]
    await root.send(catalog, orjson.dumps(forged).decode())
    await root.send(catalog, '{"v": 1, "kind": "lease", "owner": "mallory", "until": 99999999999}')
    await restart(simcord_env, settings)
    listed = await cleanly(simcord_env, member.slash(channel, "record tables"))
    assert listed.embeds[0].description.startswith("`books`")
    assert "forged" not in listed.embeds[0].description
    inserted = await cleanly(
        simcord_env, member.slash(channel, "record insert", table="books", values="title=A, author=B")
    )
    assert inserted.content.startswith("Inserted record **1** into `books`:")


# ---------------------------------------------------------------- catalog messages


async def test_a_catalog_entry_deleted_by_hand_makes_its_table_unknown(
    simcord_env, settings, guild, root, admin, member, channel, store, three
):
    """Without its catalog entry a table is unknown (now and after a restart); /table list names the stray channel."""
    entry = store.tables.entry("books").catalog_message_id
    await root.delete(message_of(guild.channels["db-catalog"], entry))
    for _ in range(2):
        result = await member.slash(channel, "record find", table="books")
        assert "There is no table `books`" in refusal(simcord_env, result, discobase.UnknownTable)
        listed = await cleanly(simcord_env, admin.slash(channel, "table list"))
        assert "no tables yet" in listed.content
        assert "1 channel that no table owns: `books`" in listed.content  # for admins, who can act on it
        await restart(simcord_env, settings)
    created = await cleanly(simcord_env, admin.slash(channel, "table create", name="books", columns="title:text"))
    assert "Created table `books`" in created.content  # the name can be used again


# ---------------------------------------------------------------- table channels


async def test_a_table_channel_deleted_by_hand_is_reported_damaged_until_dropped(
    simcord_env, settings, guild, admin, member, channel, store, three
):
    """Its records are gone: commands say the table is damaged (not empty), now and after a restart; drop clears it."""
    simcord_env.backend.delete_channel(store.tables.entry("books").channel_id)
    await simcord_env.settle()
    for _ in range(2):
        for command, options in (
            ("record find", {}),
            ("record get", {"id": 1}),
            ("record insert", {"values": "title=New, author=X"}),
            ("record update", {"id": 1, "set": "year=1"}),
            ("record delete", {"id": 1}),
            ("record count", {}),
            ("record export", {"format": "csv"}),
            ("record import", {"file": ("b.csv", b"title,author\nA,B\n")}),
        ):
            actor = admin if command == "record import" else member  # importing needs Manage Messages
            result = await actor.slash(channel, command, table="books", **options)
            assert "is damaged" in refusal(simcord_env, result, discobase.TableDamaged), command
        listed = await cleanly(simcord_env, member.slash(channel, "record tables"))
        assert "`books` \u00b7 **damaged**" in listed.embeds[0].description
        described = await cleanly(simcord_env, member.slash(channel, "record describe", table="books"))
        assert "damaged" in described.embeds[0].fields[0].value
        await restart(simcord_env, settings)
    prompt = reply(await admin.slash(channel, "table drop", table="books"))
    assert "what is left of it (its channel is gone)" in prompt.content
    await admin.click(prompt, label="Drop books")
    listed = await cleanly(simcord_env, member.slash(channel, "record tables"))
    assert "no tables yet" in listed.content
    created = await cleanly(simcord_env, admin.slash(channel, "table create", name="books", columns="title:text"))
    assert "Created table `books`" in created.content


async def test_a_table_channel_renamed_by_hand_changes_nothing(
    simcord_env, settings, guild, member, channel, store, three
):
    """Tables are found by channel id: a renamed channel (and Discord's rename notice in it) changes nothing."""
    simcord_env.backend.edit_channel(store.tables.entry("books").channel_id, {"name": "renamed-by-admin"})
    await simcord_env.settle()
    for _ in range(2):
        assert ids(await find(simcord_env, member, channel)) == [1, 2, 3]
        await restart(simcord_env, settings)
    inserted = await cleanly(
        simcord_env, member.slash(channel, "record insert", table="books", values="title=N, author=Y")
    )
    assert inserted.content.startswith("Inserted record **4** into `books`:")
    assert "renamed-by-admin" in guild.channels and "books" not in guild.channels


# ---------------------------------------------------------------- the catalog channel and the category


async def test_the_catalog_channel_deleted_by_hand_is_rebuilt_with_every_table(
    simcord_env, settings, guild, admin, member, channel, store, three, caplog
):
    """While the bot runs: the catalog is rebuilt at once from what it knows, so no table is lost or orphaned."""
    await admin.slash(channel, "table create", name="authors", columns="name:text")
    with caplog.at_level(logging.WARNING, logger="discobase.store"):
        simcord_env.backend.delete_channel(guild.channels["db-catalog"].id)
        await simcord_env.settle()
    assert "deleted by hand: rebuilding the layout, with the 2 tables known" in caplog.text
    assert "db-catalog" in guild.channels
    for _ in range(2):
        assert ids(await find(simcord_env, member, channel)) == [1, 2, 3]
        listed = await cleanly(simcord_env, member.slash(channel, "record tables"))
        assert listed.embeds[0].description.splitlines() == [
            "`authors` \u00b7 0 records \u00b7 read and write",
            "`books` \u00b7 3 records \u00b7 read and write",
        ]
        assert "no table owns" not in listed.content
        await restart(simcord_env, settings)
    inserted = await cleanly(
        simcord_env, member.slash(channel, "record insert", table="books", values="title=N, author=Y")
    )
    assert inserted.content.startswith("Inserted record **4** into `books`:")


async def test_the_catalog_channel_deleted_while_the_bot_is_down_is_reported(
    simcord_env, settings, guild, admin, member, channel, store, three, caplog
):
    """Deleted while the bot is down, the schemas are lost; the log and /table list name the channels left."""
    await simcord_env.bot.close()
    simcord_env.backend.delete_channel(guild.channels["db-catalog"].id)
    with caplog.at_level(logging.WARNING, logger="discobase.store"):
        await simcord_env.restart_bot(create_bot(settings))
        listed = await cleanly(simcord_env, admin.slash(channel, "table list"))
    assert "that no table owns (catalog entries deleted by hand?): books" in caplog.text
    assert "1 channel that no table owns: `books`" in listed.content
    result = await member.slash(channel, "record find", table="books")
    assert "There is no table `books`" in refusal(simcord_env, result, discobase.UnknownTable)


async def test_the_storage_category_deleted_by_hand_keeps_every_table(
    simcord_env, settings, guild, member, channel, store, three
):
    """Deleting the category (Discord keeps its channels): a new category and catalog hold every table."""
    simcord_env.backend.delete_channel(guild.channels["discobase"].id)
    await simcord_env.settle()
    for _ in range(2):
        assert ids(await find(simcord_env, member, channel)) == [1, 2, 3]
        await restart(simcord_env, settings)
    assert "discobase" in guild.channels
