"""The record form shared by ``/record insert`` (``_insert``) and the Edit button (``_edit``): fields and problems.

A form that fails keeps what was typed: the member gets every problem at once,
privately, with a button that opens the form again filled in as they left it.
What a submitted form writes, and how it answers, is its subclass's ``write``;
so this module knows nothing of inserts, updates or buttons, and the modules
that do import it, never the reverse.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import discord

import discobase

from ..access import writable
from ..utils.context import store_of
from ..utils.errors import Refused, answer_error
from ..utils.formatting import code, cut
from ..utils.observed import mark_outcome, observed
from ..utils.replies import answer
from ..utils.views import OwnedView

__all__ = [
    "INPUT_LIMIT",
    "LINE_LIMIT",
    "MAX_FIELDS",
    "PAIRS_FIELD",
    "FixForm",
    "RecordForm",
    "RecordProblems",
    "in_column_order",
    "one_or_all",
    "parse_lines",
    "problems_text",
]

MAX_FIELDS = 5
"""A modal holds at most 5 text inputs: up to that many columns get one field each."""
PAIRS_FIELD = "values"
INPUT_LIMIT = 4000
"""Characters a text input holds, pre-filled ones too: Discord refuses a form with a longer ``value``."""
FORM_TIMEOUT = 900.0
LINE_LIMIT = 300
"""Characters of a record's values in a write's one-line confirmation."""


def _placeholder(column: discobase.Column) -> str:
    """The input format, and what happens when the field is left empty."""
    if column.default is not None:
        empty = "empty: " + (column.type.display(column.default_value) or '""')
    else:
        empty = "optional" if column.optional else "required"
    hint = "a member's name, mention or id" if column.type is discobase.ColumnType.USER else column.hint
    return cut(f"{hint} ({empty})", 100)


def parse_lines(text: str, *, keep_empty: bool = False) -> dict[str, Any]:
    """``column=value`` pairs, one or more a line; a JSON object is taken whole.

    A line left as the form wrote it (``year=``) is left out, so the column gets
    its default; with ``keep_empty`` (an edit) it empties the column.
    """
    if text.strip().startswith("{"):
        return discobase.parse_values(text)
    values: dict[str, Any] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        for name, value in discobase.parse_values(line).items():
            if value is None and not keep_empty:
                continue
            if name in values:
                raise discobase.GrammarError(f"Column `{name}` is given twice. Give each column once.")
            values[name] = value
    return values


def problems_text(table: str, problems: list[str], *, head: str | None = None) -> str:
    """Every problem of one record, as a list under one line that says nothing was inserted (or ``head``)."""
    lines = "\n".join(f"\u2022 {cut(problem, 300)}" for problem in problems)
    count = "a problem" if len(problems) == 1 else f"{len(problems)} problems"
    head = head or f"Nothing was inserted into {code(table)}: the record"
    return cut(f"{head} has {count}.\n{lines}", 1900)


class RecordProblems(Refused):
    """Several problems of one record (new, or edited in its form), all named in one answer."""

    def __init__(self, table: str, problems: list[str], *, head: str | None = None) -> None:
        super().__init__(problems_text(table, problems, head=head))
        self.problems = problems


def in_column_order(schema: discobase.TableSchema, problems: dict[str, Exception]) -> list[Exception]:
    """Problems by column name, as the form and the table list the columns: unknown columns first."""
    names = schema.column_names
    return [problems[name] for name in sorted(problems, key=lambda name: names.index(name) if name in names else -1)]


def one_or_all(table: str, problems: list[Exception], *, head: str | None = None) -> Exception:
    """The error naming every problem of a record: one as it is (the engine's own error), several as a list."""
    if len(problems) == 1:
        return problems[0]
    return RecordProblems(table, [str(problem) for problem in problems], head=head)


def _text(field: discord.ui.TextInput[Any] | discord.ui.Select[Any]) -> str:
    """What a field holds: a text input's text, a select's choice (or nothing)."""
    if isinstance(field, discord.ui.Select):
        return field.values[0] if field.values else ""
    return field.value


class RecordForm(discord.ui.Modal):
    """One field per column (name and type as label, the format as placeholder), or one ``column=value`` field.

    ``typed`` fills the fields in (by field id): with what was typed when the form
    reopens after a problem, or with a record's values for an edit. Columns in
    ``skip`` get no field (an edit's values too long for one), and ``note``
    (saying why) is shown above the fields. Each form (``InsertForm``,
    ``EditForm``) gives ``write``, ``again`` and ``log_name``.
    """

    log_name = "form"
    """The form's name in log lines."""

    def __init__(
        self,
        schema: discobase.TableSchema,
        typed: dict[str, str] | None,
        *,
        title: str,
        skip: Collection[str] = (),
        note: str | None = None,
    ) -> None:
        super().__init__(title=cut(title, 45), timeout=FORM_TIMEOUT)
        self.schema = schema
        typed = typed or {}
        if note:
            self.add_item(discord.ui.TextDisplay(cut(note, INPUT_LIMIT)))
        self.inputs: list[discord.ui.TextInput[RecordForm] | discord.ui.Select[RecordForm]] = []
        if len(schema.columns) <= MAX_FIELDS:
            for column in schema.columns:
                if column.name in skip:
                    continue
                if column.type is discobase.ColumnType.CHOICE:
                    self._add_choice(column, typed.get(column.name))
                    continue
                self.inputs.append(
                    discord.ui.TextInput(
                        label=cut(f"{column.name} ({column.type.value})", 45),
                        custom_id=column.name,
                        placeholder=_placeholder(column),
                        default=typed.get(column.name) or None,
                        # a value of several lines (an edited record's text) keeps its lines
                        style=discord.TextStyle.paragraph
                        if "\n" in typed.get(column.name, "")
                        else discord.TextStyle.short,
                        required=column.required,
                        max_length=INPUT_LIMIT,
                    )
                )
                self.add_item(self.inputs[-1])
        else:
            empty = "\n".join(f"{name}=" for name in schema.column_names if name not in skip)
            self.inputs.append(
                discord.ui.TextInput(
                    label="One column=value a line",
                    custom_id=PAIRS_FIELD,
                    style=discord.TextStyle.paragraph,
                    default=typed.get(PAIRS_FIELD) or empty,
                    placeholder='quote values with a comma: title="Dune, part 1"',
                    max_length=INPUT_LIMIT,
                )
            )
            self.add_item(self.inputs[-1])

    def _add_choice(self, column: discobase.Column, typed: str | None) -> None:
        """A choice column is a select menu of its choices, the one typed before (or the default) picked."""
        picked = column.default if typed is None else typed  # "" is nothing picked
        select: discord.ui.Select[RecordForm] = discord.ui.Select(
            custom_id=column.name,
            options=[discord.SelectOption(label=c, value=c, default=c == picked) for c in column.choices],
            min_values=0 if not column.required else 1,
            required=column.required,
        )
        self.inputs.append(select)
        label = cut(f"{column.name} (choice)", 45)
        self.add_item(discord.ui.Label(text=label, description=_placeholder(column), component=select))

    def typed(self) -> dict[str, str]:
        """The text of every field as submitted (a select's choice), by field id."""
        return {str(field.custom_id): _text(field) for field in self.inputs}

    def values(self) -> dict[str, Any]:
        """What the member typed, by column; an empty field gives no value."""
        if self.inputs[0].custom_id == PAIRS_FIELD:
            return parse_lines(_text(self.inputs[0]))
        return {str(field.custom_id): _text(field) for field in self.inputs if _text(field).strip()}

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        """Write what the form describes; on any problem, list them all and offer the form back."""
        async with observed(interaction, self.log_name, self.schema.name):
            await self._submit(interaction)

    async def _submit(self, interaction: discord.Interaction) -> None:
        try:
            await self.write(interaction)
            return
        except RecordProblems as error:
            problems, text = error.problems, str(error)
        except (discobase.DiscobaseError, Refused) as error:  # a bad line, a taken unique value, Discord failing, …
            problems, text = [str(error)], ""
        mark_outcome(interaction, "rejected")
        text = (text or problems_text(self.schema.name, problems)) + (
            "\nPress **Fix the form** to get it back as you typed it."
        )
        await answer(interaction, text, view=FixForm(interaction, self, self.typed()), ephemeral=True)

    async def write(self, interaction: discord.Interaction) -> None:
        """Write what the form describes and answer (raising its problems)."""
        raise NotImplementedError

    def again(self, schema: discobase.TableSchema, typed: dict[str, str]) -> RecordForm:
        """The same form, for the table's current columns, filled in with ``typed``."""
        raise NotImplementedError

    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:  # type: ignore[override]
        """Answer like a failed command."""
        await answer_error(interaction, error)


class FixForm(OwnedView):
    """The button under a failed form's problems: the same form again, filled in with what was typed."""

    def __init__(self, interaction: discord.Interaction, form: RecordForm, typed: dict[str, str]) -> None:
        super().__init__(interaction, timeout=FORM_TIMEOUT)
        self.form = form
        self.table = form.schema.name
        self.typed = typed

    @discord.ui.button(label="Fix the form", style=discord.ButtonStyle.primary)
    async def reopen(self, interaction: discord.Interaction, _: discord.ui.Button[FixForm]) -> None:
        """Open the form again, with the table's current columns and the text typed before."""
        store = store_of(interaction)
        table = self.form.schema.name
        writable(interaction, store, table)  # the rules may have changed since
        await interaction.response.send_modal(self.form.again(store.schema(table), self.typed))
