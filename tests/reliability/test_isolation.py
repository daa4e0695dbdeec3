"""Isolation: one server never reads or writes another's data; a member without a permission cannot get round it.

Whatever options a member passes (another server's table names, channel ids
or mentions as table names, guessed record ids), the answer is an ephemeral
refusal and nothing changes.
"""

from __future__ import annotations

import discord
import pytest
import simcord

import discobase
from cogs.utils.errors import NotAllowed
from tests.cogs.helpers import not_offered, refusal, reply
from tests.conftest import BOOKS_COLUMNS

from .helpers import cleanly


@pytest.fixture
async def other_server(simcord_env, books):
    """A second server with its own `books` table (same name, different records) and its own admin and member."""
    guild = simcord_env.create_guild("Other")
    channel = guild.create_text_channel("general")
    role = guild.create_role("Admin", permissions=discord.Permissions(manage_guild=True, manage_messages=True))
    admin = guild.add_member(simcord_env.create_user("olga"), roles=[role])
    member = guild.add_member(simcord_env.create_user("oscar"))
    await admin.slash(channel, "table create", name="books", columns=BOOKS_COLUMNS)
    await admin.slash(channel, "table create", name="secrets", columns="text:text")
    await member.slash(channel, "record insert", table="books", values="title=Theirs, author=B")
    await member.slash(channel, "record insert", table="secrets", values="text=hidden")
    bot_guild = simcord_env.bot.get_guild(guild.id)
    return guild, channel, admin, member, simcord_env.bot.engine.store(bot_guild)


async def test_same_table_names_in_two_servers_stay_apart(simcord_env, member, channel, store, other_server):
    """Both servers have `books`: inserts, finds, updates and deletes in one never touch the other's."""
    _, their_channel, _, stranger, theirs = other_server
    await member.slash(channel, "record insert", table="books", values="title=Ours, author=A")
    ours_found = await cleanly(simcord_env, member.slash(channel, "record find", table="books"))
    assert [f.value.split(" \u00b7 ")[0] for f in ours_found.embeds[0].fields] == ["title: Ours"]
    await cleanly(simcord_env, member.slash(channel, "record update", table="books", id=1, set="year=1"))
    await cleanly(simcord_env, member.slash(channel, "record delete", table="books", id=1))
    assert (await theirs.get("books", 1)).values == {"title": "Theirs", "author": "B", "year": None, "read": False}
    theirs_found = await cleanly(simcord_env, stranger.slash(their_channel, "record find", table="books"))
    assert [f.value.split(" \u00b7 ")[0] for f in theirs_found.embeds[0].fields] == ["title: Theirs"]
    assert await store.count("books") == 0


async def test_another_servers_table_is_unknown_and_never_suggested(simcord_env, member, channel, books, other_server):
    """`secrets` exists only in the other server: here it is unknown, unlisted, not autocompleted nor suggested."""
    for command, options in (
        ("record find", {}),
        ("record get", {"id": 1}),
        ("record insert", {"values": "text=mine"}),
        ("record export", {"format": "json"}),
        ("record count", {}),
    ):
        result = await member.slash(channel, command, table="secrets", **options)
        text = refusal(simcord_env, result, discobase.UnknownTable)
        assert "There is no table `secrets`." in text and "Did you mean" not in text, text
    listed = await cleanly(simcord_env, member.slash(channel, "record tables"))
    assert "secrets" not in str(listed.embeds[0].description)
    assert await member.autocomplete(channel, "record find", "table", "sec") == []
    assert [c["name"] for c in await member.autocomplete(channel, "record get", "id", "", table="books")] == []


@pytest.mark.parametrize("table_option", ["channel_id", "channel_mention", "catalog", "discobase"])
async def test_channels_given_as_table_names_are_refused(
    simcord_env, guild, member, channel, books, store, other_server, table_option
):
    """A storage channel's id or mention, or another server's table channel, is no table name."""
    _, _, _, _, theirs = other_server
    value = {
        "channel_id": str(theirs.tables.entry("secrets").channel_id),
        "channel_mention": f"<#{store.tables.entry('books').channel_id}>",
        "catalog": "db-catalog",
        "discobase": "discobase",
    }[table_option]
    result = await member.slash(channel, "record find", table=value)
    assert "There is no table" in refusal(simcord_env, result, discobase.UnknownTable)


