"""``discobase.Table``: a pydantic model whose instances are records.

A class decorated with ``@db.table`` maps to a catalog entry like any table
made with ``/table create``: its name is the class name in lowercase and its
fields are the columns (``str`` -> text, ``int``, ``float``, ``bool``, ``date``,
``datetime``, ``Literal["open", "done"]`` -> choice; ``X | None`` is optional; a default is the column's default;
``Annotated[str, discobase.Unique]`` is unique).

As in the published discobase 1.0, ``save()``, ``update()``, ``commit()`` and
``delete()`` return a running ``asyncio.Task``: awaited, it gives the outcome;
not awaited, the write still happens in the background, ``Database.close()``
waits for it, and a failure nobody awaited is logged by asyncio ("Task
exception was never retrieved"). What can be checked at once (attached, open,
built, saved or not) raises at the call, awaited or not.
"""

from __future__ import annotations

import dataclasses
import functools
import types
from collections.abc import Coroutine
from datetime import date, datetime
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Generic,
    Literal,
    Protocol,
    Self,
    TypeVar,
    Union,
    get_args,
    get_origin,
    overload,
)

from pydantic import BaseModel, PrivateAttr, ValidationError
from pydantic_core import PydanticUndefined

from .cache.changes import HistoryEntry
from .errors import AlreadySaved, GrammarError, NotSaved, NoUniqueMatch, RecordRejected, SchemaError
from .model.columns import ColumnType, as_typed
from .model.query import Condition, Query
from .model.records import Record
from .model.schema import Column, TableSchema
from .model.summary import Summary, parse_by, parse_of, summarize
from .model.views import select

if TYPE_CHECKING:
    import asyncio

    from .store import GuildStore

__all__ = ["Table", "TableHome", "Unique"]

R = TypeVar("R")
T = TypeVar("T")


@dataclasses.dataclass(frozen=True, slots=True)
class Deleted(Generic[T]):
    """A record in its table's trash, as an object of the class: ``item`` (its ``id`` set), who deleted it and when.

    ``deleted_by`` is a member's id, or 0 for the bot (the library). ``Table.restore(item.id)`` brings it back.
    """

    item: T
    deleted_at: datetime
    deleted_by: int


_TYPES: dict[Any, ColumnType] = {
    str: ColumnType.TEXT,
    int: ColumnType.INT,
    float: ColumnType.FLOAT,
    bool: ColumnType.BOOL,
    date: ColumnType.DATE,
    datetime: ColumnType.DATETIME,
}


class Unique:
    """Marks a field as a unique column: ``name: Annotated[str, Unique]``."""


