"""Every grammar and file parser, fuzzed: only the project's own errors escape, each with a message.

Property for every input: the parser returns, or raises a ``discobase.DiscobaseError``
(or the cogs' ``Refused``/``NotAllowed``) whose text is not empty. Whatever a
parser accepts must also survive the next step: values that convert must encode
into a record message and read back the same; a query must run over records;
rows read from a file must pass through the import's fingerprint and checks.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import discobase
from cogs.record._files import read_rows, to_csv, without_ids
from cogs.record._form import parse_lines
from cogs.utils.errors import NotAllowed, Refused
from discobase.backend.base import DEFAULT_UPLOAD_LIMIT
from discobase.cache.stored_table import CachedTable
from discobase.model.records import Record, decode_message, encode_record
from discobase.write.imports import batch_bytes, check_rows, import_key, parts

from .strategies import FILES, TEXT, deep, deep_object, mangle

T = TypeVar("T")
EXPECTED = (discobase.DiscobaseError, Refused, NotAllowed)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SCHEMA = discobase.TableSchema(
    name="books",
    columns=discobase.parse_columns(
        "title:text unique, year:int optional, price:float optional, read:bool default=false, "
        "added:date optional, seen:datetime optional, owner:user optional, home:channel optional, "
        "team:role optional, link:url optional"
    ),
)


def outcome(call: Callable[[], T]) -> T | None:
    """The call's result, or None when it raised one of the project's errors with a message."""
    try:
        return call()
    except EXPECTED as error:
        assert str(error).strip(), f"{type(error).__name__} without a message"
        return None


def stored_round_trip(values: dict[str, Any], record_id: int = 1) -> dict[str, Any]:
    """Encode values as a record message and read them back (what a restart sees)."""
    text = encode_record(record_id, 1234, SCHEMA.encode(values))
    (stored,) = decode_message(text).records
    return SCHEMA.decode(stored.data)


def table_with(records: list[dict[str, Any]]) -> CachedTable:
    table = CachedTable(SCHEMA, 1, 1)
    table.fill([Record(n, values, 1, n) for n, values in enumerate(records, 1)], len(records) + 1, set(), set())
    return table


SAMPLE = [
    SCHEMA.validate_new({"title": "Dune", "year": "1965", "price": "9.5", "added": "2024-05-31"}),
    SCHEMA.validate_new({"title": "Emma", "seen": "2024-05-31T14:30:00Z", "owner": "123456789012345678"}),
    SCHEMA.validate_new({"title": "x", "read": "yes", "link": "https://example.com"}),
]


@FUZZ
@given(text=TEXT)
@example(text="title:text default=" + "9" * 30)
@example(text='title:text default="\\')
@example(text="a:int default=99999999999999999999999")
@example(text="a:datetime default=0001-01-01T00:00:00+01:00")
@example(text=", ".join(f"c{n}:text" for n in range(26)))
def test_column_specs(text: str) -> None:
    """Column specs parse into a table, or are refused; a parsed table's specs parse back the same."""
    columns = outcome(lambda: discobase.parse_columns(text))
    if columns is None:
        return
    schema = outcome(lambda: discobase.TableSchema(name="fuzz", columns=columns))
    if schema is None:
        return
    assert discobase.parse_columns(", ".join(column.spec() for column in schema.columns)) == schema.columns
    encode_record(1, 1, {c.name: c.default for c in schema.columns if c.default is not None})


@FUZZ
@given(text=TEXT)
@example(text="year=99999999999999999999999")
@example(text="owner=999999999999999999999")
@example(text="seen=0001-01-01T00:00:00+01:00")
@example(text="seen=9999-12-31T23:59:59-05:00")
@example(text='{"title": ' + deep(900) + "}")
@example(text='{"title": "x", "year": ' + deep_object(900) + "}")
@example(text='{"title": "x", "price": 1e308, "year": 18446744073709551615}')
@example(text='{"title": ' + deep(1100) + "}")
@example(text='{"title": "' + "x" * 5000 + '", "year": "' + "1" * 5000 + '"}')
def test_values(text: str) -> None:
    """Values parse and convert, or are refused; what converts is stored and read back unchanged."""
    raw = outcome(lambda: discobase.parse_values(text))
    if raw is None:
        return
    for convert in (SCHEMA.validate_new, SCHEMA.validate_changes):
        values = outcome(lambda convert=convert: convert(raw))  # type: ignore[misc]
        if values is not None:
            full = {**SAMPLE[0], **values}
            assert stored_round_trip(full) == full


@FUZZ
@given(text=TEXT)
@example(text="title=Dune\nyear=1965, read=yes\n\n")
@example(text='{"title": "x"}\nyear=1')
def test_form_lines(text: str) -> None:
    """The wide form's lines parse like values, or are refused."""
    outcome(lambda: parse_lines(text))


