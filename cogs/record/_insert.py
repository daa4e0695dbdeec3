"""``/record insert``: with ``values`` the record is written at once; without, a form asks for each column.

Both ways end in ``insert_and_answer``: every problem of the values is named at
once before anything is written, and the answer is one public line (private
for a table with a read role) with the Show record button under it.
"""

from __future__ import annotations

from typing import Any

import discord

import discobase

from ..access import is_secret, open_writable, unseen_holders_hidden
from ..audit.report import audit
from ..utils.embeds import record_line
from ..utils.formatting import code, cut
from ..utils.members import Picked, resolve_users
from ..utils.replies import answer, timely
from ._buttons import show_record_view
from ._form import LINE_LIMIT, RecordForm, in_column_order, one_or_all

__all__ = ["InsertForm", "insert_and_answer", "open_insert_form", "record_problems"]


class InsertForm(RecordForm):
    """The form ``/record insert`` opens when no ``values`` are given: submitting it inserts the record."""

    def __init__(self, schema: discobase.TableSchema, typed: dict[str, str] | None = None) -> None:
        super().__init__(schema, typed, title=f"Insert into {schema.name}")

    async def write(self, interaction: discord.Interaction) -> None:
        """Insert the record the form describes (raising its problems)."""
        await insert_and_answer(interaction, self.schema.name, self.values())

    def again(self, schema: discobase.TableSchema, typed: dict[str, str]) -> InsertForm:
        """The same form, for the table's current columns, filled in with ``typed``."""
        return InsertForm(schema, typed)


async def open_insert_form(interaction: discord.Interaction, table: str) -> None:
    """Open the insert form of a table the member may write."""
    store, _ = await open_writable(interaction, table, ephemeral=True)
    schema = store.schema(table)
    if interaction.response.is_done():  # a form can only be the first answer, and loading took too long
        await answer(
            interaction, "Loading took a moment, so the form could not open. Run the command again.", ephemeral=True
        )
        return
    await interaction.response.send_modal(InsertForm(schema))


async def insert_and_answer(interaction: discord.Interaction, table: str, values: dict[str, Any]) -> None:
    """Insert one record; confirm in one public line (private for a table with a read role) with Show record.

    The engine validates the values (once); when it refuses them, or a name
    fits no member, every problem is named at once and nothing is written (one
    problem is the engine's own error, as the engine would raise it).
    """
    store, access = await open_writable(interaction, table)
    private = is_secret(access)
    schema = store.schema(table)
    picked = await timely(interaction, resolve_users(interaction, schema, values), ephemeral=private)
    if picked.problems:
        raise _every_problem(table, schema, picked)
    try:
        async with unseen_holders_hidden(interaction, store, access, table):
            insert = store.insert(table, picked.values, interaction.user.id)
            record = await timely(interaction, insert, ephemeral=private)
    except (discobase.BadValue, discobase.UnknownColumn) as error:
        raise _every_problem(table, schema, picked, error) from None
    line = record_line(store.schema(table), record, LINE_LIMIT)
    audit(
        interaction, table, f"#{record.id} inserted", values=f"#{record.id} inserted: {line}", command="record insert"
    )
    await answer(
        interaction,
        cut(f"Inserted record **{record.id}** into {code(table)}: {line}{picked.note()}", 2000),
        view=show_record_view(table, record.id),
        ephemeral=private,
    )


def _every_problem(
    table: str, schema: discobase.TableSchema, picked: Picked, refused: Exception | None = None
) -> Exception:
    """The error that names every problem of a refused record: one as it is, several as a list.

    ``refused``: the engine's error, kept when the values meet a newer schema than the one checked here.
    """
    problems = record_problems(schema, picked) or ([refused] if refused is not None else [])
    return one_or_all(table, problems)


def record_problems(schema: discobase.TableSchema, picked: Picked) -> list[Exception]:
    """Every problem of a new record in column order: names that fit no member, the engine's checks of the rest."""
    problems: dict[str, Exception] = dict(picked.problems)
    for problem in discobase.value_problems(schema, picked.values):
        problems.setdefault(problem.column, problem)
    return in_column_order(schema, problems)
