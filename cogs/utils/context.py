"""Where a command finds its guild's store: the engine the bot carries."""

from __future__ import annotations

import discord
from discord import app_commands

import discobase

__all__ = ["store_of"]


def store_of(interaction: discord.Interaction) -> discobase.GuildStore:
    """The store of the guild the interaction came from.

    The engine is looked up on the client (``bot.engine``), so cogs need no
    import of the ``bot`` package and any bot that carries an engine can load them.
    """
    engine = getattr(interaction.client, "engine", None)
    if not isinstance(engine, discobase.Engine):
        raise RuntimeError("this bot has no discobase engine: build it with bot.create_bot()")
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage("Use this command in a server: each server has its own tables.")
    return engine.store(interaction.guild)
