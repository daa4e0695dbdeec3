"""Planning ``alter-column``: every stored value is checked against the column as it would be, before any write.

A change either fits every record or is refused with the records it does not
fit. When stored values must change (a new type, a new default, empty values
filled), the column gets a fresh storage key and every record is written again
in batch messages (see schema_changes.py); flags alone (unique, optional) only
change the catalog entry.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..errors import SHOWN_PROBLEMS, AlterProblem, AlterRejected, BadValue, GrammarError, SchemaError
from .columns import ColumnType, Value, as_typed
from .records import Record
from .schema import Column, TableSchema

__all__ = [
    "SHOWN_PROBLEMS",
    "AlterPlan",
    "AlterProblem",
    "AlterRejected",
    "ColumnChange",
    "plan_alter",
    "trashed_value",
]


@dataclass(frozen=True, slots=True)
class AlterPlan:
    """The column as it will be, each record's value in it, and whether the stored records must be written again."""

    column: Column
    values: dict[int, Value]
    rewrite: bool
    filled: int


def _as_input(old: ColumnType, new: ColumnType, value: Value) -> Any:
    """A value as input for another type: numbers, text and times between dates as they are, the rest as typed."""
    if isinstance(value, bool) or (isinstance(value, date) and new not in (ColumnType.DATE, ColumnType.DATETIME)):
        return old.display(value)  # true, 2024-05-31T14:30:00Z
    return value


@dataclass(frozen=True, slots=True)
class ColumnChange:
    """What ``alter_column`` asks to change; None keeps the column's own."""

    column_type: ColumnType | None = None
    choices: Sequence[str] | None = None
    unique: bool | None = None
    optional: bool | None = None
    default: Any = None


def _new_column(old: Column, change: ColumnChange) -> Column:
    new_type = change.column_type or old.type
    choices = change.choices
    if choices is None:
        choices = old.choices if new_type is old.type else ()
    fields: dict[str, Any] = {
        "name": old.name,
        "type": new_type,
        "choices": tuple(choices),
        "unique": old.unique if change.unique is None else change.unique,
        "optional": old.optional if change.optional is None else change.optional,
        "key": old.key,
    }
    shape = Column(**fields)
    if change.default is not None:
        value = shape.convert(change.default)
        if value is None:
            raise GrammarError(f"Column `{old.name}`: `default` needs a value, like `default=0`.")
        fields["default"] = new_type.to_json(value)
    elif old.default is not None:
        try:
            fields["default"] = new_type.to_json(shape.convert(_as_input(old.type, new_type, old.default_value)))
        except BadValue as error:
            raise SchemaError(
                f"Column `{old.name}`: its default {as_typed(old.default_value)} {error.reason} "
                "Give a new `default` that fits."
            ) from None
    return Column(**fields)


def plan_alter(schema: TableSchema, records: Collection[Record], name: str, change: ColumnChange) -> AlterPlan:
    """Check a change of column ``name`` against every record; ``AlterRejected`` lists the records it does not fit.

    A required column (neither optional nor defaulted) refuses records with no
    value, unless a ``default`` is given: then they get it.
    """
    old = schema.column(name)
    column = _new_column(old, change)
    schema.replacing(name, column)  # the table's own rules (a unique column has no default, ...)
    if column == old:
        raise SchemaError(
            f"Column `{name}` of `{schema.name}` is like that already: nothing was changed. "
            "Give a `type`, `unique`, `optional` or `default` that differs."
        )
    checked = (column.type, column.choices) != (old.type, old.choices)
    values: dict[int, Value] = {}
    problems: list[AlterProblem] = []
    filled = 0
    holders: dict[Value, int] = {}
    for record in sorted(records, key=lambda r: r.id):
        now = record.values.get(name)
        value = now
        if value is not None and checked:
            try:
                value = column.convert(_as_input(old.type, column.type, value))
            except BadValue as error:
                problems.append(AlterProblem(record.id, now, error.reason))
                continue
        if value is None and not column.optional:
            if column.default is None:
                problems.append(AlterProblem(record.id, None, "has no value, and the column would need one", "empty"))
                continue
            value, filled = column.default_value, filled + 1
        if column.unique and value is not None:
            if value in holders:
                holder = holders[value]
                problems.append(
                    AlterProblem(record.id, now, f"has the same value as record {holder}", "repeat", holder)
                )
                continue
            holders[value] = record.id
        values[record.id] = value
    if problems:
        raise AlterRejected(schema.name, name, problems)
    # A new type changes the stored form (1965 becomes 1965.0); so do new values and a new default, which
    # records stored without the column read. New choices alone, or flags, leave every stored value right.
    changed = any(values[record.id] != record.values.get(name) for record in records)
    rewrite = column.type is not old.type or column.default != old.default or changed
    return AlterPlan(column, values, rewrite, filled)


def trashed_value(old: Column, column: Column, value: Value) -> Value:
    """A trashed record's value in the altered column: converted as a record's, else empty (or the default).

    The trash is not checked (a deleted record never refuses a change); what
    does not convert keeps only its old form, under the old key.
    """
    if value is not None and (column.type, column.choices) != (old.type, old.choices):
        try:
            value = column.convert(_as_input(old.type, column.type, value))
        except BadValue:
            value = None
    if value is None and not column.optional:
        return column.default_value
    return value
