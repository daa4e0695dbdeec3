"""Table schemas: the columns of a table and the rules every record obeys.

A schema is what the catalog stores for a table, whether the table was made
with ``/table create`` or from a ``discobase.Table`` class: the two are the same
thing once written down.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

from ..errors import BadValue, SchemaError, UnknownColumn, UnknownView, closest, shown
from .columns import ColumnType, Value, quote

__all__ = ["MAX_CHOICES", "MAX_COLUMNS", "MAX_VIEWS", "Column", "TableSchema", "View", "check_name"]

MAX_COLUMNS = 25
MAX_CHOICES = 25
"""Choices of a ``choice`` column: what Discord's autocomplete and select menus offer at most."""
CHOICE_LENGTH = 100
_CHOICE_FORBIDDEN = "|()"
_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
RESERVED = frozenset({"id"})
MAX_VIEWS = 25
"""Views of one table: what Discord's autocomplete offers at most."""


def check_name(name: str, what: str) -> str:
    """Return ``name`` if it is a valid table or column name, else raise ``SchemaError``."""
    if not _NAME.fullmatch(name):
        guess = re.sub(r"[^a-z0-9_]+", "_", name.strip().lower()).strip("_")
        hint = f" Did you mean `{guess}`?" if _NAME.fullmatch(guess) and guess not in RESERVED else ""
        raise SchemaError(
            f"`{shown(name)}` is not a valid {what} name.{hint} A name is a lowercase letter, then lowercase "
            "letters, digits or `_`, at most 32 characters (example: `due_date`)."
        )
    if name in RESERVED:
        raise SchemaError(f"`{name}` is reserved (every record has an `id`). Choose another {what} name.")
    return name


class Column(BaseModel):
    """One column: its name, type and flags. ``default`` is kept in stored (JSON) form.

    ``key`` names the column's values inside record messages. It is None (the
    name) until the column is renamed or replaced, so stored records never need
    rewriting for a rename, and entries written before keys existed read as they did.
    """

    model_config = ConfigDict(frozen=True)

    name: str
    type: ColumnType
    unique: bool = False
    optional: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    key: str | None = None

    @property
    def storage_key(self) -> str:
        """The key of this column's values in stored records."""
        return self.key or self.name

    def model_post_init(self, __context: Any) -> None:
        """A ``choice`` column lists its choices (and its default is one of them); no other column has any."""
        if self.type is not ColumnType.CHOICE:
            if self.choices:
                raise SchemaError(f"Column `{self.name}` is {self.type.value}: only a choice column has choices.")
            return
        example = f"`{self.name}:choice(open|closed|done)`"
        if not 1 <= len(self.choices) <= MAX_CHOICES:
            raise SchemaError(f"Column `{self.name}` needs 1 to {MAX_CHOICES} choices, like {example}.")
        folded: set[str] = set()
        for choice in self.choices:
            if not choice or choice != choice.strip() or len(choice) > CHOICE_LENGTH:
                raise SchemaError(
                    f"Column `{self.name}`: the choice `{shown(choice)}` must be 1 to {CHOICE_LENGTH} characters "
                    f"without outer spaces, like {example}."
                )
            if any(char in choice for char in _CHOICE_FORBIDDEN):
                raise SchemaError(f"Column `{self.name}`: the choice `{shown(choice)}` cannot hold `|`, `(` or `)`.")
            if choice.casefold() in folded:
                raise SchemaError(f"Column `{self.name}` lists the choice `{shown(choice)}` twice. List each once.")
            folded.add(choice.casefold())
        if self.default is not None and self.default not in self.choices:
            raise SchemaError(
                f"Column `{self.name}`: the default {quote(str(self.default))} is not one of its choices "
                f"({', '.join(self.choices)})."
            )

    @property
    def type_text(self) -> str:
        """The type as the column spec writes it: ``int``, or ``choice(open|closed)`` with the choices."""
        if self.type is ColumnType.CHOICE:
            return f"choice({'|'.join(self.choices)})"
        return self.type.value

    @property
    def hint(self) -> str:
        """The accepted input, for placeholders and messages; a choice column lists its choices."""
        if self.type is ColumnType.CHOICE:
            return "one of: " + ", ".join(self.choices)
        return self.type.hint

    @property
    def required(self) -> bool:
        """Whether every record must give this column a value."""
        return not self.optional and self.default is None

    @property
    def default_value(self) -> Value:
        """The default in Python form (None when there is none)."""
        return self.type.from_json(self.default)

    def convert(self, raw: Any) -> Value:
        """Convert an input value for this column; None means no value.

        For a text column the empty string is a value (the empty text); for every
        other type an empty string can only mean no value, and reads as that.
        """
        if raw is None or (raw == "" and self.type is not ColumnType.TEXT):
            return None
        if isinstance(raw, list | tuple | dict | set):  # JSON input: nested values are never one value
            shown = "{…}" if isinstance(raw, dict) else "[…]"
            raise BadValue(self.name, shown, "is a list or an object: a column takes one value, like text or a number.")
        try:
            value = self.type.convert(raw)
        except ValueError as error:
            raise BadValue(self.name, raw, f"{error} ({self.type.value} column).") from None
        return self._choose(value) if self.choices else value

    def _choose(self, value: Value) -> str:
        """One of the choices, matched exactly or else ignoring case; otherwise a refusal that lists them."""
        text = str(value)
        if text in self.choices:
            return text
        same = [choice for choice in self.choices if choice.casefold() == text.strip().casefold()]
        if len(same) == 1:
            return same[0]
        guess = closest(text.strip().casefold(), {choice.casefold(): choice for choice in self.choices})
        hint = f" Did you mean `{shown(self._by_fold(guess))}`?" if guess else ""
        raise BadValue(self.name, value, f"is not one of the choices: {', '.join(self.choices)}.{hint}")

    def _by_fold(self, folded: str | None) -> str:
        return next(choice for choice in self.choices if choice.casefold() == folded)

    def spec(self) -> str:
        """The column in the column-spec grammar, as a member would type it."""
        parts = [f"{self.name}:{self.type_text}"]
        if self.unique:
            parts.append("unique")
        if self.optional:
            parts.append("optional")
        if self.default is not None:
            shown = self.type.display(self.default_value)
            needs_quotes = not shown or shown != shown.strip() or any(c in shown for c in ',"= ')
            parts.append(f"default={quote(shown) if needs_quotes else shown}")
        return " ".join(parts)


