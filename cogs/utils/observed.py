"""Outcomes and log lines for what is not a slash command: button presses and form submissions.

The bot writes the operator's log lines (``bot/observe.py``); cogs only mark
how an interaction ended and say when a button or form starts and ends,
through the bot's ``begin_interaction`` and ``log_component`` (``DiscobaseClient``
in ``context.py``), so cogs need no import of the ``bot`` package.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import discord

from .context import client_of
from .errors import unwrap

__all__ = ["mark_outcome", "observed", "outcome_of"]

_OUTCOME = "discobase.outcome"


def mark_outcome(interaction: discord.Interaction, outcome: str) -> None:
    """Record how the interaction ended when it is not plain success (``rejected``: answered, nothing written)."""
    interaction.extras[_OUTCOME] = outcome


def outcome_of(interaction: discord.Interaction, default: str = "ok") -> str:
    """The outcome marked for the interaction, else ``default``."""
    return str(interaction.extras.get(_OUTCOME, default))


@asynccontextmanager
async def observed(interaction: discord.Interaction, item: str, table: str | None) -> AsyncIterator[None]:
    """Count a button press or a form submission from start to end, and log its line at the end."""
    bot = client_of(interaction)
    bot.begin_interaction(interaction)
    try:
        yield
    except Exception as error:
        mark_outcome(interaction, f"error:{type(unwrap(error)).__name__}")
        raise
    finally:
        bot.log_component(interaction, item, table)
