"""Summaries of records: how many, totals of number columns, date ranges, and the same by group.

Pure functions over records already in memory: ``/record summary`` and
``Table.summary`` both call ``summarize``, so the command and the library give
the same numbers. One pass each: counting groups is a ``Counter`` over a key
function, and the statistics of a column are builtins over one list of its
values (100,000 records grouped by one column in well under 100 ms of CPU).

Groups are ranked largest first (by count, or by the sum of the first ``of``
column when ``of`` is given); at most ``MAX_GROUPS`` are kept and the rest are
folded into one "other" group; records without a value form "(none)", always
shown, after the others. Groups by a date part (``due:month``) keep the
largest ``MAX_GROUPS`` too, but list them in time order: a timeline by count
would read as noise.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, get_args

from ..errors import GrammarError, closest, shown
from .columns import ColumnType, Value
from .records import Layout, Record, column_getter, shared_layout
from .schema import TableSchema

__all__ = [
    "MAX_GROUPS",
    "DatePart",
    "DateRange",
    "Group",
    "GroupBy",
    "NumberStats",
    "Summary",
    "parse_by",
    "parse_of",
    "summarize",
]

MAX_GROUPS = 25
DatePart = Literal["day", "week", "month", "year"]
DATE_PARTS: tuple[DatePart, ...] = get_args(DatePart)
NUMBER_TYPES = (ColumnType.INT, ColumnType.FLOAT)
DATE_TYPES = (ColumnType.DATE, ColumnType.DATETIME)

Number = int | float


@dataclass(frozen=True, slots=True)
class GroupBy:
    """What ``by`` groups on: a column, and for a date or datetime column optionally a part of it."""

    column: str
    part: DatePart | None = None

    def __str__(self) -> str:
        return f"{self.column}:{self.part}" if self.part else self.column


@dataclass(frozen=True, slots=True)
class NumberStats:
    """A number column over the records that have a value in it (``count`` of them); None where there is none."""

    column: str
    count: int
    total: Number
    average: float | None
    minimum: Number | None
    maximum: Number | None


@dataclass(frozen=True, slots=True)
class DateRange:
    """The earliest and latest value of a date or datetime column (None when no record has one)."""

    column: str
    earliest: date | datetime | None
    latest: date | datetime | None


@dataclass(frozen=True, slots=True)
class Group:
    """One group of a summary ``by`` a column: its value (or the date part as text), count and sums.

    ``kind`` is ``"value"``, ``"other"`` (the groups past ``MAX_GROUPS``, folded)
    or ``"none"`` (records without a value); ``totals`` are the sums of the
    ``of`` columns, in their order.
    """

    key: Value
    count: int
    totals: tuple[Number, ...] = ()
    kind: Literal["value", "other", "none"] = "value"


@dataclass(frozen=True, slots=True)
class Summary:
    """What ``summarize`` found: the count, statistics, and with ``by`` the groups (``group_count`` before folding)."""

    table: str
    count: int
    numbers: tuple[NumberStats, ...]
    dates: tuple[DateRange, ...]
    by: GroupBy | None = None
    of: tuple[str, ...] = ()
    groups: tuple[Group, ...] = ()
    group_count: int = 0


def parse_by(text: str, schema: TableSchema) -> GroupBy:
    """Read ``by``: a column, or ``column:day|week|month|year`` for a date or datetime column."""
    name, colon, part = text.strip().lower().partition(":")
    column = schema.column(name.strip())
    if not colon:
        return GroupBy(column.name)
    part = part.strip()
    if column.type not in DATE_TYPES:
        raise GrammarError(
            f"`by:{shown(text.strip())}`: only a date or datetime column has parts like `:month`; "
            f"`{column.name}` is {column.type.value}. Write `by:{column.name}`."
        )
    if part not in DATE_PARTS:
        guess = closest(part, DATE_PARTS)
        hint = f" Did you mean `{column.name}:{guess}`?" if guess else ""
        raise GrammarError(
            f"`{shown(part)}` is not a part of a date.{hint} "
            f"Parts: {', '.join(DATE_PARTS)} (like `{column.name}:month`)."
        )
    return GroupBy(column.name, part)


def parse_of(text: str, schema: TableSchema) -> tuple[str, ...]:
    """Read ``of``: comma-separated number columns to total (each once)."""
    names: list[str] = []
    summable = [column.name for column in schema.columns if column.type in NUMBER_TYPES]
    for part in text.split(","):
        if not part.strip():
            continue
        column = schema.column(part.strip().lower())
        if column.type not in NUMBER_TYPES:
            which = (
                f"Columns that can be summed: {', '.join(summable)}."
                if summable
                else f"`{schema.name}` has no int or float column to sum."
            )
            raise GrammarError(
                f"`of:{column.name}`: `{column.name}` is a {column.type.value} column, and only numbers add up. {which}"
            )
        if column.name not in names:
            names.append(column.name)
    if not names:
        raise GrammarError(f"`of` names no column. Name number columns, like `of:{(summable or ['hours'])[0]}`.")
    return tuple(names)


def _part_key(part: DatePart) -> Callable[[date], str]:
    """The text a date part groups by; ISO text, so the groups of a part also sort in time order."""
    if part == "day":
        return date.isoformat
    if part == "week":
        return lambda day: "{}-W{:02d}".format(*day.isocalendar()[:2])
    if part == "month":
        return lambda day: f"{day.year:04d}-{day.month:02d}"
    return lambda day: f"{day.year:04d}"


def _key_function(by: GroupBy, schema: TableSchema, layout: Layout | None) -> Callable[[Record], Value]:
    get = column_getter(by.column, layout)
    if by.part is None:
        return get
    to_text = _part_key(by.part)
    if schema.column(by.column).type is ColumnType.DATETIME:  # stored in UTC: the part is the UTC day's
        return lambda record: None if (value := get(record)) is None else to_text(value.date())  # type: ignore[union-attr]
    return lambda record: None if (value := get(record)) is None else to_text(value)  # type: ignore[arg-type]


def _present(column: str, records: Sequence[Record], layout: Layout | None) -> list[Any]:
    """The column's values that are not empty."""
    return [value for value in map(column_getter(column, layout), records) if value is not None]


