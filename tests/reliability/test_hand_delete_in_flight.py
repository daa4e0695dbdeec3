"""A record's message deleted by hand while a packed write of that record is in flight (defect D1).

Several members change records of one table at the same moment, so group commit
stores their writes together in one batch message. While that batch request is
on its way to Discord, an admin deletes by hand the message that holds one of
the records being changed (the bot gets the gateway's delete event at once).

The batch is the newest message naming those ids, so it decides them: the
updated record exists with its new values, as a fresh read from Discord says.
So every member's change is stored and must be answered as a success, memory
must equal a fresh read of the channels, and the same after a restart; no two
records share a unique value; a ``gone`` marker owed because of the hand
deletion must never delete a record that the newer batch decided live.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

import discobase
from bot import create_bot
from discobase.backend.discord_backend import DiscordBackend
from tests.cogs.helpers import handled, reply

from .helpers import burst

UPDATED = re.compile(r"Updated record \*\*(\d+)\*\* of `books`")
DELETED = re.compile(r"Deleted record \*\*(\d+)\*\* from `books`")
TITLES = ["Dune", "Emma", "Ulysses", "Beloved", "Walden"]


class HandDeleteDuringBatch:
    """Wraps the bot's backend: the lone write goes once the others queue; during a batch, an admin deletes a message.

    The first write to reach the table goes alone; its request waits (yielding
    to the loop, bounded) until ``packed`` writes queue behind it, so those are
    all stored in one batch. When that batch is sent, an admin first deletes
    by hand the message holding ``record_id``, through SimCord (the message
    leaves the channel and the gateway announces it, as when an admin deletes
    it in the client); the batch request waits until the bot has taken the
    event in, then goes on to Discord. So the delete event arrives while the
    packed write is in flight.
    """

    def __init__(self, env: Any, store: discobase.GuildStore, record_id: int, packed: int) -> None:
        self.env = env
        self.store = store
        self.table = store.tables.entry("books")
        self.record_id = record_id
        self.packed = packed
        self.batches: list[str] = []
        self.queued = 0
        self.deleted_message: int | None = None
        backend = store.backend
        self._send, self._edit, self._delete = backend.send, backend.edit, backend.delete
        backend.send = self.send  # type: ignore[method-assign]
        backend.edit = self.edit  # type: ignore[method-assign]
        backend.delete = self.delete  # type: ignore[method-assign]

    async def _lead(self, channel_id: int) -> None:
        """The lone write's request: wait until the writes to pack have queued behind it."""
        if channel_id != self.table.channel_id or self.queued:
            return
        queued = 0
        for _ in range(2000):
            queued = self.store.queues.waiting(self.table)
            if queued >= self.packed:
                break
            await asyncio.sleep(0)
        self.queued = queued

    async def edit(self, channel_id: int, message_id: int, text: str) -> None:
        await self._lead(channel_id)
        await self._edit(channel_id, message_id, text)

    async def delete(self, channel_id: int, message_id: int) -> None:
        await self._lead(channel_id)
        await self._delete(channel_id, message_id)

    async def send(self, channel_id: int, text: str) -> int:
        if '"batch"' not in text or channel_id != self.table.channel_id:
            await self._lead(channel_id)
            return await self._send(channel_id, text)
        self.batches.append(text)
        if self.deleted_message is None:
            record = self.table.find(self.record_id)
            assert record is not None, f"record {self.record_id} is not in memory when its batch is sent"
            self.deleted_message = record.message_id
            self.env.backend.delete_message(channel_id, self.deleted_message)  # by hand, announced on the gateway
            for _ in range(200):  # the bot takes the delete event in while the batch is in flight
                if self.table.find(self.record_id) is None:
                    break
                await asyncio.sleep(0)
            assert self.table.find(self.record_id) is None, "the bot never saw the hand deletion"
        return await self._send(channel_id, text)


def last_text(result: Any) -> str:
    return reply(result).content


async def fresh_read(env: Any, guild: Any) -> dict[int, dict[str, Any]]:
    """What a new process would read from the channels now: a new store on the same guild, nothing cached."""
    fresh = discobase.GuildStore(DiscordBackend(env.bot, guild.id))
    return {record.id: dict(record.values) for record in await fresh.find("books")}


