"""Every problem of a record's values at once, rather than only the first a write stops at.

A member who filled in a form or a spreadsheet row wants to fix everything in
one go: ``TableSchema.check_new`` checks every column in one pass, with exactly
the rules and messages of ``validate_new`` (which raises them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import BadValue, UnknownColumn
from .schema import TableSchema

__all__ = ["value_problems"]


def value_problems(schema: TableSchema, values: Mapping[str, Any]) -> list[BadValue | UnknownColumn]:
    """Why ``values`` cannot be a new record of ``schema``: unknown columns first, then each bad column in order."""
    return schema.check_new(values)[1]
