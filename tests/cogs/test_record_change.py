"""/record get, update, delete and count, with the rule that records are changed by their creator or moderators."""

from __future__ import annotations

import discord
import pytest

import discobase
from cogs.utils.errors import NotAllowed, Refused

from .helpers import field_values, refusal, reply


@pytest.fixture
async def dune(member, channel, books) -> int:
    """Record 1 of `books`, inserted by `member`."""
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert, year=1965")
    return 1


async def test_get_shows_every_column(other_member, channel, dune):
    """Any member sees one record with every column, even empty ones."""
    message = reply(await other_member.slash(channel, "record get", table="books", id=dune))
    assert not message.ephemeral
    embed = message.embeds[0]
    assert embed.title == "books #1"
    assert field_values(embed) == {"title": "Dune", "author": "Herbert", "year": "1965", "read": "false"}


async def test_update_that_changes_nothing_says_so(member, channel, dune, store):
    """Setting the values a record has already answers that nothing changed, and writes nothing."""
    before = await store.get("books", dune)
    message = reply(await member.slash(channel, "record update", table="books", id=dune, set="read=no, year=1965"))
    assert message.ephemeral
    assert message.content == "Nothing changed: record **1** of `books` already has `read` false, `year` 1965."
    assert (await store.get("books", dune)).message_id == before.message_id


async def test_update_lists_only_what_changed(member, channel, dune):
    """A set that repeats a value shows only the columns that really change."""
    message = reply(await member.slash(channel, "record update", table="books", id=dune, set="read=yes, year=1965"))
    assert message.content.splitlines()[1:] == ["`read`: false \u2192 true"]


async def test_datetimes_show_in_each_members_time_zone_and_dates_do_not_wrap(admin, member, channel):
    """A datetime is a Discord timestamp (local time for every reader); a date's hyphens never break a line."""
    await admin.slash(channel, "table create", name="events", columns="what:text, at:datetime, day:date optional")
    await member.slash(
        channel, "record insert", table="events", values="what=Launch, at=2026-01-10T19:00:00+01:00, day=2001-01-01"
    )
    card = reply(await member.slash(channel, "record get", table="events", id=1)).embeds[0]
    assert field_values(card)["at"] == "<t:1768068000:f>"
    assert field_values(card)["day"] == "2001\u201101\u201101"
    found = reply(await member.slash(channel, "record find", table="events", where="at > 2026-01-01"))
    assert "at: <t:1768068000:f>" in found.embeds[0].fields[0].value


async def test_get_can_answer_privately(other_member, channel, dune):
    """`private:True` shows the record to the member who asked only."""
    message = reply(await other_member.slash(channel, "record get", table="books", id=dune, private=True))
    assert message.ephemeral and message.embeds[0].title == "books #1"


async def test_get_unknown_id_says_how_to_find_ids(simcord_env, member, channel, dune):
    """An id that does not exist is refused with a pointer to /record find."""
    result = await member.slash(channel, "record get", table="books", id=7)
    assert "has no record with id 7" in refusal(simcord_env, result, discobase.RecordNotFound)


async def test_update_by_creator_shows_the_change(member, channel, dune, store):
    """The creator changes a column: the reply shows before and after, and it is stored."""
    message = reply(await member.slash(channel, "record update", table="books", id=dune, set="year=1966, read=yes"))
    assert not message.ephemeral
    assert message.content == "Updated record **1** of `books`:\n`year`: 1965 \u2192 1966\n`read`: false \u2192 true"
    assert (await store.get("books", dune)).values["year"] == 1966


async def test_update_by_another_member_is_refused(simcord_env, other_member, channel, dune, store):
    """A member who did not create the record and lacks Manage Messages cannot change it."""
    result = await other_member.slash(channel, "record update", table="books", id=dune, set="year=2000")
    assert "**Manage Messages**" in refusal(simcord_env, result, NotAllowed)
    assert (await store.get("books", dune)).values["year"] == 1965


async def test_update_by_a_moderator_is_allowed(moderator, channel, dune, store):
    """Members with Manage Messages may change anyone's record."""
    await moderator.slash(channel, "record update", table="books", id=dune, set="year=2000")
    assert (await store.get("books", dune)).values["year"] == 2000


async def test_update_with_a_bad_value_changes_nothing(simcord_env, member, channel, dune, store):
    """A value of the wrong type is refused and the record stays."""
    result = await member.slash(channel, "record update", table="books", id=dune, set="year=later")
    assert "Column `year`" in refusal(simcord_env, result, discobase.BadValue)
    assert (await store.get("books", dune)).values["year"] == 1965


