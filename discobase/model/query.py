"""Queries as plain values: a where expression, a sort and a limit.

A ``Query`` and every part of its expression are frozen dataclasses, so two
equal queries compare and hash equal: tests compare them directly and results
could be cached by them. ``Query.conditions`` is the top-level conjunction
(every part must match); a part is a ``Condition``, or an ``Or``, ``And`` or
``Not`` of parts, as ``or``, parentheses and ``not`` build them.
"""

from __future__ import annotations

import heapq
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from .columns import Value

if TYPE_CHECKING:
    from .records import Record

__all__ = ["OPERATORS", "And", "Condition", "Expr", "Not", "Op", "Or", "Query"]

Op = Literal["=", "!=", "<", "<=", ">", ">=", "~", "~="]
OPERATORS: tuple[Op, ...] = ("!=", "<=", ">=", "~=", "=", "<", ">", "~")
"""Longest first, so a parser trying them in order takes ``<=`` before ``<``."""


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

        An empty value matches only ``=`` and ``!=``. ``~`` finds text inside
        text and ``~=`` compares text whole, both ignoring case.
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
        if self.op in ("~", "~="):
            needle = str(value).casefold()
            if self.op == "~=":
                return lambda record: str(record.values.get(column) or "").casefold() == needle
            return lambda record: needle in str(record.values.get(column) or "").casefold()
        compare = _COMPARE[self.op]
        if self.op == "!=":
            return lambda record: record.values.get(column) is None or compare(record.values[column], value)
        return lambda record: (actual := record.values.get(column)) is not None and compare(actual, value)


@dataclass(frozen=True, slots=True)
class And:
    """Every part matches (``a and b`` inside parentheses or under ``or``)."""

    parts: tuple[Expr, ...]

    def predicate(self) -> Predicate:
        """All parts as one function."""
        return _conjunction(self.parts)


@dataclass(frozen=True, slots=True)
class Or:
    """At least one part matches (``a or b``; ``x in (1, 2)`` is ``x = 1 or x = 2``)."""

    parts: tuple[Expr, ...]

    def predicate(self) -> Predicate:
        """Any part as one function."""
        return _any([part.predicate() for part in self.parts])


@dataclass(frozen=True, slots=True)
class Not:
    """The part does not match (``not a``, ``x not in (…)``)."""

    part: Expr

    def predicate(self) -> Predicate:
        """The negation as a function."""
        check = self.part.predicate()
        return lambda record: not check(record)


Expr: TypeAlias = Condition | And | Or | Not


def _all(predicates: list[Predicate]) -> Predicate:
    return _chain(predicates, every=True)


_BOUNDS = {">": "low", ">=": "low", "<": "high", "<=": "high"}


def _conjunction(parts: Iterable[Expr]) -> Predicate:
    """Every part as one function; a lower and an upper bound on one column become one range test.

    ``year >= 1950 and year < 1990`` then costs one look-up and one chained
    comparison a record, not two functions (a scan calls it per record).
    """
    parts = list(parts)
    bounds: dict[str, dict[str, Condition]] = {}
    for part in parts:
        if isinstance(part, Condition) and part.op in _BOUNDS and part.column != "id" and part.value is not None:
            bounds.setdefault(part.column, {}).setdefault(_BOUNDS[part.op], part)
    ranges = {column: ends for column, ends in bounds.items() if len(ends) == 2}
    fused = {id(end) for ends in ranges.values() for end in ends.values()}
    predicates = [_range(ends["low"], ends["high"]) for ends in ranges.values()]
    predicates += [part.predicate() for part in parts if id(part) not in fused]
    return _all(predicates)


def _range(low: Condition, high: Condition) -> Predicate:
    """``low <(=) value <(=) high`` with the comparisons inline: no function call per bound."""
    column, lo, hi = low.column, low.value, high.value
    if low.op == ">=" and high.op == "<":
        return lambda record: (value := record.values.get(column)) is not None and lo <= value < hi  # type: ignore[operator]
    if low.op == ">=":
        return lambda record: (value := record.values.get(column)) is not None and lo <= value <= hi  # type: ignore[operator]
    if high.op == "<":
        return lambda record: (value := record.values.get(column)) is not None and lo < value < hi  # type: ignore[operator]
    return lambda record: (value := record.values.get(column)) is not None and lo < value <= hi  # type: ignore[operator]


def _any(predicates: list[Predicate]) -> Predicate:
    return _chain(predicates, every=False)


def _chain(predicates: list[Predicate], every: bool) -> Predicate:
    """One function that short-circuits, nested pairwise: no generator per record (a scan calls it per record)."""
    if not predicates:
        return lambda record: every
    first, *rest = predicates
    if not rest:
        return first
    second = _chain(rest, every)
    if every:
        return lambda record: first(record) and second(record)
    return lambda record: first(record) or second(record)


@dataclass(frozen=True, slots=True)
class Query:
    """What ``find`` returns: records matching every condition, sorted, at most ``limit``."""

    conditions: tuple[Expr, ...] = ()
    sort: str = "id"
    descending: bool = False
    limit: int | None = None

    def predicate(self) -> Predicate:
        """Every condition as one function."""
        return _conjunction(self.conditions)

    def index_lookups(self) -> list[Condition]:
        """The top-level ``column = value`` conditions: each alone narrows the matches to what an index holds."""
        return [
            condition
            for condition in self.conditions
            if isinstance(condition, Condition) and condition.op == "=" and condition.value is not None
        ]

    def without_limit(self) -> Query:
        """The same query with no limit: how many match in all."""
        return Query(self.conditions, self.sort, self.descending)

    def id_range(self) -> tuple[int, int] | None:
        """The ids the top-level ``id`` conditions allow, as ``range`` bounds (low, high), or None if unbounded."""
        low, high = 1, None
        for condition in self.conditions:
            if not (isinstance(condition, Condition) and condition.column == "id" and isinstance(condition.value, int)):
                continue
            value = condition.value
            if condition.op in ("=", ">="):
                low = max(low, value)
            elif condition.op == ">":
                low = max(low, value + 1)
            if condition.op in ("=", "<="):
                high = value + 1 if high is None else min(high, value + 1)
            elif condition.op == "<":
                high = value if high is None else min(high, value)
        return None if high is None else (low, max(low, high))

    def order(self, records: Iterable[Record]) -> list[Record]:
        """Sort records by the query's column, empty values last, and keep the first ``limit``.

        With a limit the order is one pass keeping the best ``limit`` (``heapq``), not a sort of every match.
        """
        if self.sort == "id":
            if self.limit is None:
                return sorted(records, key=_by_id, reverse=self.descending)
            pick = heapq.nlargest if self.descending else heapq.nsmallest
            return pick(self.limit, records, key=_by_id)
        column = self.sort
        present: list[Record] = []
        missing: list[Record] = []
        for record in records:
            (missing if record.values.get(column) is None else present).append(record)
        if self.limit is None:
            present.sort(key=_by_id)
            present.sort(key=lambda r: r.values[column], reverse=self.descending)  # type: ignore[arg-type,return-value]
            return present + sorted(missing, key=_by_id)
        if self.descending:  # largest values first; among equal values the smaller id first
            best = heapq.nlargest(self.limit, present, key=lambda r: (r.values[column], -r.id))
        else:
            best = heapq.nsmallest(self.limit, present, key=lambda r: (r.values[column], r.id))
        if len(best) < self.limit:
            best += heapq.nsmallest(self.limit - len(best), missing, key=_by_id)
        return best


def _by_id(record: Record) -> int:
    return record.id
