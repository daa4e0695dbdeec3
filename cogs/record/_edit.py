"""The form behind a record's Edit button: the insert form, filled with the record's values, that updates it.

Only the fields the member changed are written, so an edit does not undo
someone else's change to another column made while the form was open. The
answer is ``/record update``'s: old → new, a line for each changed column.

The form is opened by the Edit button (``_buttons``), which also makes the
Show record button under the answer: the button module imports this one,
never the reverse, so the module that opens the form hands it ``reply_view``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import discord

import discobase
from discobase.model.columns import as_typed

from ..access import changeable_record, is_secret, unseen_holders_hidden
from ..audit.report import audit, update_lines
from ..utils.formatting import code, cut, show
from ..utils.members import Picked, resolve_users
from ..utils.observed import mark_outcome, observed
from ..utils.replies import answer, timely
from ._form import INPUT_LIMIT, MAX_FIELDS, PAIRS_FIELD, RecordForm, RecordProblems, in_column_order, parse_lines

__all__ = ["EditForm", "RecordView", "change_problems", "filled", "left_out_text", "updated_text"]

RecordView = Callable[[str, int], discord.ui.View]
"""Makes the view under a write's answer from the table and the record id (the Show record button)."""


def filled(schema: discobase.TableSchema, record: discobase.Record) -> tuple[dict[str, str], dict[str, int]]:
    """A record's values as a member would type them into the form, by field id; and the columns left out.

    Discord refuses a form whose text input is pre-filled with more than 4,000
    characters, so a value longer than that (``/record insert`` takes 6,000)
    has no field; with one ``column=value`` field, the longest lines are left
    out until the rest fits. A column left out is not changed by the form.
    Left out: each column's length, by name.
    """
    if len(schema.columns) <= MAX_FIELDS:
        texts = {column.name: column.type.display(record.values.get(column.name)) for column in schema.columns}
        left_out = {name: len(text) for name, text in texts.items() if len(text) > INPUT_LIMIT}
        return {name: text for name, text in texts.items() if name not in left_out}, left_out
    lines = {name: f"{name}={as_typed(record.values.get(name))}" for name in schema.column_names}
    left_out = {}
    while sum(len(line) + 1 for line in lines.values()) - 1 > INPUT_LIMIT:
        longest = max(lines, key=lambda name: len(lines[name]))
        del lines[longest]
        left_out[longest] = len(schema.column(longest).type.display(record.values.get(longest)))
    return ({PAIRS_FIELD: "\n".join(lines.values())} if lines else {}), left_out


def left_out_text(table: str, record_id: int, left_out: dict[str, int], *, in_form: bool) -> str:
    """Which columns are too long for the Edit form, and the command that changes them."""
    names = ", ".join(f"{code(name)} ({length:,} characters)" for name, length in left_out.items())
    one = len(left_out) == 1
    head = (
        f"{names} {'is' if one else 'are'} not in this form"
        if in_form
        else f"Record **{record_id}** of {code(table)} cannot be edited in a form: {names}"
    )
    return cut(
        f"{head}, longer than the {INPUT_LIMIT:,} characters a form field holds. "
        f"Change {'it' if one else 'them'} with `/record update table:{table} id:{record_id} "
        f"set:{next(iter(left_out))}=…`.",
        2000,
    )


def updated_text(
    schema: discobase.TableSchema, before: discobase.Record, after: discobase.Record, changed: list[str], note: str
) -> str:
    """The answer to an update: ``Updated record **3** of `books`:`` and ``year``: 1965 → 1966 a changed column."""
    lines = [
        f"{code(name)}: {show(schema.column(name).type, before.values.get(name), 60)} \u2192 "
        f"{show(schema.column(name).type, after.values.get(name), 60)}"
        for name in changed
    ]
    return cut(f"Updated record **{after.id}** of {code(schema.name)}{note}:\n" + "\n".join(lines), 2000)


