"""/table create, list, describe, add-column and drop, as admins and members use them."""

from __future__ import annotations

import discobase

from .conftest import BOOKS_COLUMNS
from .helpers import field_values, not_offered, refusal, reply


async def test_create_answers_publicly_with_the_columns(admin, channel, store):
    """An admin's new table is announced with its columns and stored with its creator."""
    result = await admin.slash(channel, "table create", name="books", columns=BOOKS_COLUMNS, description="What we read")
    message = reply(result)
    assert not message.ephemeral
    assert "Created table `books`" in message.content
    described = message.embeds[0].description or ""
    assert "`title` text, unique, required" in described
    assert "`read` bool, default false" in described
    assert "What we read" in described
    schema = store.schema("books")
    assert schema.column_names == ["title", "author", "year", "read"]
    assert schema.creator_id == admin.id


async def test_create_makes_a_channel_in_the_storage_category(admin, channel, guild, books):
    """The table lives in a channel of the `discobase` category, next to the catalog."""
    assert {"discobase", "db-catalog", "books"} <= set(guild.channels)


async def test_create_is_not_offered_without_manage_server(member, channel, store):
    """A member without Manage Server is not offered `/table create`, and no table is made."""
    await not_offered(member, channel, "table create", name="books", columns="title:text")
    await store.open()
    assert store.table_names() == []


async def test_create_explains_a_bad_column_type(simcord_env, admin, channel):
    """A misspelt type is named, with the closest type suggested."""
    result = await admin.slash(channel, "table create", name="books", columns="title:txt")
    assert "Did you mean `text`?" in refusal(simcord_env, result, discobase.GrammarError)


async def test_create_explains_a_bad_table_name(simcord_env, admin, channel):
    """A name outside the grammar is refused with the rule and an example."""
    result = await admin.slash(channel, "table create", name="my books", columns="title:text")
    assert "not a valid table name" in refusal(simcord_env, result, discobase.SchemaError)


async def test_create_suggests_the_lowercase_name(simcord_env, admin, channel):
    """`Events` is refused with `events` suggested; `My Books` with `my_books`."""
    result = await admin.slash(channel, "table create", name="Events", columns="title:text")
    assert "Did you mean `events`?" in refusal(simcord_env, result, discobase.SchemaError)
    result = await admin.slash(channel, "table create", name="My Books", columns="title:text")
    assert "Did you mean `my_books`?" in refusal(simcord_env, result, discobase.SchemaError)


async def test_create_suggests_a_type_for_names_from_elsewhere(simcord_env, admin, channel):
    """`string` gets "did you mean text?", `integer` int, `boolean` bool."""
    for typed, meant in (("string", "text"), ("integer", "int"), ("boolean", "bool")):
        result = await admin.slash(channel, "table create", name="books", columns=f"title:{typed}")
        assert f"Did you mean `{meant}`?" in refusal(simcord_env, result, discobase.GrammarError)


async def test_create_refuses_a_taken_name(simcord_env, admin, channel, books):
    """A second table of the same name is refused."""
    result = await admin.slash(channel, "table create", name="books", columns="title:text")
    assert "exists already" in refusal(simcord_env, result, discobase.TableExists)


async def test_list_says_when_there_are_no_tables(member, channel):
    """An empty server gets a hint instead of an empty list."""
    message = reply(await member.slash(channel, "record tables"))
    assert "no tables yet" in message.content
    assert not message.ephemeral


async def test_list_shows_counts_and_descriptions(admin, member, channel, books):
    """Each table is listed with its record count, what the member may do there, and its description."""
    await admin.slash(channel, "table create", name="films", columns="name:text", description="Seen together")
    await member.slash(channel, "record insert", table="films", values="name=Alien")
    embed = reply(await member.slash(channel, "record tables")).embeds[0]
    assert embed.title == "Tables (2)"
    assert embed.description == (
        "`books` \u00b7 0 records \u00b7 read and write\n"
        "`films` \u00b7 1 record \u00b7 read and write \u00b7 Seen together"
    )
    admin_embed = reply(await admin.slash(channel, "table list")).embeds[0]
    assert admin_embed.description == "`books` \u00b7 0 records\n`films` \u00b7 1 record \u00b7 Seen together"


async def test_list_pages_many_tables(admin, member, channel):
    """More tables than fit a page get previous/next buttons."""
    for number in range(16):
        await admin.slash(channel, "table create", name=f"t{number:02}", columns="x:int")
    message = reply(await member.slash(channel, "record tables"))
    assert message.embeds[0].footer.text.startswith("Page 1 of 2")
    turned = reply(await member.click(message, label="Next"))
    assert turned.embeds[0].description == "`t15` \u00b7 0 records \u00b7 read and write"


async def test_list_marks_a_table_whose_channel_was_deleted(simcord_env, member, channel, guild, books):
    """A table whose channel an admin deleted by hand is shown as damaged, not as empty."""
    simcord_env.backend.delete_channel(guild.channels["books"].id)
    await simcord_env.settle()
    embed = reply(await member.slash(channel, "record tables")).embeds[0]
    assert "**damaged**" in (embed.description or "")


async def test_describe_shows_columns_count_and_creator(admin, member, channel, books):
    """Describe gives every column with its type and flags, the record count and the creator."""
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert")
    embed = reply(await member.slash(channel, "record describe", table="books")).embeds[0]
    assert embed.title == "Table books"
    assert "`year` int, optional" in (embed.description or "")
    fields = field_values(embed)
    assert fields["Records"] == "1 record"
    assert fields["Created by"] == f"<@{admin.id}>"


