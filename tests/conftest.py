"""Fixtures for every test on SimCord: the bot, a guild, its members and a channel to type in.

``simcord_env`` (SimCord's pytest plugin) runs the bot that ``simcord_bot``
builds. The bot is built from default settings, never from the environment or
a developer's ``.env``, so a ``DEV_GUILD_ID`` there cannot hide the commands.
"""

from __future__ import annotations

from collections.abc import Callable

import discord
import pytest
import simcord

import discobase
import discobase.write.imports
import discobase.write.lease
from bot import Settings, create_bot
from tests.cogs.helpers import reply as _reply

pytest_plugins = ["pytester", "tests.strict_discord", "tests.channel_limits"]


@pytest.fixture(autouse=True)
def instant_lease_takeover(monkeypatch: pytest.MonkeyPatch) -> None:
    """Take a free write lease without the real-time settle pause (SimCord runs short sleeps in real time)."""
    monkeypatch.setattr(discobase.write.lease, "SETTLE", 0.0)


@pytest.fixture
def batch_budget(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], int]:
    """Cut batches at a given number of bytes on a 10 MiB server, as a server with a smaller limit would.

    Tests meet several batches without writing megabytes; ``parts(rows, budget)``
    says where the engine cuts (imports too: their stretch for compression is
    set aside here, and tested alone).
    """

    def set_budget(budget: int) -> int:
        share = (budget + 0.5) / discobase.DEFAULT_UPLOAD_LIMIT
        monkeypatch.setattr(discobase.write.imports, "BATCH_SHARE", share)
        monkeypatch.setattr(discobase.write.imports, "MAX_STRETCH", 1.0)
        assert discobase.write.imports.batch_bytes(discobase.DEFAULT_UPLOAD_LIMIT) == budget
        return budget

    return set_budget


@pytest.fixture
def settings() -> Settings:
    """The settings the test bot runs with."""
    return Settings()


@pytest.fixture
def simcord_bot(settings: Settings) -> discord.Client:
    """The bot under test, as ``python -m bot`` builds it."""
    return create_bot(settings)


@pytest.fixture
def guild(simcord_env: simcord.Env) -> simcord.GuildHandle:
    """A server the bot is in."""
    return simcord_env.create_guild("Library")


@pytest.fixture
def channel(guild: simcord.GuildHandle) -> simcord.ChannelHandle:
    """Where members type their commands."""
    return guild.create_text_channel("general")


@pytest.fixture
def admin(simcord_env: simcord.Env, guild: simcord.GuildHandle) -> simcord.MemberActor:
    """A member with Manage Server (and Manage Messages), who may create and drop tables."""
    role = guild.create_role("Admin", permissions=discord.Permissions(manage_guild=True, manage_messages=True))
    return guild.add_member(simcord_env.create_user("ada"), roles=[role])


@pytest.fixture
def moderator(simcord_env: simcord.Env, guild: simcord.GuildHandle) -> simcord.MemberActor:
    """A member with Manage Messages only, who may change anybody's records."""
    role = guild.create_role("Moderator", permissions=discord.Permissions(manage_messages=True))
    return guild.add_member(simcord_env.create_user("mo"), roles=[role])


@pytest.fixture
def member(simcord_env: simcord.Env, guild: simcord.GuildHandle) -> simcord.MemberActor:
    """A member with no special permission."""
    return guild.add_member(simcord_env.create_user("bob"))


@pytest.fixture
def other_member(simcord_env: simcord.Env, guild: simcord.GuildHandle) -> simcord.MemberActor:
    """A second member with no special permission."""
    return guild.add_member(simcord_env.create_user("cy"))


BOOKS_COLUMNS = "title:text unique, author:text, year:int optional, read:bool default=false"


@pytest.fixture
async def books(admin: simcord.MemberActor, channel: simcord.ChannelHandle) -> str:
    """An empty `books` table, created by the admin."""
    result = await admin.slash(channel, "table create", name="books", columns=BOOKS_COLUMNS)
    assert "Created table" in _reply(result).content
    return "books"


@pytest.fixture
def store(simcord_env: simcord.Env, guild: simcord.GuildHandle) -> discobase.GuildStore:
    """The bot's store of the guild: what is really stored, to compare with what members were told."""
    bot_guild = simcord_env.bot.get_guild(guild.id)
    assert bot_guild is not None
    return simcord_env.bot.engine.store(bot_guild)
