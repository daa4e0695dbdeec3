"""History and trash held to their bounds: a message deleted by hand takes its trash along, folds and
rewrites stay within the upload limit, the cache budget follows growing history, an import's preview is safe."""

from __future__ import annotations

import asyncio

import pytest

import discobase.write.imports
from discobase import GuildStore, MemoryBackend, NotInTrash, TableSchema, parse_columns
from discobase.cache.budget import CacheBudget

LIMIT = 64 * 1024


def schema(name: str, columns: str) -> TableSchema:
    return TableSchema(name=name, columns=parse_columns(columns))


class HandDeletingBackend(MemoryBackend):
    """Deletes a message by hand just after an edit of it lands, the event arriving before the answer."""

    store: GuildStore | None = None
    armed = False

    async def edit(self, channel_id: int, message_id: int, text: str) -> None:
        await super().edit(channel_id, message_id, text)
        if self.armed and self.store is not None:
            self.armed = False
            self.channels[channel_id].messages.pop(message_id)
            self.store.message_deleted(channel_id, message_id)


async def test_a_marker_deleted_by_hand_as_its_edit_lands_takes_the_trash_with_it() -> None:
    backend = HandDeletingBackend()
    store = backend.store = GuildStore(backend)
    await store.create_table(schema("books", "title:text unique, year:int optional"))
    for n in range(3):
        await store.insert("books", {"title": f"t{n}"}, 7)
    backend.armed = True
    await store.delete("books", 2, actor=7)
    await store.drain()
    assert [trashed.record.id for trashed in await store.trash("books")] == []
    assert await GuildStore(backend).trash("books") == []  # memory and Discord agree
    with pytest.raises(NotInTrash):
        await store.restore("books", 2, actor=7)


async def test_a_fold_of_records_with_many_changes_stays_within_the_upload_limit() -> None:
    """16 records changed 40 times each, one at a time: 640 change headers, which compaction counts as it cuts."""
    limit = 16 * 1024
    backend = MemoryBackend(upload_limit=limit)
    store = GuildStore(backend)
    store.compactor.pause = store.compactor.quiet = 0
    await store.create_table(schema("books", "title:text unique, read:bool default=false"))
    for n in range(16):
        await store.insert("books", {"title": f"t{n}"}, 1)
    for round_ in range(40):
        for record_id in range(1, 17):
            await store.update("books", record_id, {"read": round_ % 2 == 0}, actor=123456789012345678)
    await store.compact("books")
    channel = backend.channels[store.tables.entry("books").channel_id]
    assert max(len(message.text.encode()) for message in channel.messages.values()) <= limit
    assert len(await GuildStore(backend).history("books", 7)) == 41


async def test_the_budget_follows_history_that_grows_after_the_load() -> None:
    backend = MemoryBackend()
    store = GuildStore(backend, budget=CacheBudget(10**9))
    await store.create_table(schema("books", "title:text unique, body:text optional"))
    # Each body its own, so no two records share their history (consecutive ones would be stored as one run).
    await store.insert_many("books", [{"title": f"t{n}", "body": f"x{n}"} for n in range(200)], 1)
    await store.count("books")
    for round_ in range(10):
        await store.update_many("books", list(range(1, 201)), {"body": str(round_) * 500}, actor=1)
    grown = store.tables.entry("books").history.memory_bytes()
    fresh = GuildStore(backend, budget=CacheBudget(10**9))
    await fresh.history("books", 1)  # loaded and read: the entries measured anew
    measured = fresh.tables.entry("books").history.memory_bytes()
    assert abs(grown - measured) <= 0.2 * measured, (grown, measured)


async def test_an_import_preview_holds_its_table_while_other_tables_load() -> None:
    """The preview lets other work run; the budget unloading tables meanwhile never unloads the one it reads."""
    backend = MemoryBackend()
    store = GuildStore(backend, budget=CacheBudget(limit_bytes=200_000))
    for name in ("books", "other"):
        await store.create_table(schema(name, "title:text unique, body:text optional"))
        await store.insert_many(name, [{"title": f"{name} {n}", "body": "x" * 100} for n in range(1500)], 1)
    rows = [{"title": f"new {n}"} for n in range(5000)]

    async def reader() -> None:
        for _ in range(50):
            await store.count("other")
            await asyncio.sleep(0)

    problems, _ = await asyncio.gather(store.check_rows("books", rows), reader())
    assert problems == []


@pytest.mark.parametrize(("records", "size"), [(2, 8600), (300, 2000)])
async def test_an_alter_rewrite_with_history_and_trash_stays_within_the_upload_limit(
    records: int, size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Records of big values written again under a new key, with their history and a trashed one: every message fits.

    Every message's text fits, uncompressed: the import's batch too, its stretch for compression set aside.
    """
    monkeypatch.setattr(discobase.write.imports, "MAX_STRETCH", 1.0)
    backend = MemoryBackend(upload_limit=LIMIT)
    store = GuildStore(backend)
    await store.create_table(schema("books", "title:text unique, body:text optional"))
    await store.insert_many("books", [{"title": f"t{n}", "body": "a" * size} for n in range(records)], 1)
    await store.insert("books", {"title": "gone", "body": "b" * 22_000}, 1)
    await store.delete("books", records + 1, actor=1)
    await store.alter_column("books", "body", default="zz", actor=2)
    channel = backend.channels[store.tables.entry("books").channel_id]
    assert max(len(message.text.encode()) for message in channel.messages.values()) <= LIMIT
    restored = await GuildStore(backend).restore("books", records + 1, actor=1)
    assert restored.values["body"] == "b" * 22_000
