"""Exceptions of the engine: each carries a message a user can act on.

Every message names the input that was wrong and says how to fix it, so the bot
can show ``str(error)`` as it is and a library user reads the same advice.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "BadValue",
    "ChannelMissing",
    "DiscobaseError",
    "DiscordUnavailable",
    "GrammarError",
    "MessageMissing",
    "MissingPermission",
    "NotConnected",
    "RecordNotFound",
    "SchemaError",
    "ShuttingDown",
    "StorageBusy",
    "StorageDamaged",
    "TableDamaged",
    "TableExists",
    "UniqueViolation",
    "UnknownColumn",
    "UnknownTable",
    "closest",
    "quoted",
    "shown",
]


def closest(name: str, choices: Iterable[str]) -> str | None:
    """Return the choice most like ``name``, or None when nothing is close."""
    matches = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.5)
    return matches[0] if matches else None


def shown(text: str, limit: int = 80) -> str:
    """Member input as echoed inside inline code: cut to ``limit`` characters, with no backtick to end it early.

    Echoing a 6,000-character option whole would push the answer past Discord's
    2,000 characters (and the advice after it out of sight).
    """
    text = text.replace("`", "\u02cb")
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _did_you_mean(name: str, choices: Iterable[str]) -> str:
    match = closest(name, choices)
    return f" Did you mean `{match}`?" if match else ""


def _seconds(seconds: float) -> str:
    whole = max(1, round(seconds))
    return f"{whole} second{'s' if whole != 1 else ''}"


def quoted(value: object, limit: int = 100) -> str:
    """A value echoed in a message: text in double quotes, anything else as Python shows it (every message alike)."""
    return shown(f'"{value}"' if isinstance(value, str) else repr(value), limit)


class DiscobaseError(Exception):
    """Base of every error the engine raises on purpose."""


class GrammarError(DiscobaseError, ValueError):
    """A command argument (columns, values, where, sort) could not be parsed."""


class SchemaError(DiscobaseError):
    """A table definition is not acceptable (bad name, bad column, too many columns).

    Not a ``ValueError``, so pydantic passes it through schema validation untouched.
    """


class BadValue(DiscobaseError, ValueError):
    """A value does not fit its column's type or rules."""

    def __init__(self, column: str, value: object, reason: str) -> None:
        self.column = column
        self.value = value
        self.reason = reason
        super().__init__(f"Column `{column}`: {quoted(value)} {reason}")


class UnknownTable(DiscobaseError, LookupError):
    """No table of that name exists in this server."""

    def __init__(self, name: str, known: Iterable[str] = ()) -> None:
        self.name = name
        super().__init__(
            f"There is no table `{shown(name)}`.{_did_you_mean(name, known)} `/table list` shows every table."
        )


class UnknownColumn(DiscobaseError, LookupError):
    """A column name that the table does not have."""

    def __init__(self, table: str, column: str, known: Iterable[str] = ()) -> None:
        self.table = table
        self.column = column
        known = list(known)
        super().__init__(
            f"Table `{table}` has no column `{shown(column)}`.{_did_you_mean(column, known)}"
            f" Its columns: {', '.join(known) or 'none'}."
        )


class TableExists(DiscobaseError, ValueError):
    """A table of that name exists already."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"A table named `{name}` exists already. Choose another name.")


class RecordNotFound(DiscobaseError, LookupError):
    """No record with that id in the table (never existed, or deleted)."""

    def __init__(self, table: str, record_id: int) -> None:
        self.table = table
        self.record_id = record_id
        super().__init__(
            f"Table `{table}` has no record with id {record_id}. `/record find table:{table}` lists the ids."
        )


class UniqueViolation(DiscobaseError, ValueError):
    """A write would give a ``unique`` column the same value twice."""

    def __init__(self, table: str, column: str, value: object, holder: int) -> None:
        self.table = table
        self.column = column
        self.value = value
        self.holder = holder
        super().__init__(
            f"Column `{column}` of `{table}` is unique and record {holder} already has "
            f"{quoted(value)}. Choose another value, or update record {holder}."
        )


class TableDamaged(DiscobaseError, RuntimeError):
    """A table's channel is gone (deleted by hand): its data cannot be read."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"Table `{name}` is damaged: its channel was deleted by hand, so its records are gone. "
            f"`/table drop table:{name}` removes it from the catalog."
        )


class StorageDamaged(DiscobaseError, RuntimeError):
    """Something in the storage channels cannot be read back as written."""


class ChannelMissing(StorageDamaged):
    """A storage channel the engine expected is gone."""

    def __init__(self, channel_id: int) -> None:
        self.channel_id = channel_id
        super().__init__(f"Storage channel {channel_id} is gone: it was deleted by hand.")


class MessageMissing(StorageDamaged):
    """A stored message is gone from Discord (deleted by hand while the bot did not see it)."""

    def __init__(self) -> None:
        super().__init__("A stored message is gone: it was deleted by hand.")


class MissingPermission(DiscobaseError, PermissionError):
    """Discord refused a call because the bot lacks a permission."""

    def __init__(self, permission: str, action: str) -> None:
        self.permission = permission
        self.action = action
        super().__init__(
            f"I need the **{permission}** permission to {action}. Ask a server admin to grant it to my role."
        )


class DiscordUnavailable(DiscobaseError, ConnectionError):
    """Discord kept failing (5xx, 429, time-outs) through every retry."""

    def __init__(self, action: str, cause: BaseException) -> None:
        self.action = action
        status = getattr(cause, "status", None)
        reason = f"HTTP {status}" if status else type(cause).__name__
        super().__init__(
            f"Discord kept failing while I tried to {action} ({reason}). Nothing was changed; try again in a minute."
        )


class StorageBusy(DiscobaseError):
    """Another process holds this guild's write lease (a deploy in progress, or two copies running)."""

    def __init__(self, seconds_left: float) -> None:
        self.seconds_left = seconds_left
        super().__init__(
            "Another copy of the bot is still writing to this server (a restart or deploy in progress?). "
            f"Try again in {_seconds(seconds_left)}."
        )


class ShuttingDown(DiscobaseError):
    """The bot is stopping (a restart or deploy): new writes are refused, nothing half-done is left."""

    def __init__(self, detail: str = "Nothing was changed.") -> None:
        super().__init__(f"The bot is restarting. {detail} Try again in a minute.")


class NotConnected(DiscobaseError, RuntimeError):
    """The database is used before it is connected and ready."""
