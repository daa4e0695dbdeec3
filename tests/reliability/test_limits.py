"""Values at and over Discord's limits, mentions, markdown, formula cells and oversized files.

Stored whole, shown cut, never refused by Discord at reply time: SimCord checks
every reply against Discord's limits (2,000 characters of content; embeds of at
most 25 fields, 1,024 a field value, 6,000 in all), so a reply over them fails
the test as it would fail on Discord.
"""

from __future__ import annotations

import csv
import io
import sys
import tracemalloc

import discord
import orjson
import pytest

import discobase
from bot import create_bot
from cogs.record._files import MAX_ROWS, read_rows
from cogs.utils.errors import Refused
from tests.cogs.helpers import field_values, refusal

from .helpers import cleanly, no_pings

WIDE = ", ".join(f"column_{n:02}_with_a_long_name_x:text optional" for n in range(1, 26))


def embed_size(embed: discord.Embed) -> int:
    """Characters Discord counts towards an embed's 6,000."""
    parts = [embed.title, embed.description, embed.footer.text, embed.author.name]
    parts += [text for field in embed.fields for text in (field.name, field.value)]
    return sum(len((text or "").strip()) for text in parts)


def within_limits(message) -> None:
    assert len(message.content) <= 2000
    for embed in message.embeds:
        assert len(embed.fields) <= 25
        assert all(len(field.value or "") <= 1024 for field in embed.fields)
        assert embed_size(embed) <= 6000


async def restart(env, settings) -> None:
    """A clean restart: the old process releases its write lease, a new one reads everything back."""
    await env.bot.close()
    await env.restart_bot(create_bot(settings))


def fresh_store(env, guild) -> discobase.GuildStore:
    return env.bot.engine.store(env.bot.get_guild(guild.id))


# ---------------------------------------------------------------- long values


@pytest.mark.parametrize("text", ["x" * 5990, "**" * 2995, "@everyone " * 599, "`" * 5990, "é\u200b" * 2995])
async def test_a_long_value_is_stored_whole_and_shown_cut(
    simcord_env, settings, guild, member, channel, books, store, text
):
    """A 6,000-character value: the insert, get, find and update replies show it cut; it is stored whole."""
    values = orjson.dumps({"title": text, "author": text[:10] or "x"}).decode()
    inserted = await cleanly(simcord_env, member.slash(channel, "record insert", table="books", values=values))
    assert inserted.content.startswith("Inserted record **1** into `books`:")
    for action in (
        member.slash(channel, "record get", table="books", id=1),
        member.slash(channel, "record find", table="books"),
        member.slash(channel, "record update", table="books", id=1, set=orjson.dumps({"author": text}).decode()),
    ):
        message = await cleanly(simcord_env, action)
        assert not message.ephemeral
        within_limits(message)
        no_pings(simcord_env, message)
    assert (await store.get("books", 1)).values["title"] == text
    await restart(simcord_env, settings)
    assert (await fresh_store(simcord_env, guild).get("books", 1)).values == {
        "title": text,
        "author": text,
        "year": None,
        "read": False,
    }


async def test_4000_characters_in_every_form_field(simcord_env, settings, guild, member, channel, books):
    """The insert form's fields at Discord's 4,000 characters each: stored whole, the reply within limits."""
    shown = await member.slash(channel, "record insert", table="books")
    fields = {"title": "t" * 4000, "author": "@here " * 666 + "a" * 4, "year": "1" * 4000, "read": "y" * 4000}
    refused = await cleanly(simcord_env, member.submit_modal(shown, fields))
    assert refused.ephemeral and "Column `year`" in refused.content  # 4,000 digits are no whole number
    shown = await member.slash(channel, "record insert", table="books")
    fields = {"title": "t" * 4000, "author": "@here " * 666 + "a" * 4, "year": "1999", "read": "yes"}
    message = await cleanly(simcord_env, member.submit_modal(shown, fields))
    assert message.content.startswith("Inserted record **1** into `books`:")
    within_limits(message)
    no_pings(simcord_env, message)
    await restart(simcord_env, settings)
    record = await fresh_store(simcord_env, guild).get("books", 1)
    assert (record.values["title"], record.values["author"]) == (fields["title"], fields["author"])


