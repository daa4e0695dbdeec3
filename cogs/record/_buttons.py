"""The "Show record" button under a write's one-line confirmation: the whole record, privately, to whoever may see it.

Write confirmations stay one short public line, so a busy channel is not
filled with cards; the details are a click away. The button is a dynamic item
(its custom id names the table and the record), so it keeps working after the
bot restarts, and it always shows the record as it is now.
"""

from __future__ import annotations

import re

import discord

from ..utils.errors import answer_error
from ..utils.observed import observed

__all__ = ["ShowRecord", "show_record_view"]


class ShowRecord(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"discobase:show:(?P<table>[a-z][a-z0-9_]{0,31}):(?P<id>[0-9]{1,19})",
):
    """A button that answers with one record, every column, only to the member who pressed it."""

    def __init__(self, table: str, record_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Show record",
                style=discord.ButtonStyle.secondary,
                custom_id=f"discobase:show:{table}:{record_id}",
            )
        )
        self.table = table
        self.record_id = record_id

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction, item: discord.ui.Button[discord.ui.View], match: re.Match[str], /
    ) -> ShowRecord:
        """Rebuild the button from the custom id of a pressed one (also after a restart)."""
        return cls(match["table"], int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Show the record as it is now (with Edit and Delete if the member may change it); a deleted one is gone."""
        try:
            # Imported here: the Edit form's answer carries this module's button.
            from ._record_buttons import answer_record

            async with observed(interaction, "Show record", self.table):
                await answer_record(interaction, self.table, self.record_id, private=True)
        except Exception as error:  # every failure is answered like a failed command
            await answer_error(interaction, error)


def show_record_view(table: str, record_id: int) -> discord.ui.View:
    """The view carrying the "Show record" button of one record."""
    view = discord.ui.View(timeout=None)
    view.add_item(ShowRecord(table, record_id))
    return view