def _number_stats(column: str, records: Sequence[Record], layout: Layout | None) -> NumberStats:
    values: list[Number] = _present(column, records, layout)
    if not values:
        return NumberStats(column, 0, 0, None, None, None)
    total = sum(values)
    return NumberStats(column, len(values), total, total / len(values), min(values), max(values))


def _date_range(column: str, records: Sequence[Record], layout: Layout | None) -> DateRange:
    values: list[date] = _present(column, records, layout)
    return DateRange(column, min(values), max(values)) if values else DateRange(column, None, None)


def _groups(
    records: Sequence[Record], key_of: Callable[[Record], Value], of: tuple[str, ...], layout: Layout | None
) -> tuple[Counter[Value], dict[Value, list[Number]]]:
    """Counts by key and, with ``of``, the sums of those columns by key (one pass)."""
    if not of:
        return Counter(map(key_of, records)), {}
    counts: Counter[Value] = Counter()
    sums: dict[Value, list[Number]] = {}
    totalled = [(index, column_getter(column, layout)) for index, column in enumerate(of)]
    for record in records:
        key = key_of(record)
        counts[key] += 1
        row = sums.get(key)
        if row is None:
            row = sums[key] = [0] * len(of)
        for index, get in totalled:
            value = get(record)
            if value is not None:
                row[index] += value  # type: ignore[operator]
    return counts, sums


def _largest(counts: Counter[Value], totals: dict[Value, Number] | None) -> list[Value]:
    """The ``MAX_GROUPS`` largest keys (by total, then count), ties in the order of their text.

    Without sorting every group: the size of the last one kept is found first,
    so 100,000 groups of one record each cost a pass, not a sort of them all.
    """

    def size(key: Value) -> tuple[Number, int]:
        return (totals[key] if totals is not None else counts[key]), counts[key]

    if len(counts) <= MAX_GROUPS:
        return sorted(sorted(counts, key=str), key=size, reverse=True)
    sizes = {key: size(key) for key in counts} if totals is not None else counts
    last = heapq.nlargest(MAX_GROUPS, sizes.values())[-1]
    above = [key for key, value in sizes.items() if value > last]  # type: ignore[operator]
    tied = [key for key, value in sizes.items() if value == last]
    return sorted(sorted(above, key=str), key=size, reverse=True) + heapq.nsmallest(
        MAX_GROUPS - len(above), tied, key=str
    )


def _folded(
    counts: Counter[Value], sums: dict[Value, list[Number]], of: tuple[str, ...], by_time: bool
) -> tuple[Group, ...]:
    """The largest ``MAX_GROUPS`` groups, then "other" for the rest and "(none)" for records without a value."""
    none_count = counts.pop(None, 0)
    none_totals = tuple(sums.pop(None, [0] * len(of)))

    kept = _largest(counts, {key: row[0] for key, row in sums.items()} if of else None)
    if by_time:
        kept.sort(key=str)
    chosen = set(kept)
    rest = [key for key in counts if key not in chosen] if len(counts) > len(kept) else []
    groups = [Group(key, counts[key], tuple(sums[key]) if of else ()) for key in kept]
    if rest:
        totals = tuple(sum(sums[key][i] for key in rest) for i in range(len(of)))
        groups.append(Group("other", sum(counts[key] for key in rest), totals, "other"))
    if none_count:
        groups.append(Group(None, none_count, none_totals, "none"))
    return tuple(groups)


def summarize(
    schema: TableSchema, records: Iterable[Record], by: GroupBy | None = None, of: tuple[str, ...] = ()
) -> Summary:
    """Count the records; total each ``of`` column (else every number column); date ranges; groups by ``by``."""
    rows = records if isinstance(records, list) else list(records)
    layout = shared_layout(rows)
    number_columns = of or tuple(c.name for c in schema.columns if c.type in NUMBER_TYPES)
    numbers = tuple(_number_stats(column, rows, layout) for column in number_columns)
    dates = tuple(_date_range(c.name, rows, layout) for c in schema.columns if c.type in DATE_TYPES)
    if by is None:
        return Summary(schema.name, len(rows), numbers, dates, None, of)
    counts, sums = _groups(rows, _key_function(by, schema, layout), of, layout)
    distinct = len(counts)
    groups = _folded(counts, sums, of, by_time=by.part is not None)
    return Summary(schema.name, len(rows), numbers, dates, by, of, groups, distinct)
