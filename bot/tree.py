"""The command tree, whose ``on_error`` is the one error handler of every slash command."""

from __future__ import annotations

import discord
from discord import app_commands

from cogs.utils.errors import answer_error

__all__ = ["DiscobaseTree"]


RESTARTING = "The bot is restarting. Try again in a minute."


class DiscobaseTree(app_commands.CommandTree):
    """Answers every failed command the same way (see ``cogs.utils.errors.describe_error`` for the order)."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """While the bot shuts down, commands get a short ephemeral note instead of starting work."""
        if not getattr(interaction.client, "draining", False):
            return True
        if interaction.type is discord.InteractionType.application_command:
            await interaction.response.send_message(RESTARTING, ephemeral=True)
        return False

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError, /) -> None:
        """Expected errors get their message ephemerally; unexpected ones an apology and a logged traceback."""
        await answer_error(interaction, error)
