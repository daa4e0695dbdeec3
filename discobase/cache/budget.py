"""A memory budget for cached records: the least recently used tables are unloaded beyond it.

An unloaded table stays on Discord and loads again on its next use (a cold
load: one history request per 100 messages). Sizes are estimates: records
times a per-record size measured on a sample when the table loads.
"""

from __future__ import annotations

import logging
import sys
from collections import OrderedDict
from itertools import islice

from .stored_table import StoredTable, order_bytes

__all__ = ["CacheBudget", "estimate_record_bytes"]

log = logging.getLogger(__name__)

_SAMPLE = 500
_RECORD_FLOOR = 48
"""Bytes a record costs besides its tuple and values: its id, its slot in the table, its place in the ledger."""
_UNIQUE_BYTES = 45
"""A unique column's index entry for a record (its share of the dict)."""


def estimate_record_bytes(table: StoredTable) -> int:
    """Average bytes of a cached record of this table, from a sample of its records.

    A value shared by several records of the sample (loading pools repeated
    values) is counted once, so a column of few distinct values costs what it
    does: about a pointer a record.
    """
    sample = list(islice(iter(table), _SAMPLE))
    floor = _RECORD_FLOOR + _UNIQUE_BYTES * len(table.schema.unique_columns)
    if not sample:
        return floor
    distinct = {id(value): value for record in sample for value in record.values.values()}
    values = sum(sys.getsizeof(value) for value in distinct.values() if value is not None and type(value) is not bool)
    return floor + (sum(map(sys.getsizeof, sample)) + values) // len(sample)


class CacheBudget:
    """Tracks loaded tables across guilds, most recently used last, and unloads the coldest beyond ``limit``."""

    def __init__(self, limit_bytes: int) -> None:
        self.limit_bytes = limit_bytes
        self._tables: OrderedDict[int, tuple[StoredTable, int, int]] = OrderedDict()
        self._last_size: dict[int, int] = {}
        self.evictions = 0

    @property
    def used_bytes(self) -> int:
        """Estimated bytes held by the loaded tables: their records, history and trash."""
        return sum(
            len(table) * per_record + table.history.memory_bytes() + order_bytes(table)
            for table, per_record, _ in self._tables.values()
            if table.loaded
        )

    def touch(self, table: StoredTable) -> None:
        """Mark a table as just used (measuring it on first sight), then keep within the limit."""
        key = id(table)
        entry = self._tables.pop(key, None)
        if entry is None or entry[2] < _SAMPLE <= len(table) or not entry[2]:
            # Measured on too few records (a new table): measure again now that it has more.
            entry = (table, estimate_record_bytes(table), len(table))
        self._tables[key] = entry
        self._last_size[key] = len(table) * entry[1] + table.history.memory_bytes()
        self._evict(keep=table)

    def before_load(self, table: StoredTable) -> None:
        """Make room for a table about to load again, by the size it had, so the peak stays within the limit."""
        self._evict(keep=table, incoming=self._last_size.get(id(table), 0))

    def forget(self, table: StoredTable) -> None:
        """Stop tracking a table (dropped, or unloaded for another reason)."""
        self._tables.pop(id(table), None)
        self._last_size.pop(id(table), None)

    def _evict(self, keep: StoredTable, incoming: int = 0) -> None:
        for key, (table, _, _) in list(self._tables.items()):
            if self.used_bytes + incoming <= self.limit_bytes:
                return
            if table is keep or table.lock.locked():
                continue
            if table.loaded:
                log.info(
                    "cache over %d bytes: unloading table %s (%d records)", self.limit_bytes, table.name, len(table)
                )
                table.unload()
                self.evictions += 1
            del self._tables[key]
