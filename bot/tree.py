"""The command tree, whose ``on_error`` is the one error handler of every slash command."""

from __future__ import annotations

import discord
from discord import app_commands

from cogs.utils.context import client_of
from cogs.utils.errors import answer_error

from .observe import begin_command, log_command

__all__ = ["DiscobaseTree"]


RESTARTING = "The bot is restarting. Try again in a minute."


class DiscobaseTree(app_commands.CommandTree):
    """Answers every failed command the same way (see ``cogs.utils.errors.describe_error`` for the order).

    Also starts each command's log line (see observe.py); the bot finishes it on completion.
    """

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """While the bot shuts down, commands get a short ephemeral note instead of starting work."""
        if not client_of(interaction).draining:
            if interaction.type is discord.InteractionType.application_command:
                begin_command(interaction)
            return True
        if interaction.type is discord.InteractionType.application_command:
            await interaction.response.send_message(RESTARTING, ephemeral=True)
        return False

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError, /) -> None:
        """Expected errors get their message ephemerally; unexpected ones an apology and a logged traceback."""
        cause = getattr(error, "original", None) or error.__cause__ or error
        log_command(interaction, f"error:{type(cause).__name__}")
        await answer_error(interaction, error)
