"""Exceptions of the engine: each carries a message a user can act on.

Every message names the input that was wrong and says how to fix it, so the bot
can show ``str(error)`` as it is and a library user reads the same advice.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import discord

from .model.columns import Value, as_typed

__all__ = [
    "AlreadySaved",
    "AlterProblem",
    "AlterRejected",
    "BadValue",
    "BrokenView",
    "BulkRejected",
    "ChannelLimit",
    "ChannelMissing",
    "DatabaseCorruptionError",
    "DatabaseLookupError",
    "DatabaseStorageError",
    "DatabaseTableError",
    "DiscobaseError",
    "DiscordUnavailable",
    "GrammarError",
    "ImportRejected",
    "MessageMissing",
    "MissingPermission",
    "NoUniqueMatch",
    "NotBuilt",
    "NotConnected",
    "NotConnectedError",
    "NotInTrash",
    "NotSaved",
    "NothingToUndo",
    "PartlyStored",
    "RecordNotFound",
    "RecordProblem",
    "RecordRejected",
    "RecordTooLarge",
    "RowProblem",
    "SchemaError",
    "ShuttingDown",
    "StorageBusy",
    "StorageDamaged",
    "TableDamaged",
    "TableExists",
    "UndoRefused",
    "UniqueViolation",
    "UnknownColumn",
    "UnknownTable",
    "UnknownView",
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


# The families of the published discobase 1.0 (``discobase.exceptions``): our errors derive from them,
# so code written for it (``except DatabaseTableError``) catches what it did there.


class DatabaseCorruptionError(DiscobaseError):
    """Stored data cannot be read back as written (a channel or message deleted by hand, say)."""


class DatabaseStorageError(DiscobaseError):
    """Something could not be stored: the write was refused, or Discord failed."""


class DatabaseTableError(DiscobaseError):
    """Something is wrong with a table or a ``Table`` class (definition, attachment, readiness)."""


class DatabaseLookupError(DiscobaseError, LookupError):
    """A lookup found nothing, or not what it needed: an unknown table, column or record."""


class GrammarError(DiscobaseError, ValueError):
    """A command argument (columns, values, where, sort) could not be parsed."""


class SchemaError(DatabaseTableError):
    """A table definition is not acceptable (bad name, bad column, too many columns).

    Not a ``ValueError``, so pydantic passes it through schema validation untouched.
    """


def every_problem(problems: list[DiscobaseError]) -> DiscobaseError:
    """One error naming every problem: a single one as it is, several listed in one ``GrammarError``."""
    if len(problems) == 1:
        return problems[0]
    return GrammarError(f"{len(problems)} problems:\n" + "\n".join(f"- {problem}" for problem in problems))


class BadValue(DiscobaseError, ValueError):
    """A value does not fit its column's type or rules.

    ``value`` is the input as given; None means no value was given, and the
    message then names only the column.
    """

    def __init__(self, column: str, value: object, reason: str) -> None:
        self.column = column
        self.value = value
        self.reason = reason
        given = "" if value is None else f": {shown(as_typed(value), 100)}"
        super().__init__(f"Column `{column}`{given} {reason}")


class UnknownTable(DatabaseLookupError):
    """No table of that name exists in this server."""

    def __init__(self, name: str, known: Iterable[str] = ()) -> None:
        self.name = name
        super().__init__(
            f"There is no table `{shown(name)}`.{_did_you_mean(name, known)}"
            " `/record tables` lists the tables you may use."
        )


class UnknownColumn(DatabaseLookupError):
    """A column name that the table does not have."""

    def __init__(self, table: str, column: str, known: Iterable[str] = ()) -> None:
        self.table = table
        self.column = column
        known = list(known)
        super().__init__(
            f"Table `{table}` has no column `{shown(column)}`.{_did_you_mean(column, known)}"
            f" Its columns: {', '.join(known) or 'none'}."
        )


class UnknownView(DatabaseLookupError):
    """A view name that the table does not have."""

    def __init__(self, table: str, view: str, known: Iterable[str] = ()) -> None:
        self.table = table
        self.view = view
        known = list(known)
        listed = f" Its views: {', '.join(known)}." if known else f" `/table view table:{table}` saves one."
        super().__init__(f"Table `{table}` has no view `{shown(view)}`.{_did_you_mean(view, known)}{listed}")


class BrokenView(DatabaseTableError):
    """A saved view no longer fits its table (a column dropped or altered since): says what, and the fix."""

    def __init__(self, table: str, view: str, problem: str) -> None:
        self.table = table
        self.view = view
        self.problem = problem
        super().__init__(
            f"The view `{view}` of `{table}` no longer fits the table: {problem} Save it again with "
            f"`/table view table:{table} name:{view} where:… sort:… columns:…`, or delete it with "
            f"`/table view table:{table} name:{view} delete:True`."
        )


class TableExists(DatabaseTableError, ValueError):
    """A table of that name exists already."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"A table named `{name}` exists already. Choose another name.")


