"""Tables as files: CSV and JSON out, CSV, JSON arrays and JSON lines in.

Exported files import back as they were (except ids, which a table gives
anew). Discord ids in user, channel and role columns are exported so that
spreadsheets and JavaScript cannot round them: mentions in CSV, strings in
JSON. CSV text cells that a spreadsheet would run as a formula (starting with
``= + - @``, a tab or a carriage return) get a leading ``'``; import takes it
off again, so the round trip is exact.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from pathlib import PurePath
from typing import Any, Literal

import orjson

import discobase
from discobase.model.columns import Value
from discobase.model.schema import MAX_COLUMNS

from ..utils.errors import Refused
from ..utils.formatting import code, cut

__all__ = [
    "MAX_EXPORT_FILES",
    "MAX_ROWS",
    "export_files",
    "has_header",
    "read_rows",
    "to_csv",
    "to_json",
    "without_ids",
]

MAX_ROWS = 100_000
"""Rows one import takes: one batch message of short rows (10 MiB holds about 250,000 rows of CSV).

The count refuses files of millions of tiny rows (``{},`` repeated) before
they fill memory: parsed, a row costs far more than its bytes, and a refused
8 MiB file must stay within a few times its size.
"""
MAX_EXPORT_FILES = 10
"""Files one export may come as, each in its own message (more: narrow it with ``where``)."""
_LINE = re.compile(r"[^\n]+")
_JSON_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"')
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_NEUTRALISED = re.compile(r"'+[=+\-@\t\r]")
_ID_TYPES = (discobase.ColumnType.USER, discobase.ColumnType.CHANNEL, discobase.ColumnType.ROLE)
_DELIMITERS = (",", ";", "\t")


def _cell(column: discobase.Column, value: Value) -> str:
    """A value as a CSV cell, as a member would type it, and text that looks like a formula neutralised.

    User, channel and role ids are written as mentions (``<@123…>``): as bare
    19-digit numbers a spreadsheet would read them as numbers and round them
    (``1.45607E+18``). Import reads the mentions back.
    """
    if value is None:
        return ""
    text = column.type.display(value)
    return "'" + text if column.type.is_text and _FORMULA.match(text) else text


def to_csv(schema: discobase.TableSchema, records: list[discobase.Record]) -> bytes:
    """The records as CSV with a header row (``id`` first), UTF-8 with a BOM so spreadsheets read it right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180; "\n" alone would leave a "\r" in a value unquoted
    writer.writerow(["id", *schema.column_names])
    for record in records:
        writer.writerow([record.id, *(_cell(column, record.values.get(column.name)) for column in schema.columns)])
    return out.getvalue().encode("utf-8-sig")


def to_json(schema: discobase.TableSchema, records: list[discobase.Record]) -> bytes:
    """The records as a JSON array of objects: ``id`` first, every column, ``null`` where a record has no value.

    User, channel and role ids are strings: as numbers they pass JavaScript's
    2**53 and would be read back wrong there. Import takes them either way.
    """
    rows = [
        {"id": record.id, **{c.name: _json_value(c, record.values.get(c.name)) for c in schema.columns}}
        for record in records
    ]
    return orjson.dumps(rows, option=orjson.OPT_INDENT_2)


