"""/table rename, edit, rename-column, drop-column and alter-column, as admins and members use them."""

from __future__ import annotations

import discobase
from bot import create_bot

from .helpers import not_offered, refusal, reply


async def _insert(member, channel, *values: str) -> None:
    for text in values:
        inserted = reply(await member.slash(channel, "record insert", table="books", values=text))
        assert "Inserted record" in inserted.content


async def _restart(simcord_env, guild) -> discobase.GuildStore:
    await simcord_env.bot.close()  # a clean stop: the write lease is released
    await simcord_env.restart_bot(create_bot())
    return simcord_env.bot.engine.store(simcord_env.bot.get_guild(guild.id))


async def test_rename_keeps_records_and_ids_across_a_restart(simcord_env, admin, member, channel, guild, books):
    """A renamed table answers to its new name with the same records; the old name suggests nothing stale."""
    await _insert(member, channel, "title=Dune, author=Herbert")
    message = reply(await admin.slash(channel, "table rename", table="books", name="novels"))
    assert not message.ephemeral
    assert message.content.startswith("Renamed table `books` to `novels`.")
    store = await _restart(simcord_env, guild)
    got = reply(await member.slash(channel, "record get", table="novels", id=1))
    assert got.embeds[0].title == "novels #1"
    assert "novels" in [c["value"] for c in await member.autocomplete(channel, "record describe", "table", "")]
    result = await member.slash(channel, "record find", table="books")
    assert "no table `books`" in refusal(simcord_env, result, discobase.UnknownTable)
    assert (await store.insert("novels", {"title": "Emma", "author": "Austen"}, 1)).id == 2


async def test_rename_refuses_a_taken_name_and_a_bad_name(simcord_env, admin, channel, books, store):
    """A name another table has, or one outside the grammar, is refused with the fix; nothing changes."""
    await admin.slash(channel, "table create", name="films", columns="name:text")
    result = await admin.slash(channel, "table rename", table="books", name="films")
    assert "`films` exists already. Choose another name." in refusal(simcord_env, result, discobase.TableExists)
    result = await admin.slash(channel, "table rename", table="books", name="My Novels")
    assert "Did you mean `my_novels`?" in refusal(simcord_env, result, discobase.SchemaError)
    assert store.table_names() == ["books", "films"]


async def test_schema_changes_need_manage_server(member, channel, books, store):
    """No schema change is offered to a member without Manage Server, and nothing is written."""
    attempts = [
        ("table rename", {"table": "books", "name": "novels"}),
        ("table edit", {"table": "books", "description": "Mine"}),
        ("table rename-column", {"table": "books", "column": "year", "name": "published"}),
        ("table drop-column", {"table": "books", "column": "year"}),
        ("table alter-column", {"table": "books", "column": "year", "unique": True}),
    ]
    before = store.schema("books")
    for command, options in attempts:
        await not_offered(member, channel, command, **options)
    assert store.schema("books") == before


async def test_edit_changes_the_description(simcord_env, admin, member, channel, guild, books):
    """The new description shows in the list, also after a restart."""
    message = reply(await admin.slash(channel, "table edit", table="books", description="Our shelf"))
    assert message.content == "Changed the description of `books`."
    await _restart(simcord_env, guild)
    listed = reply(await member.slash(channel, "record tables")).embeds[0].description
    assert listed == "`books` \u00b7 0 records \u00b7 read and write \u00b7 Our shelf"


async def test_rename_column_keeps_every_value(simcord_env, admin, member, channel, guild, books):
    """Values are found under the new name, also after a restart; the column option autocompletes."""
    await _insert(member, channel, "title=Dune, author=Herbert, year=1965")
    offered = await admin.autocomplete(channel, "table rename-column", "column", "ye", table="books")
    assert [c["value"] for c in offered] == ["year"]
    message = reply(await admin.slash(channel, "table rename-column", table="books", column="year", name="published"))
    assert message.content == "Renamed column `year` of `books` to `published`. Every record keeps its value."
    await _restart(simcord_env, guild)
    found = reply(await member.slash(channel, "record find", table="books", where="published = 1965"))
    assert "published: 1965" in found.embeds[0].fields[0].value