class RecordNotFound(DatabaseLookupError):
    """No record with that id in the table (never existed, or deleted)."""

    def __init__(self, table: str, record_id: int) -> None:
        self.table = table
        self.record_id = record_id
        super().__init__(
            f"Table `{table}` has no record with id {record_id}. `/record find table:{table}` lists the ids."
        )


class UniqueViolation(DatabaseStorageError, ValueError):
    """A write would give a ``unique`` column the same value twice."""

    def __init__(self, table: str, column: str, value: object, holder: int) -> None:
        self.table = table
        self.column = column
        self.value = value
        self.holder = holder
        super().__init__(
            f"Column `{column}` of `{table}` is unique and record {holder} already has "
            f"{shown(as_typed(value), 100)}. Choose another value, or update record {holder}."
        )


class TableDamaged(DatabaseCorruptionError, RuntimeError):
    """A table's channel is gone (deleted by hand): its data cannot be read."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"Table `{name}` is damaged: its channel was deleted by hand, so its records are gone. "
            f"`/table drop table:{name}` removes it from the catalog."
        )


class StorageDamaged(DatabaseCorruptionError, RuntimeError):
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


class ChannelLimit(DatabaseStorageError):
    """Discord's limit on channels leaves no room for a table's channel: 500 a server, 50 in a category.

    ``count`` is how many channels the server (or the category) has, when known;
    ``needed`` how many the table would add (2 when a new storage category is due).
    Raised before any request when the gateway's count shows it, and for Discord's
    own refusal (error 30013, or a full category) otherwise; nothing was created.
    """

    def __init__(self, name: str, limit: int, count: int | None, needed: int = 1, category: str | None = None) -> None:
        self.name = name
        self.limit = limit
        self.count = count
        self.needed = needed
        self.category = category
        table = f"the table `{shown(name)}`"
        if category is not None:
            super().__init__(
                f"The storage category `{category}` is full: Discord allows {limit} channels in a category. "
                f"Nothing was created; try again and {table} goes into another storage category."
            )
            return
        has = f"has {count} channels" if count is not None else "is at its limit"
        more = "a new storage category and its channel" if needed == 2 else "one more channel"
        super().__init__(
            f"This server {has} and Discord allows at most {limit}, so there is no room for {table} "
            f"(it needs {more}). Nothing was created. Delete channels the server no longer needs "
            "(or drop a table with `/table drop`), then try again."
        )


class MissingPermission(DatabaseStorageError, PermissionError):
    """Discord refused a call because the bot lacks a permission: which one, and where.

    ``place`` is None when the bot lacks it in the whole server (its roles), or
    the channel or category whose permission settings take it away; ``grant``:
    the permission is one a new channel's settings give the bot, which Discord
    lets a bot set only if it holds it (or Manage Roles).
    """

    def __init__(self, permission: str, action: str, place: str | None = None, grant: bool = False) -> None:
        self.permission = permission
        self.action = action
        self.place = place
        self.grant = grant
        if grant:
            where = f" in {place}" if place is not None else ""
            fix = f"allow **{permission}** for me in {place}" if place else f"grant **{permission}** to my role"
            super().__init__(
                f"I need the **{permission}** permission{where} to {action}: my storage channels' settings give it "
                "to me, and Discord lets me set only permissions I have there (or with **Manage Roles**). "
                f"Ask a server admin to {fix}."
            )
        elif place is not None:
            super().__init__(
                f"I need the **{permission}** permission in {place} to {action}. My role has it, but the permission "
                f"settings of {place} take it away: ask a server admin to allow **{permission}** for me there."
            )
        else:
            super().__init__(
                f"I need the **{permission}** permission to {action}. Ask a server admin to grant it to my role."
            )


class DiscordUnavailable(DatabaseStorageError, ConnectionError):
    """Discord kept failing (5xx, time-outs) through every retry, or asked us to slow down.

    ``unknown`` is True when some try got no answer after its request left: the
    change may then have been stored after all, and the engine reads the table
    again on its next use. A time-out before the request left (discord.py
    waiting on a rate limit) or after Discord refused it is not unknown.
    """

    def __init__(self, action: str, cause: BaseException, unknown: bool = False) -> None:
        self.action = action
        self.unknown = unknown
        status = getattr(cause, "status", None)
        reason = (
            f"HTTP {status}"
            if status
            else "no answer in time"
            if isinstance(cause, TimeoutError)
            else type(cause).__name__
        )
        if unknown:
            outcome = "It may have been stored anyway: look before you try again."
        else:
            outcome = "Nothing was changed; try again in a minute."
        if status == 429 or isinstance(cause, discord.RateLimited):
            lead = f"Discord asked me to slow down while I tried to {action}."
        elif isinstance(cause, TimeoutError) and not unknown:
            lead = (
                f"I could not {action} in time: Discord's rate limits kept the request waiting, "
                "and it was never sent (or Discord refused it)."
            )
        else:
            lead = f"Discord kept failing while I tried to {action} ({reason})."
        super().__init__(f"{lead} {outcome}")


class StorageBusy(DatabaseStorageError):
    """Another process holds this guild's write lease (a deploy in progress, or two copies running)."""

    def __init__(self, seconds_left: float) -> None:
        self.seconds_left = seconds_left
        super().__init__(
            "Another copy of the bot is still writing to this server (a restart or deploy in progress?). "
            f"Try again in {_seconds(seconds_left)}."
        )