async def test_a_wide_record_of_long_values_fits_one_embed(
    simcord_env, settings, guild, admin, member, channel, moderator
):
    """25 columns of 1,000 characters (25,000 in all): stored whole; get and find show it in one valid embed."""
    await cleanly(simcord_env, admin.slash(channel, "table create", name="wide", columns=WIDE))
    names = [spec.split(":")[0] for spec in WIDE.split(", ")]
    row = {name: ("*@" if n % 2 else "ab") * 500 for n, name in enumerate(names)}
    imported = await cleanly(
        simcord_env, moderator.slash(channel, "record import", table="wide", file=("wide.json", orjson.dumps([row])))
    )
    assert imported.content.startswith("Imported 1 record into `wide`")
    for action in (
        member.slash(channel, "record get", table="wide", id=1),
        member.slash(channel, "record find", table="wide"),
        moderator.slash(channel, "record update", table="wide", id=1, set=f"{names[0]}=changed"),
    ):
        message = await cleanly(simcord_env, action)
        within_limits(message)
    get = await cleanly(simcord_env, member.slash(channel, "record get", table="wide", id=1))
    assert len(get.embeds[0].fields) == 25
    shown = field_values(get.embeds[0])
    assert shown[names[0]] == "changed"
    assert all(shown[name].endswith("\u2026") for name in names[1:])
    await restart(simcord_env, settings)
    assert (await fresh_store(simcord_env, guild).get("wide", 1)).values == {**row, names[0]: "changed"}


async def test_long_input_in_an_error_is_cut_and_keeps_its_advice(simcord_env, member, channel, books):
    """A refused 6,000-character option still gets an answer, and the advice after the echoed input survives."""
    result = await member.slash(channel, "record find", table="books", where="x" * 6000)
    text = refusal(simcord_env, result, discobase.GrammarError)
    assert len(text) < 400
    assert text.endswith("like `year >= 1990 or title ~ dune`.")
    result = await member.slash(channel, "record insert", table="books", values="title=a, author=b, year=" + "9" * 5000)
    assert "whole number" in refusal(simcord_env, result, discobase.BadValue)
    result = await member.slash(channel, "record find", table="b" * 6000)
    assert "`/table list` shows every table" in refusal(simcord_env, result, discobase.UnknownTable)


async def test_numbers_beyond_64_bits_are_refused_not_crashed(simcord_env, admin, member, channel, books):
    """Whole numbers and ids that a record message could not hold are refused with a reason."""
    for values, error in (
        ("title=a, author=b, year=9223372036854775808", "out of range"),
        ("title=a, author=b, year=-9223372036854775809", "out of range"),
        ('{"title": "a", "author": "b", "year": 18446744073709551615}', "out of range"),
    ):
        result = await member.slash(channel, "record insert", table="books", values=values)
        assert error in refusal(simcord_env, result, discobase.BadValue)
    await admin.slash(channel, "table create", name="people", columns="who:user, seen:datetime optional")
    result = await member.slash(channel, "record insert", table="people", values="who=<@999999999999999999999>")
    assert "is not a user" in refusal(simcord_env, result, discobase.BadValue)
    result = await member.slash(
        channel, "record insert", table="people", values=f"who={member.id}, seen=0001-01-01T00:00:00+01:00"
    )
    assert "out of range" in refusal(simcord_env, result, discobase.BadValue)


async def test_nested_json_values_are_refused(simcord_env, member, channel, books):
    """A JSON list or object as a value, even 900 levels deep, is refused as not one value."""
    values = '{"title": ' + "[" * 900 + "]" * 900 + ', "author": {"a": 1}}'
    result = await member.slash(channel, "record insert", table="books", values=values)
    text = refusal(simcord_env, result, Refused)  # both columns are named at once
    assert 'Column `title`: "[…]"' in text and 'Column `author`: "{…}"' in text and "a column takes one value" in text


# ---------------------------------------------------------------- mentions and markdown


@pytest.fixture
def pingable(simcord_env, guild):
    """A mentionable role with a member in it: what a value could try to ping."""
    role = guild.create_role("Readers", mentionable=True)
    guild.add_member(simcord_env.create_user("reader"), roles=[role])
    return role


