"""Column types: how a value of each type is checked, stored and compared.

A value lives in three forms. The *input* form is what a member types or a
program passes (``"yes"``, ``"<@123>"``, ``"2024-05-01"``); ``convert`` turns it
into the *Python* form (``True``, ``123``, ``date(2024, 5, 1)``), which the cache
holds and queries compare. ``to_json``/``from_json`` move between the Python
form and the *stored* form inside a record message.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

__all__ = ["ColumnType", "Value", "as_typed", "quote"]

Value = str | int | float | bool | date | datetime | None

_MENTION = {
    "user": re.compile(r"<@!?(\d{15,21})>"),
    "channel": re.compile(r"<#(\d{15,21})>"),
    "role": re.compile(r"<@&(\d{15,21})>"),
}
_SNOWFLAKE = re.compile(r"\d{15,21}")
_SNOWFLAKE_MAX = 2**64 - 1
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1
"""Stored values are JSON read by orjson: whole numbers must fit 64 bits."""
_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}

_int_adapter: TypeAdapter[int] = TypeAdapter(int)
_datetime_adapter: TypeAdapter[datetime] = TypeAdapter(datetime)


class ColumnType(enum.StrEnum):
    """The types a column may have, named as in the column spec grammar."""

    TEXT = "text"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    DATE = "date"
    DATETIME = "datetime"
    USER = "user"
    CHANNEL = "channel"
    ROLE = "role"
    URL = "url"
    CHOICE = "choice"

    @property
    def hint(self) -> str:
        """The accepted input format, for placeholders and error messages."""
        return _HINTS[self]

    @property
    def is_text(self) -> bool:
        """Whether ``~`` (case-insensitive substring) applies to this type."""
        return self in (ColumnType.TEXT, ColumnType.URL, ColumnType.CHOICE)

    def convert(self, raw: Any) -> Value:
        """Turn an input value into this type's Python form.

        Raises ``ValueError`` whose text says what was expected; callers wrap it
        into a ``BadValue`` that names the column.
        """
        return _CONVERTERS[self](raw)

    def to_json(self, value: Value) -> Any:
        """Return the stored (JSON) form of a Python value of this type."""
        if isinstance(value, datetime | date):
            return value.isoformat()
        return value

    @property
    def converts_from_json(self) -> bool:
        """Whether a stored value needs converting when read (dates and datetimes are stored as text)."""
        return self in (ColumnType.DATE, ColumnType.DATETIME)

    def from_json(self, stored: Any) -> Value:
        """Read a stored value back; trusted input, so kept cheap."""
        if stored is None:
            return None
        if self is ColumnType.DATE:
            return date.fromisoformat(stored)
        if self is ColumnType.DATETIME:
            return datetime.fromisoformat(stored)
        return stored  # type: ignore[no-any-return]

    def display(self, value: Value) -> str:
        """Show a value as a member would type it back."""
        if value is None:
            return ""
        if self is ColumnType.USER:
            return f"<@{value}>"
        if self is ColumnType.CHANNEL:
            return f"<#{value}>"
        if self is ColumnType.ROLE:
            return f"<@&{value}>"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, datetime | date):
            return _iso(value)
        return str(value)


def _iso(value: date) -> str:
    """ISO 8601 as members type it: a UTC time ends in ``Z``."""
    text = value.isoformat()
    return text[:-6] + "Z" if isinstance(value, datetime) and text.endswith("+00:00") else text


def quote(text: str) -> str:
    r"""Text in double quotes, read back exactly by the ``values`` and ``where`` grammars.

    Inside quotes only ``\"`` and ``\\`` are special, so a backslash is doubled
    only where it would otherwise read as one of them (before a quote, a
    backslash or the closing quote): ``C:\Users`` stays as it is.
    """
    out: list[str] = []
    for index, char in enumerate(text):
        if char == '"':
            out.append('\\"')
        elif char == "\\" and (index + 1 == len(text) or text[index + 1] in '"\\'):
            out.append("\\\\")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def as_typed(value: object) -> str:
    """A value as a member would type it back in ``values`` or ``where`` (for messages: refusals, problems, diffs).

    Text is quoted (so ``""`` is the empty text), times are ISO 8601 with ``Z``
    for UTC, booleans ``true``/``false``; no value at all is shown as nothing.
    Ids of users, channels and roles show as numbers, which those columns take.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return _iso(value)
    return str(value)