async def test_rename_column_suggests_an_existing_column(simcord_env, admin, channel, books, store):
    """An unknown column is answered with the closest one; a taken name is named."""
    result = await admin.slash(channel, "table rename-column", table="books", column="yaer", name="published")
    assert "Did you mean `year`?" in refusal(simcord_env, result, discobase.UnknownColumn)
    result = await admin.slash(channel, "table rename-column", table="books", column="year", name="title")
    assert "already has a column `title`" in refusal(simcord_env, result, discobase.SchemaError)
    assert store.schema("books").column_names == ["title", "author", "year", "read"]


async def test_drop_column_asks_first_then_the_values_are_gone(simcord_env, admin, member, channel, guild, books):
    """The same member confirms; then the column is gone from get, find and export, also after a restart."""
    await _insert(member, channel, "title=Dune, author=Herbert, year=1965")
    prompt = reply(await admin.slash(channel, "table drop-column", table="books", column="title"))
    assert prompt.ephemeral
    assert prompt.content.startswith(
        "Drop column `title` of `books` and its values in 1 record? Its `unique` rule goes with it."
    )
    done = reply(await admin.click(prompt, label="Drop title"))
    assert done.content == f"<@{admin.id}> dropped column `title` from `books`."
    store = await _restart(simcord_env, guild)
    await store.open()
    assert store.schema("books").column_names == ["author", "year", "read"]
    exported = reply(await member.slash(channel, "record export", table="books", format="csv"))
    lines = (await exported.attachments[0].read()).decode("utf-8-sig").splitlines()
    assert lines == ["id,author,year,read", "1,Herbert,1965,false"]
    assert "title" not in (await store.get("books", 1)).values


async def test_drop_column_refuses_the_last_column(simcord_env, admin, channel, store):
    """A table keeps one column at least: refused before any confirmation."""
    await admin.slash(channel, "table create", name="notes", columns="body:text")
    result = await admin.slash(channel, "table drop-column", table="notes", column="body")
    assert "the only column of `notes`" in refusal(simcord_env, result, discobase.SchemaError)


async def test_alter_column_refuses_values_that_cannot_take_the_type(simcord_env, admin, member, channel, books, store):
    """author text -> int: refused, listing each offending record with its value; nothing is written."""
    await _insert(member, channel, "title=Dune, author=Herbert", "title=Emma, author=1815", "title=Odd, author=Homer")
    requests = len(simcord_env.http_requests)
    result = await admin.slash(channel, "table alter-column", table="books", column="author", type="int")
    text = refusal(simcord_env, result, discobase.AlterRejected)
    assert text.startswith("Nothing was changed: 2 records of `books` cannot take the change to `author`:")
    assert '\u2022 2 records (#1 "Herbert", #3 "Homer"): not a whole number' in text and "Fix: change them" in text
    storage = [r for r in simcord_env.http_requests[requests:] if "/interactions/" not in r.path]
    assert storage == []
    assert store.schema("books").column("author").type is discobase.ColumnType.TEXT


async def test_alter_column_changes_the_type_everywhere(simcord_env, admin, member, channel, guild, books):
    """year int -> text with every value converted; a restart keeps it."""
    await _insert(member, channel, "title=Dune, author=Herbert, year=1965", "title=Emma, author=Austen")
    message = reply(await admin.slash(channel, "table alter-column", table="books", column="year", type="text"))
    assert message.content == "Altered column `year` of `books`: now `year:text optional`. Rewrote 2 records."
    store = await _restart(simcord_env, guild)
    assert [r.values["year"] for r in await store.find("books")] == ["1965", None]
    found = reply(await member.slash(channel, "record count", table="books", where="year ~ 19"))
    assert "1 record" in found.content


