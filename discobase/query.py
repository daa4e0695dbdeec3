"""Queries as plain values: conditions, a sort and a limit.

A ``Query`` is a frozen dataclass, so two equal queries compare and hash equal:
tests compare them directly and results could be cached by them.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .columns import Value

if TYPE_CHECKING:
    from .records import Record

__all__ = ["OPERATORS", "Condition", "Op", "Query"]

Op = Literal["=", "!=", "<", "<=", ">", ">=", "~"]
OPERATORS: tuple[Op, ...] = ("!=", "<=", ">=", "=", "<", ">", "~")


def _contains(actual: Any, expected: Any) -> bool:
    return str(expected).casefold() in str(actual).casefold()


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "~": _contains,
}


@dataclass(frozen=True, slots=True)
class Condition:
    """``column OP value``, with ``value`` already in the column's Python form."""

    column: str
    op: Op
    value: Value

    def matches(self, record: Record) -> bool:
        """Whether the record satisfies this condition; an empty value matches only ``=``/``!=``."""
        actual = record.id if self.column == "id" else record.values.get(self.column)
        if actual is None or self.value is None:
            if self.op == "=":
                return actual is self.value
            if self.op == "!=":
                return actual is not self.value
            return False
        return _COMPARE[self.op](actual, self.value)


@dataclass(frozen=True, slots=True)
class Query:
    """What ``find`` returns: records matching every condition, sorted, at most ``limit``."""

    conditions: tuple[Condition, ...] = ()
    sort: str = "id"
    descending: bool = False
    limit: int | None = None

    def matches(self, record: Record) -> bool:
        """Whether the record satisfies every condition."""
        return all(condition.matches(record) for condition in self.conditions)

    def order(self, records: Iterable[Record]) -> list[Record]:
        """Sort records by the query's column; empty values always come last."""
        if self.sort == "id":
            return sorted(records, key=lambda r: r.id, reverse=self.descending)
        column = self.sort
        present = [r for r in records if r.values.get(column) is not None]
        missing = [r for r in records if r.values.get(column) is None]
        present.sort(key=lambda r: r.id)
        present.sort(key=lambda r: r.values[column], reverse=self.descending)  # type: ignore[arg-type,return-value]
        return present + sorted(missing, key=lambda r: r.id)
