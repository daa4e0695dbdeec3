r"""The text grammars members type: column specs, values, where and sort.

Lists are split at commas (and, for ``where``, at `` and ``) only where the
next item really starts (``name:``, ``name=``, ``name OP``), so an unquoted
value such as ``title=War and Peace`` still reads as one value. Quoting with
double quotes (``\"`` for a quote and ``\\`` for a backslash inside) is always
available and always exact. Nothing written (``bio=``) is no value; ``bio=""``
is the empty text.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from .columns import ColumnType
from .errors import GrammarError, SchemaError, closest, shown
from .query import OPERATORS, Condition, Op, Query
from .schema import MAX_COLUMNS, Column, TableSchema, check_name

__all__ = ["parse_columns", "parse_query", "parse_sort", "parse_values", "parse_where"]

MAX_LIMIT = 1000
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_COLUMN_START = re.compile(rf"\s*{_NAME}\s*:")
_PAIR_START = re.compile(rf"\s*{_NAME}\s*=")
_CONDITION_START = re.compile(rf"\s*{_NAME}\s*(?:!=|<=|>=|=|<|>|~)")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_FLAG_TOKEN = re.compile(r'\s*(default\s*=\s*(?:"(?:[^"\\]|\\.)*"?|\S*)|\S+)')
_FLAGS = ("unique", "optional", "default=")


def _split(text: str, item_start: re.Pattern[str], *, allow_and: bool = False) -> list[str]:
    """Split ``text`` at top-level separators that are followed by the start of an item."""
    parts: list[str] = []
    start = index = 0
    quoted = False
    while index < len(text):
        char = text[index]
        if quoted:
            if char == "\\":
                index += 2
                continue
            quoted = char != '"'
        elif char == '"':
            quoted = True
        else:
            width = 1 if char == "," else 0
            if not width and allow_and and (match := _AND.match(text, index)):
                width = match.end() - index
            if width and item_start.match(text, index + width):
                parts.append(text[start:index])
                start = index = index + width
                continue
        index += 1
    if quoted:
        raise GrammarError(
            f'A double quote is never closed in `{shown(text)}`. Close it, or write a quote inside a value as `\\"`.'
        )
    parts.append(text[start:])
    return parts


def _unquote(raw: str) -> str:
    r"""A value as written: outer spaces dropped, or the exact text between double quotes.

    Inside quotes only ``\"`` (a quote) and ``\\`` (a backslash) are special;
    every other backslash is kept, so ``"C:\Users\ann, home"`` is that path.
    """
    text = raw.strip()
    if not text.startswith('"'):
        return text
    out: list[str] = []
    index = 1
    while index < len(text):
        char = text[index]
        if char == "\\" and text[index + 1 : index + 2] in ('"', "\\"):
            out.append(text[index + 1])
            index += 2
            continue
        if char == '"':
            if index != len(text) - 1:
                raise GrammarError(
                    f'The quoted value `{shown(text)}` has a quote inside it: write it as `\\"`, '
                    "or end the value there."
                )
            return "".join(out)
        out.append(char)
        index += 1
    raise GrammarError(f"The quoted value `{shown(text)}` has no closing double quote.")


def _value(raw: str) -> str | None:
    """A value as written, or None where nothing was written (``year=``): no value, unlike ``""``, the empty text."""
    return None if not raw.strip() else _unquote(raw)


def _column(spec: str) -> Column:
    head, _, rest = spec.strip().partition(" ")
    name, colon, type_name = head.partition(":")
    if not colon or not type_name:
        raise GrammarError(f"`{shown(spec.strip())}` is not a column spec: write `name:type`, like `title:text`.")
    name = check_name(name.strip(), "column")
    try:
        column_type = ColumnType(type_name.strip().lower())
    except ValueError:
        guess = closest(type_name.lower(), [t.value for t in ColumnType])
        hint = f" Did you mean `{guess}`?" if guess else ""
        raise GrammarError(
            f"Column `{name}`: `{shown(type_name)}` is not a type.{hint} "
            f"Types: {', '.join(t.value for t in ColumnType)}."
        ) from None
    flags: dict[str, Any] = {}
    for token in _FLAG_TOKEN.findall(rest):
        word = token.strip()
        lowered = word.lower()
        if lowered in ("unique", "optional"):
            flags[lowered] = True
        elif lowered.startswith("default"):
            raw = _value(word.split("=", 1)[1])
            value = Column(name=name, type=column_type).convert(raw)
            if value is None:
                raise GrammarError(f"Column `{name}`: `default=` needs a value, like `default=0`.")
            flags["default"] = column_type.to_json(value)
        elif word:
            guess = closest(lowered, _FLAGS)
            hint = f" Did you mean `{guess}`?" if guess else ""
            raise GrammarError(
                f"Column `{name}`: `{shown(word)}` is not a flag.{hint} Flags: unique, optional, default=VALUE."
            )
    return Column(name=name, type=column_type, **flags)


def parse_columns(text: str) -> tuple[Column, ...]:
    """Parse a comma-separated list of column specs (``title:text unique, year:int optional``)."""
    specs = [spec for spec in _split(text, _COLUMN_START) if spec.strip()]
    if not specs:
        raise GrammarError("Give at least one column, like `title:text, year:int optional`.")
    if len(specs) > MAX_COLUMNS:
        raise SchemaError(f"A table has at most {MAX_COLUMNS} columns; you gave {len(specs)}.")
    return tuple(_column(spec) for spec in specs)


def parse_values(text: str) -> dict[str, Any]:
    """Parse a JSON object or ``column=value`` pairs into raw values by column name."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            payload = orjson.loads(stripped)
        except orjson.JSONDecodeError as error:
            raise GrammarError(f'The values are not valid JSON: {error}. Example: `{{"year": 1999}}`.') from None
        if not isinstance(payload, dict):
            raise GrammarError('The JSON values must be one object, like `{"year": 1999}`.')
        return payload
    values: dict[str, Any] = {}
    for pair in _split(stripped, _PAIR_START):
        if not pair.strip():
            continue
        name, equals, raw = pair.partition("=")
        name = name.strip()
        if not equals or not re.fullmatch(_NAME, name):
            raise GrammarError(
                f"`{shown(pair.strip())}` is not a `column=value` pair. Example: `title=Dune, year=1965`; "
                "quote values that hold a comma."
            )
        if name in values:
            raise GrammarError(f"Column `{name}` is given twice. Give each column once.")
        values[name] = _value(raw)
    if not values:
        raise GrammarError("No values given. Example: `title=Dune, year=1965`.")
    return values


