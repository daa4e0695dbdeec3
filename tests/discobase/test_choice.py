"""The `choice` column type: its spec, its checks, and `Literal` fields of library classes."""

from __future__ import annotations

from typing import Literal

import pytest

import discobase
from discobase import BadValue, GrammarError, SchemaError, parse_columns


def test_spec_round_trips_with_spaces_in_choices() -> None:
    """`choice(a|b c)` keeps spaces inside a choice and writes itself back the same way."""
    (column,) = parse_columns("status:choice(open | in progress|done) default=open")
    assert column.choices == ("open", "in progress", "done")
    assert column.spec() == "status:choice(open|in progress|done) default=open"
    assert parse_columns(column.spec())[0] == column


@pytest.mark.parametrize(
    ("spec", "error", "text"),
    [
        ("s:choice", GrammarError, "lists its choices in parentheses"),
        ("s:choice()", SchemaError, "must be 1 to 100 characters"),
        ("s:choice(a|A)", SchemaError, "lists the choice `A` twice"),
        ("s:choice(a|b) default=c", BadValue, "is not one of the choices: a, b"),
        ("s:choice(" + "|".join(f"c{n}" for n in range(26)) + ")", SchemaError, "1 to 25 choices"),
    ],
)
def test_bad_choice_specs_are_explained(spec: str, error: type[Exception], text: str) -> None:
    """Each bad choice spec names the problem."""
    with pytest.raises(error, match=text):
        parse_columns(spec)


def test_values_match_exactly_or_ignoring_case() -> None:
    """A value is a listed choice, matched ignoring case; anything else lists the choices and the closest."""
    (column,) = parse_columns("status:choice(open|done)")
    assert column.convert("Open") == "open"
    with pytest.raises(BadValue, match=r'"clsoed" is not one of the choices: open, done\.$'):
        column.convert("clsoed")
    with pytest.raises(BadValue, match="Did you mean `done`"):
        column.convert("dones")


def test_only_a_choice_column_has_choices() -> None:
    """A text column with choices is refused."""
    with pytest.raises(SchemaError, match="only a choice column has choices"):
        discobase.Column(name="s", type=discobase.ColumnType.TEXT, choices=("a",))


def test_a_literal_field_is_a_choice_column() -> None:
    """`Literal["open", "done"]` maps to `choice(open|done)`, its default kept."""

    class Task(discobase.Table):
        status: Literal["open", "done"] = "open"
        size: Literal["s", "m"] | None = None

    status, size = Task.table_schema().columns
    assert status.spec() == "status:choice(open|done) default=open"
    assert size.spec() == "size:choice(s|m) optional"
