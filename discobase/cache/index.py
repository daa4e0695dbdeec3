"""A table's records in memory, by id and by each unique column: pure data, no I/O, no knowledge of messages.

Only its stored table changes it (stored_table.py), when a table loads and when
a draft is committed; everything else reads it.

Ids are given in order and never reused (I3 in store.py), so records sit in a
list at their id: 8 bytes a record, where a dict by id took 50. A deleted id
leaves an empty slot. Every record held has the table's layout (its columns in
order), so scans read values by position.

A column a large table is sorted by, with a limit, keeps its order: a list of
the records with a value, by value then id (8 bytes a record). The next sort
by it reads its ends instead of every record, and each change moves one
record in it (a binary search and a move of pointers).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from ..model.columns import Value
from ..model.query import Query
from ..model.records import Found, Layout, Record, column_getter, layout_of

__all__ = ["ORDER_FROM", "RecordIndex"]

ORDER_FROM = 10_000
"""Records from which a sort with a limit keeps the column's order for the next."""
ORDER_CHANGES = 64
"""Changes a kept order follows one by one (each moves its pointers: 8 MB at a million records).

Past them it is dropped, and the next sort with a limit builds it again (one
sort in C): a bulk change of 100,000 records must not move them 100,000 times.
"""


class RecordIndex:
    """Records by id, with an index per unique column, and the next id to give (invariant I3 in store.py)."""

    def __init__(self, table: str, columns: Sequence[str], unique_columns: list[str]) -> None:
        self.table = table
        self.layout: Layout = layout_of(columns)
        self.next_id = 1
        self._rows: list[Record | None] = [None]  # at their id: slot 0 is never a record's
        self._count = 0
        self._unique: dict[str, dict[Value, int]] = {name: {} for name in unique_columns}
        self._orders: dict[str, _Order] = {}

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Record]:
        return filter(None, self._rows)

    def find(self, record_id: int) -> Record | None:
        """The record with that id, if there is one."""
        rows = self._rows
        return rows[record_id] if isinstance(record_id, int) and 0 < record_id < len(rows) else None

    def holder(self, column: str, value: Value) -> int | None:
        """The id of the record holding ``value`` in the unique ``column``, if any."""
        return self._unique.get(column, {}).get(value)

    def put(self, record: Record) -> None:
        """Take a record (new, or a new version of one), moving its unique values."""
        record = record.in_layout(self.layout)
        record_id = record.id
        self.drop(record_id)
        rows = self._rows
        if record_id >= len(rows):
            rows.extend([None] * (record_id + 1 - len(rows)))
        rows[record_id] = record
        self._count += 1
        for column, index in self._unique.items():
            value = record.get(column)
            if value is not None:
                index[value] = record_id
        self._follow(record, added=True)
        self.next_id = max(self.next_id, record_id + 1)

    def load(self, records: list[Record]) -> None:
        """Take the records of a load (new ids, in id order, in the table's layout): ``put`` without looking back."""
        if not records:
            return
        rows = self._rows
        rows.extend([None] * (records[-1].id + 1 - len(rows)))
        for record in records:
            rows[record[0]] = record
        self._count += len(records)
        for column, index in self._unique.items():
            get = column_getter(column, self.layout)
            for record in records:
                value = get(record)
                if value is not None:
                    index[value] = record[0]
        self.next_id = max(self.next_id, records[-1].id + 1)

    def drop(self, record_id: int) -> Record | None:
        """Take a record out, freeing its unique values; the record as it was, if there was one."""
        record = self.find(record_id)
        if record is not None:
            self._rows[record_id] = None
            self._count -= 1
            for column, index in self._unique.items():
                value = record.get(column)
                if value is not None and index.get(value) == record_id:
                    del index[value]
            self._follow(record, added=False)
        return record

    def _follow(self, record: Record, added: bool) -> None:
        """Add or remove a record in the kept orders, or drop those that followed ``ORDER_CHANGES`` changes."""
        for column, order in list(self._orders.items()):
            order.changes += 1
            if order.changes > ORDER_CHANGES:
                del self._orders[column]
            elif added:
                order.add(record)
            else:
                order.remove(record)

    def order_bytes(self) -> int:
        """The memory the kept orders take (a pointer a record each)."""
        return 8 * sum(len(order.records) for order in self._orders.values())

    def select(self, query: Query) -> Found:
        """Records matching the query, sorted and limited, with the count before the limit (one scan).

        Indexes serve `=` on id and unique columns, and the id order serves an id range.
        A sort with a limit and no condition reads the column's kept order.
        """
        if not query.conditions and query.limit is not None and query.sort != "id" and self._count >= ORDER_FROM:
            best = self._by_order(query.sort, query.descending, query.limit)
            if best is not None:
                return Found(best, self._count)
        matches = query.predicate(self.layout)
        matching = list(filter(matches, self._candidates(query)))
        return Found(query.order(matching, self.layout), len(matching))

    def count(self, query: Query) -> int:
        """How many records match (no sort)."""
        if not query.conditions:
            return self._count
        matches = query.predicate(self.layout)
        return sum(1 for _ in filter(matches, self._candidates(query)))

    def _candidates(self, query: Query) -> Iterator[Record]:
        """The records a query can match: one from an index, a slice of ids, or all."""
        for condition in query.index_lookups():
            if condition.column == "id":
                found = self.find(condition.value) if isinstance(condition.value, int) else None
                return iter([found] if found else [])
            index = self._unique.get(condition.column)
            if index is not None:
                holder = index.get(condition.value)
                return iter([self._rows[holder]] if holder is not None else [])  # type: ignore[list-item]
        ids = query.id_range()
        if ids is not None:
            return filter(None, self._rows[ids[0] : ids[1]])
        return filter(None, self._rows)

    def _by_order(self, column: str, descending: bool, limit: int) -> list[Record] | None:
        """The first ``limit`` records by the column's kept order; None when empty values would be among them."""
        order = self._orders.get(column)
        if order is None:
            order = self._orders[column] = _Order(column, self.layout, self)
        return order.first(limit, descending)


class _Order:
    """The records with a value in a column, by value then id (the order a sort gives, empty values left out)."""

    def __init__(self, column: str, layout: Layout, records: Iterable[Record]) -> None:
        value: Callable[[Record], Any] = column_getter(column, layout)
        self.value = value
        self._key: Callable[[Record], tuple[Any, int]] = lambda record: (value(record), record[0])
        self.records = [record for record in records if value(record) is not None]  # in id order
        self.records.sort(key=value)  # stable: equal values stay in id order
        self.changes = 0

    def first(self, limit: int, descending: bool) -> list[Record] | None:
        """The first ``limit`` records, largest values first if ``descending`` (equal values: smaller id first)."""
        records = self.records
        if len(records) < limit:
            return None
        if not descending:
            return records[:limit]
        edge = self.value(records[-limit])
        reaching = records[bisect.bisect_left(records, edge, key=self.value) :]  # by value, then id
        reaching.sort(key=self.value, reverse=True)  # a reversed sort is stable too: equal values keep id order
        return reaching[:limit]

    def add(self, record: Record) -> None:
        """Take a record in its place (none if its value is empty)."""
        value = self.value(record)
        if value is not None:
            bisect.insort(self.records, record, key=self._key)

    def remove(self, record: Record) -> None:
        """Take a record out (as it was: its value finds it)."""
        value = self.value(record)
        if value is None:
            return
        records = self.records
        at = bisect.bisect_left(records, (value, record[0]), key=self._key)
        if at < len(records) and records[at][0] == record[0]:
            del records[at]
