"""Trash, history, restore and undo in the engine, on both backends: what record messages carry (I8, I9)."""

from __future__ import annotations

import datetime

import discord
import pytest

import discobase.model.history
from discobase import BulkRejected, ColumnType, GuildStore, NothingToUndo, NotInTrash, UndoRefused, UniqueViolation
from discobase.model.history import Change

from .conftest import Harness, SimcordHarness

ADA, BOB = 11, 22


async def later(harness: Harness, seconds: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Move the clocks the engine reads ``seconds`` on: discord.py's ``utcnow`` (a test's calls read the real
    one, even on SimCord), and SimCord's own (its messages' times)."""
    if isinstance(harness, SimcordHarness):
        harness.env.backend.advance_clock(seconds)
    real = discord.utils.utcnow
    monkeypatch.setattr(discord.utils, "utcnow", lambda: real() + datetime.timedelta(seconds=seconds))


async def test_a_write_still_costs_one_request(harness: Harness, store: GuildStore) -> None:
    """Insert, update, delete and restore: one request each, history and trash included."""
    for write in (
        store.insert("books", {"title": "Dune"}, ADA),
        store.insert("books", {"title": "Emma"}, ADA),
        store.update("books", 1, {"year": 1965}, actor=ADA),
        store.delete("books", 1, actor=ADA),
        store.restore("books", 1, actor=ADA),
        store.delete("books", 2, actor=BOB),
    ):
        before = harness.requests()
        await write
        assert harness.requests() - before == 1


async def test_deleted_record_is_in_the_trash_and_comes_back_whole(harness: Harness, store: GuildStore) -> None:
    """A delete keeps the record for the trash; a restore gives it its id, creator and creation time back."""
    inserted = await store.insert("books", {"title": "Dune", "year": 1965}, ADA)
    await store.insert("books", {"title": "Emma"}, ADA)
    await store.delete("books", 1, actor=BOB)
    [trashed] = await store.trash("books")
    assert trashed.record.id == 1 and trashed.record.values["title"] == "Dune" and trashed.deleted_by == BOB
    assert trashed.record.creator_id == ADA
    restored = await store.restore("books", 1, actor=BOB)
    assert restored.values == inserted.values and restored.creator_id == ADA
    assert restored.created_at == inserted.created_at
    assert await store.trash("books") == []
    store = await harness.restart()
    again = await store.get("books", 1)
    assert again.values == inserted.values and again.created_at == inserted.created_at


async def test_history_lists_each_change_newest_first(harness: Harness, store: GuildStore) -> None:
    """Insert, update, delete, restore: each with who and the columns old -> new; kept after a restart."""
    await store.insert("books", {"title": "Dune", "year": 1965}, ADA)
    await store.update("books", 1, {"year": 1966}, actor=BOB)
    await store.delete("books", 1, actor=ADA)
    await store.restore("books", 1, actor=BOB)
    for current in (store, await harness.restart()):
        entries = await current.history("books", 1)
        assert [(e.command, e.actor) for e in entries] == [
            ("restore", BOB),
            ("delete", ADA),
            ("update", BOB),
            ("insert", ADA),
        ]
        assert entries[2].changes == {"year": (1965, 1966)}
        assert entries[3].changes["title"] == (None, "Dune")
        assert entries[1].changes["title"] == ("Dune", None)


async def test_history_and_trash_survive_compaction(harness: Harness, store: GuildStore) -> None:
    """Folded into batches and swept, then read again cold: the same history and trash."""
    for n in range(6):
        await store.insert("books", {"title": f"T{n}"}, ADA)
    await store.update("books", 2, {"year": 2000}, actor=BOB)
    await store.delete("books", 3, actor=BOB)
    before_history, before_trash = await store.history("books", 2), await store.trash("books")
    result = await store.compact("books")
    assert result.batches >= 1 and result.deleted >= 1
    store = await harness.restart()
    assert await store.history("books", 2) == before_history
    assert await store.trash("books") == before_trash
    assert (await store.restore("books", 3, actor=BOB)).values["title"] == "T2"


async def test_restore_refuses_a_unique_clash_naming_both(store: GuildStore) -> None:
    """A trashed record whose unique value another record took: refused, naming both; nothing restored."""
    await store.insert("books", {"title": "Dune"}, ADA)
    await store.delete("books", 1, actor=ADA)
    await store.insert("books", {"title": "Dune"}, BOB)
    with pytest.raises(UniqueViolation) as refused:
        await store.restore("books", 1, actor=ADA)
    assert refused.value.holder == 2
    with pytest.raises(BulkRejected, match="record 1.*record 2"):
        await store.restore_many("books", [1], actor=ADA)
    assert [r.id for r in await store.find("books")] == [2]


async def test_restore_names_why_not(harness: Harness, store: GuildStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never given, not deleted, deleted more than 30 days ago: each named."""
    await store.insert("books", {"title": "Dune"}, ADA)
    await store.insert("books", {"title": "Emma"}, ADA)
    with pytest.raises(NotInTrash, match="never given"):
        await store.restore("books", 9)
    with pytest.raises(NotInTrash, match="is not deleted"):
        await store.restore("books", 2)
    await store.delete("books", 1, actor=ADA)
    await later(harness, 31 * 24 * 3600, monkeypatch)
    assert await store.trash("books") == []
    with pytest.raises(NotInTrash, match="30 days"):
        await store.restore("books", 1)