class ShuttingDown(DatabaseStorageError):
    """The bot is stopping (a restart or deploy): new writes are refused, nothing half-done is left."""

    def __init__(self, detail: str = "Nothing was changed.") -> None:
        super().__init__(f"The bot is restarting. {detail} Try again in a minute.")


class RecordTooLarge(DatabaseStorageError, ValueError):
    """A record's values are larger than one message can carry in this server (its upload limit)."""

    def __init__(self, table: str, size: int, limit: int) -> None:
        self.table = table
        self.size = size
        self.limit = limit
        super().__init__(
            f"This record of `{table}` would take {_mib(size)} stored, more than the {_mib(limit)} Discord lets me "
            "attach to one message in this server. Nothing was changed: shorten its longest values, "
            "or split them over several records."
        )


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


class PartlyStored(DatabaseStorageError):
    """A bulk change stopped between two of its batches: the first ones are stored, the rest not."""

    def __init__(self, cause: DiscobaseError, stored: int, total: int) -> None:
        self.cause = cause
        self.stored = stored
        self.total = total
        super().__init__(
            f"{cause} {stored} of {total} changes were stored before that; run the same change again for the rest."
        )


class NotConnected(DiscobaseError, RuntimeError):
    """The database is used before it is connected and ready."""


NotConnectedError = NotConnected
"""The published discobase 1.0's name for ``NotConnected``."""


