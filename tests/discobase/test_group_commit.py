"""Group commit: writes queued on one table share one batch message, each with its own outcome."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from discobase import DiscordUnavailable, GuildStore, MemoryBackend, RecordNotFound, UniqueViolation

from .conftest import books_schema


class RoundTripBackend(MemoryBackend):
    """A memory backend whose writes yield to the loop first, as a request to Discord does."""

    def __init__(self) -> None:
        super().__init__()
        self.sends_until_failure: int | None = None

    async def _round_trip(self) -> None:
        for _ in range(3):
            await asyncio.sleep(0)

    async def send(self, channel_id: int, text: str) -> int:
        await self._round_trip()
        if self.sends_until_failure is not None:
            self.sends_until_failure -= 1
            if self.sends_until_failure == 0:
                raise DiscordUnavailable("store the change", RuntimeError("down"))
        return await super().send(channel_id, text)

    async def edit(self, channel_id: int, message_id: int, text: str) -> None:
        await self._round_trip()
        await super().edit(channel_id, message_id, text)

    async def delete(self, channel_id: int, message_id: int) -> None:
        await self._round_trip()
        await super().delete(channel_id, message_id)


async def at_once(*writes: Any) -> list[Any]:
    """Start every write at the same moment; each one's record or error."""
    return await asyncio.gather(*writes, return_exceptions=True)


@pytest.fixture
async def books() -> tuple[RoundTripBackend, GuildStore]:
    backend = RoundTripBackend()
    store = GuildStore(backend)
    await store.create_table(books_schema())
    return backend, store


def writes(backend: MemoryBackend) -> int:
    return sum(1 for call in backend.calls if call in ("send", "edit", "delete"))


async def test_fifty_inserts_at_once_share_two_messages_and_keep_their_ids(books) -> None:
    """Each insert gets its own id, in arrival order; the first goes alone, the other 49 in one batch."""
    backend, store = books
    before = writes(backend)
    records = await at_once(*(store.insert("books", {"title": f"T{n}"}, n) for n in range(50)))
    assert [r.id for r in records] == list(range(1, 51))
    assert [r.creator_id for r in records] == list(range(50))
    assert writes(backend) - before == 2
    assert store.gate.running == 0
    restarted = GuildStore(backend)
    assert {r.id: r.values["title"] for r in await restarted.find("books")} == {n + 1: f"T{n}" for n in range(50)}


async def test_a_lone_insert_is_still_one_plain_message(books) -> None:
    """Nothing else queued: one request, the single-record format."""
    backend, store = books
    before = len(backend.calls)
    record = await store.insert("books", {"title": "Dune"}, 1)
    assert backend.calls[before:] == ["send"]
    channel = backend.channels[store.tables.entry("books").channel_id]
    assert '"batch"' not in channel.messages[record.message_id].text


async def test_duplicates_in_one_batch_are_refused_one_by_one(books) -> None:
    """The first of each title wins in arrival order; each later one gets its own UniqueViolation."""
    backend, store = books
    await store.insert("books", {"title": "Taken"}, 1)
    titles = ["A", "B", "A", "Taken", "C", "B"]
    results = await at_once(
        store.insert("books", {"title": "Z"}, 1), *(store.insert("books", {"title": t}, 1) for t in titles)
    )
    outcomes = results[1:]
    assert [type(o).__name__ for o in outcomes] == [
        "Record",
        "Record",
        "UniqueViolation",
        "UniqueViolation",
        "Record",
        "UniqueViolation",
    ]
    assert [o.id for o in outcomes if not isinstance(o, Exception)] == [3, 4, 5]
    restarted = GuildStore(backend)
    assert sorted(r.values["title"] for r in await restarted.find("books")) == ["A", "B", "C", "Taken", "Z"]


async def test_updates_and_deletes_of_one_record_in_one_batch_apply_in_order(books) -> None:
    """Update, delete, then update again: the last one finds the record gone; after a restart it is gone."""
    backend, store = books
    await store.insert("books", {"title": "Dune"}, 1)
    await store.insert("books", {"title": "Emma"}, 1)
    results = await at_once(
        store.insert("books", {"title": "lead"}, 1),
        store.update("books", 1, {"title": "Dune II"}),
        store.delete("books", 1),
        store.update("books", 1, {"read": "yes"}),
        store.update("books", 2, {"read": "yes"}),
    )
    assert results[1].values["title"] == "Dune II"
    assert results[2].values["title"] == "Dune II"
    assert isinstance(results[3], RecordNotFound)
    assert results[4].values["read"] is True
    for current in (store, GuildStore(backend)):
        assert {r.id: r.values["title"] for r in await current.find("books")} == {2: "Emma", 3: "lead"}


async def test_unique_values_can_move_between_records_in_one_batch(books) -> None:
    """A title freed earlier in the batch may be taken later in it; one taken earlier may not."""
    backend, store = books
    await store.insert("books", {"title": "X"}, 1)
    await store.insert("books", {"title": "Y"}, 1)
    results = await at_once(
        store.insert("books", {"title": "lead"}, 1),
        store.update("books", 2, {"title": "Z"}),
        store.update("books", 1, {"title": "Y"}),
        store.insert("books", {"title": "X"}, 1),
        store.insert("books", {"title": "Z"}, 1),
    )
    assert not any(isinstance(r, Exception) for r in results[:4])
    assert isinstance(results[4], UniqueViolation)
    restarted = GuildStore(backend)
    assert {r.id: r.values["title"] for r in await restarted.find("books")} == {1: "Y", 2: "Z", 3: "lead", 4: "X"}


async def test_a_failed_batch_fails_every_write_in_it_and_changes_nothing(books) -> None:
    """Discord refuses the shared message: each packed write gets the error; the cache is as before."""
    backend, store = books
    backend.sends_until_failure = 2
    results = await at_once(
        store.insert("books", {"title": "lead"}, 1),
        *(store.insert("books", {"title": f"T{n}"}, 1) for n in range(5)),
    )
    assert results[0].id == 1
    assert all(isinstance(r, DiscordUnavailable) for r in results[1:])
    assert [r.id for r in await store.find("books")] == [1]
    assert (await store.insert("books", {"title": "T0"}, 1)).id == 2


async def test_the_newest_id_deleted_in_a_batch_stays_used(books) -> None:
    """A record inserted and deleted in one batch leaves a gone marker: its id is not given again."""
    backend, store = books
    await at_once(
        store.insert("books", {"title": "lead"}, 1),
        store.insert("books", {"title": "A"}, 1),
        store.delete("books", 2),
    )
    restarted = GuildStore(backend)
    assert (await restarted.insert("books", {"title": "B"}, 1)).id == 3


async def test_packing_is_counted_for_the_status(books) -> None:
    """The store tells how many writes shared a request."""
    _, store = books
    await at_once(*(store.insert("books", {"title": f"T{n}"}, 1) for n in range(10)))
    status = store.status()
    assert status.packed_writes == 9 and status.shared_requests == 1
