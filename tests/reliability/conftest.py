"""Fixtures of the reliability campaign (the bot, guild, members, `books` and `store` come from tests/conftest.py)."""

from __future__ import annotations

import discord
import pytest
import simcord


@pytest.fixture
def root(simcord_env: simcord.Env, guild: simcord.GuildHandle) -> simcord.MemberActor:
    """A member with Administrator: sees the hidden storage channels and can edit them by hand."""
    role = guild.create_role("Root", permissions=discord.Permissions(administrator=True))
    return guild.add_member(simcord_env.create_user("root"), roles=[role])