def _split_optional(annotation: Any) -> tuple[Any, bool]:
    """The type inside ``X | None``, and whether None was allowed."""
    if get_origin(annotation) in (Union, types.UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        optional = len(members) < len(get_args(annotation))
        return (members[0] if len(members) == 1 else annotation), optional
    return annotation, False


def _column_of(name: str, annotation: Any, default: Any, metadata: list[Any]) -> Column:
    annotation, optional = _split_optional(annotation)
    choices = get_args(annotation) if get_origin(annotation) is Literal else ()
    column_type = ColumnType.CHOICE if choices and all(isinstance(c, str) for c in choices) else _TYPES.get(annotation)
    if column_type is None:
        raise SchemaError(
            f"Field `{name}` has type {annotation!r}; a column is str, int, float, bool, date, datetime or "
            'a Literal of texts (Literal["open", "done"]), or one of them | None.'
        )
    stored_default = None
    if default is not PydanticUndefined and default is not None:
        stored_default = column_type.to_json(column_type.convert(default))
    unique = any(item is Unique or isinstance(item, Unique) for item in metadata)
    return Column(
        name=name, type=column_type, unique=unique, optional=optional, default=stored_default, choices=choices
    )


@functools.cache
def _default_when_empty(cls: type[Table]) -> frozenset[str]:
    """Fields that take no None but have a default: a record without a value there reads as the default."""
    return frozenset(
        name
        for name, field in cls.model_fields.items()
        if not field.is_required() and not _split_optional(field.annotation)[1]
    )


class TableHome(Protocol):
    """What a ``Table`` class needs of the ``Database`` it is attached to (so table.py never imports database.py)."""

    @property
    def user_id(self) -> int: ...  # noqa: D102

    def check_usable(self, cls: type[Table]) -> None: ...  # noqa: D102

    async def store_for(self, cls: type[Table]) -> GuildStore: ...  # noqa: D102

    def run(self, work: Coroutine[Any, Any, R]) -> asyncio.Task[R]: ...  # noqa: D102


class Table(BaseModel):
    """Base of the models whose instances are records; attach a subclass with ``@db.table``."""

    __disco_database__: ClassVar[TableHome | None] = None
    __disco_name__: ClassVar[str] = ""
    _record_id: int | None = PrivateAttr(default=None)
    _deleted_id: int | None = PrivateAttr(default=None)
    _saving: bool = PrivateAttr(default=False)

    @property
    def id(self) -> int | None:
        """The record's id, once saved (None before, and after ``delete()``)."""
        return self._record_id

    @property
    def __disco_id__(self) -> int:
        """The published discobase 1.0's mark of a saved object: -1 while it has no record, else its id."""
        return -1 if self._record_id is None else self._record_id

    @classmethod
    def table_schema(cls) -> TableSchema:
        """The catalog schema this class stands for."""
        columns = tuple(
            _column_of(name, field.annotation, field.default, field.metadata)
            for name, field in cls.model_fields.items()
        )
        return TableSchema(name=cls.__disco_name__ or cls.__name__.lower(), columns=columns)

    @classmethod
    def _database(cls) -> TableHome:
        """The open database this class is attached to and built in; what is missing raises, awaited or not."""
        database = cls.__disco_database__
        if database is None:
            raise SchemaError(f"{cls.__name__} has no database: decorate it with @db.table.")
        database.check_usable(cls)
        return database

    @classmethod
    def _from_record(cls, record: Record) -> Self:
        """The object of a stored record; a value the class cannot take raises ``RecordRejected``, never pydantic's."""
        defaults = _default_when_empty(cls)
        data = {
            name: record.values.get(name)
            for name in cls.model_fields
            if not (name in defaults and record.values.get(name) is None)
        }
        try:
            instance = cls.model_validate(data)
        except ValidationError as error:
            raise cls._rejected(record, error) from None
        instance._record_id = record.id
        return instance

    @classmethod
    def _rejected(cls, record: Record, error: ValidationError) -> RecordRejected:
        problem = error.errors()[0]
        field = str(problem["loc"][0]) if problem["loc"] else next(iter(cls.model_fields))
        value = record.values.get(field)
        setting = f"`/record update table:{cls.__disco_name__} id:{record.id} set:{field}=...`"
        if value is None:
            return RecordRejected(
                cls.__disco_name__,
                record.id,
                field,
                f"has no value, and {cls.__name__}.{field} needs one",
                f"Give the field a default or make it optional (`| None`), or give the record a value: {setting}.",
            )
        return RecordRejected(
            cls.__disco_name__,
            record.id,
            field,
            f"holds {as_typed(value)}, which {cls.__name__}.{field} does not accept ({problem['msg']})",
            f"Change the field's type or constraints, or the stored value: {setting}.",
        )

    def _record(self, action: str) -> int:
        """The id of this object's record, or ``NotSaved`` saying why there is none."""
        if self._record_id is not None:
            return self._record_id
        name = type(self).__name__
        if self._saving:
            raise NotSaved(f"This {name} is still being saved: await its save() before you {action} it.")
        if self._deleted_id is not None:
            raise NotSaved(
                f"This {name} was deleted (it was record {self._deleted_id} of `{self.__disco_name__}`), "
                f"so there is nothing to {action}. save() stores it again as a new record."
            )
        raise NotSaved(f"This {name} was never saved, so there is nothing to {action}: save() it first.")

    def _run(self, work: Coroutine[Any, Any, R]) -> asyncio.Task[R]:
        return self._database().run(work)

    def save(self) -> asyncio.Task[Self]:
        """Insert this object as a new record; afterwards ``id`` is set.

        An object that has a record already raises ``AlreadySaved``: ``update()``
        or ``commit()`` writes it.
        """
        database = self._database()
        if self._saving:
            raise AlreadySaved(f"This {type(self).__name__} is being saved already: await its save().")
        if self._record_id is not None:
            raise AlreadySaved(
                f"This {type(self).__name__} is saved already (record {self._record_id} of "
                f"`{self.__disco_name__}`): update() or commit() writes its changes."
            )
        task = database.run(self._insert(database, self.model_dump()))
        self._saving = True  # before the task first runs: it clears the flag when done
        return task

    async def _insert(self, database: TableHome, values: dict[str, Any]) -> Self:
        try:
            store = await database.store_for(type(self))
            record = await store.insert(self.__disco_name__, values, database.user_id)
            self._record_id, self._deleted_id = record.id, None
        finally:
            self._saving = False
        return self

    def update(self) -> asyncio.Task[Self]:
        """Write this object's current fields over its record (``NotSaved`` if it has none)."""
        record_id = self._record("update")
        return self._run(self._update(record_id, self.model_dump()))

    async def _update(self, record_id: int, values: dict[str, Any]) -> Self:
        store = await self._database().store_for(type(self))
        await store.update(self.__disco_name__, record_id, values)
        return self

    def commit(self) -> asyncio.Task[Self]:
        """Save a new object, or update one that has a record already."""
        return self.save() if self._record_id is None else self.update()

    def delete(self) -> asyncio.Task[None]:
        """Delete this object's record (``NotSaved`` if it has none); the object can be saved again afterwards."""
        record_id = self._record("delete")
        return self._run(self._delete(record_id))

    async def _delete(self, record_id: int) -> None:
        store = await self._database().store_for(type(self))
        await store.delete(self.__disco_name__, record_id)
        if self._record_id == record_id:
            self._record_id, self._deleted_id = None, record_id

    @classmethod
    def _query(
        cls,
        store: GuildStore,
        where: str | None,
        sort: str | None,
        limit: int | None,
        filters: dict[str, Any],
        view: str | None = None,
    ) -> Query:
        """``where``, ``sort`` and ``limit`` read as ``/record find`` reads them (over ``view``), and the filters."""
        schema = store.schema(cls.__disco_name__)
        query = select(schema, view, where, sort, limit).query
        equal = tuple(
            Condition(name, "=", value if name == "id" else schema.column(name).convert(value))
            for name, value in filters.items()
        )
        return dataclasses.replace(query, conditions=(*query.conditions, *equal))

    @classmethod
    async def find(
        cls,
        *,
        where: str | None = None,
        sort: str | None = None,
        limit: int | None = None,
        view: str | None = None,
        **filters: Any,
    ) -> list[Self]:
        """The records matching ``where`` and every ``field=value`` filter (all records without either).

        ``where``, ``sort`` and ``limit`` take what ``/record find`` takes:
        ``find(where="year >= 1950 and title ~ dune", sort="-year", limit=10)``.
        Without ``sort``, records come by id. ``view`` names a view of the
        table (``/table view``): its where, narrowed by ``where``, and its sort
        unless ``sort`` is given.
        """
        store = await cls._database().store_for(cls)
        records = await store.find(cls.__disco_name__, cls._query(store, where, sort, limit, filters, view))
        return [cls._from_record(record) for record in records]

    @classmethod
    async def count(cls, *, where: str | None = None, view: str | None = None, **filters: Any) -> int:
        """How many records match ``where`` and the filters (all of them without either), as ``/record count``."""
        store = await cls._database().store_for(cls)
        return await store.count(cls.__disco_name__, cls._query(store, where, None, None, filters, view))

    @classmethod
    async def summary(
        cls, *, where: str | None = None, by: str | None = None, of: str | None = None, view: str | None = None
    ) -> Summary:
        """What ``/record summary`` answers, as typed values: the count, totals and date ranges, and groups.

        ``by`` is a column, or ``column:day|week|month|year`` for a date; ``of``
        names number columns, comma-separated (default: every number column):
        ``await Task.summary(where="done = false", by="owner", of="hours")``.
        """
        store = await cls._database().store_for(cls)
        schema = store.schema(cls.__disco_name__)
        grouping = parse_by(by, schema) if by and by.strip() else None
        columns = parse_of(of, schema) if of and of.strip() else ()
        found = await store.find(cls.__disco_name__, cls._query(store, where, None, None, {}, view))
        return summarize(store.schema(cls.__disco_name__), found, grouping, columns)

    @overload
    @classmethod
    async def find_unique(cls, *, strict: Literal[True] = True, where: str | None = None, **filters: Any) -> Self: ...

    @overload
    @classmethod
    async def find_unique(cls, *, strict: bool, where: str | None = None, **filters: Any) -> Self | None: ...

    @classmethod
    async def find_unique(cls, *, strict: bool = True, where: str | None = None, **filters: Any) -> Self | None:
        """The one record matching ``where`` and the filters.

        With ``strict`` (the default), anything but exactly one match raises
        ``NoUniqueMatch`` (a ``DatabaseLookupError``); without it, no match gives
        None and several give the first.
        """
        if not filters and not (where and where.strip()):
            raise GrammarError('find_unique() needs a filter, like find_unique(name="peter"); find() gives all.')
        found = await cls.find(where=where, **filters)
        if len(found) == 1 or (found and not strict):
            return found[0]
        if not found and not strict:
            return None
        asked = ", ".join(
            [*([f"where={as_typed(where)}"] if where else []), *(f"{k}={as_typed(v)}" for k, v in filters.items())]
        )
        raise NoUniqueMatch(
            f"{cls.__name__}.find_unique({asked}) matched {len(found)} records; it needs exactly one. "
            "Use find() to get a list."
        )

    @classmethod
    async def trash(cls) -> list[Deleted[Self]]:
        """The records deleted in the last 30 days, newest deletion first, as objects of this class."""
        store = await cls._database().store_for(cls)
        trashed = await store.trash(cls.__disco_name__)
        return [Deleted(cls._from_record(item.record), item.deleted_at, item.deleted_by) for item in trashed]

    @classmethod
    async def restore(cls, record_id: int) -> Self:
        """Bring a deleted record back from the trash under its id; the object.

        ``NotInTrash`` says why a record cannot be (never given, not deleted,
        deleted more than 30 days ago); ``UniqueViolation`` names the record
        holding one of its unique values now. Nothing is written then.
        """
        store = await cls._database().store_for(cls)
        return cls._from_record(await store.restore(cls.__disco_name__, record_id))

    @classmethod
    async def history(cls, record_id: int) -> list[HistoryEntry]:
        """The record's changes of the last 30 days, newest first: when, who, which command, each column old -> new."""
        store = await cls._database().store_for(cls)
        return await store.history(cls.__disco_name__, record_id)
