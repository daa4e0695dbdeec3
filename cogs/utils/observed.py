"""Outcomes and log lines for what is not a slash command: button presses and form submissions.

The bot writes the operator's log lines (``bot/observe.py``); cogs only mark
how an interaction ended and say when a button or form starts and ends. The
bot is found on the interaction's client (``begin_interaction`` and
``log_component``), so cogs need no import of the ``bot`` package and work on
any bot, logging nothing where it has no such methods.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import discord

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
    begin = getattr(interaction.client, "begin_interaction", None)
    if begin is not None:
        begin(interaction)
    try:
        yield
    except Exception as error:
        mark_outcome(interaction, f"error:{type(unwrap(error)).__name__}")
        raise
    finally:
        log = getattr(interaction.client, "log_component", None)
        if log is not None:
            log(interaction, item, table)
