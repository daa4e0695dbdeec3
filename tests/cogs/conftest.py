"""The cog tests share the fixtures of tests/conftest.py (the bot, a guild, members, a `books` table)."""

from tests.channel_limits import discord_channel_limits  # noqa: F401  (autouse: Discord's channel limits on SimCord)
from tests.conftest import BOOKS_COLUMNS

__all__ = ["BOOKS_COLUMNS"]
