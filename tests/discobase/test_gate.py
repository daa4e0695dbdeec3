"""The write gate: every data write passes it, and a reconnect never unloads a table under a running write."""

from __future__ import annotations

import asyncio

import pytest

from discobase import Access, GuildStore, MemoryBackend, RecordNotFound, guard
from discobase.write.lease import Lease

from .conftest import books_schema
from .test_shutdown import SlowBackend


class GuardedBackend(MemoryBackend):
    """Refuses any write that does not come through the gate, the lease or the layout (see discobase/guard.py)."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: set[str] = set()

    def _check(self) -> None:
        path = guard.current_path()
        assert path in ("gate", "lease", "layout"), f"a write outside the gate (path {path!r})"
        self.paths.add(path)

    async def send(self, channel_id: int, text: str) -> int:
        self._check()
        await asyncio.sleep(0)  # a round trip: writes arriving meanwhile queue and are packed
        return await super().send(channel_id, text)

    async def edit(self, channel_id: int, message_id: int, text: str) -> None:
        self._check()
        await super().edit(channel_id, message_id, text)

    async def delete(self, channel_id: int, message_id: int) -> None:
        self._check()
        await super().delete(channel_id, message_id)

    async def delete_many(self, channel_id: int, message_ids: list[int]) -> None:
        self._check()
        await super().delete_many(channel_id, message_ids)

    async def create_channel(self, category_id: int, name: str, topic: str) -> int:
        self._check()
        return await super().create_channel(category_id, name, topic)

    async def delete_channel(self, channel_id: int) -> None:
        self._check()
        await super().delete_channel(channel_id)


async def test_every_write_path_passes_the_gate() -> None:
    """Creates, columns, inserts, packed writes, imports, updates, deletes, compaction, hand deletions, a rebuilt
    catalog, a drop: all gated."""
    backend = GuardedBackend()
    store = GuildStore(backend, lease=Lease(backend, "me", settle=0))
    await store.create_table(books_schema())
    await store.add_column("books", books_schema("pages:int optional").columns[0])
    await store.set_access("books", Access(read_role_id=7, write_role_id=8))
    await store.insert("books", {"title": "Dune"}, 1)
    await store.insert_many("books", [{"title": f"b{n}"} for n in range(5)], 1)
    await store.update("books", 1, {"year": "1965"})
    await store.update("books", 3, {"year": "1999"})  # in a batch: a new message
    await store.delete("books", 2)  # in a batch: a marker
    await asyncio.gather(*(store.insert("books", {"title": f"p{n}"}, 1) for n in range(3)))
    assert store.status().packed_writes == 2
    store.compactor.pause = store.compactor.quiet = 0
    assert (await store.compact("books")).deleted
    newest = await store.get("books", 9)
    channel = store.tables.entry("books").channel_id
    await MemoryBackend.delete(backend, channel, newest.message_id)  # by hand
    store.message_deleted(channel, newest.message_id)  # the newest id: its marker is written in the background
    await store.drain()
    catalog = store.catalog_id
    assert catalog is not None
    del backend.channels[catalog]  # the catalog channel deleted by hand
    store.channel_deleted(catalog)
    await store.drain()
    assert store.table_names() == ["books"]
    assert store.access("books") == Access(7, 8)  # written into the rebuilt catalog with its rules
    await store.drop_table("books")
    await store.close()
    assert backend.paths == {"gate", "lease", "layout"}


async def test_a_reconnect_during_a_write_keeps_its_answer() -> None:
    """A new gateway session while an insert waits on Discord: the insert answers with its record, read back later."""
    backend = SlowBackend()
    store = GuildStore(backend)
    await store.create_table(books_schema())
    await store.insert("books", {"title": "Dune"}, 1)
    backend.release.clear()
    writing = asyncio.create_task(store.insert("books", {"title": "Emma"}, 1))
    await asyncio.sleep(0)
    store.forget_cache()  # Engine.on_ready after a session that could not resume
    backend.release.set()
    assert (await writing).id == 2
    assert [r.values["title"] for r in await store.find("books")] == ["Dune", "Emma"]
    assert (await store.insert("books", {"title": "Walden"}, 1)).id == 3


async def test_an_update_of_a_message_deleted_unseen_keeps_the_newest_id() -> None:
    """The newest record's message deleted while the bot missed it: the update refuses, and its id stays used."""
    backend = MemoryBackend()
    store = GuildStore(backend)
    await store.create_table(books_schema())
    await store.insert("books", {"title": "Dune"}, 1)
    newest = await store.insert("books", {"title": "Emma"}, 1)
    channel = store.tables.entry("books").channel_id
    backend.channels[channel].messages.pop(newest.message_id)  # no gateway event
    with pytest.raises(RecordNotFound):
        await store.update("books", 2, {"year": "1815"})
    restarted = GuildStore(backend)
    assert (await restarted.insert("books", {"title": "Walden"}, 1)).id == 3
