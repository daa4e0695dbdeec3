r"""The text grammars members type: column specs, values, where and sort.

Lists are split at commas (and, for ``where``, at `` and `` and `` or ``) only
where the next item really starts (``name:``, ``name=``, ``name OP``), so an
unquoted value such as ``title=War and Peace`` still reads as one value. Quoting
with double quotes (``\"`` for a quote and ``\\`` for a backslash inside) is
always available and always exact. Nothing written (``bio=``) is no value;
``bio=""`` is the empty text.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from ..errors import DiscobaseError, GrammarError, SchemaError, closest, every_problem, shown
from .columns import ColumnType
from .query import And, Condition, Expr, Not, Op, Or, Query
from .schema import MAX_COLUMNS, Column, TableSchema, check_name

__all__ = [
    "parse_columns",
    "parse_query",
    "parse_sort",
    "parse_type",
    "parse_values",
    "parse_where",
    "where_column_spans",
]

MAX_LIMIT = 1000
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_COLUMN_START = re.compile(rf"\s*{_NAME}\s*:")
_PAIR_START = re.compile(rf"\s*{_NAME}\s*=")
_FLAG_TOKEN = re.compile(r"\s*(\S+)")
_DEFAULT = re.compile(r"(?:^|\s)default\s*=\s*", re.IGNORECASE)
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"?')
_TRAILING_FLAGS = re.compile(r"(.*?)((?:\s+(?:unique|optional))*)\s*$", re.IGNORECASE | re.DOTALL)
_FLAGS = ("unique", "optional", "default=")
_CHOICE_TYPE = re.compile(r"\s*choice\s*\(([^)]*)\)", re.IGNORECASE)
_TYPE_SYNONYMS = {
    "string": "text",
    "str": "text",
    "varchar": "text",
    "char": "text",
    "integer": "int",
    "number": "float",
    "double": "float",
    "decimal": "float",
    "real": "float",
    "boolean": "bool",
    "timestamp": "datetime",
    "time": "datetime",
    "member": "user",
    "mention": "user",
    "link": "url",
}
"""Type names from other languages and databases, and the type each means here."""


def _split(text: str, item_start: re.Pattern[str]) -> list[str]:
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
            if char == "," and item_start.match(text, index + 1):
                parts.append(text[start:index])
                start = index = index + 1
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


def _flags_and_default(rest: str) -> tuple[str, str | None]:
    """The flag words of a spec after its type, and what ``default=`` gives (None: no default).

    The default runs to the end of the spec (the next comma), as a value does,
    so ``default=to read`` is "to read"; only ``unique`` and ``optional`` after
    it are still flags. A quoted default ends at its closing quote.
    """
    found = _DEFAULT.search(rest)
    if found is None:
        return rest, None
    before, after = rest[: found.start()], rest[found.end() :]
    quoted = _QUOTED.match(after)
    if quoted is not None:
        return before + " " + after[quoted.end() :], quoted.group()
    split = _TRAILING_FLAGS.match(after)
    assert split is not None  # the pattern matches any text
    return before + " " + split.group(2), split.group(1)


def _column(spec: str) -> Column:
    name, colon, after = spec.strip().partition(":")
    choice = _CHOICE_TYPE.match(after)
    if choice:  # choice(a|b) may hold spaces: it ends at its parenthesis, not at the first space
        type_name, rest = "choice", after[choice.end() :]
        choices = tuple(part.strip() for part in choice.group(1).split("|"))
    else:
        type_name, _, rest = after.strip().partition(" ")
        choices = ()
    if not colon or not type_name or " " in name.strip():
        raise GrammarError(f"`{shown(spec.strip())}` is not a column spec: write `name:type`, like `title:text`.")
    name = check_name(name.strip(), "column")
    if type_name.strip().lower() == "choice" and not choices:
        raise GrammarError(
            f"Column `{name}`: a choice column lists its choices in parentheses, like `{name}:choice(open|closed)`."
        )
    try:
        column_type = ColumnType(type_name.strip().lower())
    except ValueError:
        lowered = type_name.strip().lower()
        guess = _TYPE_SYNONYMS.get(lowered) or closest(lowered, [t.value for t in ColumnType])
        hint = f" Did you mean `{guess}`?" if guess else ""
        raise GrammarError(
            f"Column `{name}`: `{shown(type_name)}` is not a type.{hint} "
            f"Types: {', '.join(t.value for t in ColumnType)}."
        ) from None
    words, default = _flags_and_default(rest)
    flags: dict[str, Any] = {}
    if default is not None:
        value = Column(name=name, type=column_type, choices=choices).convert(_value(default))
        if value is None:
            raise GrammarError(f"Column `{name}`: `default=` needs a value, like `default=0`.")
        flags["default"] = column_type.to_json(value)
    for word in _FLAG_TOKEN.findall(words):
        lowered = word.lower()
        if lowered in ("unique", "optional"):
            flags[lowered] = True
        else:
            guess = closest(lowered, _FLAGS)
            hint = f" Did you mean `{guess}`?" if guess else ""
            raise GrammarError(
                f"Column `{name}`: `{shown(word)}` is not a flag.{hint} Flags: unique, optional, default=VALUE."
            )
    return Column(name=name, type=column_type, choices=choices, **flags)


def check_columns(text: str) -> tuple[tuple[Column, ...], list[DiscobaseError]]:
    """The columns of a comma-separated list of column specs, and every problem of every spec, in order."""
    try:
        specs = [spec for spec in _split(text, _COLUMN_START) if spec.strip()]
    except GrammarError as error:
        return (), [error]
    if not specs:
        return (), [GrammarError("Give at least one column, like `title:text, year:int optional`.")]
    if len(specs) > MAX_COLUMNS:
        return (), [SchemaError(f"A table has at most {MAX_COLUMNS} columns; you gave {len(specs)}.")]
    columns: list[Column] = []
    problems: list[DiscobaseError] = []
    for spec in specs:
        try:
            columns.append(_column(spec))
        except (GrammarError, SchemaError) as error:
            problems.append(error)
    return tuple(columns), problems


def parse_columns(text: str) -> tuple[Column, ...]:
    """Parse comma-separated column specs (``title:text unique, year:int optional``), or name every problem."""
    columns, problems = check_columns(text)
    if problems:
        raise every_problem(problems)
    return columns


def parse_type(text: str, column: str) -> tuple[ColumnType, tuple[str, ...]]:
    """Parse a type as a column spec writes it (``int``, ``choice(open|done)``) for column ``column``: type, choices."""
    parsed = _column(f"{column}:{text.strip()}")
    if parsed.unique or parsed.optional or parsed.default is not None:
        raise GrammarError(f"`{shown(text.strip())}` is more than a type: give only the type, like `int`.")
    return parsed.type, parsed.choices


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


_OP = re.compile(r"\s*(!=|<=|>=|==|~=|=|<|>|~)")
_IN = re.compile(r"\s*(not\s+in|in)\s*\(", re.IGNORECASE)
_TERM_START = re.compile(rf"\s*(?:\(|not(?=[\s(])|{_NAME}\s*(?:!=|<=|>=|=|<|>|~|(?:not\s+)?in\s*\())", re.IGNORECASE)
_SPACED_WORD = re.compile(r"\s+(?:and|or)(?=[\s(])", re.IGNORECASE)
_AND_JOIN = re.compile(r"\s*(?:,|and(?=[\s(]))", re.IGNORECASE)
_OR_JOIN = re.compile(r"\s*or(?=[\s(])", re.IGNORECASE)
_NOT = re.compile(r"\s*not(?=[\s(])(?!\s*(?:!=|<=|>=|=|<|>|~))", re.IGNORECASE)
_NAME_AT = re.compile(rf"\s*({_NAME})")
MAX_NESTING = 20
"""Parentheses and ``not`` nest at most this deep: a wall of ``((((`` is refused, not a stack overflow."""
_WHERE_HELP = (
    "write `column OP value` with OP one of = != < <= > >= ~ ~=, joined by `and`, `or` or `,`, "
    "like `year >= 1990 or title ~ dune`"
)


class _Where:
    """A recursive-descent reader of the where grammar; ``and`` (and ``,``) binds tighter than ``or``.

    An unquoted value runs until a separator that is followed by the start of
    another condition, so ``title = War and Peace`` is one value, as before.
    """

    def __init__(self, text: str, schema: TableSchema) -> None:
        self.text = text
        self.schema = schema
        self.at = 0
        self.depth = 0
        self.names: list[tuple[int, int]] = []
        """Where each condition's column name stands in ``text`` (start, end): what a column rename rewrites."""

    def parse(self) -> tuple[Expr, ...]:
        expr = self.either()
        if self.text[self.at :].strip():
            rest = self.text[self.at :].strip()
            if rest.startswith(")"):
                raise GrammarError(f"`{shown(self.text.strip())}` closes a parenthesis that was never opened.")
            raise GrammarError(f"Expected `and`, `or` or `,` before `{shown(rest)}`: {_WHERE_HELP}.")
        return expr.parts if isinstance(expr, And) else (expr,)

    def either(self) -> Expr:
        parts = [self.every()]
        while match := _OR_JOIN.match(self.text, self.at):
            self.at = match.end()
            parts.append(self.every())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def every(self) -> Expr:
        parts = [self.unary()]
        while match := _AND_JOIN.match(self.text, self.at):
            self.at = match.end()
            if not self.text[self.at :].strip() and match.group().strip() == ",":
                break  # a trailing comma
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self) -> Expr:
        if self.depth >= MAX_NESTING:
            raise GrammarError(f"The where nests deeper than {MAX_NESTING} parentheses or `not`s. Simplify it.")
        if match := _NOT.match(self.text, self.at):
            self.at = match.end()
            self.depth += 1
            inner = self.unary()
            self.depth -= 1
            return Not(inner)
        rest = self.text[self.at :].lstrip()
        if rest.startswith("("):
            self.at = len(self.text) - len(rest) + 1
            self.depth += 1
            inner = self.either()
            self.depth -= 1
            rest = self.text[self.at :].lstrip()
            if not rest.startswith(")"):
                raise GrammarError(f"A parenthesis in `{shown(self.text.strip())}` is never closed. Add a `)`.")
            self.at = len(self.text) - len(rest) + 1
            return inner
        return self.condition()

    def condition(self) -> Expr:
        name_match = _NAME_AT.match(self.text, self.at)
        op_match = _OP.match(self.text, name_match.end()) if name_match else None
        in_match = _IN.match(self.text, name_match.end()) if name_match else None
        if name_match is None or (op_match is None and in_match is None):
            piece = self.text[self.at :].strip() or self.text.strip()
            raise GrammarError(f"`{shown(piece)}` is not a condition: {_WHERE_HELP}.")
        name = name_match.group(1)
        self.names.append(name_match.span(1))
        if in_match is not None:
            self.at = in_match.end()
            options = Or(tuple(_condition(self.schema, name, "=", raw) for raw in self.items(name)))
            return Not(options) if in_match.group(1).lower() != "in" else options
        assert op_match is not None
        self.at = op_match.end()
        op = "=" if op_match.group(1) == "==" else op_match.group(1)
        return _condition(self.schema, name, op, self.value())  # type: ignore[arg-type]

    def value(self) -> str | None:
        """One value: quoted (exact), or the text up to the next separator that starts a condition; nothing is None."""
        rest = self.text[self.at :].lstrip()
        if rest.startswith('"'):
            start = len(self.text) - len(rest)
            self.at = _quoted_end(self.text, start)
            return _unquote(self.text[start : self.at])
        start, index, nested = self.at, self.at, 0
        while index < len(self.text):
            char = self.text[index]
            if char == "(":
                nested += 1
            elif char == ")":
                if not nested and self.depth:
                    break
                nested = max(0, nested - 1)
            elif not nested:
                if char == "," and (_TERM_START.match(self.text, index + 1) or not self.text[index + 1 :].strip()):
                    break
                word = _SPACED_WORD.match(self.text, index) if char.isspace() else None
                if word and _TERM_START.match(self.text, word.end()):
                    break
            index += 1
        self.at = index
        return self.text[start:index].strip() or None

    def items(self, name: str) -> list[str]:
        """The values of ``in (a, b, "c, d")``, up to the closing parenthesis."""
        values: list[str] = []
        while True:
            rest = self.text[self.at :].lstrip()
            start = len(self.text) - len(rest)
            if rest.startswith('"'):
                self.at = _quoted_end(self.text, start)
                values.append(_unquote(self.text[start : self.at]))
            else:
                ends = [i for i in (rest.find(","), rest.find(")")) if i >= 0]
                if not ends:
                    break
                values.append(rest[: min(ends)].strip())
                self.at = start + min(ends)
            rest = self.text[self.at :].lstrip()
            self.at = len(self.text) - len(rest) + 1
            if rest.startswith(")"):
                if values == [""]:
                    raise GrammarError(f"`{name} in ()` lists no value: write `{name} in (a, b)`.")
                return values
            if not rest.startswith(","):
                break
        raise GrammarError(f"The list after `{name} in` is never closed: write it like `{name} in (a, b)`.")


def _quoted_end(text: str, start: int) -> int:
    """The index just past the double-quoted value starting at ``start``."""
    index = start + 1
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == '"':
            return index + 1
        index += 1
    raise GrammarError(
        f'A double quote is never closed in `{shown(text)}`. Close it, or write a quote inside a value as `\\"`.'
    )


def parse_where(text: str, schema: TableSchema) -> tuple[Expr, ...]:
    """Parse a where into its top-level conditions (all must match), values converted by column type.

    Conditions are ``column OP value`` (OP: ``= == != < <= > >= ~ ~=``) or
    ``column [not] in (a, b)``, joined by ``and`` or ``,`` (binding tighter)
    and ``or``, grouped with parentheses and negated with ``not``.
    """
    return _Where(text, schema).parse()


def where_column_spans(text: str, schema: TableSchema) -> list[tuple[int, int]]:
    """Where each condition of a where names its column (start, end in ``text``); the where must parse."""
    reader = _Where(text, schema)
    reader.parse()
    return reader.names


def _condition(schema: TableSchema, name: str, op: Op, raw: str | None) -> Condition:
    if name == "id":
        if op in ("~", "~="):
            raise GrammarError(f"`{op}` compares text; `id` is a number. Use `=`, `<`, `>` and the like.")
        try:
            return Condition("id", op, int(raw or ""))
        except ValueError:
            raise GrammarError(f"`id {op} {shown(raw or '')}`: an id is a whole number, like `id = 7`.") from None
    column = schema.column(name)
    if op in ("~", "~=") and not column.type.is_text:
        what = "finds text inside text" if op == "~" else "compares text, ignoring case"
        raise GrammarError(
            f"`{op}` {what}; `{name}` is a column of type {column.type.value}. Use `=`, `<`, `>` and the like."
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
