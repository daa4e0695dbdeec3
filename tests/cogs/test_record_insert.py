"""/record insert, with values and through its form."""

from __future__ import annotations

import discobase

from .helpers import field_values, refusal, reply


async def test_insert_answers_publicly_with_the_record(member, channel, books, store):
    """The new record is shown to everyone and stored with its values and creator."""
    result = await member.slash(
        channel, "record insert", table="books", values="title=Dune, author=Frank Herbert, year=1965"
    )
    message = reply(result)
    assert not message.ephemeral
    assert message.content == "Inserted record **1** into `books`."
    embed = message.embeds[0]
    assert embed.title == "books #1"
    assert field_values(embed) == {"title": "Dune", "author": "Frank Herbert", "year": "1965", "read": "false"}
    assert embed.description == f"Created by <@{member.id}>"
    record = await store.get("books", 1)
    assert record.values == {"title": "Dune", "author": "Frank Herbert", "year": 1965, "read": False}
    assert record.creator_id == member.id


async def test_insert_takes_a_json_object(member, channel, books, store):
    """Values may be given as JSON."""
    await member.slash(channel, "record insert", table="books", values='{"title": "Emma", "author": "Austen"}')
    assert (await store.get("books", 1)).values["title"] == "Emma"


async def test_insert_gives_ids_in_order(member, channel, books):
    """Each insert gets the next id."""
    await member.slash(channel, "record insert", table="books", values="title=A, author=X")
    message = reply(await member.slash(channel, "record insert", table="books", values="title=B, author=X"))
    assert message.content == "Inserted record **2** into `books`."


async def test_insert_names_the_bad_value(simcord_env, member, channel, books, store):
    """A value of the wrong type is refused, naming the column and the format; nothing is stored."""
    result = await member.slash(channel, "record insert", table="books", values="title=Dune, author=X, year=soon")
    text = refusal(simcord_env, result, discobase.BadValue)
    assert "Column `year`" in text and "whole number" in text
    assert await store.count("books") == 0


async def test_insert_suggests_the_closest_column(simcord_env, member, channel, books):
    """An unknown column is refused with the closest name."""
    result = await member.slash(channel, "record insert", table="books", values="titel=Dune, author=X")
    assert "Did you mean `title`?" in refusal(simcord_env, result, discobase.UnknownColumn)


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
    fields = field_values(message.embeds[0])
    assert fields["title"] == "\\*\\*@\u200beveryone\\*\\*"
    assert fields["author"] == "<@\u200b&123456789012345678>"
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
    assert reply(submitted).content == "Inserted record **1** into `books`."
    assert (await store.get("books", 1)).values == {"title": "Dune", "author": "Herbert", "year": 1965, "read": False}


async def test_form_refuses_a_bad_value(simcord_env, member, channel, books, store):
    """A bad value in the form is refused ephemerally, like in the command."""
    shown = await member.slash(channel, "record insert", table="books")
    submitted = await member.submit_modal(shown, {"title": "Dune", "author": "Herbert", "year": "soon"})
    assert "Column `year`" in refusal(simcord_env, submitted, discobase.BadValue)
    assert await store.count("books") == 0


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
    assert reply(submitted).content == "Inserted record **1** into `wide`."
    assert (await store.get("wide", 1)).values == {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": "six, seven"}


async def test_form_for_an_unknown_table_is_refused(simcord_env, member, channel, books):
    """No form opens for a table that does not exist."""
    result = await member.slash(channel, "record insert", table="nope")
    assert result.modal is None
    assert "There is no table `nope`" in refusal(simcord_env, result, discobase.UnknownTable)