async def in_memory(store: discobase.GuildStore) -> dict[int, dict[str, Any]]:
    return {record.id: dict(record.values) for record in await store.find("books")}


def unique_titles(records: dict[int, dict[str, Any]]) -> None:
    titles = [values["title"] for values in records.values()]
    duplicates = sorted({title for title in titles if titles.count(title) > 1})
    assert not duplicates, f"a unique column holds a value twice: {duplicates} in {records}"


def bot_store(env: Any, guild: Any) -> discobase.GuildStore:
    bot_guild = env.bot.get_guild(guild.id)
    assert bot_guild is not None
    return env.bot.engine.store(bot_guild)


@pytest.fixture
def crowd(simcord_env, guild) -> list[Any]:
    """Five members, each the creator of one record of `books` (records 1 to 5, in that order)."""
    return [guild.add_member(simcord_env.create_user(f"writer{n}")) for n in range(len(TITLES))]


@pytest.fixture
async def five(simcord_env, channel, books, crowd) -> None:
    for member, title in zip(crowd, TITLES, strict=True):
        result = await member.slash(channel, "record insert", table="books", values=f"title={title}, author=A")
        assert last_text(result).startswith("Inserted record"), last_text(result)


async def race(
    env: Any,
    guild: Any,
    channel: Any,
    store: discobase.GuildStore,
    calls: list[tuple[Any, str, dict[str, Any]]],
    hand_deleted: int,
) -> list[str]:
    """Run the commands at the same moment; the message of ``hand_deleted`` is deleted by hand in the batch's flight.

    Returns what each member was told. Fails if the bot raised (a ``KeyError`` of
    the engine shows here, with the member's answer, rather than at teardown).
    """
    hook = HandDeleteDuringBatch(env, store, hand_deleted, packed=len(calls) - 1)
    calls = [(member, channel, name, {"table": "books", **options}) for member, name, options in calls]
    results = await burst(env, calls)
    await env.settle()
    await store.drain()  # background writes the hand deletion may owe (a gone marker)
    await env.settle()
    assert hook.queued == len(calls) - 1, f"only {hook.queued} writes queued behind the first: not packed"
    assert hook.batches, "no batch was sent: the writes were not packed"
    assert f"[{hand_deleted}," in hook.batches[0] or f"[{hand_deleted}]" in hook.batches[0], (
        f"record {hand_deleted} is not in the batch: {hook.batches[0]}"
    )
    texts = [last_text(result) for result in results]
    errors = handled(env)
    assert not errors, f"the bot raised {errors!r}; members were told {texts!r}"
    return texts


def shown(records: dict[int, dict[str, Any]]) -> dict[int, tuple[Any, Any]]:
    return {record_id: (values["title"], values["year"]) for record_id, values in records.items()}


async def check_everywhere(env: Any, settings: Any, guild: Any, expected: dict[int, tuple[Any, Any]]) -> None:
    """Memory, a fresh read, and memory after a restart each hold ``expected`` (title and year by id)."""
    store = bot_store(env, guild)
    memory = await in_memory(store)
    fresh = await fresh_read(env, guild)
    unique_titles(memory)
    unique_titles(fresh)
    assert shown(memory) == shown(fresh), f"memory and Discord disagree:\nmemory {memory}\nfresh  {fresh}"
    assert shown(memory) == expected
    await env.bot.close()
    await env.restart_bot(create_bot(settings))
    restarted = await in_memory(bot_store(env, guild))
    unique_titles(restarted)
    assert shown(restarted) == expected, f"after a restart: {restarted}"


def told_updated(texts: list[str], record_ids: list[int]) -> None:
    for record_id in record_ids:
        text = texts[record_id - 1]
        match = UPDATED.match(text)
        assert match is not None and match.group(1) == str(record_id), f"member {record_id} was told: {text!r}"


