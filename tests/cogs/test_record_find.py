"""/record find: pages of ten, previous/next for the member who asked, where, sort and limit."""

from __future__ import annotations

import discord
import pytest
import simcord

import discobase
from cogs.utils.formatting import ELLIPSIS

from .helpers import refusal, reply


@pytest.fixture
async def many_books(member, channel, books, store) -> int:
    """23 books, year 2000 to 2022, stored directly (the commands are tested elsewhere)."""
    rows = [{"title": f"Book {n}", "author": "A" if n % 2 else "B", "year": 2000 + n - 1} for n in range(1, 24)]
    await store.insert_many("books", rows, member.id)
    return len(rows)


def _ids(message) -> list[str]:
    return [field.name for field in message.embeds[0].fields]


def _buttons(message) -> dict[str, bool]:
    """The page buttons, and whether each is disabled (the menu to open a record is not one)."""
    return {
        item["label"]: bool(item.get("disabled"))
        for row in message.components
        for item in row["components"]
        if item["type"] == discord.ComponentType.button.value
    }


async def test_find_shows_ten_records_a_page(member, channel, many_books):
    """The first page has records 1 to 10 (id, then columns) and says how many matched."""
    message = reply(await member.slash(channel, "record find", table="books"))
    assert not message.ephemeral
    assert _ids(message) == [f"#{n}" for n in range(1, 11)]
    assert message.embeds[0].fields[0].value == "title: Book 1 \u00b7 author: A \u00b7 year: 2000 \u00b7 read: false"
    assert message.embeds[0].footer.text == "23 records matched \u00b7 page 1 of 3"
    assert _buttons(message) == {"Previous": True, "Next": False}


async def test_next_and_previous_turn_the_pages(member, channel, many_books):
    """Next shows the following ten; on the last page Next is disabled; Previous goes back."""
    message = reply(await member.slash(channel, "record find", table="books"))
    await member.click(message, label="Next")
    last = reply(await member.click(message, label="Next"))
    assert _ids(last) == ["#21", "#22", "#23"]
    assert _buttons(last) == {"Previous": False, "Next": True}
    back = reply(await member.click(message, label="Previous"))
    assert _ids(back)[0] == "#11"


async def test_only_the_requester_turns_pages(member, other_member, channel, many_books):
    """Another member pressing Next gets an ephemeral note and the page stays."""
    result = await member.slash(channel, "record find", table="books")
    note = reply(await other_member.click(reply(result), label="Next"))
    assert note.ephemeral
    assert note.content.startswith(f"Only <@{member.id}> can use these buttons")
    assert _ids(reply(result))[0] == "#1"


async def test_page_buttons_stop_after_a_few_minutes(simcord_env, member, channel, many_books):
    """After three minutes the buttons are disabled."""
    result = await member.slash(channel, "record find", table="books")
    await simcord_env.advance_time(181)
    assert _buttons(reply(result)) == {"Previous": True, "Next": True}


async def test_one_page_has_no_buttons(member, channel, many_books):
    """A result that fits one page comes without page buttons, only the menu to open a record."""
    message = reply(await member.slash(channel, "record find", table="books", where="year < 2003"))
    assert _ids(message) == ["#1", "#2", "#3"]
    assert _buttons(message) == {}


async def test_where_sort_and_limit(member, channel, many_books):
    """Conditions filter, sort orders (descending with -) and limit caps the result."""
    message = reply(
        await member.slash(
            channel, "record find", table="books", where="author = A and year >= 2010", sort="-year", limit=3
        )
    )
    assert _ids(message) == ["#23", "#21", "#19"]
    assert message.embeds[0].description == "where `author = A and year >= 2010`"
    assert message.embeds[0].footer.text == "7 records matched \u00b7 showing the first 3 \u00b7 page 1 of 1"


async def test_find_can_answer_privately(member, channel, many_books):
    """`private:True` keeps a data-heavy answer out of the channel: only the member sees the pages."""
    message = reply(await member.slash(channel, "record find", table="books", private=True))
    assert message.ephemeral and _ids(message)[0] == "#1"


async def test_find_with_a_limit_counts_like_count(member, channel, many_books):
    """With a limit, the footer still says how many matched, as /record count with the same where does."""
    where = "author = A"
    found = reply(await member.slash(channel, "record find", table="books", where=where, limit=3))
    counted = reply(await member.slash(channel, "record count", table="books", where=where))
    assert counted.content == "`books` has 12 records matching `author = A`."
    assert found.embeds[0].footer.text.startswith("12 records matched \u00b7 showing the first 3")