@FUZZ
@given(where=st.one_of(st.none(), TEXT), sort=st.one_of(st.none(), TEXT), limit=st.one_of(st.none(), st.integers()))
@example(where="seen < 0001-01-01T00:00:00+01:00", sort=None, limit=None)
@example(where="id = 99999999999999999999999999, id ~ 1", sort="--", limit=0)
@example(where="price > 1e400", sort="-price", limit=1001)
@example(where="title ~ \x00, added >= 2024-05-31 and owner = <@123456789012345678>", sort=" -title ", limit=1)
def test_queries(where: str | None, sort: str | None, limit: int | None) -> None:
    """where, sort and limit parse into a query that runs over records, or are refused."""
    query = outcome(lambda: discobase.parse_query(SCHEMA, where, sort, limit))
    if query is None:
        return
    table = table_with(SAMPLE)
    table.select(query)


@FUZZ
@given(text=TEXT)
def test_sort_alone(text: str) -> None:
    """A sort key names a column (or id), or is refused."""
    outcome(lambda: discobase.parse_sort(text, SCHEMA))


# ---------------------------------------------------------------- import files


def check_import(filename: str, data: bytes) -> None:
    """Everything the import command does with a file before writing: read, drop ids, fingerprint, check."""
    rows = outcome(lambda: read_rows(filename, data))
    if rows is None:
        return
    rows = outcome(lambda: without_ids(SCHEMA, rows))
    if rows is None:
        return
    budget = batch_bytes(DEFAULT_UPLOAD_LIMIT)
    import_key("books", rows, budget)
    parts(rows, budget)
    converted, problems = asyncio.run(check_rows(table_with(SAMPLE), rows))
    assert len(converted) + len({problem.row for problem in problems}) == len(rows)  # a bad row may have several
    assert all(str(problem) for problem in problems)
    for values in converted:
        stored_round_trip(values)


@FUZZ
@given(file=FILES, how=st.sampled_from(["", "bom", "crlf", "cr", "nul", "cut", "latin1"]))
def test_import_files(file: tuple[str, bytes], how: str) -> None:
    """CSV, JSON arrays and JSON lines, whole or mangled: read and checked, or refused with a message."""
    suffix, data = file
    check_import(f"books.{suffix}" if suffix else "books", mangle(data, how))


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("deep.json", deep(5000).encode()),
        ("deep.json", b'[{"title": ' + deep(900).encode() + b"}]"),
        ("deep.json", b'[{"title": "x", "year": ' + deep(300).encode() + b"}]"),
        ("deep.jsonl", b'{"title": ' + deep_object(300).encode() + b"}"),
        ("big.json", b'[{"title": "x", "year": 99999999999999999999999}]'),
        ("big.json", b'[{"title": "x", "year": 1e400}]'),
        ("big.jsonl", b'{"title": "x", "owner": 18446744073709551616}'),
        ("sep.jsonl", '{"title": "a\u2028b"}\n{"title": "c\u0085d"}'.encode()),
        ("nul.csv", b"title\nab\x00c\n"),
        ("wide.csv", b"title\n" + b"x" * 200_000 + b"\n"),
        ("empty.csv", b""),
        ("bom.csv", "\ufefftitle,year\r\nDune,1965\r\n".encode()),
        ("utf16.csv", "title\nDune\n".encode("utf-16")),
        ("header.csv", b",,\n1,2,3\n"),
        ("dups.csv", b"title,title\na,b\n"),
    ],
)
def test_adversarial_files(filename: str, data: bytes) -> None:
    """Hand-picked nasty files behave like fuzzed ones."""
    check_import(filename, data)


def test_json_lines_split_only_at_newlines() -> None:
    """A JSON string may hold U+2028 or U+0085 raw: they do not end a JSON line."""
    rows = read_rows("books.jsonl", '{"title": "a\u2028b"}\r\n{"title": "c\u0085d"}\n'.encode())
    assert rows == [{"title": "a\u2028b"}, {"title": "c\u0085d"}]


# ---------------------------------------------------------------- CSV export

CELL_TEXT = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=30),
    st.tuples(st.sampled_from(["=", "+", "-", "@", "\t", "\r", "'=", "''+", "'"]), st.text(max_size=10)).map("".join),
)


@FUZZ
@given(titles=st.lists(CELL_TEXT, min_size=1, max_size=5, unique=True))
def test_csv_export_neutralises_formulas_and_round_trips(titles: list[str]) -> None:
    """No exported cell starts like a formula, and importing the file gives back exactly what was exported."""
    records = [
        Record(n, SCHEMA.validate_new({"title": title, "year": -n, "added": date(2024, 1, n)}), 1, n)
        for n, title in enumerate(titles, 1)
    ]
    data = to_csv(SCHEMA, records)
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    for line in lines[1:]:
        title = line[1]
        assert not title[:1] or title[0] not in "=+-@\t\r", f"formula cell {title!r}"
    rows = without_ids(SCHEMA, read_rows("books.csv", data))
    assert [SCHEMA.validate_new(row) for row in rows] == [record.values for record in records]
