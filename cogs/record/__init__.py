"""``/record``: commands in ``_cog``, form in ``_form``, buttons in ``_buttons``, files, imports."""

from __future__ import annotations

from discord.ext import commands

from ._buttons import ShowRecord
from ._cog import RecordCog

__all__ = ["RecordCog", "setup"]


async def setup(bot: commands.Bot) -> None:
    """Load the ``/record`` commands and the "Show record" button of their confirmations."""
    bot.add_dynamic_items(ShowRecord)
    await bot.add_cog(RecordCog())
