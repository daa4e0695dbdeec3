"""``/record``: commands in ``_cog``, the insert form in ``_form``, files in ``_files``, imports in ``_import``."""

from __future__ import annotations

from discord.ext import commands

from ._cog import RecordCog

__all__ = ["RecordCog", "setup"]


async def setup(bot: commands.Bot) -> None:
    """Load the ``/record`` commands."""
    await bot.add_cog(RecordCog())