def change_problems(schema: discobase.TableSchema, picked: Picked) -> list[Exception]:
    """Every problem of an update's changes at once, in column order: names that fit no member, and the rest."""
    problems: dict[str, Exception] = dict(picked.problems)
    for name, raw in picked.values.items():
        if name in problems:
            continue
        try:
            schema.validate_changes({name: raw})
        except (discobase.BadValue, discobase.UnknownColumn) as error:
            problems[name] = error
    return in_column_order(schema, problems)


class EditForm(RecordForm):
    """A record's fields filled with its values; submitting updates the columns whose text changed."""

    log_name = "Edit form"
    store: discobase.GuildStore
    access: discobase.Access
    before: discobase.Record
    """Set when the form is submitted: the record as it is then."""

    def __init__(
        self,
        schema: discobase.TableSchema,
        record_id: int,
        original: dict[str, str],
        typed: dict[str, str] | None = None,
        *,
        left_out: dict[str, int] | None = None,
        reply_view: RecordView,
    ) -> None:
        left_out = left_out or {}
        note = left_out_text(schema.name, record_id, left_out, in_form=True) if left_out else None
        super().__init__(
            schema, typed or original, title=f"Edit {schema.name} #{record_id}", skip=set(left_out), note=note
        )
        self.record_id = record_id
        self.original = original
        self.left_out = left_out
        self.reply_view = reply_view

    def again(self, schema: discobase.TableSchema, typed: dict[str, str]) -> EditForm:
        """The form again, as typed, still comparing with the record's values when it opened."""
        return EditForm(
            schema, self.record_id, self.original, typed, left_out=self.left_out, reply_view=self.reply_view
        )

    def _given(self, typed: dict[str, str]) -> dict[str, Any]:
        if PAIRS_FIELD in typed:
            return parse_lines(typed[PAIRS_FIELD], keep_empty=True)
        return {name: text if text.strip() else None for name, text in typed.items()}

    def changes(self) -> dict[str, Any]:
        """The columns whose field the member changed, with what they typed (None for an emptied field)."""
        given, was = self._given(self.typed()), self._given(self.original)
        return {name: value for name, value in given.items() if name not in was or was[name] != value}

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        """Check again that the record is there and the member may change it, then update it."""
        async with observed(interaction, self.log_name, self.schema.name):
            self.store, self.access, self.before = await changeable_record(
                interaction, self.schema.name, self.record_id, "change", ephemeral=True
            )
            await self._submit(interaction)

    async def write(self, interaction: discord.Interaction) -> None:
        """Update the changed columns and answer as ``/record update`` does; every problem at once."""
        table, before, private = self.schema.name, self.before, is_secret(self.access)
        schema = self.store.schema(table)
        picked = await timely(interaction, resolve_users(interaction, schema, self.changes()), ephemeral=private)
        problems = change_problems(schema, picked)
        if problems:
            head = f"Nothing was changed: record **{before.id}** of {code(table)}"
            raise RecordProblems(table, [str(problem) for problem in problems], head=head)
        converted = schema.validate_changes(picked.values) if picked.values else {}
        changes = {name: picked.values[name] for name, value in converted.items() if value != before.values.get(name)}
        if not changes:
            mark_outcome(interaction, "unchanged")
            await answer(
                interaction, f"Nothing changed: record **{before.id}** of {code(table)} is as it was.", ephemeral=True
            )
            return
        async with unseen_holders_hidden(interaction, self.store, self.access, table):
            after = await timely(
                interaction,
                self.store.update(table, before.id, changes, actor=interaction.user.id, command="edit form"),
                ephemeral=private,
            )
        what, values = update_lines(after.id, schema, before.values, after.values)
        audit(interaction, table, what, values=values, command="record update")
        text = updated_text(schema, before, after, list(changes), picked.note())
        await answer(interaction, text, view=self.reply_view(table, after.id), ephemeral=private)
