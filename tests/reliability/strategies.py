"""Hypothesis strategies of the campaign: grammar text, long input, JSON values and import files."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import orjson
from hypothesis import strategies as st

COLUMNS = ["title", "year", "price", "read", "added", "seen", "owner", "home", "team", "link"]

# Pieces of the grammars and the characters that break parsers, glued at random.
TOKENS = [
    "title", "year", "price", "read", "added", "seen", "owner", "home", "team", "link", "id", "nope", "Title",
    ":", "text", "int", "float", "bool", "date", "datetime", "user", "url", "txt",
    " unique", " optional", " default=", "default=", ",", ", ", " and ", " AND ", "=", "!=", "<", "<=", ">", ">=",
    "~", "-", "--", '"', '\\"', "\\", "\\\\", " ", "  ", "\t", "\n", "\r\n", "\r", "\x00", "\ufeff", "\u2028",
    "{", "}", "[", "]", '{"title": ', '"x"', "null", "true", "yes", "0", "1", "-1", "1.5", "1e400", "nan", "inf",
    "99999999999999999999999", "18446744073709551616", "9223372036854775808", "١٢", "1_000",
    "2024-05-31", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00", "2024-05-31T14:30:00Z",
    "<@123456789012345678>", "<@&123456789012345678>", "<#123456789012345678>", "@everyone",
    "https://example.com/a,b", "javascript:x", "é", "\U0001d518\U0001d52b\U0001d526", "**", "```", "||", "'",
]  # fmt: skip
GLUED = st.lists(st.sampled_from(TOKENS), max_size=14).map("".join)
TEXT = st.one_of(GLUED, st.text(st.characters(exclude_categories=["Cs"]), max_size=60))


def deep(depth: int) -> str:
    """A JSON array nested ``depth`` levels."""
    return "[" * depth + "]" * depth


def deep_object(depth: int) -> str:
    """A JSON object nested ``depth`` levels."""
    return '{"a": ' * depth + "1" + "}" * depth


LONG = st.sampled_from(
    [
        "x" * 6000,
        '"' * 6000,
        "\\" * 6000,
        "title ~ " + "x" * 5990,
        "title = " + "é" * 5990,
        "title=" + "*" * 5990,
        ", ".join(["title = a"] * 500),
        "title:text default=" + "9" * 5980,
        "title:text, " * 499,
        '{"title": "' + "@everyone " * 590 + '"}',
    ]
)
"""Inputs as long as Discord lets a slash option be (6,000 characters)."""


JSON_SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False, allow_infinity=False), TEXT
)
JSON_VALUE = st.recursive(
    JSON_SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=8
)
COLUMN_NAMES = st.sampled_from([*COLUMNS, "id", "nope", "", " title "])
ROW = st.dictionaries(COLUMN_NAMES, JSON_VALUE, max_size=5)


def _json(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:  # integers over 64 bits: written as Python would
        return json.dumps(value).encode()


def _lines(rows: list[Any]) -> bytes:
    return b"\n".join(_json(row) for row in rows)


def _csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    names = sorted({name for row in rows for name in row})
    writer = csv.DictWriter(out, fieldnames=names)
    writer.writeheader()
    for row in rows:
        writer.writerow({name: str(value) for name, value in row.items()})
    return out.getvalue().encode()


def mangle(data: bytes, how: str) -> bytes:
    """Transformations real files go through: a BOM, Windows or old Mac line endings, NUL bytes, a cut."""
    if how == "bom":
        return b"\xef\xbb\xbf" + data
    if how == "crlf":
        return data.replace(b"\n", b"\r\n")
    if how == "cr":
        return data.replace(b"\n", b"\r")
    if how == "nul":
        return data[: len(data) // 2] + b"\x00" + data[len(data) // 2 :]
    if how == "cut":
        return data[: len(data) * 2 // 3]
    if how == "latin1":
        return data + "é".encode("latin-1")
    return data


FILES = st.one_of(
    st.tuples(st.just("json"), st.lists(ROW, max_size=4).map(_json)),
    st.tuples(st.just("json"), JSON_VALUE.map(_json)),
    st.tuples(st.just("jsonl"), st.lists(st.one_of(ROW, JSON_VALUE), max_size=4).map(_lines)),
    st.tuples(st.just("csv"), st.lists(ROW, max_size=4).map(_csv)),
    st.tuples(st.sampled_from(["csv", "json", "jsonl", "txt", ""]), st.binary(max_size=200)),
    st.tuples(st.sampled_from(["csv", "json", "jsonl", ""]), TEXT.map(str.encode)),
)
