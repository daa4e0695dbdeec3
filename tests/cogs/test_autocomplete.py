"""Autocomplete from the guild's real tables, columns and records."""

from __future__ import annotations

import asyncio
import datetime
from typing import Any

import discord

from bot import create_bot
from cogs.utils.autocomplete import ANSWER_WITHIN, MAX_CHOICES, rank
from discobase.backend import discord_backend
from tests.cogs.helpers import lag


def _values(choices: list[dict]) -> list:
    return [choice["value"] for choice in choices]


def test_rank_puts_prefix_matches_first_then_close_ones():
    """Names starting with the typed text come first, then names containing it, then similar names."""
    names = ["authors", "books", "bookmarks", "ebooks", "boks_old", "films"]
    assert rank("boo", names) == ["books", "bookmarks", "ebooks", "boks_old"]


def test_rank_offers_everything_for_empty_input_at_most_25():
    """Nothing typed: the first 25 names."""
    assert rank("", [f"t{n:02}" for n in range(40)]) == [f"t{n:02}" for n in range(MAX_CHOICES)]


async def test_table_option_offers_the_guilds_tables(admin, member, channel, books):
    """The table option lists this server's tables, prefix matches first."""
    await admin.slash(channel, "table create", name="ebooks", columns="x:int")
    await admin.slash(channel, "table create", name="films", columns="x:int")
    choices = await member.autocomplete(channel, "record find", "table", "boo")
    assert _values(choices) == ["books", "ebooks"]


async def test_table_option_is_empty_without_tables(member, channel):
    """A server without tables gets no suggestion."""
    assert await member.autocomplete(channel, "record describe", "table", "") == []


async def test_sort_offers_columns_both_ways(member, channel, books):
    """Sort suggests every column (and id), ascending and with - for descending."""
    choices = await member.autocomplete(channel, "record find", "sort", "", table="books")
    assert _values(choices)[:5] == ["id", "title", "author", "year", "read"]
    assert "-year" in _values(choices)
    assert _values(await member.autocomplete(channel, "record find", "sort", "-y", table="books")) == ["-year"]


async def test_where_completes_the_column_being_typed(member, channel, books):
    """Where completes the last condition's column, keeping the conditions before it."""
    choices = await member.autocomplete(channel, "record find", "where", "year > 1990, au", table="books")
    assert _values(choices) == ["year > 1990, author "]


async def test_where_completes_after_or_and_a_parenthesis(member, channel, books):
    """After `or`, `(` or `not`, the column being typed is completed too."""
    choices = await member.autocomplete(channel, "record find", "where", "year > 1990 or (au", table="books")
    assert _values(choices) == ["year > 1990 or (author "]
    choices = await member.autocomplete(channel, "record find", "where", "read = yes or ye", table="books")
    assert _values(choices) == ["read = yes or year "]


async def test_where_keeps_a_finished_condition(member, channel, books):
    """Once an operator is typed, the text itself is offered, to be sent as it is."""
    choices = await member.autocomplete(channel, "record count", "where", "year > 19", table="books")
    assert _values(choices) == ["year > 19"]


async def test_values_complete_column_names(member, channel, books):
    """Values suggest the next column=."""
    choices = await member.autocomplete(channel, "record insert", "values", "title=Dune, a", table="books")
    assert _values(choices)[0] == "title=Dune, author="


async def test_id_offers_records_newest_first_with_their_values(member, channel, books):
    """The id option lists records (newest first) with a preview of their values."""
    for title in ("Dune", "Emma", "Ulysses"):
        await member.slash(channel, "record insert", table="books", values=f"title={title}, author=X")
    choices = await member.autocomplete(channel, "record get", "id", "", table="books")
    assert _values(choices) == [3, 2, 1]
    assert choices[0]["name"] == "3 \u00b7 title: Ulysses \u00b7 author: X \u00b7 read: false"


