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
    assert "requests=1" in lines[0] and f"guild={channel.guild.id}" in lines[0]
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
