"""A table's records in memory, by id and by each unique column: pure data, no I/O, no knowledge of messages.

Only its stored table changes it (stored_table.py), when a table loads and when
a draft is committed; everything else reads it.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..model.columns import Value
from ..model.query import Query
from ..model.records import Found, Record

__all__ = ["RecordIndex"]


class RecordIndex:
    """Records by id, with an index per unique column, and the next id to give (invariant I3 in store.py)."""

    def __init__(self, table: str, unique_columns: list[str]) -> None:
        self.table = table
        self.next_id = 1
        self._rows: dict[int, Record] = {}
        self._unique: dict[str, dict[Value, int]] = {name: {} for name in unique_columns}

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[Record]:
        return iter(self._rows.values())

    def find(self, record_id: int) -> Record | None:
        """The record with that id, if there is one."""
        return self._rows.get(record_id)

    def holder(self, column: str, value: Value) -> int | None:
        """The id of the record holding ``value`` in the unique ``column``, if any."""
        return self._unique.get(column, {}).get(value)

    def put(self, record: Record) -> None:
        """Take a record (new, or a new version of one), moving its unique values."""
        self.drop(record.id)
        self._rows[record.id] = record
        for column, index in self._unique.items():
            value = record.values.get(column)
            if value is not None:
                index[value] = record.id
        self.next_id = max(self.next_id, record.id + 1)

    def load(self, records: list[Record]) -> None:
        """Take the records of a load (new ids, in id order): ``put`` without looking for an older version."""
        rows = self._rows
        for record in records:
            rows[record.id] = record
        for column, index in self._unique.items():
            for record in records:
                value = record.values.get(column)
                if value is not None:
                    index[value] = record.id
        if records:
            self.next_id = max(self.next_id, records[-1].id + 1)

    def drop(self, record_id: int) -> Record | None:
        """Take a record out, freeing its unique values; the record as it was, if there was one."""
        record = self._rows.pop(record_id, None)
        if record is not None:
            for column, index in self._unique.items():
                value = record.values.get(column)
                if value is not None and index.get(value) == record.id:
                    del index[value]
        return record

    def select(self, query: Query) -> Found:
        """Records matching the query, sorted and limited, with the count before the limit (one scan).

        Indexes serve `=` on id and unique columns, and the id order serves an id range.
        """
        matches = query.predicate()
        matching = [record for record in self._candidates(query) if matches(record)]
        return Found(query.order(matching), len(matching))

    def count(self, query: Query) -> int:
        """How many records match (no sort)."""
        if not query.conditions:
            return len(self._rows)
        matches = query.predicate()
        return sum(1 for record in self._candidates(query) if matches(record))

    def _candidates(self, query: Query) -> list[Record] | Iterator[Record]:
        for condition in query.index_lookups():
            if condition.column == "id":
                found = self._rows.get(condition.value) if isinstance(condition.value, int) else None
                return [found] if found else []
            index = self._unique.get(condition.column)
            if index is not None:
                holder = index.get(condition.value)
                return [self._rows[holder]] if holder is not None else []
        ids = query.id_range()
        if ids is not None and ids[1] - ids[0] < len(self._rows):
            rows = self._rows
            return [record for record_id in range(*ids) if (record := rows.get(record_id)) is not None]
        return iter(self._rows.values())
