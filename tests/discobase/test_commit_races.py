"""The commit path where it meets cancellation, a lagging cache budget, schema rewrites and hand deletions.

Each test was a defect found in review of the one commit path; memory must
equal a fresh read of the channel at every point.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from discobase import (
    DEFAULT_UPLOAD_LIMIT,
    ColumnType,
    DiscordUnavailable,
    GuildStore,
    MemoryBackend,
    RecordNotFound,
    TableSchema,
    parse_columns,
)
from discobase.write.imports import import_cuts

Hook = Callable[[str, int, int], Awaitable[None]]


SMALL_SERVER = 100_000
"""An upload limit that cuts 1,500 short records into two batches (80,000 bytes each)."""


class HookBackend(MemoryBackend):
    """A memory backend whose sends and edits run ``hook(kind, channel, message)`` once Discord has them."""

    def __init__(self, upload_limit: int = DEFAULT_UPLOAD_LIMIT) -> None:
        super().__init__(upload_limit=upload_limit)
        self.hook: Hook | None = None

    async def send(self, channel_id: int, text: str) -> int:
        message_id = await super().send(channel_id, text)
        if self.hook is not None:
            await self.hook("send", channel_id, message_id)
        return message_id

    async def edit(self, channel_id: int, message_id: int, text: str) -> None:
        await super().edit(channel_id, message_id, text)
        if self.hook is not None:
            await self.hook("edit", channel_id, message_id)


def books(columns: str = "title:text unique, year:int optional") -> TableSchema:
    return TableSchema(name="books", columns=parse_columns(columns))


def snapshot(records: list[Any]) -> list[tuple[Any, ...]]:
    return sorted((r.id, sorted(r.values.items()), r.creator_id, r.message_id, r.created_message_id) for r in records)


async def same_as_fresh(store: GuildStore, backend: MemoryBackend) -> bool:
    return snapshot(await store.find("books")) == snapshot(await GuildStore(backend).find("books"))


async def test_writes_packed_with_a_cancelled_commit_are_told_it_may_be_stored() -> None:
    """The task storing a packed batch is cancelled in flight: the writes it carried get an unknown outcome."""
    backend = HookBackend()
    store = GuildStore(backend)
    await store.create_table(books())
    held: list[tuple[asyncio.Event, asyncio.Task[Any] | None]] = []

    async def hold(kind: str, channel_id: int, message_id: int) -> None:
        release = asyncio.Event()
        held.append((release, asyncio.current_task()))
        await release.wait()

    backend.hook = hold
    lead = asyncio.ensure_future(store.insert("books", {"title": "a"}, 1))
    while not held:
        await asyncio.sleep(0)
    packed = [asyncio.ensure_future(store.insert("books", {"title": t}, 1)) for t in ("b", "c")]
    for _ in range(20):
        await asyncio.sleep(0)
    held[0][0].set()
    await lead
    while len(held) < 2:
        await asyncio.sleep(0)
    release, holder = held[1]
    assert holder is not None
    holder.cancel()
    release.set()
    outcomes = await asyncio.gather(*packed, return_exceptions=True)
    assert any(isinstance(outcome, asyncio.CancelledError) for outcome in outcomes)
    others = [outcome for outcome in outcomes if not isinstance(outcome, asyncio.CancelledError)]
    assert others and all(isinstance(outcome, DiscordUnavailable) and outcome.unknown for outcome in others)
    backend.hook = None
    assert await same_as_fresh(store, backend)


async def test_an_alter_rewrite_reads_as_a_fresh_load_in_the_middle() -> None:
    """Between the rewrite's batches, memory still reads the old type, as the catalog does."""
    backend = HookBackend(upload_limit=SMALL_SERVER)
    store = GuildStore(backend)
    await store.create_table(books("title:text unique, code:int"))
    await store.insert_many("books", [{"title": f"t{n}", "code": n} for n in range(1500)], 7)
    channel = store.tables.entry("books").channel_id
    seen: list[bool] = []

    async def compare(kind: str, channel_id: int, message_id: int) -> None:
        if channel_id == channel and kind == "send":  # a batch just stored: the values read the same either way
            memory = {r.id: r.values for r in await store.find("books")}
            fresh = {r.id: r.values for r in await GuildStore(backend).find("books")}
            seen.append(memory == fresh)

    backend.hook = compare
    await store.alter_column("books", "code", column_type=ColumnType.TEXT)
    backend.hook = None
    assert len(seen) >= 2 and all(seen)  # several batches (each record carries its history)
    assert (await store.get("books", 1500)).values["code"] == "1499"
    assert await same_as_fresh(store, backend)


