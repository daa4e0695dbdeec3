"""The cache budget unloads cold tables and they load again on demand."""

from __future__ import annotations

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
