"""Bulk changes: many record writes that stand or fall together, stored as batch messages.

``/record update`` and ``/record delete`` with ``where``, and imports in
``upsert`` mode, change many records at once. Each is a list of the writes of
group commit (``Pending``, group_commit.py), checked all together before any
is stored: in order, each against one draft holding the table and the
writes before it, so a unique value moving from one record to another, or two
rows of a file giving one unique value, is judged as a whole. Any problem
refuses them all, every problem named, and nothing is written. Otherwise they
are committed in drafts as large as one message's file holds (``batch_bytes``:
about 100,000 short records in 10 MiB), one message each: 1,000 changes are
one request, not a thousand.

Why "all or nothing" holds, and what a crash leaves:

- the table's lock is held from the check to the last batch (I4 in store.py),
  so no other write lands in between and every write stays as it was checked;
- the batches are cut from the writes in the order they were checked, so after
  any batch the table is a state the check went through: a crash, or Discord
  failing, between two batches of a change too big for one message never
  leaves a broken unique column or a half-written record. The error says how
  many were stored; the same change run again finds those done (an update to
  the values a record has writes nothing; an upsert finds the rows' keys).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..cache.draft import Draft
from ..cache.stored_table import StoredTable
from ..errors import (
    BadValue,
    BulkRejected,
    DiscobaseError,
    ImportRejected,
    NotInTrash,
    PartlyStored,
    RecordNotFound,
    RecordProblem,
    RowProblem,
    SchemaError,
    ShuttingDown,
    UniqueViolation,
    UnknownColumn,
)
from ..model.columns import Value, as_typed
from ..model.history import Change
from ..model.problems import value_problems
from ..model.records import Record
from ..model.schema import TableSchema
from .group_commit import Pending, store_packed
from .imports import batch_bytes, carried_size, parts
from .parts import StoreParts
from .progress import Progress, ProgressReports

__all__ = ["BulkChanges", "BulkRejected", "BulkUpdate", "RecordProblem", "UpsertResult"]


@dataclass(frozen=True, slots=True)
class BulkUpdate:
    """One record of a bulk update: as it was, and as it is now (the same when the change left it as it was)."""

    before: Record
    after: Record


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """What an upsert did: records inserted, records updated, and rows that matched a record already as given."""

    inserted: list[Record]
    updated: list[Record]
    unchanged: int


def _reason(error: DiscobaseError) -> tuple[str, str]:
    """The column and the reason of a refused write, in the words of an import's problems."""
    if isinstance(error, UniqueViolation):
        return error.column, f"{as_typed(error.value)} is already in record {error.holder}, and the column is unique"
    if isinstance(error, BadValue):
        return error.column, f"{as_typed(error.value)} {error.reason}".lstrip()
    if isinstance(error, UnknownColumn):
        return error.column, "not a column of this table"
    if isinstance(error, RecordNotFound):
        return "id", "the record is gone (deleted meanwhile)"
    if isinstance(error, NotInTrash):
        return "id", f"{error.why}, so it cannot be restored"
    return "", str(error)


def _checked(
    table: StoredTable, writes: list[Pending], problem: Callable[[int, Pending, DiscobaseError], Any]
) -> list[Any]:
    """Every problem of the writes taken in order against one draft: ``problem(index, write, error)`` for each."""
    draft = Draft(table)
    problems = []
    for index, write in enumerate(writes):
        try:
            write.take(draft)
        except DiscobaseError as error:
            problems.append(problem(index, write, error))
    return problems


