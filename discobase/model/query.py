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
from .records import by_id, column_getter

if TYPE_CHECKING:
    from .records import Layout, Record

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

    def predicate(self, layout: Layout | None = None) -> Predicate:
        """The condition as a function, its work done once (a full scan calls it per record).

        ``layout``: the one every record tested has, so values are read by
        position. An empty value matches only ``=`` and ``!=``. ``~`` finds
        text inside text and ``~=`` compares text whole, both ignoring case.
        """
        value, get = self.value, column_getter(self.column, layout)
        if self.column == "id":
            compare_id = _COMPARE[self.op]
            return lambda record: compare_id(get(record), value)
        if value is None:
            wanted_empty = self.op == "="
            if self.op in ("=", "!="):
                return lambda record: (get(record) is None) == wanted_empty
            return lambda record: False
        if self.op in ("~", "~="):
            needle = str(value).casefold()
            if self.op == "~=":
                return lambda record: str(get(record) or "").casefold() == needle
            return lambda record: needle in str(get(record) or "").casefold()
        compare = _COMPARE[self.op]
        if self.op == "!=":
            return lambda record: (actual := get(record)) is None or compare(actual, value)
        if self.op == "=":
            return lambda record: get(record) == value
        return lambda record: (actual := get(record)) is not None and compare(actual, value)


@dataclass(frozen=True, slots=True)
class And:
    """Every part matches (``a and b`` inside parentheses or under ``or``)."""

    parts: tuple[Expr, ...]

    def predicate(self, layout: Layout | None = None) -> Predicate:
        """All parts as one function."""
        return _conjunction(self.parts, layout)


@dataclass(frozen=True, slots=True)
class Or:
    """At least one part matches (``a or b``; ``x in (1, 2)`` is ``x = 1 or x = 2``)."""

    parts: tuple[Expr, ...]

    def predicate(self, layout: Layout | None = None) -> Predicate:
        """Any part as one function."""
        return _any([part.predicate(layout) for part in self.parts])


@dataclass(frozen=True, slots=True)
class Not:
    """The part does not match (``not a``, ``x not in (…)``)."""

    part: Expr

    def predicate(self, layout: Layout | None = None) -> Predicate:
        """The negation as a function."""
        check = self.part.predicate(layout)
        return lambda record: not check(record)


Expr: TypeAlias = Condition | And | Or | Not


def _all(predicates: list[Predicate]) -> Predicate:
    return _chain(predicates, every=True)


_BOUNDS = {">": "low", ">=": "low", "<": "high", "<=": "high"}


def _conjunction(parts: Iterable[Expr], layout: Layout | None) -> Predicate:
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
    predicates = [_range(ends["low"], ends["high"], layout) for ends in ranges.values()]
    predicates += [part.predicate(layout) for part in parts if id(part) not in fused]
    return _all(predicates)


def _range(low: Condition, high: Condition, layout: Layout | None) -> Predicate:
    """``low <(=) value <(=) high`` with the comparisons inline: no function call per bound."""
    get, lo, hi = column_getter(low.column, layout), low.value, high.value
    if low.op == ">=" and high.op == "<":
        return lambda record: (value := get(record)) is not None and lo <= value < hi  # type: ignore[operator]
    if low.op == ">=":
        return lambda record: (value := get(record)) is not None and lo <= value <= hi  # type: ignore[operator]
    if high.op == "<":
        return lambda record: (value := get(record)) is not None and lo < value < hi  # type: ignore[operator]
    return lambda record: (value := get(record)) is not None and lo < value <= hi  # type: ignore[operator]


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

    def predicate(self, layout: Layout | None = None) -> Predicate:
        """Every condition as one function (``layout``: the one every record tested has)."""
        return _conjunction(self.conditions, layout)

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

    def order(self, records: Iterable[Record], layout: Layout | None = None) -> list[Record]:
        """Sort records by the query's column, empty values last, and keep the first ``limit``.

        With a limit the order is one pass keeping the best ``limit`` (``heapq``), not a sort of every match.
        ``layout``: the one every record has, so values are read by position.
        """
        if self.sort == "id":
            if self.limit is None:
                return sorted(records, key=by_id, reverse=self.descending)
            pick = heapq.nlargest if self.descending else heapq.nsmallest
            return pick(self.limit, records, key=by_id)
        get = column_getter(self.sort, layout)
        present: list[Record] = []
        missing: list[Record] = []
        for record in records:
            (missing if get(record) is None else present).append(record)
        if self.limit is None:
            present.sort(key=by_id)
            present.sort(key=get, reverse=self.descending)  # type: ignore[arg-type]
            return present + sorted(missing, key=by_id)
        best = _best(self.limit, present, get, self.descending)
        if len(best) < self.limit:
            best += heapq.nsmallest(self.limit - len(best), missing, key=by_id)
        return best


def _best(limit: int, records: list[Record], get: Callable[[Record], Any], descending: bool) -> list[Record]:
    """The first ``limit`` records by value (ties: the smaller id first), in one pass over the values alone.

    The ``limit``-th best value is found among the values (``heapq`` compares
    them in C, with no key tuple per record); only the records reaching it are
    then ordered by value and id.
    """
    values = list(map(get, records))
    pick = heapq.nlargest if descending else heapq.nsmallest
    edge = pick(limit, values)
    if not edge:
        return []
    last = edge[-1]
    if descending:
        reaching = [record for record, value in zip(records, values, strict=True) if value >= last]
        reaching.sort(key=by_id)
        reaching.sort(key=get, reverse=True)
    else:
        reaching = [record for record, value in zip(records, values, strict=True) if value <= last]
        reaching.sort(key=by_id)
        reaching.sort(key=get)
    return reaching[:limit]
