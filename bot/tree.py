"""The command tree, whose ``on_error`` is the one error handler of every slash command."""

from __future__ import annotations

import asyncio
import logging

import discord
from discord import app_commands

from cogs.utils.context import client_of
from cogs.utils.errors import answer_error
from cogs.utils.replies import ALREADY_ACKNOWLEDGED, LEASE_WAIT_DEFER_AFTER

from .observe import begin_command, log_command

__all__ = ["RESTARTING", "RESTARTING_AFTER", "DiscobaseTree"]

log = logging.getLogger(__name__)

RESTARTING = "The bot is restarting. Try again in a minute."
RESTARTING_AFTER = LEASE_WAIT_DEFER_AFTER + 0.4
"""Seconds after a command was made at which a stopping process says "restarting" (Discord allows 3).

In a deploy's overlap the next process receives the command too, and
acknowledges it by ``LEASE_WAIT_DEFER_AFTER`` at the latest (even while this
one still holds the write lease): it carries the command out, and this note,
refused then (40060), is never seen. Without a next process the member hears
it within 3 s.
"""


async def _say_restarting(interaction: discord.Interaction) -> None:
    age = (discord.utils.utcnow() - interaction.created_at).total_seconds()
    await asyncio.sleep(max(0.0, RESTARTING_AFTER - age))
    try:
        await interaction.response.send_message(RESTARTING, ephemeral=True)
    except discord.HTTPException as error:
        if error.code != ALREADY_ACKNOWLEDGED:
            raise
        log.info("interaction %s: the next process answered it while this one stops", interaction.id)


class DiscobaseTree(app_commands.CommandTree):
    """Answers every failed command the same way (see ``cogs.utils.errors.describe_error`` for the order).

    Also starts each command's log line (see observe.py); the bot finishes it on completion.
    """

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """While the bot shuts down, commands start no work; a short ephemeral note says so (see RESTARTING_AFTER)."""
        if not client_of(interaction).draining:
            if interaction.type is discord.InteractionType.application_command:
                begin_command(interaction)
            return True
        if interaction.type is discord.InteractionType.application_command:
            await _say_restarting(interaction)
        return False

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError, /) -> None:
        """Expected errors get their message ephemerally; unexpected ones an apology and a logged traceback."""
        cause = getattr(error, "original", None) or error.__cause__ or error
        log_command(interaction, f"error:{type(cause).__name__}")
        await answer_error(interaction, error)
