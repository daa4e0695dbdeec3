"""Every problem of a record's values at once, rather than only the first a write stops at.

A member who filled in a form or a spreadsheet row wants to fix everything in
one go. Each column is checked on its own by a one-column copy of the schema,
so the rules (conversion, defaults, required columns) and their messages are
exactly those of ``TableSchema.validate_new``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from ..errors import BadValue, UnknownColumn
from .schema import TableSchema

__all__ = ["value_problems"]


def value_problems(schema: TableSchema, values: Mapping[str, Any]) -> list[BadValue | UnknownColumn]:
    """Why ``values`` cannot be a new record of ``schema``: unknown columns first, then each bad column in order."""
    problems: list[BadValue | UnknownColumn] = [
        UnknownColumn(schema.name, name, schema.column_names) for name in values if name not in schema.column_names
    ]
    for alone in _one_column_schemas(schema):
        name = alone.columns[0].name
        try:
            alone.validate_new({name: values[name]} if name in values else {})
        except BadValue as error:
            problems.append(error)
    return problems


@functools.lru_cache(maxsize=64)
def _one_column_schemas(schema: TableSchema) -> tuple[TableSchema, ...]:
    """A schema per column (built once per schema: a file of bad rows asks for them again and again)."""
    return tuple(TableSchema(name=schema.name, columns=(column,)) for column in schema.columns)
