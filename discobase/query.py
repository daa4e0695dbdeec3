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


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}

Predicate = Callable[["Record"], bool]


@dataclass(frozen=True, slots=True)
class Condition:
    """``column OP value``, with ``value`` already in the column's Python form."""

    column: str
    op: Op
    value: Value

    def predicate(self) -> Predicate:
        """The condition as a function, its work done once (a full scan calls it per record).

        An empty value matches only ``=`` and ``!=``.
        """
        column, value = self.column, self.value
        if column == "id":
            compare_id = _COMPARE[self.op]
            return lambda record: compare_id(record.id, value)
        if value is None:
            wanted_empty = self.op == "="
            if self.op in ("=", "!="):
                return lambda record: (record.values.get(column) is None) == wanted_empty
            return lambda record: False
        if self.op == "~":
            needle = str(value).casefold()
            return lambda record: needle in str(record.values.get(column) or "").casefold()
        compare = _COMPARE[self.op]
        if self.op == "!=":
            return lambda record: record.values.get(column) is None or compare(record.values[column], value)
        return lambda record: (actual := record.values.get(column)) is not None and compare(actual, value)


@dataclass(frozen=True, slots=True)
class Query:
    """What ``find`` returns: records matching every condition, sorted, at most ``limit``."""

    conditions: tuple[Condition, ...] = ()
    sort: str = "id"
    descending: bool = False
    limit: int | None = None

    def predicate(self) -> Predicate:
        """Every condition as one function."""
        predicates = [condition.predicate() for condition in self.conditions]
        if not predicates:
            return lambda record: True
        if len(predicates) == 1:
            return predicates[0]
        return lambda record: all(check(record) for check in predicates)

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
