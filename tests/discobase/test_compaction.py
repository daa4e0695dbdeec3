"""Compaction: many single-record messages become a few batches; nothing is lost or brought back."""

from __future__ import annotations

import asyncio
import datetime
import itertools

import discord
import pytest

from discobase import CompactionResult, GuildStore, MemoryBackend, Record

from .conftest import Harness, SimcordHarness, books_schema


def first_messages(records: list[Record]) -> dict[int, int]:
    """Each record's first message (its creation time), exactly: snowflake times are only to the millisecond."""
    return {r.id: r.created_message_id or r.message_id for r in records}


def quick(store: GuildStore, threshold: int = 10**9) -> GuildStore:
    """No pauses between steps; background compaction only past ``threshold`` loose messages."""
    store.compactor.pause = store.compactor.quiet = 0
    store.compactor.threshold = threshold
    return store


async def fill(store: GuildStore, count: int) -> dict[int, dict[str, object]]:
    """Insert ``count`` records one by one; what the table holds."""
    for n in range(count):
        await store.insert("books", {"title": f"T{n}", "year": n}, 1)
    return {r.id: r.values for r in await store.find("books")}


async def test_compacted_table_loads_in_a_few_requests(harness: Harness) -> None:
    """250 singles become one batch; after a restart the table reads the same, in one history page."""
    store = quick(harness.store)
    await store.create_table(books_schema())
    want = await fill(store, 250)
    result = await store.compact("books")
    assert result.batches == 1 and result.deleted == 250
    assert {r.id: r.values for r in await store.find("books")} == want
    restarted = quick(await harness.restart())
    await restarted.open()
    start = harness.requests()
    assert {r.id: r.values for r in await restarted.find("books")} == want
    assert harness.requests() - start <= 3  # a history page, and on Discord the batch's file
    assert (await restarted.insert("books", {"title": "new"}, 1)).id == 251


async def test_compaction_deletes_in_bulk_on_discord(harness: Harness) -> None:
    """The sweep is one bulk-delete request per 100 messages."""
    if not isinstance(harness, SimcordHarness):
        pytest.skip("Discord's routes")
    store = quick(harness.store)
    await store.create_table(books_schema())
    await fill(store, 150)
    start = len(harness.env.http_requests)
    with harness.env.time_context():  # SimCord's clock tells the messages' age
        await store.compact("books")
    paths = [(r.method, r.path.rsplit("/", 1)[-1]) for r in harness.env.http_requests[start:]]
    assert paths.count(("POST", "bulk-delete")) == 2
    assert paths.count(("POST", "messages")) == 1


async def test_updated_and_deleted_record_by_record_after_a_restart(harness: Harness) -> None:
    """Compacted, restarted, then every record updated or deleted one by one: exactly right after a restart."""
    store = quick(harness.store)
    await store.create_table(books_schema())
    want = await fill(store, 30)
    await store.compact("books")
    store = quick(await harness.restart())
    for record_id in range(1, 31):
        if record_id % 3:
            await store.update("books", record_id, {"read": "yes"})
            want[record_id]["read"] = True
        else:
            await store.delete("books", record_id)
            del want[record_id]
    await store.compact("books")
    restarted = quick(await harness.restart())
    assert {r.id: r.values for r in await restarted.find("books")} == want
    assert (await restarted.insert("books", {"title": "new"}, 1)).id == 31


async def test_background_compaction_starts_past_the_threshold() -> None:
    """Past the threshold of loose messages, a write starts compaction in the background."""
    backend = MemoryBackend()
    store = quick(GuildStore(backend), threshold=20)
    await store.create_table(books_schema())
    await fill(store, 20)
    await store.drain()
    assert store.status().compacted_batches == 1
    assert len(backend.channels[store.tables.entry("books").channel_id].messages) == 1


