"""Who may read and write which table: /table access, and every command, button and autocomplete applying it."""

from __future__ import annotations

import discord
import orjson
import pytest
import simcord

import discobase
from bot import create_bot
from cogs.utils.errors import NotAllowed

from .helpers import handled, not_offered, refusal, reply

NOTES_COLUMNS = "who:text, note:text"


@pytest.fixture
def staff(guild: simcord.GuildHandle) -> simcord.RoleHandle:
    """A role with no permission of its own: the rules name it."""
    return guild.create_role("Staff")


@pytest.fixture
def staffer(simcord_env: simcord.Env, guild: simcord.GuildHandle, staff: simcord.RoleHandle) -> simcord.MemberActor:
    """A plain member with the Staff role."""
    return guild.add_member(simcord_env.create_user("sam"), roles=[staff])


@pytest.fixture
async def notes(admin, channel, staff, books) -> str:
    """`notes`: staff only, to read and to write (moderation notes); one note in it, by the admin."""
    await admin.slash(channel, "table create", name="notes", columns=NOTES_COLUMNS)
    await admin.slash(channel, "record insert", table="notes", values="who=bob, note=warned for spam")
    set_rules = reply(await admin.slash(channel, "table access", table="notes", read=staff, write=staff))
    assert set_rules.ephemeral and f"read: <@&{staff.id}> \u00b7 write: <@&{staff.id}>" in set_rules.content
    return "notes"


@pytest.fixture
async def apps(admin, channel, staff) -> str:
    """`apps`: everyone may apply (write), only staff may read the applications."""
    await admin.slash(channel, "table create", name="apps", columns="why:text")
    await admin.slash(channel, "table access", table="apps", read=staff)
    return "apps"


def hidden_text(env: simcord.Env, result: simcord.InteractionResult) -> str:
    """The refusal of a table the member may not see, which must be that of a table that does not exist."""
    return refusal(env, result, discobase.UnknownTable)


READ_AND_WRITE = [
    ("record find", {}),
    ("record get", {"id": 1}),
    ("record count", {"where": "who = bob"}),
    ("record export", {"format": "csv"}),
    ("record describe", {}),
    ("record insert", {"values": "who=x, note=y"}),
    ("record update", {"id": 1, "set": "note=z"}),
    ("record delete", {"id": 1}),
    ("record import", {"file": ("n.json", orjson.dumps([{"who": "a", "note": "b"}]))}),
]


@pytest.mark.parametrize(("command", "options"), READ_AND_WRITE, ids=[c for c, _ in READ_AND_WRITE])
async def test_a_member_without_access_gets_the_answer_for_a_table_that_does_not_exist(
    simcord_env, member, moderator, channel, notes, store, command, options
):
    """Word for word the answer for a missing table: no name, size or rule leaks, and nothing is written."""
    before = {r.id: r.values for r in await store.find("notes")}
    for who in (member, moderator):  # Manage Messages gives no way into a table one may not read
        hidden = hidden_text(simcord_env, await who.slash(channel, command, table="notes", **options))
        missing = hidden_text(simcord_env, await who.slash(channel, command, table="ghost", **options))
        assert hidden == missing.replace("ghost", "notes")
    assert {r.id: r.values for r in await store.find("notes")} == before


async def test_a_near_miss_never_suggests_a_hidden_table(simcord_env, member, staffer, channel, notes):
    """`note` suggests `notes` to those who may see it, and nothing to others."""
    result = await member.slash(channel, "record find", table="note")
    assert "notes" not in hidden_text(simcord_env, result)
    shown = refusal(simcord_env, await staffer.slash(channel, "record find", table="note"), discobase.UnknownTable)
    assert "`notes`" in shown


async def test_list_and_autocomplete_show_only_what_the_member_may_see(member, staffer, admin, channel, notes, apps):
    """List and autocomplete: the tables one may read or write (`apps` as one to add to), never `notes`."""
    listed = reply(await member.slash(channel, "record tables")).embeds[0]
    assert listed.title == "Tables (2)" and "notes" not in (listed.description or "")
    assert (listed.description or "").splitlines() == [
        "`apps` \U0001f512 \u00b7 0 records of yours \u00b7 write only: you see your own records",
        "`books` \u00b7 0 records \u00b7 read and write",
    ]
    for who, expected in ((member, ["apps", "books"]), (staffer, ["apps", "books", "notes"])):
        choices = await who.autocomplete(channel, "record insert", "table", "")
        assert sorted(choice["value"] for choice in choices) == expected
    staff_list = reply(await staffer.slash(channel, "record tables")).embeds[0].description
    assert "`notes` \U0001f512 \u00b7 1 record" in staff_list
    admin_list = reply(await admin.slash(channel, "table list")).embeds[0].description
    assert "`apps`" in admin_list and "`notes`" in admin_list


