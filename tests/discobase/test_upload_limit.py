"""Records within the server's upload limit: one too large is refused before any request; batches are cut by bytes."""

from __future__ import annotations

import asyncio

import pytest

import discobase
from discobase import GuildStore, ImportRejected, MemoryBackend, RecordTooLarge

from .conftest import books_schema

LIMIT = 64 * 1024
"""A small server limit, so the tests stay fast: what holds for it holds for 10 MiB."""


class SlowBackend(MemoryBackend):
    """Every send takes a round trip, so writes arriving meanwhile queue (group commit)."""

    async def send(self, channel_id: int, text: str) -> int:
        for _ in range(3):
            await asyncio.sleep(0)
        return await super().send(channel_id, text)


def largest_message(backend: MemoryBackend, store: GuildStore) -> int:
    channel = backend.channels[store.tables.entry("books").channel_id]
    return max(len(message.text.encode()) for message in channel.messages.values())


async def test_a_record_too_large_is_refused_at_once_beside_concurrent_saves() -> None:
    backend = SlowBackend(upload_limit=LIMIT)
    store = GuildStore(backend)
    await store.create_table(books_schema("title:text unique, body:text optional"))
    before = len(backend.calls)
    writes = [store.insert("books", {"title": f"t{n}", "body": "x" * 1000}, 1) for n in range(5)]
    huge = store.insert("books", {"title": "huge", "body": "x" * (LIMIT + 1)}, 1)
    *saved, refused = await asyncio.gather(*writes, huge, return_exceptions=True)
    assert isinstance(refused, RecordTooLarge) and "Nothing was changed" in str(refused)
    assert [record.id for record in saved] == [1, 2, 3, 4, 5]
    assert len(backend.calls) - before <= 2
    assert len(await GuildStore(backend).find("books")) == 5


async def test_concurrent_medium_records_past_the_limit_in_total_go_in_several_batches() -> None:
    backend = SlowBackend(upload_limit=LIMIT)
    store = GuildStore(backend)
    await store.create_table(books_schema("title:text unique, body:text optional"))
    records = await asyncio.gather(
        *(store.insert("books", {"title": f"t{n}", "body": "y" * 10_000}, 1) for n in range(30))
    )
    assert sorted(record.id for record in records) == list(range(1, 31))
    assert largest_message(backend, store) <= LIMIT
    messages = len(backend.channels[store.tables.entry("books").channel_id].messages)
    assert 2 < messages < 30  # packed, several to a batch, as many batches as the bytes need
    assert len(await GuildStore(backend).find("books")) == 30


async def test_an_update_making_a_packed_record_too_large_fails_alone() -> None:
    backend = SlowBackend(upload_limit=LIMIT)
    store = GuildStore(backend)
    await store.create_table(books_schema("title:text unique, body:text optional, more:text optional"))
    await store.insert("books", {"title": "a", "body": "x" * 40_000}, 1)
    outcomes = await asyncio.gather(
        store.insert("books", {"title": "b"}, 1),
        store.update("books", 1, {"more": "y" * 40_000}),  # alone each fits; together they do not
        store.insert("books", {"title": "c"}, 1),
        return_exceptions=True,
    )
    assert isinstance(outcomes[1], RecordTooLarge)
    assert [record.values["title"] for record in outcomes if not isinstance(record, Exception)] == ["b", "c"]
    assert (await store.get("books", 1)).values["more"] is None


async def test_an_import_row_too_large_is_named_and_nothing_is_written() -> None:
    backend = MemoryBackend(upload_limit=LIMIT)
    store = GuildStore(backend)
    await store.create_table(books_schema("title:text unique, body:text optional"))
    rows = [{"title": "ok"}, {"title": "big", "body": "z" * (LIMIT + 10)}]
    with pytest.raises(ImportRejected) as refused:
        await store.insert_many("books", rows, 1)
    (problem,) = refused.value.problems
    assert (problem.row, problem.column) == (2, "body")
    assert await store.count("books") == 0


async def test_a_library_value_of_11_mib_is_refused_with_its_size() -> None:
    """On a server without boosts (10 MiB), an 11 MiB value never reaches Discord."""
    backend = MemoryBackend()
    store = GuildStore(backend)
    await store.create_table(books_schema("title:text unique, body:text optional"))
    before = len(backend.calls)
    with pytest.raises(RecordTooLarge, match=r"11\.0 MiB"):
        await store.insert("books", {"title": "huge", "body": "x" * (11 * 2**20)}, 1)
    assert len(backend.calls) == before
    assert discobase.DEFAULT_UPLOAD_LIMIT == backend.upload_limit == 10 * 2**20


async def test_an_update_whose_message_would_carry_too_much_history_is_refused() -> None:
    """30 KB replaced by another 30 KB: the message would carry both (the history), past the limit; nothing sent."""
    backend = MemoryBackend(upload_limit=LIMIT)
    store = GuildStore(backend)
    await store.create_table(books_schema("title:text unique, body:text optional"))
    await store.insert("books", {"title": "a", "body": "x" * 30_000}, 1)
    before = len(backend.calls)
    with pytest.raises(RecordTooLarge, match="Nothing was changed"):
        await store.update("books", 1, {"body": "y" * 30_000})
    assert len(backend.calls) == before
    assert (await GuildStore(backend).get("books", 1)).values["body"] == "x" * 30_000
    await store.update("books", 1, {"body": "y" * 10_000})  # 30 KB replaced by 10 KB fits
    assert largest_message(backend, store) <= LIMIT
