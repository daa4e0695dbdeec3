"""Bulk inserts: all or nothing, packed in batch messages, and ordinary records afterwards."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from discobase import GuildStore, ImportRejected, RecordNotFound, UniqueViolation
from discobase.write.imports import ROWS_BETWEEN_YIELDS, parts

from .conftest import Harness


def _rows(count: int, start: int = 0) -> list[dict[str, str]]:
    return [{"title": f"book {n}", "year": str(1900 + n % 100)} for n in range(start, start + count)]


async def test_bulk_insert_packs_rows_and_survives_restart(
    harness: Harness, store: GuildStore, batch_budget: Callable[[int], int]
) -> None:
    """2,500 rows in batches of 80,000 bytes cost 3 requests and come back with ids 1..2500 after a restart."""
    cuts = parts(_rows(2500), batch_budget(80_000))
    assert len(cuts) == 3
    progress: list[tuple[int, int]] = []

    async def on_progress(done: int, total: int) -> None:
        progress.append((done, total))

    before = harness.requests()
    records = (await store.insert_many("books", _rows(2500), creator_id=7, on_progress=on_progress)).written
    assert harness.requests() - before == 3
    assert progress == [(cut.stop, 2500) for cut in cuts]
    assert [r.id for r in records] == list(range(1, 2501))
    restarted = await harness.restart()
    assert await restarted.count("books") == 2500
    record = await restarted.get("books", 2500)
    assert (record.values["title"], record.values["year"], record.creator_id) == ("book 2499", 1999, 7)


async def test_bad_rows_write_nothing_and_are_all_listed(harness: Harness, store: GuildStore) -> None:
    """Any bad row (type, unknown column, unique in table or file) rejects the whole import."""
    await store.insert("books", {"title": "Dune"}, 1)
    rows = [
        *_rows(3),
        {"title": "bad year", "year": "soon"},
        {"title": "Dune"},
        {"title": "book 1"},
        {"title": "x", "colour": "red"},
        {"year": "1"},
    ]
    before = harness.requests()
    problems = await store.check_rows("books", rows)
    assert [(p.row, p.column) for p in problems] == [
        (4, "year"),
        (5, "title"),
        (6, "title"),
        (7, "colour"),
        (8, "title"),
    ]
    assert "already in record 1" in problems[1].reason and "also in row 2" in problems[2].reason
    with pytest.raises(ImportRejected, match="Nothing was written to `books`: 5 row problem"):
        await store.insert_many("books", rows, 1)
    assert harness.requests() == before
    assert await store.count("books") == 1


async def test_batched_records_update_and_delete_like_others(harness: Harness, store: GuildStore) -> None:
    """A batched record updates and deletes in one request each, and stays so after restart."""
    await store.insert_many("books", _rows(5), 1)
    before = harness.requests()
    await store.update("books", 2, {"title": "renamed"})
    await store.delete("books", 3)
    assert harness.requests() - before == 2
    restarted = await harness.restart()
    assert [r.values["title"] for r in await restarted.find("books")] == ["book 0", "renamed", "book 3", "book 4"]
    assert (await restarted.insert("books", {"title": "book 2"}, 1)).id == 6
    with pytest.raises(UniqueViolation):
        await restarted.insert("books", {"title": "renamed"}, 1)
    # Deleting a record that was updated out of a batch does not bring its old copy back.
    await restarted.delete("books", 2)
    again = await harness.restart()
    with pytest.raises(RecordNotFound):
        await again.get("books", 2)
    assert (await again.insert("books", {"title": "book 1"}, 1)).id == 7


async def test_hand_deleting_a_batch_removes_its_records(harness: Harness, store: GuildStore) -> None:
    """Deleting a batch message by hand removes every record it still holds, at once and after restart."""
    await store.insert("books", {"title": "single"}, 1)
    await store.insert_many("books", _rows(3), 1)
    await store.update("books", 3, {"year": "1"})  # moved out of the batch: survives
    await harness.delete_by_hand("books", 2)
    assert [r.id for r in await store.find("books")] == [1, 3]
    restarted = await harness.restart()
    assert [r.id for r in await restarted.find("books")] == [1, 3]


async def test_hand_deleting_an_updated_batched_record_keeps_it_deleted(harness: Harness, store: GuildStore) -> None:
    """A record updated out of a batch and then deleted by hand does not come back after restart."""
    await store.insert_many("books", _rows(3), 1)
    await store.update("books", 2, {"year": "1"})
    await harness.delete_by_hand("books", 2)
    restarted = await harness.restart()
    assert [r.id for r in await restarted.find("books")] == [1, 3]


async def test_created_at_survives_update_out_of_batch(harness: Harness, store: GuildStore) -> None:
    """The creation time stays the batch's, even once the record lives in a newer message."""
    (first, _) = (await store.insert_many("books", _rows(2), 1)).written
    updated = await store.update("books", 1, {"year": "2"})
    assert updated.created_at == first.created_at
    restarted = await harness.restart()
    assert (await restarted.get("books", 1)).created_at == first.created_at