def export_files(
    table: str,
    schema: discobase.TableSchema,
    records: list[discobase.Record],
    file_format: Literal["csv", "json"],
    limit: int,
) -> list[tuple[str, bytes]]:
    """The export as (file name, bytes), each within the server's upload ``limit``.

    One file if it fits; else the same file in a zip (text shrinks several
    times, and every system opens a zip); else the records cut into parts, each
    a zip of a whole CSV (with its header) or JSON array that opens on its own.
    Past ``MAX_EXPORT_FILES`` parts it refuses, pointing to ``where``.
    """
    encode = to_csv if file_format == "csv" else to_json
    name = f"{table}.{file_format}"
    data = encode(schema, records)
    if len(data) <= limit:
        return [(name, data)]
    zipped = _zipped(name, data)
    if len(zipped) <= limit:
        return [(f"{name}.zip", zipped)]
    count = max(2, -(-len(zipped) // limit))
    while count <= MAX_EXPORT_FILES:
        size = -(-len(records) // count)
        cuts = [records[start : start + size] for start in range(0, len(records), size)]
        files = [
            (f"{table}-{number}-of-{len(cuts)}.{file_format}.zip", _zipped(f"{table}-{number}.{file_format}", part))
            for number, part in enumerate((encode(schema, cut) for cut in cuts), start=1)
        ]
        if all(len(data) <= limit for _, data in files):
            return files
        count += 1
    raise Refused(
        f"{code(table)} as {file_format.upper()} is {len(data) // 1024 // 1024} MiB, {len(zipped) // 1024 // 1024} MiB "
        f"zipped: more than {MAX_EXPORT_FILES} files of the {limit // 1024 // 1024} MiB Discord lets me attach in this "
        "server. Export part of it with `where`, e.g. `where:id <= 500000`."
    )


def _zipped(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr(name, data)
    return out.getvalue()


def _json_value(column: discobase.Column, value: Value) -> Any:
    if value is None:
        return None
    return str(value) if column.type in _ID_TYPES else column.type.to_json(value)


def read_rows(filename: str, data: bytes) -> list[dict[str, Any]]:
    """The rows of an uploaded file, by its extension (or, without one, by its first character).

    At most ``MAX_ROWS`` rows are read: a file of millions of tiny rows is
    refused before it fills memory (a row object costs far more than its bytes).
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise discobase.GrammarError(f"{code(filename)} is not UTF-8 text. Save it as UTF-8 CSV or JSON.") from None
    kind = _kind(filename, text)
    if kind == "jsonl":
        rows = _json_lines(text, filename)
    elif kind == "json":
        rows = _json_array(text, filename)
    else:
        rows = _csv(text, filename)
    if not rows:
        raise discobase.GrammarError(f"{code(filename)} holds no rows.")
    return rows


def _kind(filename: str, text: str) -> Literal["csv", "json", "jsonl"]:
    """How a file is read: by its extension, or, without one, by its first character."""
    suffix = PurePath(filename).suffix.lower()
    start = text.lstrip()[:1]
    if suffix in (".jsonl", ".ndjson") or (suffix != ".csv" and start == "{"):
        return "jsonl"
    if suffix == ".json" or (suffix != ".csv" and start == "["):
        return "json"
    return "csv"


def has_header(filename: str, data: bytes) -> bool:
    """Whether the file's rows sit under a header row (CSV): its row 1 is then the spreadsheet's line 2."""
    return _kind(filename, data[:64].decode("utf-8", "replace").lstrip("\ufeff")) == "csv"


def _too_many(filename: str) -> Refused:
    return Refused(
        f"{code(filename)} holds more than {MAX_ROWS} rows; one import takes at most {MAX_ROWS}. Split the file."
    )


def _check_json_size(text: str, filename: str) -> None:
    """Refuse JSON with more objects, lists or values than ``MAX_ROWS`` rows of ``MAX_COLUMNS`` can hold, unparsed.

    Parsed, each costs some 50 to 100 bytes of memory: 8 MiB of ``{},`` would take 300 MB.
    Rows are objects of at most ``MAX_COLUMNS`` values, so more commas than
    the objects can hold means values outside rows (``["x","x",…]``).
    """
    bare = _JSON_STRING.sub('""', text)  # what is left is structure: brackets, commas, numbers
    objects, commas = bare.count("{"), bare.count(",")
    if objects + bare.count("[") > MAX_ROWS + 1 or commas > (min(objects, MAX_ROWS) + 1) * (MAX_COLUMNS + 2):
        raise Refused(
            f"{code(filename)} holds more than an import takes: at most {MAX_ROWS} rows of at most "
            f"{MAX_COLUMNS} values each. Split the file."
        )


def _json_object(value: Any, number: int) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise discobase.GrammarError(f'Row {number} is not a JSON object like `{{"title": "Dune"}}`.')
    for name, cell in value.items():
        if isinstance(cell, list | dict):  # never a value; deep ones would also overflow later encoders
            raise discobase.GrammarError(
                f"Row {number}, column {code(cut(name, 40))}: a list or object is not one value. "
                "Give each column one value: text, a number, true/false or null."
            )
    return value


def _json_array(text: str, filename: str) -> list[dict[str, Any]]:
    _check_json_size(text, filename)
    try:
        payload = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise discobase.GrammarError(f"The file is not valid JSON: {error}.") from None
    if not isinstance(payload, list):
        raise discobase.GrammarError("A JSON file must hold one array of objects, or one object per line.")
    return [_json_object(item, number) for number, item in enumerate(payload, 1)]


def _json_lines(text: str, filename: str) -> list[dict[str, Any]]:
    _check_json_size(text, filename)
    rows: list[dict[str, Any]] = []
    # Split at "\n" only, lazily: JSON strings may hold U+2028 and the like, which str.splitlines cuts at.
    for match in _LINE.finditer(text):
        line = match.group()
        if not line.strip():
            continue
        if len(rows) == MAX_ROWS:
            raise _too_many(filename)
        try:
            rows.append(_json_object(orjson.loads(line), len(rows) + 1))
        except orjson.JSONDecodeError as error:
            raise discobase.GrammarError(f"Row {len(rows) + 1} is not valid JSON: {error}.") from None
    return rows


def _delimiter(text: str) -> str:
    """``,``, or ``;`` or a tab where the header row uses those instead (spreadsheets in many locales save so)."""
    header = text.split("\n", 1)[0]
    return max(_DELIMITERS, key=header.count) if not header.count(",") else ","


def _csv(text: str, filename: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text, newline=""), restkey="\0extra", delimiter=_delimiter(text))
    try:
        rows = list(itertools.islice(reader, MAX_ROWS + 1))
    except csv.Error as error:
        raise discobase.GrammarError(f"The file is not valid CSV: {error}.") from None
    if len(rows) > MAX_ROWS:
        raise _too_many(filename)
    for number, row in enumerate(rows, 1):
        if "\0extra" in row:
            raise discobase.GrammarError(f"Row {number} has more cells than the header row has column names.")
    # CSV cannot tell the empty text from no value: an empty cell is no value (JSON keeps "" and null apart).
    return [
        {name.strip(): _restore(value) if value else None for name, value in row.items() if name and value is not None}
        for row in rows
    ]


def _restore(cell: str) -> str:
    """Take off the ``'`` that export put before a formula-like cell."""
    return cell[1:] if _NEUTRALISED.match(cell) else cell


def without_ids(schema: discobase.TableSchema, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows by column name, without an exported ``id`` (the table gives new ids).

    Header names match columns whatever their case and with spaces for ``_``
    (``Title``, ``Due date``). A column the table does not have is refused for
    the whole file at once, rather than once in every row.
    """
    columns = {_header_key(name): name for name in ["id", *schema.column_names]}
    headers = {header for row in rows for header in row}
    unknown = sorted(header for header in headers if _header_key(header) not in columns)
    if unknown:
        raise discobase.UnknownColumn(schema.name, unknown[0], schema.column_names)
    named = {header: columns[_header_key(header)] for header in headers}
    clash = next((a for a in headers for b in headers if a < b and named[a] == named[b]), None)
    if clash is not None:
        raise discobase.GrammarError(f"Two headers of the file name column {code(named[clash])}. Keep one of them.")
    return [{named[header]: value for header, value in row.items() if named[header] != "id"} for row in rows]


def _header_key(header: str) -> str:
    return header.strip().lower().replace(" ", "_")