class NotBuilt(DatabaseTableError):
    """A ``Table`` class attached after the database opened is used before ``build_tables()``."""

    def __init__(self, cls_name: str) -> None:
        self.cls_name = cls_name
        super().__init__(
            f"{cls_name} was attached after the database opened, so its table is not built yet: "
            "`await db.build_tables()` first."
        )


class NotSaved(DatabaseStorageError):
    """``update()`` or ``delete()`` of an object that has no record: never saved, or deleted."""


class AlreadySaved(DatabaseStorageError):
    """``save()`` of an object that has a record already: ``update()`` or ``commit()`` writes it."""


class NoUniqueMatch(DatabaseLookupError):
    """``find_unique`` matched no record, or (strict) more than one."""


class RecordRejected(DatabaseTableError):
    """A stored record does not fit the ``Table`` class that reads it (a missing or unacceptable value)."""

    def __init__(self, table: str, record_id: int, field: str, problem: str, fix: str) -> None:
        self.table = table
        self.record_id = record_id
        self.field = field
        super().__init__(f"Record {record_id} of `{table}`: field `{field}` {problem}. {fix}")


# ------------------------------------------------------------ refusals that name every problem


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why one row cannot be written: its number (1 = first data row), the column and the reason.

    ``holder``: the record that holds a unique value the row gives, when that is the problem.
    """

    row: int
    column: str
    reason: str
    holder: int | None = None

    def __str__(self) -> str:
        return f"row {self.row}, `{self.column}`: {self.reason}"

    def holder_hidden(self) -> RowProblem:
        """The same problem saying "another record" instead of the holder's id (for who may not see it)."""
        if self.holder is None:
            return self
        reason = self.reason.replace(f"in record {self.holder}", "in another record")
        return RowProblem(self.row, self.column, reason)


@dataclass(frozen=True, slots=True)
class RecordProblem:
    """Why one record cannot take a bulk change: its id, the column and the reason."""

    record_id: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"record {self.record_id}, `{self.column}`: {self.reason}"


@dataclass(frozen=True, slots=True)
class AlterProblem:
    """Why one record cannot take a column change: its id, its value now, and the reason.

    ``kind``: ``value`` (the value cannot take the new type or choices), ``empty``
    (no value, where the column would need one) or ``repeat`` (a value another
    record has, where the column would be unique; ``holder`` is that record).
    """

    record_id: int
    value: Value
    reason: str
    kind: str = "value"
    holder: int | None = None

    def __str__(self) -> str:
        return (
            f"record {self.record_id} ({as_typed(self.value) if self.value is not None else 'no value'}) {self.reason}"
        )


def _listed(problems: Sequence[object], shown_at_most: int, separator: str, more: str) -> str:
    """The first problems, then how many more."""
    listed = separator.join(str(problem) for problem in problems[:shown_at_most])
    return listed + (more.format(len(problems) - shown_at_most) if len(problems) > shown_at_most else "")


class ImportRejected(DiscobaseError):
    """Some rows are bad, so none was written."""

    def __init__(self, table: str, problems: list[RowProblem]) -> None:
        self.table = table
        self.problems = problems
        shown = _listed(problems, 5, "; ", " (and {} more)")
        super().__init__(
            f"Nothing was written to `{table}`: {len(problems)} row problem(s): {shown}. Fix them and try again."
        )


class BulkRejected(DatabaseStorageError):
    """Some records cannot take the change, so none was changed."""

    def __init__(self, table: str, problems: list[RecordProblem]) -> None:
        self.table = table
        self.problems = problems
        shown = _listed(problems, 5, "; ", " (and {} more)")
        super().__init__(f"Nothing was changed in `{table}`: {shown}. Change the values or the `where`.")