def _text(raw: Any) -> str:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return str(raw)
    raise ValueError("is not text")


def _int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValueError("is not a whole number (example: 42)")
    if isinstance(raw, str):
        raw = raw.strip().replace("_", "")
    try:
        value = _int_adapter.validate_python(raw)
    except ValidationError:
        raise ValueError("is not a whole number (example: 42)") from None
    if not _INT_MIN <= value <= _INT_MAX:
        raise ValueError(f"is out of range: a whole number goes from {_INT_MIN} to {_INT_MAX}")
    return value


def _float(raw: Any) -> float:
    if isinstance(raw, bool):
        raise ValueError("is not a number (example: 3.5)")
    try:
        number = float(raw.strip() if isinstance(raw, str) else raw)
    except (TypeError, ValueError, OverflowError):
        raise ValueError("is not a number (example: 3.5)") from None
    if not math.isfinite(number):
        raise ValueError("is not a finite number")
    return number


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("is not a yes/no value: use true, false, yes, no, 1 or 0")


def _date(raw: Any) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        raise ValueError("is not a date: use ISO 8601, like 2024-05-31") from None


def _datetime(raw: Any) -> datetime:
    try:
        value = _datetime_adapter.validate_python(raw.strip() if isinstance(raw, str) else raw)
    except ValidationError:
        raise ValueError("is not a date and time: use ISO 8601, like 2024-05-31T14:30:00Z") from None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before the year 1 in UTC
        raise ValueError("is out of range: use a date and time between the years 1 and 9999") from None


def _snowflake(kind: str) -> Callable[[Any], int]:
    pattern = _MENTION[kind]

    def convert(raw: Any) -> int:
        if isinstance(raw, int) and not isinstance(raw, bool) and 0 < raw <= _SNOWFLAKE_MAX:
            return raw
        text = str(raw).strip()
        match = pattern.fullmatch(text) or _SNOWFLAKE.fullmatch(text)
        if match is None or int(match.group(match.lastindex or 0)) > _SNOWFLAKE_MAX:
            raise ValueError(f"is not a {kind}: give a {kind} mention or a {kind} id")
        return int(match.group(match.lastindex or 0))

    return convert


def _url(raw: Any) -> str:
    text = _text(raw).strip()
    if not re.fullmatch(r"https?://[^\s/$.?#][^\s]*", text, flags=re.IGNORECASE):
        raise ValueError("is not a web address: it must start with http:// or https://")
    return text


_CONVERTERS: dict[ColumnType, Callable[[Any], Value]] = {
    ColumnType.TEXT: _text,
    ColumnType.INT: _int,
    ColumnType.FLOAT: _float,
    ColumnType.BOOL: _bool,
    ColumnType.DATE: _date,
    ColumnType.DATETIME: _datetime,
    ColumnType.USER: _snowflake("user"),
    ColumnType.CHANNEL: _snowflake("channel"),
    ColumnType.ROLE: _snowflake("role"),
    ColumnType.URL: _url,
    ColumnType.CHOICE: _text,  # the column checks the text against its choices
}

_HINTS: dict[ColumnType, str] = {
    ColumnType.TEXT: "any text",
    ColumnType.INT: "a whole number, like 42",
    ColumnType.FLOAT: "a number, like 3.5",
    ColumnType.BOOL: "true or false",
    ColumnType.DATE: "a date, like 2024-05-31",
    ColumnType.DATETIME: "a date and time, like 2024-05-31T14:30:00Z",
    ColumnType.USER: "a user mention or id",
    ColumnType.CHANNEL: "a channel mention or id",
    ColumnType.ROLE: "a role mention or id",
    ColumnType.URL: "a link starting with https://",
    ColumnType.CHOICE: "one of the column's choices",
}