async def test_a_record_deleted_by_hand_during_an_alter_rewrite_stays_deleted() -> None:
    backend = HookBackend(upload_limit=SMALL_SERVER)
    store = GuildStore(backend)
    await store.create_table(books("title:text unique, code:int"))
    await store.insert_many("books", [{"title": f"t{n}", "code": n} for n in range(1500)], 7)
    channel = store.tables.entry("books").channel_id
    victim = await store.get("books", 1400)  # in the second batch of the rewrite

    async def delete_once(kind: str, channel_id: int, message_id: int) -> None:
        if channel_id == channel and kind == "send" and backend.hook is not None:
            backend.hook = None
            backend.channels[channel].messages.pop(victim.message_id)
            store.message_deleted(channel, victim.message_id)

    backend.hook = delete_once
    await store.alter_column("books", "code", column_type=ColumnType.TEXT)
    await store.drain()
    with pytest.raises(RecordNotFound):
        await store.get("books", 1400)
    with pytest.raises(RecordNotFound):
        await GuildStore(backend).get("books", 1400)
    assert await same_as_fresh(store, backend)


async def test_markers_owed_by_an_unloaded_table_are_written_at_close() -> None:
    """A failed background marker, then the cache budget unloads the table: close still writes the marker."""
    backend = HookBackend()
    store = GuildStore(backend)
    await store.create_table(books())
    await store.insert_many("books", [{"title": t} for t in "abc"], 1)
    await store.update("books", 1, {"year": 2000})  # a newer single message; the batch copy stays below it
    channel = store.tables.entry("books").channel_id
    record = await store.get("books", 1)

    async def refuse(kind: str, channel_id: int, message_id: int) -> None:
        backend.channels[channel_id].messages.pop(message_id)
        raise DiscordUnavailable("store the change", RuntimeError("503"), False)

    backend.hook = refuse
    backend.channels[channel].messages.pop(record.message_id)
    store.message_deleted(channel, record.message_id)
    await store.drain()
    table = store.tables.entry("books")
    assert table.owed_markers() == [1]
    backend.hook = None
    table.unload()  # what the cache budget does to a cold table
    await store.close()
    with pytest.raises(RecordNotFound):
        await GuildStore(backend).get("books", 1)


async def test_an_import_part_deleted_by_hand_is_written_again_by_the_same_import() -> None:
    backend = MemoryBackend(upload_limit=SMALL_SERVER)
    store = GuildStore(backend)
    await store.create_table(books())
    rows = [{"title": f"t{n}"} for n in range(3000)]
    first, *rest = import_cuts(rows, SMALL_SERVER)
    await store.insert_many("books", rows, 1, resumable=True)
    channel = store.tables.entry("books").channel_id
    first_part = (await store.get("books", 1)).message_id
    backend.channels[channel].messages.pop(first_part)
    store.message_deleted(channel, first_part)
    await store.drain()
    again = await store.insert_many("books", rows, 1, resumable=True)
    assert rest and (len(again.written), again.already_written) == (len(first), len(rows) - len(first))
    assert await same_as_fresh(store, backend)


class HeldHistory(MemoryBackend):
    """A memory backend whose history waits for ``go``: a cold load holds a write between admission and its call."""

    def __init__(self) -> None:
        super().__init__()
        self.go = asyncio.Event()
        self.go.set()

    async def history(self, channel_id: int) -> Any:  # type: ignore[override]
        await self.go.wait()
        async for message in super().history(channel_id):
            yield message


async def test_a_write_refused_after_admission_sends_nothing() -> None:
    """The caller's before_writes hook runs again at the write's call: an import refused meanwhile writes nothing."""
    from discobase.write.gate import before_writes

    backend = HeldHistory()
    await GuildStore(backend).create_table(books())
    store = GuildStore(backend)  # a fresh process: its first write loads the table
    refused = False

    async def answerable() -> None:
        if refused:
            raise RuntimeError("another process answered this interaction")

    backend.go.clear()
    with before_writes(answerable):
        task = asyncio.ensure_future(store.insert_many("books", [{"title": "x"}, {"title": "y"}], 1))
    for _ in range(20):
        await asyncio.sleep(0)
    refused = True
    backend.go.set()
    with pytest.raises(RuntimeError, match="another process"):
        await task
    assert await GuildStore(backend).count("books") == 0


async def test_a_database_named_like_a_spill_category_is_never_taken_for_one() -> None:
    """Databases `shop` and `shop-2` in one server: `shop` neither adopts nor deletes `shop-2`'s category."""
    backend = MemoryBackend()
    other = GuildStore(backend, category="shop-2")
    await other.create_table(TableSchema(name="orders", columns=parse_columns("item:text")))
    await other.insert("orders", {"item": "tea"}, 1)
    shop = GuildStore(backend, category="shop")
    await shop.open()
    assert shop.orphaned_channels() == []
    await shop.remove_layout()
    assert "shop-2" in backend.categories().values()
    again = GuildStore(backend, category="shop-2")
    await again.open()
    assert again.table_names() == ["orders"] and await again.count("orders") == 1
