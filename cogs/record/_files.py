"""Tables as files: CSV and JSON out, CSV, JSON arrays and JSON lines in.

Exported files import back as they were (except ids, which a table gives
anew). CSV text cells that a spreadsheet would run as a formula (starting with
``= + - @``, a tab or a carriage return) get a leading ``'``; import takes it
off again, so the round trip is exact.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import PurePath
from typing import Any

import orjson

import discobase
from discobase.columns import Value

from ..utils.errors import Refused
from ..utils.formatting import code

__all__ = ["MAX_ROWS", "read_rows", "to_csv", "to_json", "without_ids"]

MAX_ROWS = 10_000
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_NEUTRALISED = re.compile(r"'+[=+\-@\t\r]")
_ID_TYPES = (discobase.ColumnType.USER, discobase.ColumnType.CHANNEL, discobase.ColumnType.ROLE)


def _cell(column: discobase.Column, value: Value) -> str:
    """A value as a CSV cell: ids as plain numbers, text that looks like a formula neutralised."""
    if value is None:
        return ""
    text = str(value) if column.type in _ID_TYPES else column.type.display(value)
    return "'" + text if column.type.is_text and _FORMULA.match(text) else text


def to_csv(schema: discobase.TableSchema, records: list[discobase.Record]) -> bytes:
    """The records as CSV with a header row (``id`` first), UTF-8 with a BOM so spreadsheets read it right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", *schema.column_names])
    for record in records:
        writer.writerow([record.id, *(_cell(column, record.values.get(column.name)) for column in schema.columns)])
    return out.getvalue().encode("utf-8-sig")


def to_json(schema: discobase.TableSchema, records: list[discobase.Record]) -> bytes:
    """The records as a JSON array of objects (``id`` first; empty values left out)."""
    rows = [{"id": record.id, **schema.encode(record.values)} for record in records]
    return orjson.dumps(rows, option=orjson.OPT_INDENT_2)


def read_rows(filename: str, data: bytes) -> list[dict[str, Any]]:
    """The rows of an uploaded file, by its extension (or, without one, by its first character)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise discobase.GrammarError(f"{code(filename)} is not UTF-8 text. Save it as UTF-8 CSV or JSON.") from None
    suffix = PurePath(filename).suffix.lower()
    start = text.lstrip()[:1]
    if suffix in (".jsonl", ".ndjson") or (suffix != ".csv" and start == "{"):
        rows = _json_lines(text)
    elif suffix == ".json" or (suffix != ".csv" and start == "["):
        rows = _json_array(text)
    else:
        rows = _csv(text)
    if not rows:
        raise discobase.GrammarError(f"{code(filename)} holds no rows.")
    if len(rows) > MAX_ROWS:
        raise Refused(f"{code(filename)} holds {len(rows)} rows; one import takes at most {MAX_ROWS}. Split the file.")
    return rows


def _json_object(value: Any, number: int) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise discobase.GrammarError(f'Row {number} is not a JSON object like `{{"title": "Dune"}}`.')
    return value


def _json_array(text: str) -> list[dict[str, Any]]:
    try:
        payload = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise discobase.GrammarError(f"The file is not valid JSON: {error}.") from None
    if not isinstance(payload, list):
        raise discobase.GrammarError("A JSON file must hold one array of objects, or one object per line.")
    return [_json_object(item, number) for number, item in enumerate(payload, 1)]


def _json_lines(text: str) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate((line for line in text.splitlines() if line.strip()), 1):
        try:
            rows.append(_json_object(orjson.loads(line), number))
        except orjson.JSONDecodeError as error:
            raise discobase.GrammarError(f"Row {number} is not valid JSON: {error}.") from None
    return rows


def _csv(text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text, newline=""), restkey="\0extra")
    try:
        rows = list(reader)
    except csv.Error as error:
        raise discobase.GrammarError(f"The file is not valid CSV: {error}.") from None
    for number, row in enumerate(rows, 1):
        if "\0extra" in row:
            raise discobase.GrammarError(f"Row {number} has more cells than the header row has column names.")
    return [
        {name.strip(): _restore(value) for name, value in row.items() if name and value is not None} for row in rows
    ]


def _restore(cell: str) -> str:
    """Take off the ``'`` that export put before a formula-like cell."""
    return cell[1:] if _NEUTRALISED.match(cell) else cell


def without_ids(schema: discobase.TableSchema, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows without an exported ``id`` (the table gives new ids).

    A column the table does not have is refused for the whole file at once,
    rather than once in every row.
    """
    names = set(schema.column_names)
    unknown = sorted({name for row in rows for name in row if name != "id" and name not in names})
    if unknown:
        raise discobase.UnknownColumn(schema.name, unknown[0], schema.column_names)
    return [{name: value for name, value in row.items() if name != "id"} for row in rows]