async def test_a_message_deleted_by_hand_before_the_sweep_is_no_error(harness: Harness) -> None:
    """A record deleted by hand stays deleted; the sweep of its other messages goes on."""
    store = quick(harness.store)
    await store.create_table(books_schema())
    want = await fill(store, 12)
    await harness.delete_by_hand("books", 4)
    del want[4]
    await store.compact("books")
    restarted = await harness.restart()
    assert {r.id: r.values for r in await restarted.find("books")} == want


async def test_a_compacted_batch_deleted_by_hand_brings_nothing_back() -> None:
    """The batch goes before the sweep: its records are gone, and their old messages cannot come back."""
    backend = MemoryBackend()
    store = quick(GuildStore(backend))
    await store.create_table(books_schema())
    await fill(store, 10)
    channel = store.tables.entry("books").channel_id
    singles = set(backend.channels[channel].messages)
    assert await store.compactor._step("books", CompactionResult()) == "fold"  # the fold only
    batch = (await store.get("books", 1)).message_id
    backend.channels[channel].messages.pop(batch)
    store.message_deleted(channel, batch)
    await store.drain()
    assert await store.find("books") == []
    assert singles <= set(backend.channels[channel].messages)  # not swept yet: the markers must win
    assert await GuildStore(backend).find("books") == []


async def test_old_messages_are_deleted_one_by_one(harness: Harness) -> None:
    """Discord bulk-deletes only messages younger than 14 days: older ones go one by one."""
    if not isinstance(harness, SimcordHarness):
        pytest.skip("Discord's routes")
    store = harness.store
    await store.create_table(books_schema())
    channel = store.tables.entry("books").channel_id
    start = len(harness.env.http_requests)
    with harness.env.time_context():
        old = discord.utils.time_snowflake(discord.utils.utcnow() - datetime.timedelta(days=15))
        await store.backend.delete_many(channel, [old, old + 1])
    requests = [(r.method, r.path) for r in harness.env.http_requests[start:]]
    assert requests == [
        ("DELETE", f"/channels/{channel}/messages/{old}"),
        ("DELETE", f"/channels/{channel}/messages/{old + 1}"),
    ]


async def test_creation_times_outlive_compaction(harness: Harness) -> None:
    """A record's creation time (its first message's) is the same after compaction swept that message."""
    store = quick(harness.store)
    await store.create_table(books_schema())
    await fill(store, 5)
    await store.update("books", 2, {"read": "yes"})
    created = first_messages(await store.find("books"))
    await store.compact("books")
    await store.update("books", 3, {"read": "yes"})  # a newer single over the compacted copy
    restarted = await harness.restart()
    assert first_messages(await restarted.find("books")) == created


async def test_a_marker_deleted_by_hand_is_written_again() -> None:
    """A gone marker deleted by hand: it is written again, so the record's older copy cannot come back."""
    backend = MemoryBackend()
    store = quick(GuildStore(backend))
    await store.create_table(books_schema())
    await fill(store, 6)
    await store.compact("books")  # every record now in a batch: a delete is a marker
    await store.delete("books", 3)
    channel = store.tables.entry("books").channel_id
    marker = max(backend.channels[channel].messages)
    backend.channels[channel].messages.pop(marker)
    store.message_deleted(channel, marker)
    await store.drain()
    assert sorted(r.id for r in await GuildStore(backend).find("books")) == [1, 2, 4, 5, 6]


async def test_a_process_without_the_lease_does_not_compact(harness: Harness) -> None:
    """Reading a table with many small messages starts no compaction in a process that does not write."""
    if not isinstance(harness, SimcordHarness):
        pytest.skip("the lease lives on Discord")
    store = harness.store
    await store.create_table(books_schema())
    await fill(store, 30)
    reader = quick(await harness.restart(), threshold=10)
    assert len(await reader.find("books")) == 30
    await reader.drain()
    assert reader.status().compacted_batches == 0 and not reader.lease.held


