"""Fixtures of the reliability campaign (the bot, guild, members, `books` and `store` come from tests/conftest.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import discord
import pytest
import simcord

import discobase
from discobase.backend import discord_backend


@pytest.fixture
def root(simcord_env: simcord.Env, guild: simcord.GuildHandle) -> simcord.MemberActor:
    """A member with Administrator: sees the hidden storage channels and can edit them by hand."""
    role = guild.create_role("Root", permissions=discord.Permissions(administrator=True))
    return guild.add_member(simcord_env.create_user("root"), roles=[role])


@pytest.fixture
def latency(monkeypatch):
    """Every Discord call yields to the event loop a few times first, as a real network round trip does.

    SimCord answers a request without suspending the caller, so without this each
    command would run to its end before the next one starts.
    """
    original = discord_backend._call

    async def delayed(*args: Any, **kwargs: Any) -> Any:
        for _ in range(3):
            await asyncio.sleep(0)
        return await original(*args, **kwargs)

    monkeypatch.setattr(discord_backend, "_call", delayed)


@pytest.fixture
def overlap(monkeypatch, latency):
    """The most engine writes ever in flight at once (proof that the commands really ran concurrently)."""
    seen = {"now": 0, "most": 0}
    for name in ("insert", "update", "delete", "insert_many"):
        original = getattr(discobase.GuildStore, name)

        async def counted(self, *args: Any, _original=original, **kwargs: Any) -> Any:
            seen["now"] += 1
            seen["most"] = max(seen["most"], seen["now"])
            try:
                return await _original(self, *args, **kwargs)
            finally:
                seen["now"] -= 1

        monkeypatch.setattr(discobase.GuildStore, name, counted)
    return seen
