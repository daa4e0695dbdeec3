"""D1: a record's message deleted by hand while a packed write of that record is in flight, on both backends.

Group commit stores several queued writes in one batch message. While that
batch request is held on its way to Discord, the message holding one of the
records it writes is deleted by hand (on the backend) and the store hears of it
as from the gateway (``message_deleted``). Then the batch is stored.

The batch is newer than every message it supersedes, so it decides the ids it
names (the reading rule of records.py): a record it updates exists with its new
values, one it deletes is gone. So every packed write succeeds, the store's
memory equals a fresh read of the channels, ids stay consistent, and after the
background writes (a ``gone`` marker the hand deletion owed) all of that still
holds: an owed marker must not delete a record the newer batch decided live.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from discobase import GuildStore, Record, RecordNotFound, UniqueViolation
from discobase.backend.discord_backend import DiscordBackend

from .conftest import Harness, MemoryHarness

TITLES = ["Dune", "Emma", "Ulysses", "Beloved", "Walden"]


class Held:
    """Wraps the store's backend: holds the table's first write, then its first batch, until the test lets them go."""

    def __init__(self, store: GuildStore, channel_id: int) -> None:
        self.channel_id = channel_id
        self.lead_arrived, self.lead_go = asyncio.Event(), asyncio.Event()
        self.batch_arrived, self.batch_go = asyncio.Event(), asyncio.Event()
        self.batch_text = ""
        backend = store.backend
        self._send, self._edit, self._delete = backend.send, backend.edit, backend.delete
        backend.send = self.send  # type: ignore[method-assign]
        backend.edit = self.edit  # type: ignore[method-assign]
        backend.delete = self.delete  # type: ignore[method-assign]

    async def _lead(self, channel_id: int) -> None:
        if channel_id == self.channel_id and not self.lead_arrived.is_set():
            self.lead_arrived.set()
            await self.lead_go.wait()

    async def send(self, channel_id: int, text: str) -> int:
        if channel_id == self.channel_id and '"batch"' in text and not self.batch_arrived.is_set():
            self.batch_text = text
            self.batch_arrived.set()
            await self.batch_go.wait()
        else:
            await self._lead(channel_id)
        return await self._send(channel_id, text)

    async def edit(self, channel_id: int, message_id: int, text: str) -> None:
        await self._lead(channel_id)
        await self._edit(channel_id, message_id, text)

    async def delete(self, channel_id: int, message_id: int) -> None:
        await self._lead(channel_id)
        await self._delete(channel_id, message_id)


async def until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError(f"never happened: {what}")


async def delete_message_by_hand(harness: Harness, store: GuildStore, message_id: int) -> None:
    """An admin deletes a message of `books`; the store hears it as from the gateway (at once, under no lock)."""
    table = store.tables.entry("books")
    holders, _ = table.decided_by(message_id)
    if isinstance(harness, MemoryHarness):
        harness.backend.channels[table.channel_id].messages.pop(message_id)
        store.message_deleted(table.channel_id, message_id)
    else:  # SimCord removes it and announces it on the gateway; the engine's listener calls message_deleted
        harness.env.backend.delete_message(table.channel_id, message_id)
    await until(lambda: all(table.find(record_id) is None for record_id in holders), "the delete event")


def fresh_store(harness: Harness) -> GuildStore:
    """A new store on the same channels, nothing cached: what a restart would read."""
    if isinstance(harness, MemoryHarness):
        return GuildStore(harness.backend)
    return GuildStore(DiscordBackend(harness.client, harness.guild.id))


async def race(
    harness: Harness,
    store: GuildStore,
    lead: Callable[[], Any],
    packed: list[Callable[[], Any]],
    hand_deleted_message: Callable[[], int],
) -> list[Any]:
    """The lead write goes alone and is held until ``packed`` queue behind it; their batch is held while a message
    is deleted by hand (``hand_deleted_message`` names it then); then Discord stores the batch. Each one's outcome.
    """
    table = store.tables.entry("books")
    held = Held(store, table.channel_id)
    first = asyncio.ensure_future(lead())
    await until(held.lead_arrived.is_set, "the lone write's request")
    rest = [asyncio.ensure_future(write()) for write in packed]
    await until(lambda: store.queues.waiting(table) == len(packed), "the writes queued behind it")
    held.lead_go.set()
    await until(held.batch_arrived.is_set, "the batch request")
    await delete_message_by_hand(harness, store, hand_deleted_message())
    held.batch_go.set()
    return await asyncio.gather(first, *rest, return_exceptions=True)


def values_of(records: list[Record]) -> dict[int, tuple[Any, Any]]:
    return {record.id: (record.values["title"], record.values["year"]) for record in records}


async def same_everywhere(
    harness: Harness, store: GuildStore, expected: dict[int, tuple[Any, Any]], next_id: int = 6
) -> None:
    """Memory, a fresh read, the ids to come, and the unique column agree with ``expected``; again after drain."""
    for moment in ("at once", "after the background writes"):
        if moment != "at once":
            await store.drain()
        memory = values_of(list(await store.find("books")))
        fresh = fresh_store(harness)
        read = values_of(list(await fresh.find("books")))
        assert memory == read, f"{moment}: memory and a fresh read disagree:\nmemory {memory}\nfresh  {read}"
        assert memory == expected, moment
        titles = [title for title, _ in read.values()]
        assert len(titles) == len(set(titles)), f"{moment}: a unique value is held twice: {read}"
        next_ids = store.tables.entry("books").next_id, fresh.tables.entry("books").next_id
        assert next_ids == (next_id, next_id), f"{moment}: next id in memory, fresh: {next_ids}"


def outcomes_ok(outcomes: list[Any], expected: dict[int, tuple[Any, Any]]) -> None:
    """Each write's outcome is its record, with the values it left (a delete: the record as it was)."""
    got = {}
    for outcome in outcomes:
        assert isinstance(outcome, Record), f"a packed write failed although its batch is stored: {outcome!r}"
        got[outcome.id] = (outcome.values["title"], outcome.values["year"])
    assert got == expected


