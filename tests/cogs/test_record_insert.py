"""/record insert, with values and through its form."""

from __future__ import annotations

import discobase
from cogs.utils.errors import Refused

from .helpers import field_values, refusal, reply


async def test_insert_answers_publicly_in_one_line(member, channel, books, store):
    """The new record is confirmed to everyone in one line, no card; it is stored with its values and creator."""
    result = await member.slash(
        channel, "record insert", table="books", values="title=Dune, author=Frank Herbert, year=1965"
    )
    message = reply(result)
    assert not message.ephemeral
    head, values = message.content.split(": ", 1)
    assert head == "Inserted record **1** into `books`"
    assert values.split(" \u00b7 ") == ["title: Dune", "author: Frank Herbert", "year: 1965", "read: false"]
    assert message.embeds == []
    record = await store.get("books", 1)
    assert record.values == {"title": "Dune", "author": "Frank Herbert", "year": 1965, "read": False}
    assert record.creator_id == member.id


async def test_show_record_shows_the_card_privately_to_whoever_asks(member, other_member, channel, books):
    """The confirmation's Show record button gives any member the whole record, privately, as it is now."""
    inserted = reply(await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert"))
    await member.slash(channel, "record update", table="books", id=1, set="year=1965")
    shown = reply(await other_member.click(inserted, label="Show record"))
    assert shown.ephemeral
    embed = shown.embeds[0]
    assert embed.title == "books #1"
    assert field_values(embed) == {"title": "Dune", "author": "Herbert", "year": "1965", "read": "false"}
    assert embed.description == f"Created by <@{member.id}>"


async def test_show_record_after_a_restart_and_a_delete(simcord_env, member, channel, books):
    """The button outlives a restart; for a deleted record it says the record is gone."""
    from bot import create_bot

    inserted = reply(await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert"))
    await simcord_env.bot.close()  # a clean stop: the write lease is released
    await simcord_env.restart_bot(create_bot())
    assert reply(await member.click(inserted, label="Show record")).embeds[0].title == "books #1"
    await member.slash(channel, "record delete", table="books", id=1)
    gone = reply(await member.click(inserted, label="Show record"))
    assert gone.ephemeral and "has no record with id 1" in gone.content
    simcord_env.errors.clear()


async def test_thirteen_inserts_post_thirteen_short_lines(member, channel, books):
    """Many inserts do not fill the channel with cards: each is one line of at most a few hundred characters."""
    for number in range(13):
        message = reply(
            await member.slash(channel, "record insert", table="books", values=f"title=Book {number}, author=X")
        )
        assert message.embeds == [] and len(message.content) < 400 and "\n" not in message.content


async def test_insert_takes_a_json_object(member, channel, books, store):
    """Values may be given as JSON."""
    await member.slash(channel, "record insert", table="books", values='{"title": "Emma", "author": "Austen"}')
    assert (await store.get("books", 1)).values["title"] == "Emma"


async def test_insert_gives_ids_in_order(member, channel, books):
    """Each insert gets the next id."""
    await member.slash(channel, "record insert", table="books", values="title=A, author=X")
    message = reply(await member.slash(channel, "record insert", table="books", values="title=B, author=X"))
    assert message.content.startswith("Inserted record **2** into `books`:")


async def test_insert_names_the_bad_value(simcord_env, member, channel, books, store):
    """A value of the wrong type is refused, naming the column and the format; nothing is stored."""
    result = await member.slash(channel, "record insert", table="books", values="title=Dune, author=X, year=soon")
    text = refusal(simcord_env, result, discobase.BadValue)
    assert "Column `year`" in text and "whole number" in text
    assert await store.count("books") == 0


async def test_insert_suggests_the_closest_column(simcord_env, member, channel, books):
    """An unknown column is refused with the closest name."""
    result = await member.slash(channel, "record insert", table="books", values="titel=Dune, author=X")
    assert "Did you mean `title`?" in refusal(simcord_env, result, Refused)


async def test_insert_names_every_problem_at_once(simcord_env, member, channel, books, store):
    """An unknown column, a bad value and a missing required column are all named in one answer."""
    result = await member.slash(channel, "record insert", table="books", values="titel=Dune, year=soon, read=maybe")
    text = refusal(simcord_env, result, Refused)
    assert text.startswith("Nothing was inserted into `books`: the record has 5 problems.")
    for part in ("no column `titel`", "Column `title`", "Column `author`", '"soon" is not a whole number', '"maybe"'):
        assert part in text
    assert await store.count("books") == 0


async def test_insert_refuses_a_missing_required_column(simcord_env, member, channel, books):
    """A required column left out is named."""
    result = await member.slash(channel, "record insert", table="books", values="title=Dune")
    assert "Column `author`" in refusal(simcord_env, result, discobase.BadValue)


async def test_insert_refuses_a_duplicate_unique_value(simcord_env, member, channel, books, store):
    """A unique column cannot hold the same value twice; the reply names the record that has it."""
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=X")
    result = await member.slash(channel, "record insert", table="books", values="title=Dune, author=Y")
    text = refusal(simcord_env, result, discobase.UniqueViolation)
    assert 'record 1 already has "Dune"' in text  # double quotes, as every message quotes values
    assert await store.count("books") == 1


async def test_insert_explains_bad_syntax(simcord_env, member, channel, books):
    """Text that is not column=value pairs is refused with an example."""
    result = await member.slash(channel, "record insert", table="books", values="just some words")
    assert "is not a `column=value` pair" in refusal(simcord_env, result, discobase.GrammarError)


async def test_insert_into_an_unknown_table_suggests_one(simcord_env, member, channel, books):
    """An unknown table is refused with the closest name."""
    result = await member.slash(channel, "record insert", table="bok", values="title=Dune")
    assert "Did you mean `books`?" in refusal(simcord_env, result, discobase.UnknownTable)


async def test_values_never_ping_nor_restyle(member, channel, books):
    """Mentions and markdown in values are shown as typed: nobody is pinged, nothing turns bold."""
    message = reply(
        await member.slash(
            channel, "record insert", table="books", values="title=**@everyone**, author=<@&123456789012345678>"
        )
    )
    assert "title: \\*\\*@\u200beveryone\\*\\*" in message.content
    assert "author: <@\u200b&123456789012345678>" in message.content
    assert not message.message.mention_everyone
    assert message.message.role_mentions == []


async def test_insert_without_values_opens_a_field_per_column(member, channel, books):
    """With at most 5 columns, the form has one field per column: name and type, the format as placeholder."""
    result = await member.slash(channel, "record insert", table="books")
    modal = result.modal
    assert modal is not None and modal["title"] == "Insert into books"
    inputs = [row["components"][0] for row in modal["components"]]
    assert [field["label"] for field in inputs] == ["title (text)", "author (text)", "year (int)", "read (bool)"]
    assert inputs[2]["placeholder"] == "a whole number, like 42 (optional)"
    assert inputs[3]["placeholder"] == "true or false (empty: false)"
    assert [field["required"] for field in inputs] == [True, True, False, False]


async def test_form_inserts_what_was_typed(member, channel, books, store):
    """Submitting the form inserts the record; empty fields take their defaults."""
    shown = await member.slash(channel, "record insert", table="books")
    submitted = await member.submit_modal(shown, {"title": "Dune", "author": "Herbert", "year": "1965", "read": ""})
    assert reply(submitted).content.startswith("Inserted record **1** into `books`:")
    assert (await store.get("books", 1)).values == {"title": "Dune", "author": "Herbert", "year": 1965, "read": False}


async def test_form_names_every_problem_and_gives_the_form_back_filled_in(simcord_env, member, channel, books, store):
    """Bad fields are all named privately; Fix the form reopens the form with what was typed; then it inserts."""
    shown = await member.slash(channel, "record insert", table="books")
    typed = {"title": "Dune", "author": "Herbert", "year": "soon", "read": "maybe"}
    submitted = await member.submit_modal(shown, typed)
    message = reply(submitted)
    assert message.ephemeral
    assert message.content.startswith("Nothing was inserted into `books`: the record has 2 problems.")
    assert 'Column `year`: "soon"' in message.content and 'Column `read`: "maybe"' in message.content
    assert await store.count("books") == 0
    again = await member.click(message, label="Fix the form")
    inputs = [row["components"][0] for row in again.modal["components"]]
    assert {field["custom_id"]: field.get("value") for field in inputs} == typed
    done = await member.submit_modal(again, {**typed, "year": "1965", "read": "yes"})
    assert reply(done).content.startswith("Inserted record **1** into `books`:")
    assert (await store.get("books", 1)).values == {"title": "Dune", "author": "Herbert", "year": 1965, "read": True}
    assert simcord_env.errors == []


async def test_form_keeps_the_input_when_a_unique_value_is_taken(member, channel, books, store):
    """A title already in the table is named, and the form comes back with the text typed."""
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=X")
    submitted = await member.submit_modal(
        await member.slash(channel, "record insert", table="books"), {"title": "Dune", "author": "Herbert"}
    )
    assert 'record 1 already has "Dune"' in reply(submitted).content
    again = await member.click(reply(submitted), label="Fix the form")
    assert [row["components"][0].get("value") for row in again.modal["components"]][:2] == ["Dune", "Herbert"]


async def test_wide_table_form_has_one_pairs_field(admin, member, channel, store):
    """With more than 5 columns, the form has one column=value field, pre-filled with every column."""
    await admin.slash(
        channel, "table create", name="wide", columns="a:int, b:int, c:int, d:int, e:int, f:text optional"
    )
    shown = await member.slash(channel, "record insert", table="wide")
    inputs = [row["components"][0] for row in shown.modal["components"]]
    assert len(inputs) == 1
    assert inputs[0]["value"] == "a=\nb=\nc=\nd=\ne=\nf="
    submitted = await member.submit_modal(shown, {"values": "a=1\nb=2, c=3\nd=4\ne=5\nf=six, seven"})
    assert reply(submitted).content.startswith("Inserted record **1** into `wide`:")
    assert (await store.get("wide", 1)).values == {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": "six, seven"}


async def test_form_for_an_unknown_table_is_refused(simcord_env, member, channel, books):
    """No form opens for a table that does not exist."""
    result = await member.slash(channel, "record insert", table="nope")
    assert result.modal is None
    assert "There is no table `nope`" in refusal(simcord_env, result, discobase.UnknownTable)


async def test_insert_problems_come_in_column_order_with_names_quoted(simcord_env, admin, channel, store):
    """A name that fits no member is listed where its column stands, quoted like every other bad value."""
    await admin.slash(channel, "table create", name="loans", columns="what:text, owner:user, due:date, copies:int")
    result = await admin.slash(channel, "record insert", table="loans", values="copies=many, owner=zed, what=Dune")
    text = refusal(simcord_env, result, Refused)
    lines = text.splitlines()[1:]
    assert [line.split("`")[1] for line in lines] == ["owner", "due", "copies"]
    assert lines[0].startswith('\u2022 Column `owner`: "zed" is no member of this server.')
    assert await store.count("loans") == 0