class View(BaseModel):
    """A saved find of a table: a where, a sort and the columns to show, kept as typed.

    Kept as text and read again at each use (``model/views.py``): a later
    schema change may leave a view that no longer fits, which is then reported
    with the fix rather than refused at the schema change. Renames of columns
    are followed (the text is rewritten).
    """

    model_config = ConfigDict(frozen=True)

    name: str
    where: str = ""
    sort: str = ""
    columns: tuple[str, ...] = ()


class TableSchema(BaseModel):
    """A table's definition as the catalog stores it."""

    model_config = ConfigDict(frozen=True)

    name: str
    columns: tuple[Column, ...]
    description: str = ""
    creator_id: int | None = None
    retired_keys: tuple[str, ...] = ()
    """Storage keys of dropped or replaced columns: stored records may still hold them, so no new column takes one."""
    views: tuple[View, ...] = ()
    """Saved finds, by name (``/table view``); they ride in the catalog entry with the columns."""

    def model_post_init(self, __context: Any) -> None:
        """Check the name and the columns once, however the schema was built."""
        check_name(self.name, "table")
        if not 1 <= len(self.columns) <= MAX_COLUMNS:
            raise SchemaError(f"A table has 1 to {MAX_COLUMNS} columns; `{self.name}` has {len(self.columns)}.")
        seen: set[str] = set()
        keys = set(self.retired_keys)
        for column in self.columns:
            check_name(column.name, "column")
            if column.name in seen:
                raise SchemaError(f"Column `{column.name}` is given twice. Each column needs its own name.")
            seen.add(column.name)
            if column.storage_key in keys:
                raise SchemaError(f"Column `{column.name}` reuses the storage key `{column.storage_key}`.")
            keys.add(column.storage_key)
            if column.unique and column.default is not None:
                raise SchemaError(
                    f"Column `{column.name}` cannot be unique and have a default: "
                    "every record would get the same value."
                )
        _check_views(self)

    @property
    def column_names(self) -> list[str]:
        """The column names in their order."""
        return [column.name for column in self.columns]

    @property
    def unique_columns(self) -> list[str]:
        """Names of the columns flagged ``unique``."""
        return [column.name for column in self.columns if column.unique]

    def column(self, name: str) -> Column:
        """The column called ``name``, or ``UnknownColumn`` with the closest name."""
        for column in self.columns:
            if column.name == name:
                return column
        raise UnknownColumn(self.name, name, self.column_names)

    @property
    def view_names(self) -> list[str]:
        """The names of the table's views, in the order they were saved."""
        return [view.name for view in self.views]

    def view(self, name: str) -> View:
        """The view called ``name``, or ``UnknownView`` with the closest name."""
        for view in self.views:
            if view.name == name:
                return view
        raise UnknownView(self.name, name, self.view_names)

    def with_view(self, view: View) -> TableSchema:
        """A copy with ``view`` saved: it replaces a view of the same name, else it is added last."""
        kept = tuple(view if v.name == view.name else v for v in self.views)
        views = kept if view.name in self.view_names else (*self.views, view)
        return self.model_copy(update={"views": views}).revalidated()

    def without_view(self, name: str) -> TableSchema:
        """A copy without the view ``name`` (``UnknownView`` if it has none of that name)."""
        self.view(name)
        return self.model_copy(update={"views": tuple(v for v in self.views if v.name != name)})

    @property
    def uses_storage_keys(self) -> bool:
        """Whether a column's values are stored under another key than its name (a reader must know keys)."""
        return bool(self.retired_keys) or any(column.key is not None for column in self.columns)

    def fresh_key(self, name: str) -> str | None:
        """A storage key no column has ever used in this table: None (the name itself) if free, else ``name.2``, ..."""
        used = {*self.retired_keys, *(column.storage_key for column in self.columns)}
        if name not in used:
            return None
        return next(f"{name}.{n}" for n in range(2, len(used) + 3) if f"{name}.{n}" not in used)

    def with_column(self, column: Column) -> TableSchema:
        """A copy of this schema with one more column; a name the table has already is refused as such.

        The new column never reads values stored under a dropped or renamed column's key: it gets a fresh key.
        """
        self._check_free(column.name, "the new column")
        column = column.model_copy(update={"key": self.fresh_key(column.name)})
        return self.model_copy(update={"columns": (*self.columns, column)}).revalidated()

    def _check_free(self, name: str, what: str) -> None:
        if name in self.column_names:
            raise SchemaError(f"Table `{self.name}` already has a column `{name}`. Choose another name for {what}.")

    def renamed(self, name: str) -> TableSchema:
        """A copy under another table name (checked against the name grammar)."""
        return self.model_copy(update={"name": name}).revalidated()

    def with_description(self, description: str) -> TableSchema:
        """A copy with another description."""
        return self.model_copy(update={"description": description}).revalidated()

    def with_column_renamed(self, old: str, new: str) -> TableSchema:
        """A copy where column ``old`` is called ``new``; its values stay under its storage key."""
        column = self.column(old)
        check_name(new, "column")
        self._check_free(new, f"`{old}`")
        key = column.storage_key if column.storage_key != new else None
        return self.replacing(old, column.model_copy(update={"name": new, "key": key}))

    def without_column(self, name: str) -> TableSchema:
        """A copy without column ``name``; its key is retired, so its stored values are never read again."""
        column = self.column(name)
        if len(self.columns) == 1:
            raise SchemaError(
                f"`{name}` is the only column of `{self.name}`, and a table needs one. "
                f"Add another column first, or drop the table with `/table drop table:{self.name}`."
            )
        columns = tuple(c for c in self.columns if c.name != name)
        retired = (*self.retired_keys, column.storage_key)
        return self.model_copy(update={"columns": columns, "retired_keys": retired}).revalidated()

    def replacing(self, name: str, column: Column) -> TableSchema:
        """A copy with column ``name`` replaced in place; a key the old column gave up is retired."""
        old = self.column(name)
        columns = tuple(column if c.name == name else c for c in self.columns)
        retired = self.retired_keys
        if old.storage_key != column.storage_key:
            retired = (*retired, old.storage_key)
        return self.model_copy(update={"columns": columns, "retired_keys": retired}).revalidated()

    def revalidated(self) -> TableSchema:
        """Run the checks again (``model_copy`` skips them)."""
        return TableSchema.model_validate(self.model_dump())

    def validate_new(self, values: Mapping[str, Any]) -> dict[str, Value]:
        """Check the values of a new record: every column converted, defaults filled in.

        A column left out gets its default. A column given as no value (None)
        stays empty if it is optional, even when it has a default (as SQL's NULL
        over a DEFAULT); one that is not optional gets its default, or is refused.
        The first problem raises (``UnknownColumn``, then ``BadValue`` in column
        order); ``check_new`` names them all.
        """
        record, problems = self.check_new(values)
        if problems:
            raise problems[0]
        return record

    def check_new(self, values: Mapping[str, Any]) -> tuple[dict[str, Value], list[BadValue | UnknownColumn]]:
        """The values of a new record converted (as ``validate_new``), and every problem: unknown columns first."""
        problems: list[BadValue | UnknownColumn] = [
            UnknownColumn(self.name, name, self.column_names) for name in values if name not in self.column_names
        ]
        record: dict[str, Value] = {}
        for column in self.columns:
            try:
                value = column.convert(values.get(column.name))
            except BadValue as error:
                problems.append(error)
                continue
            if value is None and not (column.optional and column.name in values):
                value = column.default_value
            if value is None and column.required:
                problems.append(BadValue(column.name, None, f"is required: give it a value ({column.hint})."))
            record[column.name] = value
        return record, problems

    def validate_changes(self, changes: Mapping[str, Any]) -> dict[str, Value]:
        """Check the columns an update sets; only an optional column can be emptied."""
        if not changes:
            raise BadValue("set", None, "is empty: name at least one column to change, like `year=1999`.")
        converted: dict[str, Value] = {}
        for name, raw in changes.items():
            column = self.column(name)
            value = column.convert(raw)
            if value is None and not column.optional:
                raise BadValue(name, None, f"cannot be emptied: it is not optional. Give a value ({column.hint}).")
            converted[name] = value
        return converted

    def decode(self, stored: Mapping[str, Any]) -> dict[str, Value]:
        """Read a record's stored values by storage key; a column added later reads as its default."""
        return dict(zip(self.column_names, _row_decoder(self)(stored), strict=True))

    def row_decoder(self) -> Callable[[Mapping[str, Any]], list[Value]]:
        """``decode`` planned once, for reading many records (a cold load): the values in column order."""
        return _row_decoder(self)

    def encode(self, values: Mapping[str, Value]) -> dict[str, Any]:
        """The stored form of a record's values, leaving out empty ones.

        An empty column that has a default is stored as ``null``: left out, it
        would read back as the default.
        """
        return _encoder(self)(values)


