"""``/record``: commands in ``_cog``, forms in ``_form`` and ``_edit``, buttons in ``_buttons``, ``_record_buttons``."""

from __future__ import annotations

from discord.ext import commands

from ._buttons import ShowRecord
from ._cog import RecordCog
from ._record_buttons import RecordButton

__all__ = ["RecordCog", "setup"]


async def setup(bot: commands.Bot) -> None:
    """Load the ``/record`` commands and the record buttons (Show record, Edit, Delete), which outlive restarts."""
    bot.add_dynamic_items(ShowRecord, RecordButton)
    await bot.add_cog(RecordCog())