async def test_column_and_record_autocomplete_of_a_hidden_table_is_empty(member, channel, notes):
    """Not a column name, not a record: autocomplete of a table one may not see offers nothing."""
    assert await member.autocomplete(channel, "record find", "where", "", table="notes") == []
    assert await member.autocomplete(channel, "record find", "sort", "", table="notes") == []
    assert await member.autocomplete(channel, "record insert", "values", "", table="notes") == []
    assert await member.autocomplete(channel, "record get", "id", "", table="notes") == []


async def test_staff_read_and_write_privately(simcord_env, staffer, channel, notes, store, staff):
    """Members with the role use the table as usual, and every answer about it is ephemeral."""
    inserted = reply(await staffer.slash(channel, "record insert", table="notes", values="who=cy, note=late"))
    assert inserted.ephemeral and "Inserted record **2**" in inserted.content
    for command, options in (
        ("record find", {}),
        ("record get", {"id": 1}),
        ("record count", {}),
        ("record export", {"format": "json"}),
        ("record describe", {}),
        ("record update", {"id": 2, "set": "note=very late"}),
        ("record delete", {"id": 2}),
    ):
        message = reply(await staffer.slash(channel, command, table="notes", **options))
        assert message.ephemeral, command
    described = reply(await staffer.slash(channel, "record describe", table="notes")).embeds[0]
    assert f"read: <@&{staff.id}>" in {f.name: f.value for f in described.fields}["Access"]
    assert [r.id for r in await store.find("notes")] == [1]
    assert not simcord_env.errors


async def test_a_write_only_member_applies_and_sees_only_their_own(
    simcord_env, member, other_member, staffer, channel, apps
):
    """`apps`: a member inserts, and finds, gets and counts their own applications; others' stay hidden."""
    inserted = reply(await member.slash(channel, "record insert", table="apps", values="why=I like books"))
    assert inserted.ephemeral and "Inserted record **1**" in inserted.content
    shown = reply(await member.click(inserted, label="Show record"))
    assert shown.ephemeral and shown.embeds[0].title == "apps #1"
    assert reply(await member.slash(channel, "record get", table="apps", id=1)).embeds[0].title == "apps #1"
    await other_member.slash(channel, "record insert", table="apps", values="why=me too")
    ids = await member.autocomplete(channel, "record update", "id", "", table="apps")
    assert [choice["value"] for choice in ids] == [1]
    hidden = await member.slash(channel, "record get", table="apps", id=2)
    assert "has no record with id 2" in refusal(simcord_env, hidden, discobase.RecordNotFound)
    listing = reply(await member.slash(channel, "record find", table="apps"))
    assert listing.ephemeral and [field.name for field in listing.embeds[0].fields] == ["#1"]
    assert listing.embeds[0].footer.text.startswith("1 record of yours matched")
    counted = reply(await member.slash(channel, "record count", table="apps"))
    assert counted.ephemeral and counted.content == "`apps` has 1 record of yours."
    none = reply(await member.slash(channel, "record find", table="apps", where="why ~ me too"))
    assert none.content == "None of your records of `apps` matches `why ~ me too`."
    updated = reply(await member.slash(channel, "record update", table="apps", id=1, set="why=I love books"))
    assert updated.ephemeral and "I love books" in updated.content
    assert len(await staffer.autocomplete(channel, "record get", "id", "", table="apps")) == 2