class BulkChanges(StoreParts):
    """Bulk updates, deletes and upserts of one guild's tables, each checked whole, then stored in batches.

    A part of ``GuildStore``.
    """

    # ------------------------------------------------------------ update and delete many

    async def check_update_many(
        self, name: str, record_ids: Sequence[int], changes: Mapping[str, Any]
    ) -> list[RecordProblem]:
        """Every problem that would stop ``update_many`` now (no request on a loaded table)."""
        table = await self.tables.loaded(name)
        converted = table.schema.validate_changes(changes)
        return _checked(table, self._updates(table, record_ids, changes, converted), self._record_problem)

    async def update_many(
        self, name: str, record_ids: Sequence[int], changes: Mapping[str, Any], *, actor: int = 0
    ) -> list[BulkUpdate]:
        """Set the same columns of many records, all or none (``BulkRejected`` names every problem).

        One change in the records' history (``bulk update`` by ``actor``): undone as a whole.
        """
        table = await self.tables.table(name)
        table.schema.validate_changes(changes)  # bad input costs no request, not even the lease
        async with self.committer.locked(table):
            converted = table.schema.validate_changes(changes)
            writes = self._updates(table, record_ids, changes, converted, Change.new(actor, "bulk update"))
            self._whole(table, writes)
            before = {write.record_id: table.get(write.record_id) for write in writes}
            await self._store(table, writes, lambda write: {**before[write.record_id].values, **converted})
        return [BulkUpdate(before[write.record_id], write.outcome()) for write in writes]

    async def delete_many(self, name: str, record_ids: Sequence[int], *, actor: int = 0) -> list[Record]:
        """Delete many records into the trash, all or none (``BulkRejected`` if one is gone); them as they were."""
        table = await self.tables.table(name)
        async with self.committer.locked(table):
            change = Change.new(actor, "bulk delete")
            writes = [Pending("delete", table.schema, record_id=i, change=change) for i in record_ids]
            self._whole(table, writes)
            await self._store(table, writes, lambda write: {})
        return [write.outcome() for write in writes]

    @staticmethod
    def _updates(
        table: StoredTable,
        record_ids: Sequence[int],
        raw: Mapping[str, Any],
        converted: dict[str, Value],
        change: Change | None = None,
    ) -> list[Pending]:
        ids = dict.fromkeys(record_ids)
        return [Pending("update", table.schema, raw, converted, record_id, change=change) for record_id in ids]

    def _whole(self, table: StoredTable, writes: list[Pending]) -> None:
        """``BulkRejected`` naming every problem, unless the writes can all be taken together, in order."""
        if problems := _checked(table, writes, self._record_problem):
            raise BulkRejected(table.name, problems)

    @staticmethod
    def _record_problem(index: int, write: Pending, error: DiscobaseError) -> RecordProblem:
        column, reason = _reason(error)
        return RecordProblem(write.record_id, column, reason)

    # ------------------------------------------------------------ upsert

    async def check_upsert(self, name: str, rows: Sequence[Mapping[str, Any]], key: str) -> list[RowProblem]:
        """Every problem that would stop ``upsert_many`` now (no request on a loaded table)."""
        table = await self.tables.loaded(name)
        writes, problems = _upserts(table, rows, key)
        return problems or _checked(table, [write for _, write in writes], _row_problem(writes))

    async def upsert_many(
        self,
        name: str,
        rows: Sequence[Mapping[str, Any]],
        key: str,
        creator_id: int,
        on_progress: Progress | None = None,
    ) -> UpsertResult:
        """Update the records whose ``key`` (a unique column) a row gives, insert the other rows; all or none.

        Raises ``ImportRejected`` listing every problem, with nothing written.
        """
        table = await self.tables.table(name)
        _key_column(table, key)
        reports = ProgressReports(on_progress)
        try:
            async with self.committer.locked(table):
                planned, problems = _upserts(table, rows, key, creator_id, Change.new(creator_id, "upsert"))
                writes = [write for _, write in planned]
                if problems := problems or _checked(table, writes, _row_problem(planned)):
                    raise ImportRejected(name, problems)
                before = {write.record_id: table.get(write.record_id) for write in writes if write.kind == "update"}

                def values(write: Pending) -> dict[str, Value]:
                    old = before.get(write.record_id)
                    return write.values if old is None else {**old.values, **write.values}

                await self._store(table, writes, values, reports)
        finally:
            await reports.finish()
        inserted = [write.outcome() for write in writes if write.kind == "insert"]
        changed = [write.outcome() for write in writes if write.kind == "update"]
        updated = [record for record in changed if record.values != before[record.id].values]
        return UpsertResult(inserted, updated, len(changed) - len(updated))

    # ------------------------------------------------------------ storing

    async def _store(
        self,
        table: StoredTable,
        writes: list[Pending],
        values: Callable[[Pending], Mapping[str, Any]],
        reports: ProgressReports | None = None,
    ) -> None:
        """Under the table's lock: store checked writes in batches cut in their order; say how far a failure got."""
        done = 0
        carried = [carried_size(table, write.record_id) if write.kind != "insert" else 0 for write in writes]
        for cut in parts([values(write) for write in writes], batch_bytes(self.backend.upload_limit), carried):
            if done and self.gate.closing:
                raise PartlyStored(ShuttingDown("The rest was not written."), done, len(writes))
            batch = writes[cut.start : cut.stop]
            await store_packed(self.committer, table, batch)
            for write in batch:
                try:
                    write.outcome()
                except DiscobaseError as error:
                    if not done:
                        raise
                    raise PartlyStored(error, done, len(writes)) from error
            done += len(batch)
            if reports is not None:
                await reports.report(done, len(writes))
        self.compactor.consider(table)


