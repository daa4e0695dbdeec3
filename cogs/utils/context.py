"""What cogs need from the bot that loads them (``DiscobaseClient``), and where a command finds its guild's store.

Cogs do not import the ``bot`` package (it imports them): they name what they
use of the bot in a Protocol, which ``bot.DiscobaseBot`` implements, and reach
it through ``client_of``, the one place that checks a client has it.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import discord
from discord import app_commands

import discobase

__all__ = ["DiscobaseClient", "RateLimitWait", "RateLimits", "client_of", "store_of"]


class RateLimitWait(Protocol):
    """One wait discord.py made because Discord said 429."""

    @property
    def at(self) -> float:
        """When it started (``time.time()``)."""

    @property
    def seconds(self) -> float:
        """How long it was."""


class RateLimits(Protocol):
    """The rate-limit waits of this process, for ``/table status``."""

    @property
    def last(self) -> RateLimitWait | None:
        """The latest wait, or None if there was none."""

    @property
    def count(self) -> int:
        """How many waits since start."""


@runtime_checkable
class DiscobaseClient(Protocol):
    """What the cogs use of the bot, besides ``discord.Client``; ``bot.DiscobaseBot`` has it all."""

    @property
    def engine(self) -> discobase.Engine:
        """The storage engine: one store per guild."""

    @property
    def draining(self) -> bool:
        """Whether the bot is shutting down: commands get a short note instead of starting work."""

    @property
    def rate_limits(self) -> RateLimits:
        """The waits discord.py made for 429s."""

    def begin_interaction(self, interaction: discord.Interaction) -> None:
        """Start the clock and request count of a button press or form."""

    def log_component(self, interaction: discord.Interaction, item: str, table: str | None) -> None:
        """Write the log line of a button press or form (``item``: the button's label, or the form's name)."""


def client_of(source: discord.Interaction | discord.Client) -> DiscobaseClient:
    """The bot behind an interaction (or a client), as the cogs need it; a bot without it is a RuntimeError."""
    client = source.client if isinstance(source, discord.Interaction) else source
    if not isinstance(client, DiscobaseClient) or not isinstance(client.engine, discobase.Engine):
        raise RuntimeError(
            f"{type(client).__name__} cannot run the discobase cogs: it lacks what cogs.utils.context.DiscobaseClient"
            " lists (engine, draining, rate_limits, begin_interaction, log_component). Build it with bot.create_bot()."
        )
    return client


def store_of(interaction: discord.Interaction) -> discobase.GuildStore:
    """The store of the guild the interaction came from."""
    engine = client_of(interaction).engine
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage("Use this command in a server: each server has its own tables.")
    return engine.store(interaction.guild)