async def test_mentions_in_values_never_ping(
    simcord_env, admin, member, other_member, channel, pingable, store, moderator
):
    """@everyone, @here, a member and a mentionable role inside values: no reply and no stored message pings."""
    await admin.slash(channel, "table create", name="notes", columns="text:text, who:user optional")
    bait = f"@everyone @here {other_member.mention} <@!{other_member.id}> {pingable.mention}"
    messages = [
        await cleanly(simcord_env, member.slash(channel, "record insert", table="notes", values=f'text="{bait}"')),
        await cleanly(simcord_env, member.slash(channel, "record get", table="notes", id=1)),
        await cleanly(simcord_env, member.slash(channel, "record find", table="notes", where=f'text ~ "{bait}"')),
        await cleanly(simcord_env, member.slash(channel, "record find", table="notes", where="text ~ @everyone")),
        await cleanly(
            simcord_env,
            member.slash(channel, "record update", table="notes", id=1, set=f'who={other_member.id}, text="{bait}!"'),
        ),
        await cleanly(simcord_env, other_member.slash(channel, "record delete", table="notes", id=1)),  # refused
        await cleanly(simcord_env, member.slash(channel, "record count", table="notes", where=f'text ~ "{bait}"')),
        await cleanly(simcord_env, member.slash(channel, "record export", table="notes", format="csv")),
        await cleanly(
            simcord_env,
            moderator.slash(channel, "record import", table="notes", file=("n.json", orjson.dumps([{"text": bait}]))),
        ),
        await cleanly(simcord_env, member.slash(channel, "record delete", table="notes", id=1)),
    ]
    assert f"<@{other_member.id}>" in messages[4].content  # a user column shows as a mention: rendered, not pinged
    for message in messages:
        no_pings(simcord_env, message)
    table_channel = store.tables.entry("notes").channel_id
    for stored in simcord_env.backend.messages[table_channel].values():
        no_pings(simcord_env, simcord_env.backend.get_message(table_channel, stored.id))


async def test_record_edits_never_ping_even_from_a_library_client(simcord_env, member, channel, books, store):
    """The engine's own edits of record messages carry a no-pings policy, whatever the client's default."""
    simcord_env.bot.allowed_mentions = None  # a library user's plain client has no default policy
    await store.insert("books", {"title": "@everyone", "author": "x"}, member.id)
    await store.update("books", 1, {"author": f"{member.mention} @here"})
    edits = [entry for entry in simcord_env.http_requests if entry.method == "PATCH" and "/messages/" in entry.path]
    assert edits and all(entry.json.get("allowed_mentions") == {"parse": []} for entry in edits)


MARKDOWN = ["**bold**", "__under__", "~~strike~~", "||spoiler||", "`code`", "```\nblock\n```", "> quote", "# Head"]


async def test_markdown_in_values_is_shown_as_typed(simcord_env, member, channel, books):
    """Markdown in a value is escaped in every reply: it cannot restyle, hide or swallow the rest of a reply."""
    for n, text in enumerate(MARKDOWN, 1):
        values = orjson.dumps({"title": text, "author": f"a{n}"}).decode()
        message = await cleanly(simcord_env, member.slash(channel, "record insert", table="books", values=values))
        assert message.content.startswith(f"Inserted record **{n}** into `books`: title: ")
        card = await cleanly(simcord_env, member.click(message, label="Show record"))
        shown = field_values(card.embeds[0])["title"]
        assert shown == discord.utils.escape_markdown(text.replace("\n", " ")), shown
    found = await cleanly(simcord_env, member.slash(channel, "record find", table="books", where="title ~ `"))
    assert found.embeds[0].description == "where `title ~ \u02cb`"  # the member's backtick cannot close the code
    update = await cleanly(
        simcord_env, member.slash(channel, "record update", table="books", id=6, set='author="```", year=1')
    )
    assert update.content.endswith("`author`: a6 \u2192 \\`\\`\\`\n`year`: \u2014 \u2192 1")  # escaped, not a block


# ---------------------------------------------------------------- files


FORMULAS = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "'=quoted", "a\rb", "a\r\nb", '"=q"']


