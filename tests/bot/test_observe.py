"""What the operator reads: one structured log line per command, and rate-limit waits at INFO."""

from __future__ import annotations

import logging

import pytest

import discobase
from bot.observe import RateLimitWatch
from tests.cogs.helpers import refusal


async def test_each_command_logs_one_line_with_outcome_and_requests(member, channel, books, simcord_env, caplog):
    """A success and a failure each log one key=value line naming guild, command, table, outcome and requests."""
    caplog.set_level(logging.INFO, logger="bot.commands")
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert")
    failed = await member.slash(channel, "record get", table="boks", id=1)
    assert "Did you mean `books`" in refusal(simcord_env, failed, discobase.UnknownTable)
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.commands"]
    assert len(lines) == 2
    assert "command='record insert' table=books outcome=ok" in lines[0]
    assert "requests=1 packed=1" in lines[0] and f"guild={channel.guild.id}" in lines[0]
    assert "command='record get' table=boks outcome=error:UnknownTable" in lines[1]


@pytest.mark.parametrize(
    "message",
    [
        "We are being rate limited. POST /channels/1/messages responded with 429. Retrying in 1.50 seconds.",
        "Global rate limit has been hit. Retrying in 1.50 seconds.",
    ],
)
def test_rate_limit_waits_are_remembered_and_logged_at_info(message: str) -> None:
    """discord.py's 429 waits become INFO lines, and the last one is kept for /table status."""
    watch = RateLimitWatch()
    record = logging.LogRecord("discord.http", logging.WARNING, __file__, 1, message, None, None)
    assert watch.filter(record)
    assert record.levelno == logging.INFO and watch.count == 1
    assert watch.last is not None and watch.last.seconds == 1.5


def _lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.commands"]


async def test_table_create_logs_the_table_it_makes(admin, channel, caplog):
    """`/table create name:films` logs `table=films`, not `table=-`."""
    caplog.set_level(logging.INFO, logger="bot.commands")
    await admin.slash(channel, "table create", name="films", columns="title:text")
    assert "command='table create' table=films outcome=ok" in _lines(caplog)[-1]


async def test_a_rejected_import_is_not_logged_ok(member, channel, books, caplog, moderator):
    """An import refused for its bad rows logs `outcome=rejected`: nothing was written."""
    caplog.set_level(logging.INFO, logger="bot.commands")
    data = b"title,author,year\nDune,Herbert,soon\n"
    await moderator.slash(channel, "record import", table="books", file=("books.csv", data))
    assert "command='record import' table=books outcome=rejected" in _lines(caplog)[-1]


async def test_buttons_and_forms_log_a_line(member, other_member, channel, books, store, caplog):
    """A form submitted, a form with problems, buttons pressed, and one pressed by someone else: a line each."""
    await store.insert_many("books", [{"title": f"Book {n}", "author": "X"} for n in range(11)], member.id)
    caplog.set_level(logging.INFO, logger="bot.commands")
    shown = await member.slash(channel, "record insert", table="books")
    inserted = await member.submit_modal(shown, {"title": "Dune", "author": "Herbert"})
    bad = await member.submit_modal(
        await member.slash(channel, "record insert", table="books"), {"title": "Emma", "author": "A", "year": "soon"}
    )
    await other_member.click(inserted.response, label="Show record")
    await member.click(bad.response, label="Fix the form")
    await other_member.click((await member.slash(channel, "record find", table="books")).response, label="Next")
    lines = [line for line in _lines(caplog) if not line.startswith("command ")]
    assert [line.split(" guild=")[0] for line in lines] == ["form", "form", "button", "button", "button"]
    assert "item='form' table=books outcome=ok" in lines[0] and "requests=1" in lines[0]
    assert "item='form' table=books outcome=rejected" in lines[1]
    assert "item='Show record' table=books outcome=ok" in lines[2]
    assert "item='Fix the form' table=books outcome=ok" in lines[3]
    assert "item='Next' table=books outcome=refused" in lines[4]
