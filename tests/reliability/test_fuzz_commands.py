"""Fuzzed input through the real commands on SimCord: every answer is a success or a clear ephemeral refusal.

Never the apology for an unexpected error, never an error SimCord captured that
is not one of the project's own, and never a reply Discord would reject (SimCord
enforces the 2,000-character content and the embed limits).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import cleanly
from .strategies import FILES, LONG, TEXT, mangle

# The bot, its guild and the `books` table are made once per test and shared by its examples.
COMMANDS = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
OPTION = st.one_of(TEXT.filter(str.strip), LONG)


@COMMANDS
@given(where=OPTION, sort=st.one_of(st.none(), OPTION))
async def test_find_and_count(simcord_env, member, channel, books, where, sort):
    """/record find and /record count with any where and sort."""
    options = {"table": "books", "where": where} | ({"sort": sort} if sort else {})
    await cleanly(simcord_env, member.slash(channel, "record find", **options))
    await cleanly(simcord_env, member.slash(channel, "record count", table="books", where=where))


@COMMANDS
@given(
    name=st.one_of(st.just("fuzz"), TEXT.filter(str.strip)),
    columns=OPTION,
    description=st.one_of(st.none(), TEXT.filter(str.strip).map(lambda text: text[:300])),
)
async def test_table_create(simcord_env, admin, channel, name, columns, description):
    """/table create with any name, columns and description."""
    options = {"name": name, "columns": columns} | ({"description": description} if description else {})
    await cleanly(simcord_env, admin.slash(channel, "table create", **options))


@COMMANDS
@given(values=OPTION, changes=OPTION)
async def test_insert_and_update(simcord_env, member, channel, books, store, values, changes):
    """/record insert values:<fuzz> and /record update set:<fuzz> on a record that exists."""
    if not await store.count("books"):
        await member.slash(channel, "record insert", table="books", values="title=first, author=x")
    await cleanly(simcord_env, member.slash(channel, "record insert", table="books", values=values))
    await cleanly(simcord_env, member.slash(channel, "record update", table="books", id=1, set=changes))


FIELD = st.one_of(TEXT, st.sampled_from(["x" * 4000, "@everyone " * 400, "*" * 4000, "9" * 4000]))


@COMMANDS
@given(title=FIELD.filter(str.strip), author=FIELD.filter(str.strip), year=FIELD, read=FIELD)
async def test_insert_form(simcord_env, member, channel, books, title, author, year, read):
    """The insert form, its fields filled with anything up to Discord's 4,000 characters."""
    shown = await member.slash(channel, "record insert", table="books")
    fields = {"title": title, "author": author, "year": year, "read": read}
    await cleanly(simcord_env, member.submit_modal(shown, fields))


@COMMANDS
@given(upload=FILES, how=st.sampled_from(["", "bom", "crlf", "nul", "cut"]))
async def test_import(simcord_env, member, channel, books, upload, how, moderator):
    """/record import with any CSV, JSON or JSON lines file, whole or mangled."""
    suffix, data = upload
    filename = f"rows.{suffix}" if suffix else "rows"
    file = (filename, mangle(data, how))
    await cleanly(simcord_env, moderator.slash(channel, "record import", table="books", file=file))


async def test_guessed_and_huge_ids(simcord_env, member, channel, books):
    """/record get, update and delete with ids that never existed, up to Discord's largest integer."""
    for record_id in (1, 2, 10**6, 2**53 - 1):
        await cleanly(simcord_env, member.slash(channel, "record get", table="books", id=record_id))
        await cleanly(simcord_env, member.slash(channel, "record update", table="books", id=record_id, set="year=1"))
        await cleanly(simcord_env, member.slash(channel, "record delete", table="books", id=record_id))


@COMMANDS
@given(typed=OPTION)
async def test_autocomplete(simcord_env, member, channel, books, store, typed):
    """Typing anything into an autocompleted option: valid choices (at most 25, names of 1 to 100) and no error."""
    if not await store.count("books"):
        await member.slash(channel, "record insert", table="books", values="title=**@everyone**, author=x")
    cursor = simcord_env.error_cursor
    for command, option, filled in (
        ("record find", "table", {}),
        ("record find", "where", {"table": "books"}),
        ("record find", "sort", {"table": "books"}),
        ("record insert", "values", {"table": "books"}),
        ("record get", "id", {"table": "books"}),
    ):
        choices = await member.autocomplete(channel, command, option, typed, **filled)
        assert len(choices) <= 25
        assert all(1 <= len(choice["name"]) <= 100 for choice in choices)
    assert simcord_env.errors_since(cursor) == ()