async def test_csv_export_neutralises_formulas_and_imports_back(simcord_env, admin, member, channel, store, moderator):
    """No exported text cell starts like a formula, carriage returns stay inside their cell, and import is exact."""
    for name in ("cells", "copy"):
        await admin.slash(channel, "table create", name=name, columns="text:text, n:int optional")
    for n, text in enumerate(FORMULAS):
        values = orjson.dumps({"text": text, "n": -n}).decode()
        await cleanly(simcord_env, member.slash(channel, "record insert", table="cells", values=values))
    export = await cleanly(simcord_env, member.slash(channel, "record export", table="cells", format="csv"))
    data = await export.attachments[0].read()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == len(FORMULAS) + 1
    assert all(row[1][:1] not in ("=", "+", "-", "@", "\t", "\r") for row in rows[1:])
    imported = await cleanly(simcord_env, moderator.slash(channel, "record import", table="copy", file=("c.csv", data)))
    assert imported.content.startswith(f"Imported {len(FORMULAS)} records")
    assert [r.values for r in await store.find("copy")] == [r.values for r in await store.find("cells")]


@pytest.mark.parametrize(
    ("filename", "data", "error", "words"),
    [
        ("big.csv", b"title,author\n" + b"a,b\n" * (MAX_ROWS + 1), Refused, f"at most {MAX_ROWS}"),
        ("big.jsonl", b'{"title": "a"}\n' * (MAX_ROWS + 1), Refused, f"at most {MAX_ROWS}"),
        ("tiny.json", b"[" + b"{}," * 2_000_000 + b"{}]", Refused, f"at most {MAX_ROWS} rows"),
        ("deep.json", b"[" * (MAX_ROWS + 2) + b"]" * (MAX_ROWS + 2), Refused, f"at most {MAX_ROWS} rows"),
        ("deep.json", b'[{"title": ' + b"[" * 500 + b"]" * 500 + b"}]", discobase.GrammarError, "not one value"),
        ("bad.json", b'[{"title": "a",}]', discobase.GrammarError, "not valid JSON"),
        ("bad.csv", b"title\n\xff\xfe\n", discobase.GrammarError, "not UTF-8"),
        ("bad.csv", b"title\n" + b'"' + b"x" * 200_000 + b'"\n', discobase.GrammarError, "field limit"),
        ("cells.csv", b"title,author\na,b,c\n", discobase.GrammarError, "more cells than the header"),
    ],
)
async def test_bad_or_oversized_imports_are_refused_with_the_limit(
    simcord_env, member, channel, books, store, filename, data, error, words, moderator
):
    """Files too big, too many rows, too deep or malformed: refused, naming the limit or the fault; nothing written."""
    result = await moderator.slash(channel, "record import", table="books", file=(filename, data))
    assert words in refusal(simcord_env, result, error)
    assert await store.count("books") == 0


async def test_a_file_over_the_size_limit_is_refused_unread(
    simcord_env, member, channel, books, monkeypatch, moderator
):
    """A file over the import limit is refused from its size, naming the limit, before it is downloaded."""
    cog_module = sys.modules[type(simcord_env.bot.get_cog("RecordCog")).__module__]  # reloaded by each restart
    monkeypatch.setattr(cog_module, "MAX_IMPORT_BYTES", 1024 * 1024)
    monkeypatch.setattr(discord.Attachment, "read", None)  # reading it would fail the test
    result = await moderator.slash(channel, "record import", table="books", file=("big.csv", b"x" * (1024 * 1024 + 1)))
    assert "up to 1 MiB" in refusal(simcord_env, result, Refused)


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("tiny.json", b"[" + b"{}," * 2_796_000 + b"{}]"),
        ("tiny.jsonl", b"{}\n" * 2_796_000),
        ("strings.json", b"[" + b'"x",' * 2_097_000 + b'"x"]'),
        ("lists.json", b'[{"a": [' + b"[]," * 2_796_000 + b"[]]}]"),
        ("rows.csv", b"a\n" + b"x\n" * 4_194_000),
    ],
)
def test_an_8_mib_file_of_tiny_rows_does_not_fill_memory(filename, data):
    """8 MiB of the smallest rows is refused with at most a few times its size in memory (it was 0.3 to 1.6 GB)."""
    tracemalloc.start()
    try:
        with pytest.raises((Refused, discobase.GrammarError)):  # too many rows, or rows that are no objects
            read_rows(filename, data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * len(data), f"{peak / 1e6:.0f} MB"
