"""Views that only the member who ran the command may use: a paginator and a confirmation.

Others who press a button get an ephemeral note instead. Both stop listening after a
while and take their buttons out of use, so an old message cannot act later.

Every confirmation gives the same time, ``CONFIRM_SECONDS`` (2 minutes), and
says so (``CONFIRM_NOTE``). Its buttons carry ids that ``ExpiredConfirm``
recognises: a press that no live confirmation takes (after the time, or after
a restart, when the message could not be changed in time) is answered "No
answer in time: nothing was changed." instead of failing.
"""

from __future__ import annotations

import contextlib
import re
import uuid
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from .errors import answer_error, unwrap
from .observed import mark_outcome, observed
from .replies import NO_PINGS

__all__ = [
    "CONFIRM_NOTE",
    "CONFIRM_SECONDS",
    "EXPIRED",
    "TOKEN_LIFETIME",
    "Confirm",
    "ExpiredConfirm",
    "OwnedView",
    "Paginator",
    "view_timeout",
]

CONFIRM_SECONDS = 120.0
"""Seconds every confirmation waits for its button."""
CONFIRM_NOTE = "Nothing happens unless you press the button within 2 minutes."
EXPIRED = "No answer in time: nothing was changed."
_LIVE: weakref.WeakKeyDictionary[discord.Client, set[str]] = weakref.WeakKeyDictionary()
"""The ids of the confirmations still waiting, by the bot that asked (a restarted bot knows none of them)."""


def _live(interaction: discord.Interaction) -> set[str]:
    return _LIVE.setdefault(interaction.client, set())


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
    """A dangerous action behind a red button; Cancel or the time running out leaves everything as it was."""

    def __init__(
        self, interaction: discord.Interaction, label: str, action: Callable[[discord.Interaction], Awaitable[None]]
    ) -> None:
        super().__init__(interaction, timeout=CONFIRM_SECONDS)
        self.action = action
        self.key = uuid.uuid4().hex
        self.confirm.label = label
        self.confirm.custom_id = f"discobase:confirm:{self.key}:yes"
        self.cancel.custom_id = f"discobase:confirm:{self.key}:no"
        _live(interaction).add(self.key)

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, _: discord.ui.Button[Confirm]) -> None:
        """Run the action, once."""
        self.stop()
        try:
            await self.action(interaction)
        finally:
            _live(interaction).discard(self.key)  # after answering: ``ExpiredConfirm`` saw this press as live

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, _: discord.ui.Button[Confirm]) -> None:
        """Leave everything as it was."""
        self.stop()
        try:
            await interaction.response.edit_message(content="Cancelled: nothing was changed.", view=None)
        finally:
            _live(interaction).discard(self.key)

    async def on_timeout(self) -> None:
        """Say that nothing happened, and take the buttons away."""
        _live(self.interaction).discard(self.key)
        with contextlib.suppress(discord.HTTPException):  # the prompt is gone or the interaction expired
            await self.interaction.edit_original_response(content=EXPIRED, view=None)


class ExpiredConfirm(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"discobase:confirm:(?P<key>[0-9a-f]{32}):(?P<choice>yes|no)",
):
    """A confirmation's button pressed when no live confirmation takes it: too late, or from before a restart."""

    def __init__(self, key: str, choice: str) -> None:
        super().__init__(discord.ui.Button(custom_id=f"discobase:confirm:{key}:{choice}"))
        self.key = key

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction, item: discord.ui.Button[discord.ui.View], match: re.Match[str], /
    ) -> ExpiredConfirm:
        """The button of a pressed confirmation."""
        return cls(match["key"], match["choice"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Say nothing was changed, in place of the question; a live confirmation answers for itself."""
        if self.key in _live(interaction):
            return
        async with observed(interaction, "late confirmation", None):
            mark_outcome(interaction, "expired")
            await interaction.response.edit_message(content=EXPIRED, view=None)