@pytest.mark.parametrize(
    ("where", "ids"),
    [
        ("title == Book 3", ["#3"]),
        ("year = 2001 or year > 2020", ["#2", "#22", "#23"]),
        ("author = A and year < 2004 or year = 2010", ["#1", "#3", "#11"]),
        ("author = A and (year < 2004 or year = 2010)", ["#1", "#3", "#11"]),
        ("author = B and (year < 2004 or year = 2010)", ["#2", "#4"]),
        ("year in (2000, 2002, 1999)", ["#1", "#3"]),
        ("not year >= 2002", ["#1", "#2"]),
        ("year not in (2000, 2001) and year < 2004", ["#3", "#4"]),
        ("title ~= BOOK 7", ["#7"]),
        ('title ~= "book 1" or title = "Book 2"', ["#1", "#2"]),
    ],
)
async def test_where_takes_or_parentheses_in_not_and_double_equals(member, channel, many_books, where, ids):
    """`or`, parentheses, `in (…)`, `not`, `==` and `~=` (case-insensitive equality); `and` binds tighter."""
    message = reply(await member.slash(channel, "record find", table="books", where=where))
    assert _ids(message) == ids


async def test_or_with_a_bool_column_is_not_one_value(member, channel, many_books):
    """`read = no or year > 2020` is two conditions, not the yes/no value "no or year > 2020"."""
    message = reply(await member.slash(channel, "record count", table="books", where="read = no or year > 2020"))
    assert message.content == "`books` has 23 records matching `read = no or year > 2020`."


async def test_an_unclosed_parenthesis_is_explained(simcord_env, member, channel, many_books):
    """A parenthesis never closed is named, privately."""
    result = await member.slash(channel, "record find", table="books", where="(year > 2001 or author = A")
    assert "is never closed" in refusal(simcord_env, result, discobase.GrammarError)


async def test_substring_search_ignores_case(member, channel, many_books):
    """`~` finds text inside text whatever its case."""
    message = reply(await member.slash(channel, "record find", table="books", where="title ~ book 2"))
    assert _ids(message) == ["#2", "#20", "#21", "#22", "#23"]


async def test_no_match_is_said_plainly(member, channel, many_books):
    """A search without results says so."""
    message = reply(await member.slash(channel, "record find", table="books", where="year > 3000"))
    assert message.content == "No record of `books` matches `year > 3000`."


async def test_empty_table_says_it_has_no_records(member, channel, books):
    """Finding in an empty table says it has no records yet."""
    assert reply(await member.slash(channel, "record find", table="books")).content == "No record of `books` yet."


async def test_long_values_are_cut_with_an_ellipsis(member, channel, books):
    """A long value is shortened in the list, ending in an ellipsis."""
    await member.slash(channel, "record insert", table="books", values=f"title={'x' * 500}, author=A")
    value = reply(await member.slash(channel, "record find", table="books")).embeds[0].fields[0].value or ""
    assert ELLIPSIS in value
    assert len(value) < 400


async def test_bad_condition_is_explained(simcord_env, member, channel, many_books):
    """A condition without an operator is refused with the grammar."""
    result = await member.slash(channel, "record find", table="books", where="year 2000")
    assert "is not a condition" in refusal(simcord_env, result, discobase.GrammarError)


async def test_unknown_column_in_where_suggests_one(simcord_env, member, channel, many_books):
    """An unknown column in a condition is refused with the closest name."""
    result = await member.slash(channel, "record find", table="books", where="yeer > 2000")
    assert "Did you mean `year`?" in refusal(simcord_env, result, discobase.UnknownColumn)


async def test_unknown_sort_column_suggests_one(simcord_env, member, channel, many_books):
    """An unknown sort column is refused with the closest name."""
    result = await member.slash(channel, "record find", table="books", sort="-titel")
    assert "Did you mean `title`?" in refusal(simcord_env, result, discobase.UnknownColumn)


async def test_find_in_a_damaged_table_says_so(simcord_env, member, channel, guild, many_books):
    """A table whose channel was deleted by hand is reported damaged, not empty."""
    simcord_env.backend.delete_channel(guild.channels["books"].id)
    await simcord_env.settle()
    result = await member.slash(channel, "record find", table="books")
    assert "is damaged" in refusal(simcord_env, result, discobase.TableDamaged)


async def test_hand_deleted_record_is_gone_from_finds(simcord_env, member, channel, guild, many_books):
    """A record whose message the owner deleted by hand no longer shows up."""
    await member.slash(channel, "record insert", table="books", values="title=Solo, author=Z")
    owner = simcord.MemberActor(simcord_env, guild, guild.owner)
    await owner.delete(guild.channels["books"].history()[-1])
    message = reply(await member.slash(channel, "record find", table="books", where="author = Z"))
    assert message.content == "No record of `books` matches `author = Z`."


async def test_an_exact_text_that_matches_nothing_points_to_the_case_blind_match(member, channel, books):
    """`title = dune` finds nothing while "Dune" is there: the answer says `title ~= dune` would match."""
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert")
    result = reply(await member.slash(channel, "record find", table="books", where="title = dune"))
    assert result.content == (
        "No record of `books` matches `title = dune`. `title ~= dune` would match 1 record: `~=` ignores case."
    )
    nothing = reply(await member.slash(channel, "record find", table="books", where="title = emma"))
    assert nothing.content == "No record of `books` matches `title = emma`."
