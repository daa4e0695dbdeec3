"""Views that only the member who ran the command may use: a paginator and a confirmation.

Others who press a button get an ephemeral note instead. Both stop listening after a
while and take their buttons out of use, so an old message cannot act later.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from .errors import answer_error, unwrap
from .observed import mark_outcome, observed
from .replies import NO_PINGS

__all__ = ["TOKEN_LIFETIME", "Confirm", "OwnedView", "Paginator", "view_timeout"]

TOKEN_LIFETIME = 15 * 60.0
"""Seconds an interaction's token lets the bot edit its answer (Discord: 15 minutes from its creation)."""
TOKEN_MARGIN = 30.0
"""Seconds before the token expires by which a view's last edit (greying its buttons) is sent."""


def view_timeout(interaction: discord.Interaction, wanted: float) -> float:
    """``wanted``, cut so the view times out ``TOKEN_MARGIN`` before the interaction's token expires.

    A view's ``on_timeout`` edits the answer through that token; at exactly 15
    minutes the edit gets a 401 (and counts toward Discord's invalid-request ban).
    """
    age = (discord.utils.utcnow() - interaction.created_at).total_seconds()
    return max(1.0, min(wanted, TOKEN_LIFETIME - TOKEN_MARGIN - max(0.0, age)))


class OwnedView(discord.ui.View):
    """A view whose buttons answer only the member who ran the command."""

    def __init__(self, interaction: discord.Interaction, *, timeout: float) -> None:
        super().__init__(timeout=view_timeout(interaction, timeout))  # its last edit within the token's life
        self.interaction = interaction
        self.owner_id = interaction.user.id
        table = getattr(interaction.namespace, "table", None)
        self.table: str | None = table if isinstance(table, str) else None
        """The table the buttons act on, for their log lines."""

    async def _scheduled_task(self, item: discord.ui.Item[Any], interaction: discord.Interaction) -> None:
        """Every press of one of these buttons gets its log line (discord.py runs check, callback and errors here)."""
        label = getattr(item, "label", None) or getattr(item, "custom_id", None) or "?"
        async with observed(interaction, str(label), self.table):
            await super()._scheduled_task(item, interaction)

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Refuse everyone but the owner, telling them why."""
        if interaction.user.id == self.owner_id:
            return True
        mark_outcome(interaction, "refused")
        await interaction.response.send_message(
            f"Only <@{self.owner_id}> can use these buttons. Run the command yourself to get your own.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )
        return False

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any], /) -> None:
        """Answer like a failed command."""
        mark_outcome(interaction, f"error:{type(unwrap(error)).__name__}")
        await answer_error(interaction, error)

    async def on_timeout(self) -> None:
        """Grey out the buttons and menus once the view stops listening."""
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.Select):
                item.disabled = True
        with contextlib.suppress(discord.HTTPException):  # the message is gone or the interaction expired
            await self.interaction.edit_original_response(view=self)


class Paginator(OwnedView):
    """Previous/next buttons over pages that ``render`` draws on demand."""

    def __init__(
        self, interaction: discord.Interaction, pages: int, render: Callable[[int], discord.Embed], *, timeout: float
    ) -> None:
        super().__init__(interaction, timeout=timeout)
        self.pages = pages
        self.render = render
        self.page = 0
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page >= self.pages - 1

    async def _turn(self, interaction: discord.Interaction, step: int) -> None:
        self.page = min(max(self.page + step, 0), self.pages - 1)
        self._sync_buttons()
        await interaction.response.edit_message(embed=self.render(self.page), view=self)

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, _: discord.ui.Button[Paginator]) -> None:
        """Show the page before."""
        await self._turn(interaction, -1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, _: discord.ui.Button[Paginator]) -> None:
        """Show the page after."""
        await self._turn(interaction, 1)


class Confirm(OwnedView):
    """A dangerous action behind a red button; Cancel or the timeout leaves everything as it was."""

    def __init__(
        self,
        interaction: discord.Interaction,
        label: str,
        action: Callable[[discord.Interaction], Awaitable[None]],
        *,
        timeout: float,
    ) -> None:
        super().__init__(interaction, timeout=timeout)
        self.action = action
        self.confirm.label = label

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, _: discord.ui.Button[Confirm]) -> None:
        """Run the action, once."""
        self.stop()
        await self.action(interaction)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, _: discord.ui.Button[Confirm]) -> None:
        """Leave everything as it was."""
        self.stop()
        await interaction.response.edit_message(content="Cancelled: nothing was changed.", view=None)

    async def on_timeout(self) -> None:
        """Say that nothing happened, and take the buttons away."""
        with contextlib.suppress(discord.HTTPException):  # the prompt is gone or the interaction expired
            await self.interaction.edit_original_response(content="No answer in time: nothing was changed.", view=None)