async def test_storage_channels_are_hidden_from_members(simcord_env, guild, member, channel, books, store):
    """Members reach data only through the commands: the category, catalog and table channels are hidden."""
    for name in ("discobase", "db-catalog", "books"):
        with pytest.raises(simcord.SetupError):
            guild.channels[name].history(viewer=member)


MANAGE = [
    ("table create", {"name": "mine", "columns": "x:text"}),
    ("table create", {"name": "secrets", "columns": "x:text"}),
    ("table add-column", {"table": "books", "column": "owner:user optional"}),
    ("table add-column", {"table": "secrets", "column": "owner:user optional"}),
    ("table drop", {"table": "books"}),
    ("table drop", {"table": "secrets"}),
    ("table drop", {"table": "nope"}),
]


async def test_members_cannot_manage_tables_whatever_the_options(
    simcord_env, guild, member, channel, books, store, other_server
):
    """Without Manage Server, table commands are not offered; let in by the server's command settings, they are
    refused for any table: here, in another server, or nowhere."""
    for command, options in MANAGE:
        await not_offered(member, channel, command, **options)
    table = next(c for c in simcord_env.backend.commands[None].values() if c["name"] == "table")
    guild.set_command_permissions(int(table["id"]), {member: True})
    for command, options in MANAGE:
        result = await member.slash(channel, command, **options)
        assert "**Manage Server**" in refusal(simcord_env, result, NotAllowed), (command, options)
    assert store.table_names() == ["books"]
    assert store.schema("books").column_names == ["title", "author", "year", "read"]
    assert other_server[4].table_names() == ["books", "secrets"]


async def test_only_the_asker_can_confirm_a_drop(simcord_env, admin, moderator, member, channel, books, store):
    """The drop prompt is ephemeral: no other member, not even a moderator, can see or press its button."""
    prompt = reply(await admin.slash(channel, "table drop", table="books"))
    assert prompt.ephemeral
    for other in (member, moderator):
        with pytest.raises(simcord.SetupError, match="not visible to this user"):
            await other.click(prompt, label="Drop books")
    assert store.table_names() == ["books"]


async def test_members_cannot_change_others_records_by_any_id(
    simcord_env, member, other_member, channel, books, store, other_server
):
    """Guessing ids: every record of someone else is refused for update and delete; missing ids are just missing."""
    for n in range(1, 4):
        await member.slash(channel, "record insert", table="books", values=f"title=Book {n}, author=A")
    await other_member.slash(channel, "record insert", table="books", values="title=Mine, author=C")
    for record_id in range(1, 7):
        for command, options in (("record update", {"set": "title=Taken"}), ("record delete", {})):
            result = await other_member.slash(channel, command, table="books", id=record_id, **options)
            if record_id == 4:  # their own
                assert not reply(result).ephemeral
            elif record_id <= 3:
                assert "**Manage Messages**" in refusal(simcord_env, result, NotAllowed)
            else:
                assert "has no record" in refusal(simcord_env, result, discobase.RecordNotFound)
    assert [r.values["title"] for r in await store.find("books")] == ["Book 1", "Book 2", "Book 3"]
    assert (await other_server[4].get("books", 1)).values["title"] == "Theirs"


async def test_others_cannot_turn_someone_elses_pages(simcord_env, member, other_member, channel, books):
    """The find paginator's buttons answer only the member who asked."""
    for n in range(12):
        await member.slash(channel, "record insert", table="books", values=f"title=B{n}, author=A")
    found = reply(await member.slash(channel, "record find", table="books"))
    pressed = reply(await other_member.click(found, label="Next"))
    assert pressed.ephemeral and "Only <@" in pressed.content
    assert found.embeds[0].footer.text.endswith("page 1 of 2")