_Plan = TypeVar("_Plan")


def _planned_once(build: Callable[[TableSchema], _Plan]) -> Callable[[TableSchema], _Plan]:
    """Cache ``build`` per schema object, by identity.

    Schemas are frozen, so a plan made for one object stays right for it. An
    ``lru_cache`` would hash and compare the pydantic model on every call,
    walking all its columns: 10 µs a record on an import of 100,000 rows.
    The cache keeps the last 256 schemas (each held, so its id is not reused).
    """
    plans: dict[int, tuple[TableSchema, _Plan]] = {}

    def planned(schema: TableSchema) -> _Plan:
        hit = plans.get(id(schema))
        if hit is not None and hit[0] is schema:
            return hit[1]
        plan = build(schema)
        if len(plans) >= 256:
            del plans[next(iter(plans))]
        plans[id(schema)] = (schema, plan)
        return plan

    return planned


@_planned_once
def _encoder(schema: TableSchema) -> Callable[[Mapping[str, Value]], dict[str, Any]]:
    """The schema's record writer, planned once: an import of 100,000 rows calls it for every row.

    Only dates and datetimes change form; a column with a default keeps its
    key even when empty (``null``).
    """
    plan = [(c.name, c.storage_key, c.default is not None, c.type.converts_from_json, c.type) for c in schema.columns]

    def encode(values: Mapping[str, Value]) -> dict[str, Any]:
        stored: dict[str, Any] = {}
        for name, key, kept_empty, dated, column_type in plan:
            value = values.get(name)
            if value is not None:
                stored[key] = column_type.to_json(value) if dated else value
            elif kept_empty:
                stored[key] = None
        return stored

    return encode