async def test_a_show_record_button_from_before_the_rules_shows_nothing(
    simcord_env, admin, member, other_member, channel, books, staff
):
    """A public confirmation posted while `books` was open: once it is staff only, its button shows others nothing."""
    inserted = reply(await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert"))
    await admin.slash(channel, "table access", table="books", read=staff, write=staff)
    hidden = reply(await other_member.click(inserted, label="Show record"))
    assert hidden.ephemeral and hidden.content.startswith("There is no table `books`.") and not hidden.embeds


async def test_without_write_access_nothing_changes(simcord_env, admin, member, channel, books, staff, store):
    """`books` written by staff only: a member may still find, but not insert, nor change their own older record."""
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert")
    await admin.slash(channel, "table access", table="books", write=staff)
    assert "Dune" in reply(await member.slash(channel, "record find", table="books")).embeds[0].fields[0].value
    for command, options in (
        ("record insert", {"values": "title=Emma, author=Austen"}),
        ("record update", {"id": 1, "set": "year=1965"}),
        ("record delete", {"id": 1}),
    ):
        text = refusal(simcord_env, await member.slash(channel, command, table="books", **options), NotAllowed)
        assert f"<@&{staff.id}>" in text, command
    form = await member.slash(channel, "record insert", table="books")
    assert form.modal is None
    handled(simcord_env)
    assert [(r.id, r.values.get("year")) for r in await store.find("books")] == [(1, None)]


async def test_an_import_needs_manage_messages(simcord_env, member, moderator, channel, books, store):
    """A plain member's import is refused and names the permission; a moderator's goes through."""
    data = orjson.dumps([{"title": "Dune", "author": "Herbert"}])
    result = await member.slash(channel, "record import", table="books", file=("b.json", data))
    assert "**Manage Messages**" in refusal(simcord_env, result, NotAllowed)
    assert await store.find("books") == []
    imported = reply(await moderator.slash(channel, "record import", table="books", file=("b.json", data)))
    assert imported.content.startswith("Imported 1 record")


async def test_only_manage_server_sets_rules(member, channel, books, staff, store):
    """A plain member is not offered `/table access`, and the rules stay as they were."""
    await not_offered(member, channel, "table access", table="books", read=staff)
    assert store.access("books") == discobase.EVERYONE


async def test_rules_are_shown_reset_and_kept_after_a_restart(
    simcord_env, settings, guild, admin, member, channel, notes, staff
):
    """Without options the rules are shown; a restart keeps them; reset opens the table again."""
    shown = reply(await admin.slash(channel, "table access", table="notes"))
    assert shown.ephemeral and f"read: <@&{staff.id}>" in shown.content
    await simcord_env.bot.close()  # a clean restart: the old process releases the write lease
    await simcord_env.restart_bot(create_bot(settings))
    hidden_text(simcord_env, await member.slash(channel, "record find", table="notes"))
    reset = reply(await admin.slash(channel, "table access", table="notes", reset=True))
    assert "read: everyone \u00b7 write: everyone" in reset.content
    found = reply(await member.slash(channel, "record find", table="notes"))
    assert not found.ephemeral and "warned for spam" in found.embeds[0].fields[0].value
    await admin.slash(channel, "table access", table="notes", read=staff)
    await admin.slash(channel, "table access", table="notes", read=guild.default_role)  # @everyone: no rule
    assert "read: everyone" in reply(await admin.slash(channel, "table access", table="notes")).content


async def test_storage_channels_stay_hidden_from_every_member(simcord_env, guild, notes, store):
    """Every storage channel denies @everyone View Channel and allows it to no role: only the bot reads them."""
    bot_guild = simcord_env.bot.get_guild(guild.id)
    for name in ("notes", "books"):
        channel = bot_guild.get_channel(store.tables.entry(name).channel_id)
        assert isinstance(channel, discord.TextChannel)
        assert channel.overwrites_for(bot_guild.default_role).view_channel is False
        for target, overwrite in channel.overwrites.items():
            if isinstance(target, discord.Role):
                assert overwrite.view_channel is not True, target
            else:
                assert target.id == bot_guild.me.id


async def test_a_list_naming_a_private_table_is_private(staffer, member, channel, notes):
    """A staff member's list shows `notes` (marked private) only to them; a plain member's list stays public."""
    listed = reply(await staffer.slash(channel, "record tables"))
    assert listed.ephemeral and "`notes` \U0001f512" in listed.embeds[0].description
    assert not reply(await member.slash(channel, "record tables")).ephemeral


async def test_a_write_only_member_learns_nothing_of_others_records(
    simcord_env, member, other_member, channel, apps, store
):
    """Updating or deleting someone else's record of `apps` gets the answer for an id that does not exist."""
    await other_member.slash(channel, "record insert", table="apps", values="why=secret reason")
    for command, options in (("record update", {"set": "why=x"}), ("record delete", {}), ("record get", {})):
        taken = refusal(
            simcord_env, await member.slash(channel, command, table="apps", id=1, **options), discobase.RecordNotFound
        )
        free = refusal(
            simcord_env, await member.slash(channel, command, table="apps", id=99, **options), discobase.RecordNotFound
        )
        assert taken == free.replace("99", "1") and str(other_member.id) not in taken, command
    assert (await store.get("apps", 1)).values["why"] == "secret reason"


async def test_an_upsert_needs_read_access(simcord_env, admin, member, moderator, channel, staff, store):
    """A moderator who may not read `apps` cannot overwrite its records by key, nor learn which keys exist."""
    await admin.slash(channel, "table create", name="signups", columns="name:text unique, why:text")
    await admin.slash(channel, "table access", table="signups", read=staff)
    await member.slash(channel, "record insert", table="signups", values="name=bob, why=mine")
    data = orjson.dumps([{"name": "bob", "why": "overwritten"}])
    result = await moderator.slash(
        channel, "record import", table="signups", file=("s.json", data), mode="upsert", key="name"
    )
    assert f"<@&{staff.id}>" in refusal(simcord_env, result, NotAllowed)
    assert (await store.get("signups", 1)).values["why"] == "mine"
