"""The cache budget unloads cold tables and they load again on demand."""

from __future__ import annotations

import gc
import tracemalloc

from discobase import GuildStore, MemoryBackend, TableSchema, parse_columns
from discobase.cache.budget import CacheBudget


async def test_cold_tables_are_unloaded_beyond_the_budget_and_reload() -> None:
    """With room for about one table, using a second unloads the first; using it again reloads it."""
    backend = MemoryBackend()
    budget = CacheBudget(limit_bytes=250 * 1000)
    store = GuildStore(backend, budget=budget)
    for name in ("first", "second"):
        await store.create_table(TableSchema(name=name, columns=parse_columns("n:int, label:text")))
        await store.insert_many(name, [{"n": n, "label": f"row {n}"} for n in range(300)], 1)
    first, second = await store.tables.loaded("first"), await store.tables.loaded("second")
    assert second.loaded and not first.loaded
    assert budget.evictions >= 1 and budget.used_bytes <= budget.limit_bytes
    before = len(backend.calls)
    assert await store.count("first", None) == 300
    assert backend.calls[before:] == ["history"]
    assert first.loaded and not second.loaded


async def test_tables_within_budget_stay_loaded() -> None:
    """A budget large enough keeps every table warm: no reload requests."""
    backend = MemoryBackend()
    store = GuildStore(backend, budget=CacheBudget(limit_bytes=10**9))
    await store.create_table(TableSchema(name="t", columns=parse_columns("n:int")))
    await store.insert("t", {"n": 1}, 1)
    before = len(backend.calls)
    for _ in range(3):
        await store.find("t")
    assert backend.calls[before:] == []


async def test_the_budget_holds_within_10_percent_of_traced_memory() -> None:
    """Three tables of 60% of the budget each, used in turn: what stays loaded, traced, is within 10% of the budget."""
    backend = MemoryBackend()
    writer = GuildStore(backend)
    columns = parse_columns("title:text unique, author:text, year:int optional, read:bool default=false")
    for name in ("a", "b", "c"):
        await writer.create_table(TableSchema(name=name, columns=columns))
        rows = [
            {"title": f"{name} {n}", "author": f"Author {n % 97}", "year": str(1900 + n % 120)} for n in range(6000)
        ]
        await writer.insert_many(name, rows, 1)
    limit = 2 * 1024 * 1024
    budget = CacheBudget(limit_bytes=limit)
    store = GuildStore(backend, budget=budget)
    await store.open()
    gc.collect()
    tracemalloc.start()
    try:
        baseline, _ = tracemalloc.get_traced_memory()
        for name in ("a", "b", "c", "a", "c", "b"):
            assert await store.count(name) == 6000
            gc.collect()
            traced = tracemalloc.get_traced_memory()[0] - baseline
            assert traced <= 1.1 * limit, f"{traced / 2**20:.1f} MiB held under a {limit / 2**20:.0f} MiB budget"
            assert abs(budget.used_bytes - traced) <= 0.1 * traced, (budget.used_bytes, traced)
    finally:
        tracemalloc.stop()
    assert budget.evictions >= 4
