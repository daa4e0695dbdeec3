"""Our own CPU time: finds over 100,000 cached records, and memory per cached record."""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable

from discobase import CachedTable, Record, TableSchema, parse_columns, parse_query

__all__ = ["bytes_per_record", "cached_table", "cpu_finds"]

COLUMNS = "title:text unique, author:text, year:int optional, read:bool default=false"


def cached_table(count: int) -> CachedTable:
    """A loaded table of ``count`` records, built in memory as a cold load would."""
    schema = TableSchema(name="books", columns=parse_columns(COLUMNS))
    table = CachedTable(schema, channel_id=1, catalog_message_id=1)
    records = [
        Record(n, {"title": f"Book {n}", "author": f"Author {n % 97}", "year": 1900 + n % 120, "read": False}, 1, n)
        for n in range(1, count + 1)
    ]
    table.fill(records, count + 1, set(), set())
    return table


def _best_of(repeats: int, run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def cpu_finds(count: int = 100_000) -> dict[str, float]:
    """Seconds (best of 5) for an indexed equality find and a full scan with ``~``."""
    table = cached_table(count)
    indexed = parse_query(table.schema, where=f"title = Book {count // 2}")
    scan = parse_query(table.schema, where="author ~ or 42")
    return {
        "indexed": _best_of(5, lambda: table.select(indexed)),
        "scan": _best_of(5, lambda: table.select(scan)),
    }


def bytes_per_record(count: int = 100_000) -> float:
    """Bytes of memory a cached record takes (4 columns, short values), measured with tracemalloc."""
    gc.collect()
    tracemalloc.start()
    table = cached_table(count)
    used, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del table
    return used / count
