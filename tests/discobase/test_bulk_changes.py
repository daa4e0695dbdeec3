"""Bulk updates, deletes and upserts: all or nothing, every problem named, stored in a few batch messages."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from discobase import (
    BulkRejected,
    GuildStore,
    ImportRejected,
    PartlyStored,
    SchemaError,
    parse_query,
    retry,
)
from discobase.errors import DiscordUnavailable
from discobase.write.imports import carried_size, parts

from .conftest import Harness


async def _fill(store: GuildStore, count: int) -> None:
    rows = [{"title": f"book {n}", "year": str(1900 + n)} for n in range(1, count + 1)]
    await store.insert_many("books", rows, creator_id=7)


def _snapshot(records: list) -> dict[int, dict]:
    return {record.id: record.values for record in records}


async def test_update_many_changes_every_record_in_one_request(harness: Harness, store: GuildStore) -> None:
    """1,000 records updated in one batch message; after a restart every one reads the new value."""
    await _fill(store, 1000)
    ids = [r.id for r in await store.find("books")]
    before = harness.requests()
    changed = await store.update_many("books", ids, {"read": "yes"})
    assert harness.requests() - before == 1
    assert all(c.before.values["read"] is False and c.after.values["read"] is True for c in changed)
    restarted = await harness.restart()
    assert all(r.values["read"] is True for r in await restarted.find("books"))
    assert await restarted.count("books") == 1000


async def test_update_many_past_one_message_takes_one_request_a_batch(
    harness: Harness, store: GuildStore, batch_budget: Callable[[int], int]
) -> None:
    """2,500 records in batches of 80,000 bytes, each record with the history it carries: a request a batch."""
    await _fill(store, 2500)
    table = store.tables.entry("books")
    changed = [{**record.values, "year": 2000} for record in await store.find("books")]
    carried = [carried_size(table, record_id) for record_id in range(1, 2501)]
    cut = parts(changed, batch_budget(80_000), carried)
    assert 3 < len(cut) < 10  # three without history
    before = harness.requests()
    await store.update_many("books", list(range(1, 2501)), {"year": "2000"})
    assert harness.requests() - before == len(cut)
    assert {r.values["year"] for r in await store.find("books")} == {2000}


async def test_a_unique_clash_refuses_them_all_and_names_every_record(harness: Harness, store: GuildStore) -> None:
    """Setting a unique column to one value on three records: nothing written, records 2 and 3 named."""
    await _fill(store, 3)
    before_requests, before = harness.requests(), _snapshot(await store.find("books"))
    problems = await store.check_update_many("books", [1, 2, 3], {"title": "Same"})
    assert [(p.record_id, p.column) for p in problems] == [(2, "title"), (3, "title")]
    with pytest.raises(BulkRejected, match="record 2, `title`") as refused:
        await store.update_many("books", [1, 2, 3], {"title": "Same"})
    assert len(refused.value.problems) == 2
    assert harness.requests() == before_requests
    assert _snapshot(await store.find("books")) == before


async def test_a_gone_record_refuses_the_change(store: GuildStore) -> None:
    """A record deleted between the preview and the change: named, and nothing changed."""
    await _fill(store, 2)
    await store.delete("books", 2)
    with pytest.raises(BulkRejected, match="record 2"):
        await store.update_many("books", [1, 2], {"year": "1"})
    assert (await store.get("books", 1)).values["year"] == 1901


async def test_bad_changes_cost_no_request(harness: Harness, store: GuildStore) -> None:
    """A value the column cannot take is refused before anything else."""
    await _fill(store, 2)
    before = harness.requests()
    with pytest.raises(Exception, match="year"):
        await store.update_many("books", [1, 2], {"year": "soon"})
    assert harness.requests() == before


async def test_delete_many_in_one_request_stays_deleted(harness: Harness, store: GuildStore) -> None:
    """Deleting 600 of 1,000 records is one message of gone markers; they stay gone and ids are not reused."""
    await _fill(store, 1000)
    doomed = [r.id for r in await store.find("books", parse_query(store.schema("books"), "year > 2300"))]
    assert len(doomed) == 600
    before = harness.requests()
    gone = await store.delete_many("books", doomed)
    assert harness.requests() - before == 1
    assert [r.id for r in gone] == doomed
    restarted = await harness.restart()
    assert await restarted.count("books") == 400
    assert (await restarted.insert("books", {"title": "new"}, 1)).id == 1001


async def test_upsert_updates_by_key_and_inserts_the_rest(harness: Harness, store: GuildStore) -> None:
    """Rows whose title exists update that record; new titles insert; rows as stored already change nothing."""
    await _fill(store, 3)
    rows = [
        {"title": "book 1", "year": "1901"},  # as it is
        {"title": "book 2", "year": "1066"},  # an update
        {"title": "Dune", "year": "1965"},  # new
    ]
    before = harness.requests()
    result = await store.upsert_many("books", rows, "title", creator_id=9)
    assert harness.requests() - before == 1
    assert [r.id for r in result.inserted] == [4] and result.inserted[0].creator_id == 9
    assert [(r.id, r.values["year"]) for r in result.updated] == [(2, 1066)]
    assert result.unchanged == 1
    again = await store.upsert_many("books", rows, "title", creator_id=9)
    assert (len(again.inserted), len(again.updated), again.unchanged) == (0, 0, 3)
    restarted = await harness.restart()
    assert (await restarted.get("books", 2)).values["year"] == 1066
    assert (await restarted.get("books", 2)).creator_id == 7


async def test_upsert_problems_are_all_listed_and_nothing_is_written(harness: Harness, store: GuildStore) -> None:
    """A missing key, a bad value, a key twice in the file, an unknown column: every one named, nothing written."""
    await _fill(store, 2)
    rows = [
        {"title": "", "year": "1"},
        {"title": "book 1", "year": "soon"},
        {"title": "new", "year": "2"},
        {"title": "new", "year": "3"},
        {"title": "x", "colour": "red"},
    ]
    before_requests, before = harness.requests(), _snapshot(await store.find("books"))
    problems = await store.check_upsert("books", rows, "title")
    assert [(p.row, p.column) for p in problems] == [(1, "title"), (2, "year"), (4, "title"), (5, "colour")]
    with pytest.raises(ImportRejected):
        await store.upsert_many("books", rows, "title", creator_id=1)
    assert harness.requests() == before_requests
    assert _snapshot(await store.find("books")) == before


async def test_upsert_needs_a_unique_key(store: GuildStore) -> None:
    """`year` is not unique: the refusal says so and how to make it unique."""
    with pytest.raises(SchemaError, match="alter-column"):
        await store.upsert_many("books", [{"title": "a", "year": "1"}], "year", creator_id=1)


async def test_upsert_of_a_thousand_rows_is_a_couple_of_requests(harness: Harness, store: GuildStore) -> None:
    """1,000 rows, half updates and half inserts: one batch message."""
    await _fill(store, 500)
    rows = [{"title": f"book {n}", "year": "3000"} for n in range(1, 1001)]
    before = harness.requests()
    result = await store.upsert_many("books", rows, "title", creator_id=1)
    assert harness.requests() - before == 1
    assert (len(result.inserted), len(result.updated)) == (500, 500)


async def test_a_failure_between_batches_says_how_far_it_got(
    harness: Harness, store: GuildStore, monkeypatch, batch_budget: Callable[[int], int]
) -> None:
    """The second of several batches fails: the first stays stored, the error says so; running it again finishes."""
    await _fill(store, 2500)
    changed = [{**record.values, "year": 1} for record in await store.find("books")]
    table = store.tables.entry("books")
    first = parts(changed, batch_budget(80_000), [carried_size(table, n) for n in range(1, 2501)])[0]
    monkeypatch.setattr(retry, "DELAYS", ())
    original = store.backend.send
    calls = {"n": 0}

    async def failing_second(channel_id: int, text: str) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise DiscordUnavailable("store the change", RuntimeError("boom"))
        return await original(channel_id, text)

    monkeypatch.setattr(store.backend, "send", failing_second)
    with pytest.raises(PartlyStored, match=f"{len(first)} of 2500 changes were stored"):
        await store.update_many("books", list(range(1, 2501)), {"year": "1"})
    monkeypatch.setattr(store.backend, "send", original)
    await store.update_many("books", list(range(1, 2501)), {"year": "1"})
    restarted = await harness.restart()
    assert {r.values["year"] for r in await restarted.find("books")} == {1}