@pytest.fixture
async def five(store: GuildStore) -> GuildStore:
    """Records 1 to 5 of `books`, one message each."""
    for title in TITLES:
        await store.insert("books", {"title": title}, 1)
    return store


async def test_updates_packed_with_a_record_deleted_by_hand_are_all_stored(harness: Harness, five: GuildStore) -> None:
    """Record 1 alone, 2 to 5 in one batch; record 3's message deleted by hand in flight: record 3 stays, updated."""
    store = five
    outcomes = await race(
        harness,
        store,
        lambda: store.update("books", 1, {"year": 2000}),
        [lambda n=n: store.update("books", n, {"year": 1999 + n}) for n in range(2, 6)],
        lambda: store.tables.entry("books").get(3).message_id,
    )
    expected = {n + 1: (title, 2000 + n) for n, title in enumerate(TITLES)}
    outcomes_ok(outcomes, expected)
    await same_everywhere(harness, store, expected)
    with pytest.raises(UniqueViolation):
        await store.insert("books", {"title": "Ulysses"}, 1)


async def test_an_insert_and_a_delete_packed_beside_it_are_stored_and_answered(
    harness: Harness, five: GuildStore
) -> None:
    """A batch with an update of record 3 (deleted by hand in flight), a delete of 4 and an insert: all stored."""
    store = five
    outcomes = await race(
        harness,
        store,
        lambda: store.update("books", 1, {"year": 2000}),
        [
            lambda: store.update("books", 3, {"year": 2002}),
            lambda: store.delete("books", 4),
            lambda: store.insert("books", {"title": "Kim", "year": 1901}, 1),
            lambda: store.update("books", 4, {"year": 2003}),  # deleted just before, in the batch: its own refusal
        ],
        lambda: store.tables.entry("books").get(3).message_id,
    )
    assert isinstance(outcomes[4], RecordNotFound), outcomes[4]
    outcomes_ok(outcomes[:4], {1: ("Dune", 2000), 3: ("Ulysses", 2002), 4: ("Beloved", None), 6: ("Kim", 1901)})
    expected = {1: ("Dune", 2000), 2: ("Emma", None), 3: ("Ulysses", 2002), 5: ("Walden", None), 6: ("Kim", 1901)}
    await same_everywhere(harness, store, expected, next_id=7)


