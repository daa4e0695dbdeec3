"""Transformers: options parsed before the command runs, so a typo is answered at once and ephemerally.

Only parsing that needs no table goes here (``column=value`` pairs); column
specs are parsed in ``/table create`` and ``add-column``, which name a bad
table or column name together with them, and ``where`` and ``sort`` need the
table's schema. A grammar error raised here reaches the error handler with the
engine's own message.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

import discobase

from . import autocomplete

__all__ = ["TableName", "Values"]


class TableName(app_commands.Transformer):
    """A table of this guild, autocompleted; the command checks that it exists."""

    async def transform(self, interaction: discord.Interaction, value: str, /) -> str:
        """Table names are lowercase: forgive stray spaces and capitals."""
        return value.strip().lower()

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str, /
    ) -> list[app_commands.Choice[str]]:
        """The guild's tables."""
        return await autocomplete.table_names(interaction, value)


class Values(app_commands.Transformer):
    """Record values: a JSON object or ``column=value`` pairs, autocompleted with the table's columns."""

    async def transform(self, interaction: discord.Interaction, value: str, /) -> dict[str, Any]:
        """Parse the values; conversion by column type happens in the engine."""
        return discobase.parse_values(value)

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str, /
    ) -> list[app_commands.Choice[str]]:
        """The table's column names."""
        return await autocomplete.value_columns(interaction, value)
