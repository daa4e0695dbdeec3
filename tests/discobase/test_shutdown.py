"""Closing a store at shutdown: running writes finish, new ones are refused, imports stop between batches."""

from __future__ import annotations

import asyncio

import pytest

from discobase import DEFAULT_UPLOAD_LIMIT, GuildStore, MemoryBackend, ShuttingDown
from discobase.write.imports import import_cuts
from discobase.write.lease import Lease

from .conftest import books_schema

SMALL_SERVER = 100_000
"""An upload limit whose batches (80,000 bytes) cut an import of 2,500 short rows in three."""


class SlowBackend(MemoryBackend):
    """Message creates wait for ``release`` to be set, like a slow Discord."""

    def __init__(self, upload_limit: int = DEFAULT_UPLOAD_LIMIT) -> None:
        super().__init__(upload_limit=upload_limit)
        self.release = asyncio.Event()
        self.release.set()

    async def send(self, channel_id: int, text: str) -> int:
        await self.release.wait()
        return await super().send(channel_id, text)


@pytest.fixture
async def slow() -> tuple[SlowBackend, GuildStore]:
    backend = SlowBackend(upload_limit=SMALL_SERVER)
    store = GuildStore(backend, lease=Lease(backend, "me", settle=0))
    await store.create_table(books_schema())
    return backend, store


async def test_close_waits_for_running_write_and_refuses_new(slow: tuple[SlowBackend, GuildStore]) -> None:
    """A write in flight when shutdown starts is finished and kept; a write after that is refused."""
    backend, store = slow
    backend.release.clear()
    running = asyncio.create_task(store.insert("books", {"title": "Dune"}, 1))
    await asyncio.sleep(0)
    closing = asyncio.create_task(store.close(grace=5))
    await asyncio.sleep(0)
    with pytest.raises(ShuttingDown, match="restarting. Nothing was changed"):
        await store.insert("books", {"title": "Emma"}, 1)
    assert not closing.done()
    backend.release.set()
    assert (await running).id == 1
    await closing
    restarted = GuildStore(backend)
    assert [r.values["title"] for r in await restarted.find("books")] == ["Dune"]
    assert store.lease is not None and not store.lease.held


async def test_import_stops_between_batches_and_resumes(slow: tuple[SlowBackend, GuildStore]) -> None:
    """Shutdown during an import keeps the batches written; the same import again writes only the rest."""
    backend, store = slow
    rows = [{"title": f"book {n}"} for n in range(2500)]
    first = len(import_cuts(rows, SMALL_SERVER)[0])
    closing: list[asyncio.Task[None]] = []
    send = backend.send

    async def shut_down_after_first_batch(channel_id: int, text: str) -> int:
        message_id = await send(channel_id, text)
        if '"batch"' in text and not closing:
            closing.append(asyncio.create_task(store.close(grace=5)))
            await asyncio.sleep(0)
        return message_id

    backend.send = shut_down_after_first_batch  # type: ignore[method-assign]
    with pytest.raises(ShuttingDown, match=f"{first} of 2500 rows were written; run the same import again"):
        await store.insert_many("books", rows, 1, resumable=True)
    await closing[0]
    restarted = GuildStore(backend)
    assert await restarted.count("books") == first
    result = await restarted.insert_many("books", rows, 1, resumable=True)
    assert (result.already_written, len(result.written)) == (first, 2500 - first)
    assert await restarted.count("books") == 2500


async def test_slow_progress_report_holds_up_no_write(slow: tuple[SlowBackend, GuildStore]) -> None:
    """An import's progress report that hangs (a slow edit) does not keep other writes off the table."""
    _, store = slow
    reported, answer = asyncio.Event(), asyncio.Event()

    async def hanging_report(done: int, total: int) -> None:
        reported.set()
        await answer.wait()

    importing = asyncio.create_task(
        store.insert_many("books", [{"title": "Dune"}, {"title": "Emma"}], 1, hanging_report)
    )
    await reported.wait()
    record = await asyncio.wait_for(store.insert("books", {"title": "Walden"}, 1), 1)
    assert record.id == 3 and not importing.done()
    answer.set()
    assert len((await importing).written) == 2


async def test_writes_queued_behind_the_running_one_stop_at_once(slow: tuple[SlowBackend, GuildStore]) -> None:
    """At shutdown only the write holding the table's lock finishes; those waiting for it are refused unwritten."""
    backend, store = slow
    backend.release.clear()
    writes = [asyncio.create_task(store.insert("books", {"title": f"book {n}"}, 1)) for n in range(3)]
    await asyncio.sleep(0)
    closing = asyncio.create_task(store.close(grace=5))
    await asyncio.sleep(0)
    backend.release.set()
    outcomes = await asyncio.gather(*writes, return_exceptions=True)
    await closing
    assert [type(o).__name__ for o in outcomes] == ["Record", "ShuttingDown", "ShuttingDown"]
    assert await GuildStore(backend).count("books") == 1