async def test_the_newest_record_deleted_by_hand_during_its_packed_update_is_not_deleted_by_its_owed_marker(
    harness: Harness, five: GuildStore
) -> None:
    """Record 5 (the newest id: a hand deletion owes its marker) is updated in a batch while deleted by hand.

    The batch decides record 5 live; the owed marker must not follow it and delete it.
    """
    store = five
    outcomes = await race(
        harness,
        store,
        lambda: store.update("books", 1, {"year": 2000}),
        [lambda n=n: store.update("books", n, {"year": 1999 + n}) for n in (2, 5)],
        lambda: store.tables.entry("books").get(5).message_id,
    )
    outcomes_ok(outcomes, {1: ("Dune", 2000), 2: ("Emma", 2001), 5: ("Walden", 2004)})
    expected = {1: ("Dune", 2000), 2: ("Emma", 2001), 3: ("Ulysses", None), 4: ("Beloved", None), 5: ("Walden", 2004)}
    await same_everywhere(harness, store, expected)


async def test_a_record_with_an_older_batch_copy_deleted_by_hand_during_its_packed_update_stays_updated(
    harness: Harness, store: GuildStore
) -> None:
    """Records 1 to 5 imported in one batch; record 3 updated since (a single message newer than its batch copy).

    Record 3's single message is deleted by hand while a batch updates it: the
    hand deletion owes a marker (the batch copy would come back), but the
    packed batch is newest and decides record 3 live with its new values.
    """
    await store.insert_many("books", [{"title": title} for title in TITLES], 1)
    await store.update("books", 3, {"year": 1922})
    outcomes = await race(
        harness,
        store,
        lambda: store.update("books", 1, {"year": 2000}),
        [lambda n=n: store.update("books", n, {"year": 1999 + n}) for n in (2, 3)],
        lambda: store.tables.entry("books").get(3).message_id,
    )
    outcomes_ok(outcomes, {1: ("Dune", 2000), 2: ("Emma", 2001), 3: ("Ulysses", 2002)})
    expected = {1: ("Dune", 2000), 2: ("Emma", 2001), 3: ("Ulysses", 2002), 4: ("Beloved", None), 5: ("Walden", None)}
    await same_everywhere(harness, store, expected)


async def test_the_batch_holding_several_records_deleted_by_hand_during_a_packed_update(
    harness: Harness, store: GuildStore
) -> None:
    """Records 1 to 5 imported in one batch message, which is deleted by hand while a batch updates 2 and 3.

    The newer batch decides 2 and 3 live with their new values; 4 and 5,
    whose only copy was the deleted message, are gone; 1, updated alone just
    before into a single message of its own, stays.
    """
    await store.insert_many("books", [{"title": title} for title in TITLES], 1)
    imported = store.tables.entry("books").get(2).message_id
    outcomes = await race(
        harness,
        store,
        lambda: store.update("books", 1, {"year": 2000}),
        [lambda n=n: store.update("books", n, {"year": 1999 + n}) for n in (2, 3)],
        lambda: imported,
    )
    outcomes_ok(outcomes, {1: ("Dune", 2000), 2: ("Emma", 2001), 3: ("Ulysses", 2002)})
    await same_everywhere(harness, store, {1: ("Dune", 2000), 2: ("Emma", 2001), 3: ("Ulysses", 2002)})


async def test_a_packed_delete_of_a_record_deleted_by_hand_leaves_it_gone(harness: Harness, five: GuildStore) -> None:
    """Record 3 deleted in a batch while its message is deleted by hand: the delete succeeds, record 3 stays gone."""
    store = five
    outcomes = await race(
        harness,
        store,
        lambda: store.update("books", 1, {"year": 2000}),
        [lambda: store.update("books", 2, {"year": 2001}), lambda: store.delete("books", 3)],
        lambda: store.tables.entry("books").get(3).message_id,
    )
    outcomes_ok(outcomes, {1: ("Dune", 2000), 2: ("Emma", 2001), 3: ("Ulysses", None)})
    expected = {1: ("Dune", 2000), 2: ("Emma", 2001), 4: ("Beloved", None), 5: ("Walden", None)}
    await same_everywhere(harness, store, expected)