async def test_id_choices_show_dates_and_times_as_text(admin, member, channel):
    """Choices are plain text: a datetime there is ISO 8601, not a timestamp token Discord would not render."""
    await admin.slash(channel, "table create", name="events", columns="at:datetime, day:date")
    await member.slash(channel, "record insert", table="events", values="at=2026-01-10T18:00:00Z, day=2001-01-01")
    choices = await member.autocomplete(channel, "record get", "id", "", table="events")
    assert choices[0]["name"] == "1 \u00b7 at: 2026-01-10T18:00:00Z \u00b7 day: 2001-01-01"


async def test_column_options_are_empty_for_an_unknown_table(member, channel, books):
    """Without a real table there is nothing to suggest, and no error."""
    assert await member.autocomplete(channel, "record find", "sort", "", table="nope") == []


async def test_cold_record_id_autocomplete_answers_within_its_budget(
    simcord_env, settings, admin, channel, books, monkeypatch
):
    """A cold store on a slow Discord: record-id autocomplete answers within 2.5 s, with what it has, then in full."""
    for title in ("Dune", "Emma"):
        await admin.slash(channel, "record insert", table="books", values=f"title={title}, author=X")
    await simcord_env.bot.close()
    await simcord_env.restart_bot(create_bot(settings))  # cold: start-up reads the catalog, the table loads again

    original = discord_backend._page

    async def slow_page(*args: Any) -> Any:
        await asyncio.sleep(3)  # the table's history page answers late: past the budget
        return await original(*args)

    monkeypatch.setattr(discord_backend, "_page", slow_page)
    answered: list[datetime.datetime] = []  # on SimCord's clock, which its sleeps and time-outs follow
    respond = discord.InteractionResponse.autocomplete

    async def timed(self: discord.InteractionResponse, choices: Any) -> None:
        answered.append(discord.utils.utcnow())
        await respond(self, choices)

    monkeypatch.setattr(discord.InteractionResponse, "autocomplete", timed)
    offered = []
    for _ in range(2):  # the catalog and the table load behind the first keystroke
        started = simcord_env.now()
        offered.append(_values(await admin.autocomplete(channel, "record get", "id", "", table="books")))
        waited = (answered[-1] - started).total_seconds()
        assert 0 <= waited <= ANSWER_WITHIN + 0.5, f"autocomplete answered after {waited} s, past 2.5 s"
        await simcord_env.advance_time(30)  # the loads go on meanwhile
    assert offered == [[], [2, 1]]  # nothing loaded in time: nothing offered, and no error


async def test_autocomplete_reaching_us_late_answers_within_discords_3_seconds(
    simcord_env, settings, admin, channel, books, monkeypatch
):
    """An autocomplete handed over 2.2 s after Discord made it, on a cold, slow store, still answers in time."""
    await admin.slash(channel, "record insert", table="books", values="title=Dune, author=X")
    await simcord_env.bot.close()
    await simcord_env.restart_bot(create_bot(settings))
    original = discord_backend._page

    async def slow_page(*args: Any) -> Any:
        await asyncio.sleep(1.5)
        return await original(*args)

    monkeypatch.setattr(discord_backend, "_page", slow_page)
    lag(monkeypatch, 2.2)
    answered: list[datetime.datetime] = []
    respond = discord.InteractionResponse.autocomplete

    async def timed(self: discord.InteractionResponse, choices: Any) -> None:
        answered.append(discord.utils.utcnow())
        await respond(self, choices)

    monkeypatch.setattr(discord.InteractionResponse, "autocomplete", timed)
    made = simcord_env.now()
    await admin.autocomplete(channel, "record get", "id", "", table="books")
    await simcord_env.advance_time(10)
    assert len(answered) == 1
    waited = (answered[0] - made).total_seconds()
    assert waited < 3, f"answered {waited} s after Discord made the interaction: refused as too late"
    assert not simcord_env.errors
