"""Reads served faster must read the same: a sort with a limit, id ranges and counts against plain scans."""

import itertools
import operator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from discobase import Record, StoredTable, TableSchema, parse_columns, parse_query
from discobase.model.query import Query

BOUNDS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}

SCHEMA = TableSchema(name="books", columns=parse_columns("title:text unique, year:int optional, score:float optional"))

years = st.one_of(st.none(), st.integers(1900, 1905))
rows = st.lists(st.tuples(years, st.one_of(st.none(), st.floats(0, 3, allow_nan=False))), max_size=40)


def table_of(values: list[tuple[int | None, float | None]]) -> StoredTable:
    table = StoredTable(SCHEMA, 1, 1)
    records = [Record(n, {"title": f"t{n}", "year": y, "score": s}, 1, n) for n, (y, s) in enumerate(values, 1)]
    table.fill(records, len(records) + 1, set(), set())
    return table


@settings(max_examples=200, deadline=None)
@given(rows, st.sampled_from(["id", "-id", "year", "-year", "score", "-score"]), st.integers(1, 12))
def test_a_sort_with_a_limit_keeps_the_first_of_the_full_sort(values, sort: str, limit: int) -> None:
    table = table_of(values)
    whole = parse_query(SCHEMA, sort=sort)
    limited = parse_query(SCHEMA, sort=sort, limit=limit)
    assert [r.id for r in table.select(limited)] == [r.id for r in table.select(whole)][:limit]


@settings(max_examples=200, deadline=None)
@given(rows, st.lists(st.tuples(st.sampled_from(["=", "!=", "<", "<=", ">", ">="]), st.integers(-2, 45)), max_size=3))
def test_id_ranges_and_counts_match_a_plain_scan(values, conditions: list[tuple[str, int]]) -> None:
    table = table_of(values)
    where = " and ".join(f"id {op} {value}" for op, value in conditions) or None
    query = parse_query(SCHEMA, where=where)
    scan = [record for record in table if query.predicate()(record)]
    assert [r.id for r in table.select(query)] == sorted(r.id for r in scan)
    assert table.count(query) == len(scan) == table.select(query).matched


def test_an_empty_query_counts_every_record() -> None:
    table = table_of([(1900, None), (None, 1.0)])
    assert table.count(Query()) == 2


@pytest.mark.parametrize(("low", "high"), [(">=", "<"), (">=", "<="), (">", "<"), (">", "<=")])
@pytest.mark.parametrize("nested", [False, True])
def test_bounds_on_one_column_read_as_each_condition_does(low: str, high: str, nested: bool) -> None:
    """A lower and an upper bound fused into one range test match the two conditions checked alone, every bound."""
    table = table_of([(year, None) for year in range(1899, 1907)] + [(None, 1.0)])
    for start, stop in itertools.product(range(1898, 1908), repeat=2):
        where = f"year {low} {start} and year {high} {stop}"
        if nested:
            where = f"({where}) or id < 0"  # the conjunction inside parentheses: an And under an Or
        query = parse_query(SCHEMA, where=where)
        expected = [
            r.id
            for r in table
            if (year := r.values["year"]) is not None and BOUNDS[low](year, start) and BOUNDS[high](year, stop)
        ]
        assert [r.id for r in table.select(query)] == expected, where