def parse_where(text: str, schema: TableSchema) -> tuple[Condition, ...]:
    """Parse ``column OP value`` conditions joined by ``,`` or ``and``, converted by column type."""
    conditions: list[Condition] = []
    for part in _split(text, _CONDITION_START, allow_and=True):
        if not part.strip():
            continue
        match = re.match(rf"\s*({_NAME})\s*({'|'.join(re.escape(op) for op in OPERATORS)})(.*)", part, re.S)
        if match is None:
            raise GrammarError(
                f"`{shown(part.strip())}` is not a condition: write `column OP value` with OP one of "
                f"{' '.join(OPERATORS)}, like `year >= 1990`."
            )
        name, op, raw = match.group(1), match.group(2), _value(match.group(3))
        conditions.append(_condition(schema, name, op, raw))  # type: ignore[arg-type]
    return tuple(conditions)


def _condition(schema: TableSchema, name: str, op: Op, raw: str | None) -> Condition:
    if name == "id":
        if op == "~":
            raise GrammarError("`~` compares text; `id` is a number. Use `=`, `<`, `>` and the like.")
        try:
            return Condition("id", op, int(raw or ""))
        except ValueError:
            raise GrammarError(f"`id {op} {shown(raw or '')}`: an id is a whole number, like `id = 7`.") from None
    column = schema.column(name)
    if op == "~" and not column.type.is_text:
        raise GrammarError(
            f"`~` finds text inside text; `{name}` is a column of type {column.type.value}. "
            "Use `=`, `<`, `>` and the like."
        )
    return Condition(name, op, column.convert(raw))


def parse_sort(text: str, schema: TableSchema) -> tuple[str, bool]:
    """Parse a sort key (``year`` or ``-year``) into the column and whether it descends."""
    stripped = text.strip()
    descending = stripped.startswith("-")
    name = stripped.lstrip("-").strip()
    if name != "id":
        schema.column(name)
    return name, descending


def parse_query(
    schema: TableSchema, where: str | None = None, sort: str | None = None, limit: int | None = None
) -> Query:
    """Build a ``Query`` from the three ``/record find`` options."""
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise GrammarError(f"`limit` is {limit}; it must be from 1 to {MAX_LIMIT}.")
    column, descending = parse_sort(sort, schema) if sort and sort.strip() else ("id", False)
    conditions = parse_where(where, schema) if where and where.strip() else ()
    return Query(conditions, column, descending, limit)
