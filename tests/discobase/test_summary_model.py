"""The summary engine: pure functions over records (``discobase.summarize``), exact on small known data."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from discobase import GrammarError, GroupBy, Record, TableSchema, UnknownColumn, parse_by, parse_columns, parse_of
from discobase import summarize as summarize_records
from discobase.model.summary import MAX_GROUPS

SCHEMA = TableSchema(
    name="log", columns=parse_columns("who:text optional, n:int optional, x:float optional, at:datetime optional")
)


def _records(*rows: dict) -> list[Record]:
    return [Record(number, row, 1, 0, 0) for number, row in enumerate(rows, 1)]


def test_empty_table() -> None:
    """No records: count 0, no statistics values, no groups."""
    summary = summarize_records(SCHEMA, [], GroupBy("who"))
    assert summary.count == 0 and summary.groups == () and summary.numbers[0].average is None


def test_ints_stay_ints_and_floats_average() -> None:
    """Sums of int columns are ints; averages are floats; empty values are left out."""
    summary = summarize_records(SCHEMA, _records({"n": 1}, {"n": 2}, {"n": None, "x": 0.5}))
    n, x = summary.numbers
    assert (n.count, n.total, n.average, n.minimum, n.maximum) == (2, 3, 1.5, 1, 2)
    assert isinstance(n.total, int) and (x.count, x.total) == (1, 0.5)


def test_datetimes_group_by_their_utc_day_week_month_year() -> None:
    """A datetime's parts are those of its UTC date; ISO weeks; groups by time in time order."""
    rows = _records(
        {"at": datetime(2025, 12, 31, 23, 30, tzinfo=UTC)},
        {"at": datetime(2026, 1, 1, 0, 30, tzinfo=UTC)},
        {"at": datetime(2026, 1, 2, tzinfo=UTC)},
        {},
    )
    by_part = {
        part: summarize_records(SCHEMA, rows, GroupBy("at", part)).groups for part in ("day", "week", "month", "year")
    }
    assert [(g.key, g.count) for g in by_part["year"]] == [("2025", 1), ("2026", 2), (None, 1)]
    assert [g.key for g in by_part["month"]] == ["2025-12", "2026-01", None]
    assert [g.key for g in by_part["week"]] == ["2026-W01", None]  # 2025-12-31 is in ISO week 1 of 2026
    assert [g.key for g in by_part["day"]] == ["2025-12-31", "2026-01-01", "2026-01-02", None]
    assert summarize_records(SCHEMA, rows).dates[0].earliest == datetime(2025, 12, 31, 23, 30, tzinfo=UTC)


def test_groups_fold_past_the_limit_and_keep_none_apart() -> None:
    """The largest groups are kept, the rest summed into "other"; "(none)" is never folded."""
    rows = _records(*({"who": f"w{k}", "n": k} for k in range(40) for _ in range(k + 1)), {"n": 100})
    summary = summarize_records(SCHEMA, rows, GroupBy("who"), ("n",))
    assert summary.group_count == 41 and len(summary.groups) == MAX_GROUPS + 2
    assert summary.groups[0].key == "w39" and summary.groups[0].totals == (39 * 40,)
    other, none = summary.groups[-2:]
    assert other.kind == "other" and other.count == sum(k + 1 for k in range(15))
    assert other.totals == (sum(k * (k + 1) for k in range(15)),)
    assert (none.kind, none.count, none.totals) == ("none", 1, (100,))


def test_ties_rank_by_value() -> None:
    """Groups of the same size come in the order of their values, so the answer never changes between runs."""
    summary = summarize_records(
        SCHEMA, _records({"who": "b"}, {"who": "a"}, {"who": "c"}, {"who": "c"}), GroupBy("who")
    )
    assert [g.key for g in summary.groups] == ["c", "a", "b"]


@pytest.mark.parametrize(
    ("by", "error", "match"),
    [
        ("whoo", UnknownColumn, "Did you mean `who`"),
        ("who:day", GrammarError, "only a date or datetime column has parts"),
        ("at:decade", GrammarError, "Parts: day, week, month, year"),
        ("at:mont", GrammarError, "Did you mean `at:month`"),
    ],
)
def test_bad_by(by: str, error: type[Exception], match: str) -> None:
    """`by` names a column, and a part only of a date or datetime column."""
    with pytest.raises(error, match=match):
        parse_by(by, SCHEMA)


def test_of_takes_number_columns_only() -> None:
    """`of` a text or date column says which columns can be summed; each column once."""
    assert parse_of("x, n, x", SCHEMA) == ("x", "n")
    assert parse_by(" AT:Month ", SCHEMA) == GroupBy("at", "month")
    with pytest.raises(GrammarError, match="Columns that can be summed: n, x."):
        parse_of("at", SCHEMA)
    with pytest.raises(GrammarError, match="names no column"):
        parse_of(" , ", SCHEMA)


def test_dates_range() -> None:
    """A date column's earliest and latest."""
    schema = TableSchema(name="d", columns=parse_columns("on:date optional"))
    summary = summarize_records(schema, _records({"on": date(2026, 3, 1)}, {"on": date(2025, 1, 9)}, {}))
    assert (summary.dates[0].earliest, summary.dates[0].latest) == (date(2025, 1, 9), date(2026, 3, 1))


def test_many_ties_keep_the_first_values_in_text_order() -> None:
    """Past 25 groups of one size, the 25 first in text order are kept (the same answer every run), the rest folded."""
    rows = _records(*({"who": f"w{k:02d}"} for k in reversed(range(30))), {"who": "big"}, {"who": "big"})
    summary = summarize_records(SCHEMA, rows, GroupBy("who"))
    assert [g.key for g in summary.groups] == ["big", *(f"w{k:02d}" for k in range(24)), "other"]
    assert summary.groups[-1].count == 6