async def test_background_compaction_waits_while_members_write() -> None:
    """While members keep writing, compaction takes no step; once the table is quiet, it runs."""
    backend = MemoryBackend()
    store = GuildStore(backend)
    store.compactor.threshold, store.compactor.pause, store.compactor.quiet = 20, 0.01, 0.2
    await store.create_table(books_schema())
    await fill(store, 20)  # past the threshold: compaction starts in the background
    for n in range(8):
        await asyncio.sleep(0.05)
        await store.insert("books", {"title": f"busy{n}"}, 1)
    assert store.status().compacted_batches == 0
    await asyncio.sleep(0.3)
    await store.drain()
    assert store.status().compacted_batches == 1
    assert len(await GuildStore(backend).find("books")) == 28


async def _mixed_table(backend: MemoryBackend) -> tuple[GuildStore, dict[int, dict[str, object]]]:
    """Singles, edits, deletes (plain and markers), a packed batch and an import: a table of every message kind."""
    store = quick(GuildStore(backend))
    await store.create_table(books_schema())
    await fill(store, 150)
    await store.insert_many("books", [{"title": f"I{n}"} for n in range(5)], 1)
    for record_id in range(1, 150, 9):
        await store.delete("books", record_id)
    for record_id in range(2, 150, 13):
        if record_id % 9 != 1:
            await store.update("books", record_id, {"read": "yes"})
    await store.delete("books", 155)  # the newest id, in a batch: a marker
    return store, {r.id: r.values for r in await store.find("books")}


async def test_a_crash_at_any_request_of_compaction_loses_and_brings_back_nothing() -> None:
    """Compaction dies at its 1st, 2nd, ... request (a sweep torn in half), until it gets through: each time the
    restarted table reads the same, compacts to the end, and stays right through updates and deletes record by
    record and another restart."""
    from .test_model_concurrent import Crash, CrashingBackend

    for crash_at in itertools.count(1):
        backend = CrashingBackend()
        store, want = await _mixed_table(backend)
        backend.crash_in = crash_at
        try:
            await store.compact("books")
        except Crash:
            pass
        else:
            assert crash_at > 3  # a fold and some sweeps, each crashed once
            return
        restarted = quick(GuildStore(backend))
        assert {r.id: r.values for r in await restarted.find("books")} == want
        await restarted.compact("books")
        assert {r.id: r.values for r in await quick(GuildStore(backend)).find("books")} == want
        store = quick(GuildStore(backend))
        for record_id in sorted(want)[::3]:
            await store.delete("books", record_id)
            del want[record_id]
        for record_id in sorted(want)[::2]:
            await store.update("books", record_id, {"year": "1999"})
            want[record_id]["year"] = 1999
        final = quick(GuildStore(backend))
        assert {r.id: r.values for r in await final.find("books")} == want
        assert (await final.insert("books", {"title": "new"}, 1)).id == 156


async def test_creation_times_outlive_the_sweep_of_every_older_copy() -> None:
    """Updated in a packed batch and alone after compaction, then every older copy swept: creation times hold."""
    from .test_group_commit import RoundTripBackend

    backend = RoundTripBackend()
    store = quick(GuildStore(backend))
    await store.create_table(books_schema())
    await fill(store, 4)
    created = first_messages(await store.find("books"))
    await asyncio.gather(*(store.update("books", n, {"read": "yes"}) for n in (1, 2, 3)))  # 1 alone, 2 and 3 packed
    await store.compact("books")
    await store.update("books", 4, {"year": "1"})  # a single over the compacted copy
    await asyncio.gather(*(store.update("books", n, {"year": "2"}) for n in (1, 2, 3, 4)))
    await store.compact("books")
    channel = store.tables.entry("books").channel_id
    assert len(backend.channels[channel].messages) == 1
    assert first_messages(await GuildStore(backend).find("books")) == created


