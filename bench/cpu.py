"""Our own CPU time: finds and summaries over 100,000 cached records, a chart, and memory per cached record."""

from __future__ import annotations

import functools
import gc
import time
import tracemalloc
from collections.abc import Callable

from discobase import (
    CachedTable,
    GroupBy,
    GuildStore,
    MemoryBackend,
    Query,
    Record,
    TableSchema,
    parse_columns,
    parse_query,
    summarize,
)
from discobase.cache.budget import CacheBudget

__all__ = ["bytes_per_record", "cache_bound", "cached_table", "chart_seconds", "cpu_finds", "cpu_summaries"]

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
    """Seconds (best of 5) for the reads a member runs most: equality, a scan, a range, a sort with a limit, counts.

    ``top 10 first``: the first sort with a limit, which keeps the column's order for the next ones.
    """
    table = cached_table(count)
    queries = {
        "indexed": parse_query(table.schema, where=f"title = Book {count // 2}"),
        "scan": parse_query(table.schema, where="author ~ or 42"),
        "range": parse_query(table.schema, where="year >= 1950 and year < 1990"),
        "top 10": parse_query(table.schema, sort="-year", limit=10),
        "id range": parse_query(table.schema, where=f"id >= {count // 2} and id < {count // 2 + 100}"),
    }
    first = time.perf_counter()
    table.select(queries["top 10"])  # the first sort by a column keeps its order (index.py): timed alone
    timings = {"top 10 first": time.perf_counter() - first}
    timings |= {name: _best_of(5, functools.partial(table.select, query)) for name, query in queries.items()}
    timings["count indexed"] = _best_of(5, lambda: table.count(queries["indexed"]))
    return timings


def cpu_summaries(count: int = 100_000) -> dict[str, float]:
    """Seconds (best of 5) of ``/record summary`` over every record: plain, by a column, with an ``of`` total."""
    table = cached_table(count)
    records = table.select(Query())
    runs = {
        "plain": lambda: summarize(table.schema, records),
        "by author": lambda: summarize(table.schema, records, GroupBy("author")),
        "by title": lambda: summarize(table.schema, records, GroupBy("title")),  # every record its own group
        "by author of year": lambda: summarize(table.schema, records, GroupBy("author"), ("year",)),
        "scan and by author": lambda: summarize(table.schema, table.select(Query()), GroupBy("author")),
    }
    return {name: _best_of(5, run) for name, run in runs.items()}


def chart_seconds() -> tuple[float, float]:
    """Seconds for the first chart of a process (matplotlib imported then) and for a later one (best of 5)."""
    from cogs.record._chart import render_chart

    labels = [f"group {n}" for n in range(26)]
    values = [float(100 - n) for n in range(26)]

    def draw() -> bytes:
        return render_chart("books: records by author", labels, values, measure="records", grouped_by="author")

    start = time.perf_counter()
    draw()
    first = time.perf_counter() - start
    return first, _best_of(5, draw)


def bytes_per_record(count: int = 100_000) -> float:
    """Bytes of memory a cached record takes (4 columns, short values), measured with tracemalloc."""
    gc.collect()
    tracemalloc.start()
    table = cached_table(count)
    used, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del table
    return used / count


async def cache_bound(limit_mb: int = 4, tables: int = 6, rows: int = 5000) -> dict[str, float]:
    """Use more tables than fit in ``limit_mb`` one after another; the budget keeps the cache under it."""
    backend = MemoryBackend()
    budget = CacheBudget(limit_mb * 1024 * 1024)
    store = GuildStore(backend, budget=budget)
    data = [{"title": f"Book {n}", "author": f"Author {n % 97}", "year": 1900 + n % 120} for n in range(rows)]
    for number in range(tables):
        await store.create_table(TableSchema(name=f"t{number}", columns=parse_columns(COLUMNS)))
        await store.insert_many(f"t{number}", data, 1)
    gc.collect()
    tracemalloc.start()
    baseline, _ = tracemalloc.get_traced_memory()
    peak_estimate = 0
    for _ in range(2):
        for number in range(tables):
            await store.count(f"t{number}")
            peak_estimate = max(peak_estimate, budget.used_bytes)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "data_mb": tables * rows * bytes_per_record(rows) / 2**20,
        "limit_mb": limit_mb,
        "peak_estimate_mb": peak_estimate / 2**20,
        "peak_traced_mb": (peak - baseline) / 2**20,
        "evictions": budget.evictions,
    }