SHOWN_PROBLEMS = 10
"""Offending records an ``AlterRejected`` names of each kind of problem; the rest are counted."""
_SHOWN_VALUES = 3
"""Of each kind of problem, the records shown with their value."""
_FIXES = {
    "value": "change them with `/record update`, or keep the type",
    "empty": "give `default=` to fill them, or keep the column optional",
    "repeat": "change those values with `/record update`, or keep the column not unique",
}


def _alter_line(what: str, kind: str, problems: Sequence[AlterProblem]) -> str:
    """``• 7 records (#1 "Dune", #4 "Emma", …, #9 and 2 more): not a whole number. Fix: …``."""
    parts = []
    for number, problem in enumerate(problems[:SHOWN_PROBLEMS]):
        part = f"#{problem.record_id}"
        if number < _SHOWN_VALUES and problem.value is not None:
            part += f" {shown(as_typed(problem.value), 40)}"
        if problem.holder is not None and number < _SHOWN_VALUES:
            part += f" (as #{problem.holder})"
        parts.append(part)
    more = f" and {len(problems) - SHOWN_PROBLEMS} more" if len(problems) > SHOWN_PROBLEMS else ""
    count = "1 record" if len(problems) == 1 else f"{len(problems)} records"
    return f"\u2022 {count} ({', '.join(parts)}{more}): {what}. Fix: {_FIXES[kind]}."


class AlterRejected(DatabaseTableError):
    """Some stored values cannot take a column change, so nothing was changed.

    The message summarises: one line per kind of problem (and per reason a
    value is refused), with the records' ids, a count and the option that fixes
    it, never a wall of identical lines.
    """

    def __init__(self, table: str, column: str, problems: Sequence[AlterProblem]) -> None:
        self.table = table
        self.column = column
        self.problems = list(problems)
        kinds: dict[tuple[str, str], list[AlterProblem]] = {}
        for problem in self.problems:
            what = {"empty": "no value", "repeat": "a value another record has"}.get(
                problem.kind, problem.reason.removeprefix("is ").rstrip(".")
            )
            kinds.setdefault((problem.kind, what), []).append(problem)
        lines = "\n".join(_alter_line(what, kind, group) for (kind, what), group in kinds.items())
        count = "1 record" if len(problems) == 1 else f"{len(problems)} records"
        super().__init__(f"Nothing was changed: {count} of `{table}` cannot take the change to `{column}`:\n{lines}")


def _who(actor: int) -> str:
    """A member as a reply names them (a mention that pings nobody); 0 is the bot itself."""
    return f"<@{actor}>" if actor else "the bot"


class NotInTrash(DatabaseLookupError):
    """A restore of a record that is not in the table's trash; ``why`` says which case."""

    def __init__(self, table: str, record_id: int, why: str) -> None:
        self.table = table
        self.record_id = record_id
        self.why = why
        super().__init__(
            f"Record {record_id} of `{table}` {why}, so it cannot be restored. "
            f"`/record trash table:{table}` lists what can be."
        )


class NothingToUndo(DatabaseLookupError):
    """A member's undo found no change of theirs on the table within the hour; ``last`` describes their last one."""

    def __init__(self, table: str, last: str | None) -> None:
        self.table = table
        self.last = last
        since = f" Your last change there was {last}: undo reaches back one hour." if last else ""
        super().__init__(f"You have no change to undo in `{table}` from the last hour.{since}")


class UndoRefused(DatabaseStorageError):
    """Records of the change to undo changed since (``changed``: id and who), so nothing was undone."""

    def __init__(self, table: str, what: str, changed: Sequence[tuple[int, int]]) -> None:
        self.table = table
        self.changed = list(changed)
        named = ", ".join(f"record {record_id} (by {_who(actor)})" for record_id, actor in self.changed[:10])
        more = f" and {len(self.changed) - 10} more" if len(self.changed) > 10 else ""
        super().__init__(
            f"Nothing was undone: {what} in `{table}`, but {named}{more} changed since. "
            f"Undo would lose those changes; change the records back with `/record update` instead."
        )