def _check_views(schema: TableSchema) -> None:
    """View names follow the name grammar, each once, at most ``MAX_VIEWS``."""
    names: set[str] = set()
    for view in schema.views:
        check_name(view.name, "view")
        if view.name in names:
            raise SchemaError(f"Table `{schema.name}` has two views named `{view.name}`.")
        names.add(view.name)
    if len(schema.views) > MAX_VIEWS:
        raise SchemaError(f"A table has at most {MAX_VIEWS} views; delete one with `/table view … delete:True`.")


@_planned_once
def _row_decoder(schema: TableSchema) -> Callable[[Mapping[str, Any]], list[Value]]:
    """The schema's record reader, planned once: a cold load calls it for every record.

    Most types are stored as they are read (text, numbers, booleans, ids):
    those columns are a dictionary look-up; only dates and datetimes convert.
    """
    plan = [(c.storage_key, c.default_value, c.type if c.type.converts_from_json else None) for c in schema.columns]
    if not any(column_type for _, _, column_type in plan) and len(plan) > 1:
        defaults = {key: default for key, default, _ in plan}
        values = operator.itemgetter(*defaults)  # C calls: a cold load does this for every record
        return lambda stored: list(values({**defaults, **stored}))

    def decode(stored: Mapping[str, Any]) -> list[Value]:
        return [
            stored.get(key, default)
            if column_type is None
            else (column_type.from_json(stored[key]) if key in stored else default)
            for key, default, column_type in plan
        ]

    return decode