async def test_a_newer_single_keeps_the_creation_time_once_its_batch_is_swept() -> None:
    """Compacted records updated one by one leave their batch deciding nothing; swept, it takes no time with it."""
    backend = MemoryBackend()
    store = quick(GuildStore(backend))
    await store.create_table(books_schema())
    await fill(store, 2)
    created = first_messages(await store.find("books"))
    await store.compact("books")
    batch = (await store.get("books", 1)).message_id
    store = quick(GuildStore(backend))
    await store.update("books", 1, {"year": "1"})
    await store.update("books", 2, {"year": "2"})
    backend.channels[store.tables.entry("books").channel_id].messages.pop(batch)  # as a sweep would
    assert first_messages(await GuildStore(backend).find("books")) == created


async def test_old_messages_are_swept_in_small_paced_steps(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loose messages 15 days old: swept a few a step, each step one commit with a pause after it, one request per
    old message and none of them in a bulk delete (the strict check refuses that); young ones still go in bulk."""
    if not isinstance(harness, SimcordHarness):
        pytest.skip("Discord's routes and SimCord's clock")
    from discobase.write.compaction import OLD_SWEEP

    store = quick(harness.store)
    await store.create_table(books_schema())
    await fill(store, 23)
    harness.env.backend.advance_clock(15 * 24 * 3600)  # the 23 singles are 15 days old now
    for n in range(23, 30):
        await store.insert("books", {"title": f"T{n}", "year": n}, 1)
    want = {r.id: r.values for r in await store.find("books")}
    steps: list[tuple[list[int], list[tuple[str, str]]]] = []
    commit = store.committer.commit

    async def recorded(table, draft):
        start = len(harness.env.http_requests)
        message_id = await commit(table, draft)
        if draft.sweep:
            steps.append((list(draft.sweep), [(r.method, r.path) for r in harness.env.http_requests[start:]]))
        return message_id

    rests: list[float] = []

    async def rest(seconds: float) -> None:
        rests.append(seconds)

    monkeypatch.setattr(store.committer, "commit", recorded)
    monkeypatch.setattr(store.gate, "rest", rest)
    store.compactor.pause = 0.5
    with harness.env.time_context():  # SimCord's clock tells the messages' age
        result = await store.compact("books")
    assert result.batches == 1 and result.deleted == 30
    bulk = [step for step in steps if any(path.endswith("bulk-delete") for _, path in step[1])]
    assert len(bulk) == 1 and len(bulk[0][0]) == 7  # the 7 young singles, in one request
    assert bulk[0][1] == [("POST", bulk[0][1][0][1])]
    old_steps = [step for step in steps if step not in bulk]
    assert [len(messages) for messages, _ in old_steps] == [5, 5, 5, 5, 3]
    for messages, requests in old_steps:  # one DELETE per message of the step, nothing else
        assert sorted(int(path.rsplit("/", 1)[-1]) for _, path in requests) == sorted(messages)
        assert all(method == "DELETE" for method, _ in requests) and len(messages) <= OLD_SWEEP
    assert rests.count(0.5 * OLD_SWEEP) >= len(old_steps)  # each old step followed by a pause per request
    assert {r.id: r.values for r in await store.find("books")} == want
    restarted = await harness.restart()
    assert {r.id: r.values for r in await restarted.find("books")} == want
    channel = restarted.tables.entry("books").channel_id
    assert len([m async for m in restarted.backend.history(channel)]) == 1  # only the batch is left


async def test_delete_many_refuses_many_old_messages(harness: Harness) -> None:
    """More old messages than a step takes is a bug in the caller: refused before any request."""
    from discobase.backend.base import OLD_DELETES

    store = harness.store
    await store.create_table(books_schema())
    channel = store.tables.entry("books").channel_id
    start = harness.requests()
    old = discord.utils.time_snowflake(discord.utils.utcnow() - datetime.timedelta(days=15))
    with pytest.raises(ValueError, match="at most 100, of which 5 old"):
        await store.backend.delete_many(channel, [old + n for n in range(OLD_DELETES + 1)])
    assert harness.requests() == start
