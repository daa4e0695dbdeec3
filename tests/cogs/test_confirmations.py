"""Every confirmation gives the same 2 minutes and says so; a press too late changes nothing and says so."""

from __future__ import annotations

import pytest

from bot import create_bot
from cogs.utils.views import CONFIRM_NOTE, EXPIRED

from .helpers import reply

ASKING = [
    ("table drop", {"table": "books"}, "admin"),
    ("table drop-column", {"table": "books", "column": "year"}, "admin"),
    ("record update", {"table": "books", "where": "year > 0", "set": "read=yes"}, "member"),
    ("record delete", {"table": "books", "where": "year > 0"}, "member"),
]


@pytest.fixture
async def dune(member, channel, books) -> None:
    """Record 1 of `books`, by `member`."""
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert, year=1965")


@pytest.mark.parametrize(("command", "options", "who"), ASKING, ids=[command for command, _, _ in ASKING])
async def test_every_confirmation_lasts_two_minutes_and_says_so(
    simcord_env, request, channel, dune, store, command, options, who
):
    """Asked, a minute later still asked, after two minutes "No answer in time" and nothing changed."""
    actor = request.getfixturevalue(who)
    before = await store.find("books")
    asked = reply(await actor.slash(channel, command, **options))
    assert asked.ephemeral and asked.content.endswith(CONFIRM_NOTE)
    await simcord_env.advance_time(90)
    assert asked.components, "the question still waits after 90 s"
    await simcord_env.advance_time(31)
    assert asked.content == EXPIRED and asked.components == []
    assert store.table_names() == ["books"] and await store.find("books") == before


async def test_the_delete_button_asks_for_two_minutes_too(simcord_env, member, channel, dune, store):
    """The card's Delete: the same window, stated the same way."""
    card = reply(await member.slash(channel, "record get", table="books", id=1))
    asked = reply(await member.click(card, label="Delete"))
    assert asked.content.endswith(CONFIRM_NOTE)
    await simcord_env.advance_time(121)
    assert asked.content == EXPIRED and await store.count("books") == 1


async def test_a_press_from_before_a_restart_says_no_answer_in_time(
    simcord_env, settings, member, channel, dune, store
):
    """The bot restarted while the question waited: the press is answered, and nothing is deleted."""
    asked = reply(await member.slash(channel, "record delete", table="books", where="year > 0"))
    await simcord_env.bot.close()
    await simcord_env.restart_bot(create_bot(settings))
    late = await member.click(asked, label="Delete 1 record")
    assert late.response is not None and late.response.content == EXPIRED
    assert asked.components == []
    assert await store.count("books") == 1
