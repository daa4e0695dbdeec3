"""``/record``: the commands in ``_cog``; each feature in its module, imported one way (no module imports back).

``_form`` (the record form) <- ``_edit`` (the Edit form) <- ``_buttons`` (Show record,
Edit, Delete; a record's card) <- ``_insert``, ``_find`` (pages and their menu),
``_bulk``, ``_import``, ``_files`` <- ``_cog``.
"""

from __future__ import annotations

from discord.ext import commands

from ..utils.views import ExpiredConfirm
from ._buttons import RecordButton
from ._cog import RecordCog

__all__ = ["RecordCog", "setup"]


async def setup(bot: commands.Bot) -> None:
    """Load the ``/record`` commands and the buttons that outlive restarts.

    Those are the record buttons (Show record, Edit, Delete) and, for every
    command's confirmations, the answer to a press that came too late.
    """
    bot.add_dynamic_items(RecordButton, ExpiredConfirm)
    await bot.add_cog(RecordCog())
