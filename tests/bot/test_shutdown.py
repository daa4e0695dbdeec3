"""Stopping on SIGTERM: running writes finish, new commands hear "restarting", nothing acknowledged is lost."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

import discobase
from bot import Settings, create_bot
from bot.runner import serve
from bot.tree import RESTARTING, RESTARTING_AFTER
from tests.cogs.helpers import reply


async def test_shutdown_during_writes_keeps_every_acknowledged_write(simcord_env, member, channel, guild, books):
    """Writes racing a shutdown either finish and stay, or are refused and leave nothing; after it, all is there."""
    bot = simcord_env.bot
    store = bot.engine.store(bot.get_guild(guild.id))
    for n in range(3):
        await member.slash(channel, "record insert", table="books", values=f"title=early {n}, author=A")
    writes = [asyncio.create_task(store.insert("books", {"title": f"racing {n}", "author": "B"}, 1)) for n in range(10)]
    await asyncio.sleep(0)
    await bot.shutdown(grace=5)
    outcomes = await asyncio.gather(*writes, return_exceptions=True)
    acknowledged = {o.values["title"] for o in outcomes if isinstance(o, discobase.Record)}
    refused = [o for o in outcomes if isinstance(o, discobase.ShuttingDown)]
    assert len(acknowledged) + len(refused) == 10
    await simcord_env.restart_bot(create_bot(Settings()))
    found = reply(await member.slash(channel, "record count", table="books")).content
    assert f"has {3 + len(acknowledged)} records" in found


async def test_commands_during_shutdown_hear_restarting(simcord_env, member, channel, books):
    """A command arriving while the bot drains gets an ephemeral note (within Discord's 3 s) and starts nothing."""
    simcord_env.bot.draining = True
    result = await member.slash(channel, "record insert", table="books", values="title=Late, author=Z")
    await simcord_env.advance_time(RESTARTING_AFTER)
    assert result.ephemeral and result.response.content == RESTARTING
    simcord_env.bot.draining = False
    assert "has 0 records" in reply(await member.slash(channel, "record count", table="books")).content


class _ConnectedBot:
    """Stands in for a bot connected to the gateway: ``start`` runs until ``close``."""

    def __init__(self) -> None:
        self.closed = asyncio.Event()
        self.shutdown_grace: float | None = None

    async def __aenter__(self) -> _ConnectedBot:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.closed.set()

    async def start(self, token: str) -> None:
        await self.closed.wait()

    async def shutdown(self, grace: float) -> None:
        self.shutdown_grace = grace
        self.closed.set()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_signal_stops_the_bot_cleanly(signum: signal.Signals) -> None:
    """SIGTERM or SIGINT makes ``serve`` shut the bot down with a grace well inside Heroku's 30 s, and return."""
    bot = _ConnectedBot()
    serving = asyncio.create_task(serve(bot, "token"))  # type: ignore[arg-type]
    await asyncio.sleep(0.05)
    os.kill(os.getpid(), signum)
    await asyncio.wait_for(serving, timeout=5)
    assert bot.shutdown_grace is not None and bot.shutdown_grace <= 25