async def test_updates_packed_with_a_record_deleted_by_hand_all_succeed_and_it_stays_updated(
    simcord_env, settings, guild, channel, store, five, crowd, overlap
):
    """Members 1 to 5 update their records at once; record 3's message is deleted by hand in the batch's flight.

    The batch, newer than the deleted message, stores record 3 with its new
    values: every member is told their change is stored; a new record cannot
    take record 3's title; memory, a fresh read and a restart hold record 3 updated.
    """
    calls = [(m, "record update", {"id": n + 1, "set": f"year={2000 + n}"}) for n, m in enumerate(crowd)]
    texts = await race(simcord_env, guild, channel, store, calls, hand_deleted=3)
    assert overlap["most"] >= 3
    told_updated(texts, [1, 2, 3, 4, 5])
    again = await crowd[0].slash(channel, "record insert", table="books", values="title=Ulysses, author=B")
    assert "is unique and record 3 already has" in last_text(again), last_text(again)
    handled(simcord_env)  # the refusal above is expected
    expected = {n + 1: (title, 2000 + n) for n, title in enumerate(TITLES)}
    await check_everywhere(simcord_env, settings, guild, expected)


async def test_a_delete_packed_with_an_update_of_a_record_deleted_by_hand_is_stored_and_answered(
    simcord_env, settings, guild, channel, store, five, crowd, overlap
):
    """Record 3 is updated and record 4 deleted in one batch (record 1 deleted first, alone); record 3's message is
    deleted by hand meanwhile.

    Member 4 is told record 4 is deleted (it is: the batch holds its marker),
    record 3 holds its new year; memory, a fresh read and a restart agree.
    """
    calls = [
        (crowd[0], "record delete", {"id": 1}),  # the lone write: a delete reaches the store before an update
        (crowd[1], "record update", {"id": 2, "set": "year=2001"}),
        (crowd[2], "record update", {"id": 3, "set": "year=2002"}),
        (crowd[3], "record delete", {"id": 4}),
        (crowd[4], "record update", {"id": 5, "set": "year=2004"}),
    ]
    texts = await race(simcord_env, guild, channel, store, calls, hand_deleted=3)
    told_updated(texts, [2, 3, 5])
    assert DELETED.match(texts[3]), f"member 4 was told: {texts[3]!r}"
    expected = {2: ("Emma", 2001), 3: ("Ulysses", 2002), 5: ("Walden", 2004)}
    await check_everywhere(simcord_env, settings, guild, expected)


async def test_a_packed_delete_of_the_record_deleted_by_hand_is_answered_and_it_stays_gone(
    simcord_env, settings, guild, channel, store, five, crowd, overlap
):
    """Record 3 is deleted in a batch while its message is deleted by hand: member 3 is told so; it stays gone.

    Record 1 is deleted first, alone (a delete reaches the store before an
    update, so it leads); the records updated beside record 3 hold their new
    years everywhere.
    """
    calls = [
        (crowd[0], "record delete", {"id": 1}),  # the lone write: a delete reaches the store before an update
        (crowd[1], "record update", {"id": 2, "set": "year=2001"}),
        (crowd[2], "record delete", {"id": 3}),
        (crowd[3], "record update", {"id": 4, "set": "year=2003"}),
    ]
    texts = await race(simcord_env, guild, channel, store, calls, hand_deleted=3)
    told_updated(texts, [2, 4])
    assert DELETED.match(texts[2]), f"member 3 was told: {texts[2]!r}"
    expected = {2: ("Emma", 2001), 4: ("Beloved", 2003), 5: ("Walden", None)}
    await check_everywhere(simcord_env, settings, guild, expected)


async def test_the_newest_record_deleted_by_hand_during_its_packed_update_is_not_deleted_by_its_owed_marker(
    simcord_env, settings, guild, channel, store, five, crowd, overlap
):
    """Record 5, the newest id, is updated in a batch while its message is deleted by hand.

    The hand deletion owes a ``gone`` marker (the newest id must stay used),
    but the batch is newer and decides record 5 live with its new year: the
    marker must not be written after it (or must not delete it). After the
    background writes, memory, a fresh read and a restart hold record 5; the
    next insert gets id 6.
    """
    calls = [(m, "record update", {"id": n + 1, "set": f"year={2000 + n}"}) for n, m in enumerate(crowd)]
    texts = await race(simcord_env, guild, channel, store, calls, hand_deleted=5)
    told_updated(texts, [1, 2, 3, 4, 5])
    expected = {n + 1: (title, 2000 + n) for n, title in enumerate(TITLES)}
    await check_everywhere(simcord_env, settings, guild, expected)
    inserted = await crowd[0].slash(channel, "record insert", table="books", values="title=Odyssey, author=B")
    assert last_text(inserted).startswith("Inserted record **6** into `books`"), last_text(inserted)
