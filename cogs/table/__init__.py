"""``/table``: commands in ``_cog``, access and audit settings in ``_rules``, shared answers in ``_answers``."""

from __future__ import annotations

from discord.ext import commands

from ._cog import TableCog

__all__ = ["TableCog", "setup"]


async def setup(bot: commands.Bot) -> None:
    """Load the ``/table`` commands."""
    await bot.add_cog(TableCog())
