"""Values are kept exactly as typed, and shown in messages as a member would type them back.

- inside double quotes only ``\\"`` (a quote) and ``\\\\`` (a backslash) are special;
- ``bio=""`` is the empty text, a value; ``bio=`` is no value;
- an optional column given no value stays empty even when it has a default;
- refusals, import problem lists and update diffs show values as typed (``2024-05-31T14:30:00Z``).
"""

from __future__ import annotations

import orjson
import pytest

import discobase
from bot import create_bot

from .helpers import field_values, refusal, reply

PEOPLE = "name:text unique, bio:text optional, nick:text optional default=anon"


@pytest.fixture
async def people(admin, channel) -> str:
    """A table with an optional text column and an optional column with a default."""
    await admin.slash(channel, "table create", name="people", columns=PEOPLE)
    return "people"


async def test_backslashes_inside_quotes_are_kept(member, channel, people, store):
    r"""A Windows path keeps its backslashes; only \" and \\ are escapes."""
    await member.slash(channel, "record insert", table="people", values='name="C:\\Users\\ann, home"')
    await member.slash(channel, "record insert", table="people", values='name="say \\"hi\\" \\\\o/"')
    assert [record.values["name"] for record in await store.find("people")] == [
        "C:\\Users\\ann, home",
        'say "hi" \\o/',
    ]
    found = reply(await member.slash(channel, "record find", table="people", where='name = "C:\\Users\\ann, home"'))
    assert [field.name for field in found.embeds[0].fields] == ["#1"]


async def test_empty_text_is_a_value_and_nothing_is_no_value(member, channel, people, store):
    """``bio=""`` stores the empty text, ``bio=`` stores nothing; where tells them apart the same way."""
    await member.slash(channel, "record insert", table="people", values='name=ann, bio=""')
    await member.slash(channel, "record insert", table="people", values="name=bob, bio=")
    await member.slash(channel, "record insert", table="people", values="name=cy, bio=hello")
    assert [record.values["bio"] for record in await store.find("people")] == ["", None, "hello"]

    empty_text = reply(await member.slash(channel, "record find", table="people", where='bio = ""'))
    assert [field.name for field in empty_text.embeds[0].fields] == ["#1"]
    nothing = reply(await member.slash(channel, "record find", table="people", where="bio ="))
    assert [field.name for field in nothing.embeds[0].fields] == ["#2"]
    shown = field_values(reply(await member.slash(channel, "record get", table="people", id=1)).embeds[0])
    assert (shown["bio"], shown["name"]) == ('""', "ann")
    assert field_values(reply(await member.slash(channel, "record get", table="people", id=2)).embeds[0])["bio"] == (
        "\u2014"
    )

    exported = reply(await member.slash(channel, "record export", table="people", format="json"))
    rows = orjson.loads(await exported.attachments[0].read())
    assert [row["bio"] for row in rows] == ["", None, "hello"]


async def test_a_required_text_column_takes_the_empty_text_on_update(member, channel, books, store):
    """Setting a required text column to ``""`` is a change, not an emptying."""
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert")
    message = reply(await member.slash(channel, "record update", table="books", id=1, set='author=""'))
    assert message.content == 'Updated record **1** of `books`:\n`author`: Herbert \u2192 ""'
    assert (await store.get("books", 1)).values["author"] == ""


async def test_no_value_on_an_optional_column_beats_its_default(member, channel, people, store):
    """``nick=`` stores no value although the column has a default; leaving nick out gives the default."""
    await member.slash(channel, "record insert", table="people", values="name=bob, nick=")
    await member.slash(channel, "record insert", table="people", values="name=al")
    assert [record.values["nick"] for record in await store.find("people")] == [None, "anon"]
    exported = reply(await member.slash(channel, "record export", table="people", format="json"))
    assert [row["nick"] for row in orjson.loads(await exported.attachments[0].read())] == [None, "anon"]


async def test_no_value_on_an_optional_column_with_a_default_survives_a_restart(
    simcord_env, settings, guild, member, channel, people
):
    """Stored as null, so a new process does not read the default in its place."""
    await member.slash(channel, "record insert", table="people", values="name=bob, nick=")
    await simcord_env.bot.close()
    await simcord_env.restart_bot(create_bot(settings))
    store = simcord_env.bot.engine.store(simcord_env.bot.get_guild(guild.id))
    assert (await store.get("people", 1)).values["nick"] is None


async def test_a_missing_required_value_names_the_column(simcord_env, member, channel, people):
    """No `""` that was never typed: the message names the column and what it takes."""
    result = await member.slash(channel, "record insert", table="people", values="bio=x")
    assert refusal(simcord_env, result, discobase.BadValue).startswith(
        "Column `name` is required: give it a value (any text)."
    )


@pytest.fixture
async def events(admin, channel) -> str:
    """A table with a unique datetime column."""
    await admin.slash(channel, "table create", name="events", columns="at:datetime unique, what:text optional")
    return "events"


async def test_unique_refusal_shows_the_time_as_typed(simcord_env, member, channel, events):
    """The refusal reads 2024-05-31T14:30:00Z, not a Python datetime."""
    await member.slash(channel, "record insert", table="events", values="at=2024-05-31T16:30:00+02:00")
    result = await member.slash(channel, "record insert", table="events", values="at=2024-05-31T14:30:00Z")
    text = refusal(simcord_env, result, discobase.UniqueViolation)
    assert "record 1 already has 2024-05-31T14:30:00Z." in text
    assert "datetime" not in text


async def test_import_problems_show_values_as_typed(member, channel, events, store, moderator):
    """The import's problem list names the clashing time as a member would type it."""
    data = orjson.dumps([{"at": "2024-05-31T14:30:00Z"}, {"at": "2024-05-31T14:30:00+00:00"}, {"at": "soon"}])
    message = reply(await moderator.slash(channel, "record import", table="events", file=("events.json", data)))
    lines = message.content.splitlines()
    assert lines[1] == "Row 2, column `at`: 2024-05-31T14:30:00Z is also in row 1, and the column is unique"
    assert lines[2].startswith('Row 3, column `at`: "soon" is not a date and time')
    assert await store.count("events") == 0


async def test_update_diff_shows_times_as_typed(member, channel, events):
    """The update reply's old -> new shows each member the times in their own time zone (Discord timestamps)."""
    await member.slash(channel, "record insert", table="events", values="at=2024-05-31T14:30:00Z")
    message = reply(await member.slash(channel, "record update", table="events", id=1, set="at=2024-06-01T09:00Z"))
    assert message.content.endswith("`at`: <t:1717165800:f> \u2192 <t:1717232400:f>")
