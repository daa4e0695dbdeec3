"""Fixtures of the cog tests: a `books` table and the bot's store."""

from __future__ import annotations

import pytest
import simcord

import discobase

from .helpers import reply

BOOKS_COLUMNS = "title:text unique, author:text, year:int optional, read:bool default=false"


@pytest.fixture
async def books(admin: simcord.MemberActor, channel: simcord.ChannelHandle) -> str:
    """An empty `books` table, created by the admin."""
    result = await admin.slash(channel, "table create", name="books", columns=BOOKS_COLUMNS)
    assert "Created table" in reply(result).content
    return "books"


@pytest.fixture
def store(simcord_env: simcord.Env, guild: simcord.GuildHandle) -> discobase.GuildStore:
    """The bot's store of the guild: what is really stored, to compare with what members were told."""
    bot_guild = simcord_env.bot.get_guild(guild.id)
    assert bot_guild is not None
    return simcord_env.bot.engine.store(bot_guild)