async def test_update_cannot_empty_a_required_column(simcord_env, member, channel, dune):
    """A required column cannot be set to nothing (``title=`` with no value; ``title=""`` is the empty text)."""
    result = await member.slash(channel, "record update", table="books", id=dune, set="title=")
    assert refusal(simcord_env, result, discobase.BadValue).startswith(
        "Column `title` cannot be emptied: it is not optional. Give a value (any text)."
    )


async def test_update_keeps_unique_columns_unique(simcord_env, member, channel, dune):
    """Setting a unique column to another record's value is refused."""
    await member.slash(channel, "record insert", table="books", values="title=Emma, author=Austen")
    result = await member.slash(channel, "record update", table="books", id=2, set="title=Dune")
    assert "record 1 already has" in refusal(simcord_env, result, discobase.UniqueViolation)


async def test_delete_by_creator(member, channel, dune, store):
    """The creator deletes a record: the reply shows what it held, and it is gone."""
    message = reply(await member.slash(channel, "record delete", table="books", id=dune))
    head, values = message.content.split(": ", 1)
    assert head == "Deleted record **1** from `books`. It had"
    assert values.split(" \u00b7 ") == ["title: Dune", "author: Herbert", "year: 1965", "read: false"]
    assert message.embeds == []
    assert await store.count("books") == 0


async def test_delete_by_another_member_is_refused(simcord_env, other_member, channel, dune, store):
    """A member who did not create the record and lacks Manage Messages cannot delete it."""
    result = await other_member.slash(channel, "record delete", table="books", id=dune)
    assert "can delete it" in refusal(simcord_env, result, NotAllowed)
    assert await store.count("books") == 1


async def test_delete_by_a_moderator_is_allowed(moderator, channel, dune, store):
    """Members with Manage Messages may delete anyone's record."""
    await moderator.slash(channel, "record delete", table="books", id=dune)
    assert await store.count("books") == 0


async def test_deleted_ids_are_not_reused(member, channel, dune):
    """After deleting the newest record, the next insert still gets a new id."""
    await member.slash(channel, "record delete", table="books", id=dune)
    message = reply(await member.slash(channel, "record insert", table="books", values="title=Emma, author=Austen"))
    assert message.content.startswith("Inserted record **2** into `books`:")


async def test_count_all_and_matching(member, channel, dune):
    """Count gives all records, or those matching the conditions."""
    await member.slash(channel, "record insert", table="books", values="title=Emma, author=Austen, year=1815")
    assert reply(await member.slash(channel, "record count", table="books")).content == "`books` has 2 records."
    matching = reply(await member.slash(channel, "record count", table="books", where="year < 1900"))
    assert matching.content == "`books` has 1 record matching `year < 1900`."


async def test_count_explains_a_bad_condition(simcord_env, member, channel, dune):
    """A condition comparing text with ~ on a number column is refused with the reason."""
    result = await member.slash(channel, "record count", table="books", where="year ~ 19")
    assert "`year` is a column of type int" in refusal(simcord_env, result, discobase.GrammarError)


async def test_manage_messages_in_one_channel_does_not_open_others_records(simcord_env, guild, member, channel, books):
    """Manage Messages granted in one channel only (a ticket channel, say) does not open others' records."""
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert")
    other = guild.add_member(simcord_env.create_user("tina"))
    ticket = guild.create_text_channel("ticket", overwrites={other: discord.PermissionOverwrite(manage_messages=True)})
    result = await other.slash(ticket, "record delete", table="books", id=1)
    assert "Manage Messages" in refusal(simcord_env, result, NotAllowed)


async def test_update_names_every_problem_at_once(simcord_env, member, channel, books, store):
    """`set:` with two bad columns names both, in column order, and changes nothing."""
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert, year=1965")
    result = await member.slash(channel, "record update", table="books", id=1, set="read=maybe, year=soon")
    text = refusal(simcord_env, result, Refused)
    assert text.startswith("Nothing was changed: record **1** of `books` has 2 problems.")
    assert text.index('Column `year`: "soon"') < text.index('Column `read`: "maybe"')
    bulk = await member.slash(channel, "record update", table="books", where="id = 1", set="read=maybe, year=soon")
    assert refusal(simcord_env, bulk, Refused).startswith("Nothing was changed in `books`: the change has 2 problems.")
    assert (await store.get("books", 1)).values["year"] == 1965
