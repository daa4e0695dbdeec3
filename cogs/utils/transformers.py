"""Transformers: options parsed before the command runs, so a typo is answered at once and ephemerally.

Only parsing that needs no table goes here (column specs, ``column=value``
pairs); ``where`` and ``sort`` need the table's schema and are parsed in the
commands. A grammar error raised here reaches the error handler with the
engine's own message.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

import discobase

from . import autocomplete

__all__ = ["ColumnSpec", "ColumnSpecs", "TableName", "Values"]


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


class ColumnSpecs(app_commands.Transformer):
    """A comma-separated list of column specs (``title:text unique, year:int optional``)."""

    async def transform(self, interaction: discord.Interaction, value: str, /) -> tuple[discobase.Column, ...]:
        """Parse the specs."""
        return discobase.parse_columns(value)


class ColumnSpec(app_commands.Transformer):
    """Exactly one column spec (``pages:int optional``)."""

    async def transform(self, interaction: discord.Interaction, value: str, /) -> discobase.Column:
        """Parse the spec; a list is refused, since columns are added one at a time."""
        columns = discobase.parse_columns(value)
        if len(columns) != 1:
            raise discobase.GrammarError(
                f"Give one column spec, like `pages:int optional`; you gave {len(columns)}. "
                "Add the others with one `/table add-column` each."
            )
        return columns[0]


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
