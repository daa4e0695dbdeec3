"""The form ``/record insert`` opens when no ``values`` are given, and the reply to every insert."""

from __future__ import annotations

from typing import Any

import discord

import discobase

from ..utils.context import store_of
from ..utils.embeds import record_embed
from ..utils.errors import answer_error
from ..utils.formatting import code, cut
from ..utils.replies import answer, timely

__all__ = ["MAX_FIELDS", "InsertForm", "insert_and_answer"]

MAX_FIELDS = 5
"""A modal holds at most 5 text inputs: up to that many columns get one field each."""
PAIRS_FIELD = "values"


def _placeholder(column: discobase.Column) -> str:
    """The input format, and what happens when the field is left empty."""
    if column.default is not None:
        empty = "empty: " + (column.type.display(column.default_value) or '""')
    else:
        empty = "optional" if column.optional else "required"
    return cut(f"{column.type.hint} ({empty})", 100)


def _parse_lines(text: str) -> dict[str, Any]:
    """``column=value`` pairs, one or more a line; a JSON object is taken whole.

    A line left as the form wrote it (``year=``) is left out, so the column gets its default.
    """
    if text.strip().startswith("{"):
        return discobase.parse_values(text)
    values: dict[str, Any] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        for name, value in discobase.parse_values(line).items():
            if value is None:
                continue
            if name in values:
                raise discobase.GrammarError(f"Column `{name}` is given twice. Give each column once.")
            values[name] = value
    return values


class InsertForm(discord.ui.Modal):
    """One field per column (name and type as label, the format as placeholder), or one ``column=value`` field."""

    def __init__(self, schema: discobase.TableSchema) -> None:
        super().__init__(title=cut(f"Insert into {schema.name}", 45), timeout=900)
        self.schema = schema
        self.inputs: list[discord.ui.TextInput[InsertForm]] = []
        if len(schema.columns) <= MAX_FIELDS:
            for column in schema.columns:
                self.inputs.append(
                    discord.ui.TextInput(
                        label=cut(f"{column.name} ({column.type.value})", 45),
                        custom_id=column.name,
                        placeholder=_placeholder(column),
                        required=column.required,
                        max_length=4000,
                    )
                )
        else:
            self.inputs.append(
                discord.ui.TextInput(
                    label="One column=value a line",
                    custom_id=PAIRS_FIELD,
                    style=discord.TextStyle.paragraph,
                    default="\n".join(f"{name}=" for name in schema.column_names),
                    placeholder='quote values with a comma: title="Dune, part 1"',
                    max_length=4000,
                )
            )
        for field in self.inputs:
            self.add_item(field)

    def values(self) -> dict[str, Any]:
        """What the member typed, by column; an empty field gives no value."""
        if self.inputs[0].custom_id == PAIRS_FIELD:
            return _parse_lines(self.inputs[0].value)
        return {field.custom_id: field.value for field in self.inputs if field.value.strip()}

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        """Insert the record the form describes."""
        await insert_and_answer(interaction, self.schema.name, self.values())

    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:  # type: ignore[override]
        """Answer like a failed command (the form is gone; the member can run the command again)."""
        await answer_error(interaction, error)


async def insert_and_answer(interaction: discord.Interaction, table: str, values: dict[str, Any]) -> None:
    """Insert one record and show it; the engine converts and checks every value first."""
    store = store_of(interaction)
    record = await timely(interaction, store.insert(table, values, interaction.user.id))
    await answer(
        interaction,
        f"Inserted record **{record.id}** into {code(table)}.",
        embed=record_embed(store.schema(table), record, f"{table} #{record.id}"),
    )