async def test_a_server_s_upload_limit_holds_30_000_rows_in_one_message(harness: Harness, store: GuildStore) -> None:
    """Batches are cut by bytes, not rows: 30,000 short rows are one request on a 10 MiB server, and read back."""
    before = harness.requests()
    await store.insert_many("books", _rows(30_000), creator_id=7)
    assert harness.requests() - before == 1
    restarted = await harness.restart()
    assert await restarted.count("books") == 30_000
    assert (await restarted.get("books", 30_000)).values["title"] == "book 29999"


async def test_interrupted_resumable_import_writes_only_what_is_missing(
    harness: Harness, store: GuildStore, batch_budget: Callable[[int], int]
) -> None:
    """Run again after losing its last part, a resumable import writes only that part: no duplicate rows."""
    rows = _rows(2500)
    last = parts(rows, batch_budget(80_000))[-1]
    first = await store.insert_many("books", rows, 1, resumable=True)
    assert len(first.written) == 2500
    await harness.delete_by_hand("books", 2500)  # the last batch never reached Discord
    restarted = await harness.restart()
    await restarted.insert("books", {"title": "written after the restart"}, 1)
    before = harness.requests()
    again = await restarted.insert_many("books", rows, 1, resumable=True)
    assert (again.already_written, len(again.written)) == (last.start, len(last))
    assert [r.values["title"] for r in again.written] == [f"book {n}" for n in last]
    assert harness.requests() - before == 1  # only the missing batch
    assert await restarted.count("books") == 2501
    with pytest.raises(ImportRejected, match="already in record"):  # complete: a new run, checked as new rows
        await restarted.insert_many("books", rows, 1, resumable=True)


async def test_a_completed_import_can_be_imported_again(store: GuildStore) -> None:
    """Once an import completed, the same file is a new import: after its records were deleted it writes again."""
    rows = _rows(3)
    await store.insert_many("books", rows, 1, resumable=True)
    for record_id in (1, 2, 3):
        await store.delete("books", record_id)
    again = await store.insert_many("books", rows, 1, resumable=True)
    assert (again.already_written, [r.id for r in again.written]) == (0, [4, 5, 6])


async def test_same_rows_without_resumable_are_checked_as_new(store: GuildStore) -> None:
    """Without ``resumable`` a repeated import is a new one, so unique columns refuse it."""
    await store.insert_many("books", _rows(3), 1)
    with pytest.raises(ImportRejected, match="already in record 1"):
        await store.insert_many("books", _rows(3), 1)


async def test_a_big_import_lets_other_work_run_while_it_checks_and_drafts(store: GuildStore) -> None:
    """20,000 rows: the event loop turns many times before the import is done (other commands are answered)."""
    turns = 0
    importing = asyncio.ensure_future(store.insert_many("books", _rows(20_000), creator_id=7))

    while not importing.done():
        turns += 1
        await asyncio.sleep(0)
    assert len((await importing).written) == 20_000
    assert turns >= 2 * 20_000 // ROWS_BETWEEN_YIELDS  # a turn at least every 1,000 rows, checking and drafting