async def test_old_history_is_dropped_by_compaction(
    harness: Harness, store: GuildStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past 30 days, a compaction folds no history and no trash: gone for good, after a restart too."""
    for n in range(4):
        await store.insert("books", {"title": f"T{n}"}, ADA)
    await store.delete("books", 2, actor=ADA)
    await later(harness, 31 * 24 * 3600, monkeypatch)
    await store.update("books", 1, {"year": 1}, actor=BOB)
    await store.compact("books")
    store = await harness.restart()
    assert [e.command for e in await store.history("books", 1)] == ["update"]
    assert await store.trash("books") == []
    with pytest.raises(NotInTrash):
        await store.restore("books", 2)


async def test_undo_reverses_each_kind(harness: Harness, store: GuildStore) -> None:
    """Insert -> deleted, update -> earlier values, delete -> restored; a second undo reaches the change before."""
    await store.insert("books", {"title": "Dune", "year": 1965}, ADA)
    await store.update("books", 1, {"year": 1966}, actor=ADA)
    await store.delete("books", 1, actor=ADA)
    undone = await store.undo("books", ADA)
    assert undone.change.command == "delete" and [r.id for r in undone.restored] == [1]
    undone = await store.undo("books", ADA)
    assert undone.change.command == "update" and (await store.get("books", 1)).values["year"] == 1965
    store = await harness.restart()  # undo state is what Discord holds
    undone = await store.undo("books", ADA)
    assert undone.change.command == "insert" and await store.find("books") == []
    with pytest.raises(NothingToUndo):
        await store.undo("books", ADA)


async def test_undo_of_a_bulk_change_is_whole_or_refused(store: GuildStore) -> None:
    """A bulk update undone as a whole; one record changed since by another member refuses it, naming them."""
    for n in range(4):
        await store.insert("books", {"title": f"T{n}"}, BOB)
    await store.update_many("books", [1, 2, 3], {"year": 2000}, actor=ADA)
    await store.update("books", 2, {"year": 2001}, actor=BOB)
    with pytest.raises(UndoRefused) as refused:
        await store.undo("books", ADA)
    assert refused.value.changed == [(2, BOB)] and f"<@{BOB}>" in str(refused.value)
    assert (await store.get("books", 1)).values["year"] == 2000
    await store.undo("books", BOB)  # Bob takes his change back: Ada's bulk update is whole again
    undone = await store.undo("books", ADA)
    assert undone.change.command == "bulk update" and len(undone.updated) == 3
    assert {r.values["year"] for r in await store.find("books")} == {None}


async def test_undo_is_for_the_last_hour(harness: Harness, store: GuildStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """An older change is not undone; the answer names it."""
    await store.insert("books", {"title": "Dune"}, ADA)
    await later(harness, 2 * 3600, monkeypatch)
    with pytest.raises(NothingToUndo, match="your insert at <t:"):
        await store.undo("books", ADA)
    assert len(await store.find("books")) == 1


async def test_undo_of_an_import_deletes_every_row(harness: Harness, store: GuildStore) -> None:
    """An import is one change: undone whole, each row to the trash; restorable by the restore of many."""
    await store.insert_many("books", [{"title": f"T{n}"} for n in range(30)], ADA)
    undone = await store.undo("books", ADA)
    assert undone.change.command == "import" and len(undone.deleted) == 30
    assert await store.find("books") == [] and len(await store.trash("books")) == 30
    restored = await store.restore_many("books", list(range(1, 31)), actor=ADA)
    assert [r.id for r in restored] == list(range(1, 31))


async def test_a_thousand_restored_or_undone_are_one_batch_message(harness: Harness, store: GuildStore) -> None:
    """1,000 records deleted in bulk: restoring them all is one request, and so is undoing that restore."""
    await store.insert_many("books", [{"title": f"T{n}"} for n in range(1000)], ADA)
    await store.delete_many("books", list(range(1, 1001)), actor=ADA)
    before = harness.requests()
    await store.restore_many("books", list(range(1, 1001)), actor=ADA)
    assert harness.requests() - before == 1 and await store.count("books") == 1000
    before = harness.requests()
    undone = await store.undo("books", ADA)
    assert undone.change.command == "restore" and len(undone.deleted) == 1000
    assert harness.requests() - before == 1 and len(await store.trash("books")) == 1000


async def test_a_type_change_keeps_the_trash_restorable_and_the_history_readable(
    harness: Harness, store: GuildStore
) -> None:
    """`year` text -> int: a record trashed before comes back converted (one that cannot be, without it); the
    history from before the change still reads old -> new, after a restart too."""
    await store.alter_column("books", "year", column_type=ColumnType.TEXT, actor=ADA)
    await store.insert("books", {"title": "Dune", "year": "1965"}, ADA)
    await store.insert("books", {"title": "Emma", "year": "1815"}, ADA)
    await store.insert("books", {"title": "Odd", "year": "soon"}, ADA)
    await store.update("books", 2, {"year": "1816"}, actor=ADA)
    await store.delete("books", 1, actor=ADA)
    await store.delete("books", 3, actor=ADA)
    await store.alter_column("books", "year", column_type=ColumnType.INT, actor=BOB)
    assert (await store.restore("books", 1, actor=ADA)).values["year"] == 1965
    restarted = await harness.restart()
    assert (await restarted.get("books", 1)).values["year"] == 1965
    assert (await restarted.restore("books", 3, actor=ADA)).values == {"title": "Odd", "year": None, "read": False}
    history = await restarted.history("books", 2)
    assert [(entry.command, entry.changes.get("year")) for entry in history] == [
        ("alter-column", ("1816", 1816)),
        ("update", ("1815", "1816")),
        ("insert", (None, "1815")),
    ]


def test_changes_made_in_one_second_get_growing_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    """The undo takes a member's change with the largest (time, token): 20,000 changes in a second stay in order.

    Tokens once took a counter modulo 10,000: past a wrap, a later change of
    the same second had a smaller token, and an undo reversed the wrong one.
    """
    monkeypatch.setattr(discobase.model.history, "now_seconds", lambda: 1_800_000_000)
    tokens = [Change.new(1, "update").token for _ in range(20_000)]
    assert tokens == sorted(set(tokens))