async def test_alter_column_to_a_choice_and_required_with_a_default(simcord_env, admin, member, channel, books):
    """A text column becomes a required choice; empty values take the default; the type option autocompletes."""
    await admin.slash(channel, "table add-column", table="books", column="state:text optional")
    await _insert(member, channel, "title=Dune, author=Herbert, state=Open", "title=Emma, author=Austen")
    offered = await admin.autocomplete(channel, "table alter-column", "type", "ch", table="books")
    assert "choice(a|b|c)" in [c["value"] for c in offered]
    result = await admin.slash(
        channel, "table alter-column", table="books", column="state", type="choice(open|done)", optional=False
    )
    assert "\u2022 1 record (#2): no value. Fix: give `default=`" in refusal(
        simcord_env, result, discobase.AlterRejected
    )
    message = reply(
        await admin.slash(
            channel,
            "table alter-column",
            table="books",
            column="state",
            type="choice(open|done)",
            optional=False,
            default="done",
        )
    )
    assert message.content == (
        "Altered column `state` of `books`: now `state:choice(open|done) default=done`. "
        "Rewrote 2 records, 1 of them given the default."
    )


async def test_alter_column_unique_refuses_repeated_values(simcord_env, admin, member, channel, books):
    """Making a column unique where values repeat names the records that share them."""
    await _insert(member, channel, "title=Dune, author=Herbert", "title=Heretics, author=Herbert")
    result = await admin.slash(channel, "table alter-column", table="books", column="author", unique=True)
    assert '\u2022 1 record (#2 "Herbert" (as #1)): a value another record has' in refusal(
        simcord_env, result, discobase.AlterRejected
    )


async def test_an_alter_column_refusal_summarises_by_kind(simcord_env, admin, member, channel):
    """Twelve words and twelve empty values in a column made a required int: two lines, with ids, counts and fixes."""
    await admin.slash(channel, "table create", name="logs", columns="n:text optional")
    for number in range(1, 25):
        await member.slash(channel, "record insert", table="logs", values=f"n=word{number}" if number % 2 else "n=")
    result = await admin.slash(channel, "table alter-column", table="logs", column="n", type="int", optional=False)
    lines = refusal(simcord_env, result, discobase.AlterRejected).splitlines()
    assert lines == [
        "Nothing was changed: 24 records of `logs` cannot take the change to `n`:",
        '\u2022 12 records (#1 "word1", #3 "word3", #5 "word5", #7, #9, #11, #13, #15, #17, #19 and 2 more): '
        "not a whole number (example: 42) (int column). Fix: change them with `/record update`, or keep the type.",
        "\u2022 12 records (#2, #4, #6, #8, #10, #12, #14, #16, #18, #20 and 2 more): no value. "
        "Fix: give `default=` to fill them, or keep the column optional.",
    ]


async def test_alter_column_without_a_change_says_what_to_give(simcord_env, admin, channel, books):
    """No option at all is refused with the options to give."""
    result = await admin.slash(channel, "table alter-column", table="books", column="year")
    assert "give a `type`, `unique`, `optional` or `default`" in refusal(simcord_env, result, discobase.GrammarError)


def _storage_requests(simcord_env, since: int) -> list[str]:
    """The REST requests made since ``since`` that store something (not answers to members)."""
    return [
        f"{r.method} {r.path}"
        for r in simcord_env.http_requests[since:]
        if not r.path.startswith(("/interactions/", "/webhooks/"))
    ]


async def test_request_counts_of_schema_changes(simcord_env, admin, channel, books, store):
    """Rename, edit, rename-column and drop-column edit the catalog once; a type change on 1,000 records adds 1."""
    await store.insert_many("books", [{"title": f"t{n}", "author": "X", "year": n} for n in range(1000)], admin.id)
    steps = [
        ("table rename", {"table": "books", "name": "novels"}),
        ("table edit", {"table": "novels", "description": "Ours"}),
        ("table rename-column", {"table": "novels", "column": "author", "name": "writer"}),
        ("table alter-column", {"table": "novels", "column": "year", "type": "float"}),
    ]
    counts = []
    for command, options in steps:
        since = len(simcord_env.http_requests)
        assert not reply(await admin.slash(channel, command, **options)).ephemeral
        counts.append(len(_storage_requests(simcord_env, since)))
    prompt = reply(await admin.slash(channel, "table drop-column", table="novels", column="writer"))
    since = len(simcord_env.http_requests)
    await admin.click(prompt, label="Drop writer")
    counts.append(len(_storage_requests(simcord_env, since)))
    assert counts == [1, 1, 1, 3, 1]  # a type change: the key reserved, one batch, the catalog edit
    assert [r.values["year"] for r in await store.find("novels")][-1] == 999.0
