"""``discobase.Table``: a pydantic model whose instances are records.

A class decorated with ``@db.table`` maps to a catalog entry like any table
made with ``/table create``: its name is the class name in lowercase and its
fields are the columns (``str`` -> text, ``int``, ``float``, ``bool``, ``date``,
``datetime``; ``X | None`` is optional; a default is the column's default;
``Annotated[str, discobase.Unique]`` is unique).
"""

from __future__ import annotations

import types
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Self, Union, get_args, get_origin

from pydantic import BaseModel, PrivateAttr
from pydantic_core import PydanticUndefined

from .columns import ColumnType
from .errors import NotConnected, RecordNotFound, SchemaError
from .query import Condition, Query
from .records import Record
from .schema import Column, TableSchema

if TYPE_CHECKING:
    from .database import Database

__all__ = ["Table", "Unique"]

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


def _column_of(name: str, annotation: Any, default: Any, metadata: list[Any]) -> Column:
    optional = False
    if get_origin(annotation) in (Union, types.UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        optional = len(members) < len(get_args(annotation))
        annotation = members[0] if len(members) == 1 else annotation
    column_type = _TYPES.get(annotation)
    if column_type is None:
        raise SchemaError(
            f"Field `{name}` has type {annotation!r}; a column is str, int, float, bool, date or datetime "
            "(or one of them | None)."
        )
    stored_default = None
    if default is not PydanticUndefined and default is not None:
        stored_default = column_type.to_json(column_type.convert(default))
    unique = any(item is Unique or isinstance(item, Unique) for item in metadata)
    return Column(name=name, type=column_type, unique=unique, optional=optional, default=stored_default)


class Table(BaseModel):
    """Base of the models whose instances are records; attach a subclass with ``@db.table``."""

    __disco_database__: ClassVar[Database | None] = None
    __disco_name__: ClassVar[str] = ""
    _record_id: int | None = PrivateAttr(default=None)

    @property
    def id(self) -> int | None:
        """The record's id, once saved (None before)."""
        return self._record_id

    @classmethod
    def table_schema(cls) -> TableSchema:
        """The catalog schema this class stands for."""
        columns = tuple(
            _column_of(name, field.annotation, field.default, field.metadata)
            for name, field in cls.model_fields.items()
        )
        return TableSchema(name=cls.__disco_name__ or cls.__name__.lower(), columns=columns)

    @classmethod
    def _database(cls) -> Database:
        database = cls.__disco_database__
        if database is None:
            raise NotConnected(f"{cls.__name__} has no database: decorate it with @db.table.")
        if not database.open:
            raise NotConnected(f"The database of {cls.__name__} is not open: use `async with db.conn(token)`.")
        return database

    @classmethod
    def _from_record(cls, record: Record) -> Self:
        instance = cls.model_validate({name: record.values.get(name) for name in cls.model_fields})
        instance._record_id = record.id
        return instance

    async def save(self) -> Self:
        """Insert this object as a new record; afterwards ``id`` is set."""
        database = self._database()
        store = await database.store_for(type(self))
        record = await store.insert(self.__disco_name__, self.model_dump(), database.user_id)
        self._record_id = record.id
        return self

    async def update(self) -> Self:
        """Write this object's current fields over its record."""
        if self._record_id is None:
            raise RecordNotFound(self.__disco_name__, 0)
        store = await self._database().store_for(type(self))
        await store.update(self.__disco_name__, self._record_id, self.model_dump())
        return self

    async def commit(self) -> Self:
        """Save a new object, or update one that has a record already."""
        return await (self.save() if self._record_id is None else self.update())

    async def delete(self) -> None:
        """Delete this object's record."""
        if self._record_id is None:
            raise RecordNotFound(self.__disco_name__, 0)
        store = await self._database().store_for(type(self))
        await store.delete(self.__disco_name__, self._record_id)
        self._record_id = None

    @classmethod
    async def find(cls, **filters: Any) -> list[Self]:
        """Every record whose fields equal the filters (all records without filters), by id."""
        store = await cls._database().store_for(cls)
        schema = store.schema(cls.__disco_name__)
        conditions = tuple(
            Condition(name, "=", value if name == "id" else schema.column(name).convert(value))
            for name, value in filters.items()
        )
        records = await store.find(cls.__disco_name__, Query(conditions))
        return [cls._from_record(record) for record in records]

    @classmethod
    async def find_unique(cls, *, strict: bool = True, **filters: Any) -> Self | None:
        """The one record matching the filters.

        With ``strict`` (the default), anything but exactly one match raises
        ``LookupError``; without it, no match gives None and several give the first.
        """
        found = await cls.find(**filters)
        if len(found) == 1 or (found and not strict):
            return found[0]
        if not found and not strict:
            return None
        raise LookupError(
            f"{cls.__name__}.find_unique({', '.join(f'{k}={v!r}' for k, v in filters.items())}) "
            f"matched {len(found)} records; it needs exactly one. Use find() to get a list."
        )