async def test_describe_suggests_the_closest_table(simcord_env, member, channel, books):
    """An unknown table name is answered with the closest one."""
    result = await member.slash(channel, "record describe", table="boks")
    assert "Did you mean `books`?" in refusal(simcord_env, result, discobase.UnknownTable)


async def test_add_column_gives_existing_records_the_default(admin, member, channel, books, store):
    """A column with a default shows up in existing records with that default."""
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert")
    message = reply(await admin.slash(channel, "table add-column", table="books", column="pages:int default=100"))
    assert "Added column `pages` to `books`. Existing records read its default, 100." in message.content
    assert (await store.get("books", 1)).values["pages"] == 100


async def test_add_column_optional_leaves_records_empty(admin, member, channel, books, store):
    """An optional column without default is empty in existing records."""
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert")
    message = reply(await admin.slash(channel, "table add-column", table="books", column="isbn:text optional"))
    assert "have no value in it yet" in message.content
    assert store.schema("books").column("isbn").optional
    assert (await store.get("books", 1)).values["isbn"] is None


async def test_add_column_refuses_a_required_column_on_a_table_with_records(simcord_env, admin, channel, books):
    """A required column cannot be added once records exist: the reply says to make it optional or give a default."""
    await admin.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert")
    result = await admin.slash(channel, "table add-column", table="books", column="pages:int")
    assert "must be `optional` or have a `default=`" in refusal(simcord_env, result, discobase.SchemaError)


async def test_add_column_with_an_existing_name_says_so(simcord_env, admin, channel, books):
    """A column the table has already is named as such first, whatever else the spec says (issue 25)."""
    for spec in ("year:int optional", "year:int", "year:strng default=x"):
        result = await admin.slash(channel, "table add-column", table="books", column=spec)
        text = refusal(simcord_env, result, discobase.SchemaError)
        assert text == (
            "`books` has a column `year` already. Give the new column another name, "
            "or change that one with `/table alter-column table:books column:year`."
        )


async def test_add_column_takes_one_spec(simcord_env, admin, channel, books):
    """Two specs in one add-column are refused with a hint."""
    result = await admin.slash(channel, "table add-column", table="books", column="a:int optional, b:int optional")
    assert "Give one column spec" in refusal(simcord_env, result, discobase.GrammarError)


async def test_add_column_is_not_offered_without_manage_server(member, channel, books, store):
    """A member without Manage Server cannot add columns."""
    await not_offered(member, channel, "table add-column", table="books", column="pages:int optional")
    assert "pages" not in store.schema("books").column_names


async def test_drop_asks_first_and_drops_on_confirm(admin, member, channel, guild, books, store):
    """Drop shows an ephemeral confirmation; confirming drops the table, its channel, and tells everyone."""
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert")
    prompt = reply(await admin.slash(channel, "table drop", table="books"))
    assert prompt.ephemeral
    assert "Drop table `books` and its 1 record?" in prompt.content
    assert store.table_names() == ["books"]
    confirmed = await admin.click(prompt, label="Drop books")
    assert store.table_names() == []
    assert "books" not in guild.channels
    announcement = reply(confirmed)
    assert not announcement.ephemeral
    assert announcement.content == f"<@{admin.id}> dropped table `books` and its 1 record."


async def test_drop_cancel_keeps_the_table(admin, channel, books, store):
    """Cancel leaves the table as it was."""
    prompt = reply(await admin.slash(channel, "table drop", table="books"))
    cancelled = reply(await admin.click(prompt, label="Cancel"))
    assert cancelled.content == "Cancelled: nothing was changed."
    assert store.table_names() == ["books"]


async def test_drop_times_out_without_dropping(simcord_env, admin, channel, books, store):
    """Without an answer within two minutes the buttons go away and nothing is dropped."""
    result = await admin.slash(channel, "table drop", table="books")
    await simcord_env.advance_time(121)
    assert reply(result).content == "No answer in time: nothing was changed."
    assert reply(result).components == []
    assert store.table_names() == ["books"]


async def test_drop_is_not_offered_without_manage_server(member, channel, books, store):
    """A member without Manage Server gets no confirmation button at all."""
    await not_offered(member, channel, "table drop", table="books")
    assert store.table_names() == ["books"]


async def test_drop_clears_a_damaged_table(simcord_env, admin, channel, guild, books, store):
    """A table whose channel was deleted by hand can be dropped from the catalog."""
    simcord_env.backend.delete_channel(guild.channels["books"].id)
    await simcord_env.settle()
    prompt = reply(await admin.slash(channel, "table drop", table="books"))
    assert "what is left of it" in prompt.content
    await admin.click(prompt, label="Drop books")
    assert store.table_names() == []


async def test_create_names_every_problem_at_once(simcord_env, admin, channel, store):
    """A bad table name, a bad type and a bad flag are named together; no table is made."""
    result = await admin.slash(channel, "table create", name="My Books", columns="title:strng, year:int uniq")
    text = refusal(simcord_env, result, discobase.GrammarError)
    lines = text.splitlines()
    assert lines[0] == "3 problems:"
    assert lines[1].startswith("- `My Books` is not a valid table name. Did you mean `my_books`?")
    assert lines[2].startswith("- Column `title`: `strng` is not a type.")
    assert lines[3].startswith("- Column `year`: `uniq` is not a flag. Did you mean `unique`?")
    await store.open()
    assert store.table_names() == []