RecordChanges = BulkChanges
"""The name this class had before 0.2 (kept working)."""


def _key_column(table: StoredTable, key: str) -> None:
    """An upsert's key must be a unique column: it names at most one record."""
    column = table.schema.column(key)
    if not column.unique:
        unique = ", ".join(f"`{name}`" for name in table.schema.unique_columns) or "none yet"
        raise SchemaError(
            f"`key` must be a unique column, so that a row names one record; `{key}` is not unique "
            f"(unique columns of `{table.name}`: {unique}). Make it unique with "
            f"`/table alter-column table:{table.name} column:{key} unique:True`."
        )


def _upserts(
    table: StoredTable, rows: Sequence[Mapping[str, Any]], key: str, creator_id: int = 0, change: Change | None = None
) -> tuple[list[tuple[int, Pending]], list[RowProblem]]:
    """Each row as an update of the record its key names, or an insert; with every problem of every row."""
    _key_column(table, key)
    schema = table.schema
    planned: list[tuple[int, Pending]] = []
    problems: list[RowProblem] = []
    seen: dict[Value, int] = {}
    for number, row in enumerate(rows, start=1):
        if row_problems := _row_problems(number, schema, row, key):
            problems += row_problems
            continue
        value = schema.validate_changes({key: row[key]})[key]
        if value in seen:
            problems.append(RowProblem(number, key, f"{as_typed(value)} is also the key of row {seen[value]}"))
            continue
        seen[value] = number
        holder = table.holder(key, value)
        if holder is None:
            if errors := value_problems(schema, row):
                problems += [_value_problem(number, error) for error in errors]
                continue
            insert = Pending("insert", schema, row, schema.validate_new(row), creator_id=creator_id, change=change)
            planned.append((number, insert))
        else:
            planned.append(
                (number, Pending("update", schema, row, schema.validate_changes(row), holder, change=change))
            )
    return planned, problems


def _row_problems(number: int, schema: TableSchema, row: Mapping[str, Any], key: str) -> list[RowProblem]:
    """The key missing, unknown columns and bad values of one row (each column on its own, so all are named)."""
    problems: list[RowProblem] = []
    if row.get(key) is None or row.get(key) == "":
        problems.append(RowProblem(number, key, "has no value: an upsert finds the record to update by its key"))
    for name, value in row.items():
        try:
            schema.validate_changes({name: value})
        except (BadValue, UnknownColumn) as error:
            problems.append(_value_problem(number, error))
    return problems


def _value_problem(number: int, error: DiscobaseError) -> RowProblem:
    column, reason = _reason(error)
    return RowProblem(number, column, reason, error.holder if isinstance(error, UniqueViolation) else None)


def _row_problem(planned: list[tuple[int, Pending]]) -> Callable[[int, Pending, DiscobaseError], RowProblem]:
    def problem(index: int, write: Pending, error: DiscobaseError) -> RowProblem:
        return _value_problem(planned[index][0], error)

    return problem
