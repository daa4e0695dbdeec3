"""The engine's behaviour, on both backends: records, ids, unique columns, restarts and hand edits."""

from __future__ import annotations

import asyncio

import pytest

from discobase import (
    BadValue,
    GuildStore,
    MemoryBackend,
    Query,
    RecordNotFound,
    SchemaError,
    TableDamaged,
    TableExists,
    TableSchema,
    UniqueViolation,
    UnknownColumn,
    UnknownTable,
    parse_columns,
    parse_query,
)

from .conftest import Harness, books_schema


async def test_insert_gives_ids_in_order_and_keeps_creator(store: GuildStore) -> None:
    """Ids start at 1 and grow by one; the creator and creation time are kept."""
    first = await store.insert("books", {"title": "Dune", "year": "1965"}, creator_id=42)
    second = await store.insert("books", {"title": "Emma"}, creator_id=43)
    assert (first.id, second.id) == (1, 2)
    assert first.values == {"title": "Dune", "year": 1965, "read": False}
    assert first.creator_id == 42
    assert first.created_at.tzinfo is not None and first.created_at <= second.created_at


async def test_get_unknown_id_names_the_table(store: GuildStore) -> None:
    """Getting an id that does not exist says which table and how to list ids."""
    with pytest.raises(RecordNotFound, match="`books` has no record with id 9"):
        await store.get("books", 9)


async def test_unknown_table_suggests_closest(store: GuildStore) -> None:
    """A misspelt table name suggests the real one."""
    with pytest.raises(UnknownTable, match="Did you mean `books`"):
        await store.insert("bokos", {"title": "x"}, 1)


async def test_unknown_column_is_an_error_not_ignored(store: GuildStore) -> None:
    """Values for a column the table lacks are refused, naming the closest column."""
    with pytest.raises(UnknownColumn, match="Did you mean `title`"):
        await store.insert("books", {"titel": "Dune"}, 1)
    assert await store.count("books") == 0


async def test_missing_required_column_writes_nothing(harness: Harness, store: GuildStore) -> None:
    """A required column left out is refused before any request."""
    before = harness.requests()
    with pytest.raises(BadValue, match="`title`.*required"):
        await store.insert("books", {"year": "1999"}, 1)
    assert harness.requests() == before


async def test_unique_column_refuses_duplicates(store: GuildStore) -> None:
    """A second record with the same unique value is refused and names the holder."""
    await store.insert("books", {"title": "Dune"}, 1)
    with pytest.raises(UniqueViolation, match='record 1 already has "Dune"'):
        await store.insert("books", {"title": "Dune"}, 1)
    assert await store.count("books") == 1


async def test_update_changes_named_columns_only(store: GuildStore) -> None:
    """Update changes the columns it names and keeps the others."""
    await store.insert("books", {"title": "Dune", "year": "1965"}, 1)
    updated = await store.update("books", 1, {"read": "yes"})
    assert updated.values == {"title": "Dune", "year": 1965, "read": True}
    assert (await store.get("books", 1)).values["read"] is True


async def test_update_cannot_break_unique(store: GuildStore) -> None:
    """Updating a record to another record's unique value is refused."""
    await store.insert("books", {"title": "Dune"}, 1)
    await store.insert("books", {"title": "Emma"}, 1)
    with pytest.raises(UniqueViolation):
        await store.update("books", 2, {"title": "Dune"})
    await store.update("books", 1, {"title": "Dune"})  # its own value is fine
    assert [r.values["title"] for r in await store.find("books")] == ["Dune", "Emma"]


async def test_update_cannot_empty_a_required_column(store: GuildStore) -> None:
    """A required column cannot be set to nothing."""
    await store.insert("books", {"title": "Dune"}, 1)
    with pytest.raises(BadValue, match="cannot be emptied"):
        await store.update("books", 1, {"title": ""})


async def test_delete_removes_and_frees_unique_value(store: GuildStore) -> None:
    """A deleted record is gone, and its unique value can be used again."""
    await store.insert("books", {"title": "Dune"}, 1)
    await store.insert("books", {"title": "Emma"}, 1)
    await store.delete("books", 1)
    with pytest.raises(RecordNotFound):
        await store.get("books", 1)
    again = await store.insert("books", {"title": "Dune"}, 1)
    assert again.id == 3


async def test_find_where_sort_limit(store: GuildStore) -> None:
    """Find filters, sorts (empty values last) and limits."""
    for title, year in [("Dune", "1965"), ("Emma", "1815"), ("Ulysses", "1922"), ("Notes", "")]:
        await store.insert("books", {"title": title, "year": year}, 1)
    schema = store.schema("books")
    found = await store.find("books", parse_query(schema, where="year > 1900", sort="-year"))
    assert [r.values["title"] for r in found] == ["Dune", "Ulysses"]
    by_year = await store.find("books", parse_query(schema, sort="year", limit=3))
    assert [r.values["title"] for r in by_year] == ["Emma", "Ulysses", "Dune"]
    assert [r.id for r in await store.find("books", parse_query(schema, sort="year"))][-1] == 4
    assert await store.count("books", parse_query(schema, where="title ~ U")) == 2


async def test_restart_brings_back_every_record_with_same_ids(harness: Harness, store: GuildStore) -> None:
    """After a restart every table and record is back, with the same ids and values."""
    for title in ["Dune", "Emma", "Ulysses"]:
        await store.insert("books", {"title": title, "year": "2000"}, 7)
    await store.update("books", 2, {"read": "true"})
    await store.delete("books", 1)
    before = [(r.id, r.values, r.creator_id) for r in await store.find("books")]
    restarted = await harness.restart()
    assert [(r.id, r.values, r.creator_id) for r in await restarted.find("books")] == before
    assert restarted.table_names() == ["books"]


async def test_ids_never_reused_after_newest_deleted_and_restart(harness: Harness, store: GuildStore) -> None:
    """Deleting the newest record and restarting does not give its id again."""
    await store.insert("books", {"title": "Dune"}, 1)
    await store.insert("books", {"title": "Emma"}, 1)
    await store.delete("books", 2)
    restarted = await harness.restart()
    assert (await restarted.insert("books", {"title": "Notes"}, 1)).id == 3
    await restarted.delete("books", 3)
    await restarted.delete("books", 1)
    restarted = await harness.restart()
    assert await restarted.count("books") == 0
    assert (await restarted.insert("books", {"title": "Last"}, 1)).id == 4


async def test_unique_holds_after_restart(harness: Harness, store: GuildStore) -> None:
    """The unique index is rebuilt on load."""
    await store.insert("books", {"title": "Dune"}, 1)
    restarted = await harness.restart()
    with pytest.raises(UniqueViolation):
        await restarted.insert("books", {"title": "Dune"}, 1)


async def test_concurrent_same_unique_value_one_wins(store: GuildStore) -> None:
    """50 concurrent inserts of one unique value: exactly one succeeds."""
    results = await asyncio.gather(
        *(store.insert("books", {"title": "Dune"}, n) for n in range(50)), return_exceptions=True
    )
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, UniqueViolation) for r in results if isinstance(r, Exception))
    assert await store.count("books") == 1


async def test_concurrent_distinct_inserts_get_distinct_ids(harness: Harness, store: GuildStore) -> None:
    """50 concurrent inserts of different values: 50 distinct ids 1..50, all back after restart."""
    records = await asyncio.gather(*(store.insert("books", {"title": f"book {n}"}, n) for n in range(50)))
    assert sorted(r.id for r in records) == list(range(1, 51))
    restarted = await harness.restart()
    assert sorted(r.id for r in await restarted.find("books")) == list(range(1, 51))


async def test_big_record_goes_to_attachment_and_back(harness: Harness, store: GuildStore) -> None:
    """A record over 2,000 characters is stored whole and read back after restart."""
    long_title = "word " * 1500
    await store.insert("books", {"title": long_title}, 1)
    await store.update("books", 1, {"year": "2001"})
    restarted = await harness.restart()
    record = await restarted.get("books", 1)
    assert record.values["title"] == long_title and record.values["year"] == 2001


async def test_hand_deleted_message_disappears_at_once(harness: Harness, store: GuildStore) -> None:
    """A record message deleted by an admin is gone from finds and frees its unique value."""
    await store.insert("books", {"title": "Dune"}, 1)
    await store.insert("books", {"title": "Emma"}, 1)
    await harness.delete_by_hand("books", 1)
    assert [r.id for r in await store.find("books")] == [2]
    assert (await store.insert("books", {"title": "Dune"}, 1)).id == 3


async def test_foreign_message_is_not_data(harness: Harness, store: GuildStore) -> None:
    """Messages in a table channel that the bot did not write are ignored, even valid-looking ones."""
    await store.insert("books", {"title": "Dune"}, 1)
    await harness.post_foreign("books", '{"v": 1, "id": 99, "by": 1, "d": {"title": "Fake"}}')
    await harness.post_foreign("books", "hello")
    restarted = await harness.restart()
    assert [r.values["title"] for r in await restarted.find("books")] == ["Dune"]
    assert (await restarted.insert("books", {"title": "Emma"}, 1)).id == 2


async def test_deleted_channel_makes_table_damaged(harness: Harness, store: GuildStore) -> None:
    """A table whose channel was deleted by hand is reported damaged, not empty, even after restart."""
    await store.insert("books", {"title": "Dune"}, 1)
    await harness.delete_channel_by_hand("books")
    with pytest.raises(TableDamaged, match="damaged"):
        await store.find("books")
    restarted = await harness.restart()
    with pytest.raises(TableDamaged):
        await restarted.count("books")
    await restarted.drop_table("books")
    assert restarted.table_names() == []


async def test_open_twice_and_restart_never_duplicate_channels(harness: Harness) -> None:
    """Opening again, or after a restart, reuses the category, catalog and table channels."""
    await harness.store.open()
    await harness.store.create_table(books_schema())
    await harness.store.open()
    restarted = await harness.restart()
    await restarted.open()
    with pytest.raises(TableExists):
        await restarted.create_table(books_schema())
    assert restarted.table_names() == ["books"]
    channels = _channel_names(harness)
    assert sorted(channels) == ["books", "db-catalog", "discobase"]


def _channel_names(harness: Harness) -> list[str]:
    backend = getattr(harness, "backend", None)
    if backend is not None:
        return [c.name for c in backend.channels.values()]
    return [c.name for c in harness.guild.channels.values() if c.name != "general"]  # type: ignore[attr-defined]


async def test_add_column_existing_records_get_default(harness: Harness, store: GuildStore) -> None:
    """A new column reads as its default on old records, also after restart."""
    await store.insert("books", {"title": "Dune"}, 1)
    await store.add_column("books", parse_columns("rating:int default=3")[0])
    assert (await store.get("books", 1)).values["rating"] == 3
    restarted = await harness.restart()
    await restarted.open()
    assert restarted.schema("books").column_names == ["title", "year", "read", "rating"]
    assert (await restarted.get("books", 1)).values["rating"] == 3


async def test_add_required_column_to_nonempty_table_is_refused(store: GuildStore) -> None:
    """A required column cannot be added once records exist."""
    await store.insert("books", {"title": "Dune"}, 1)
    with pytest.raises(SchemaError, match="optional"):
        await store.add_column("books", parse_columns("isbn:text")[0])


async def test_drop_table_removes_channel_and_entry(harness: Harness, store: GuildStore) -> None:
    """Dropping a table deletes it for good, also after a restart."""
    await store.insert("books", {"title": "Dune"}, 1)
    await store.drop_table("books")
    with pytest.raises(UnknownTable):
        await store.find("books")
    restarted = await harness.restart()
    await restarted.open()
    assert restarted.table_names() == []
    assert "books" not in _channel_names(harness)


async def test_request_counts(harness: Harness, store: GuildStore) -> None:
    """One insert, update and delete cost one request each; a warm find costs none."""
    await store.insert("books", {"title": "Dune"}, 1)
    start = harness.requests()
    await store.insert("books", {"title": "Emma"}, 1)
    assert harness.requests() - start == 1
    start = harness.requests()
    await store.find("books", Query())
    await store.get("books", 1)
    assert harness.requests() == start
    await store.update("books", 1, {"year": "1"})
    assert harness.requests() - start == 1
    await store.delete("books", 1)
    assert harness.requests() - start == 2


async def test_cold_load_pages_by_hundred(harness: Harness) -> None:
    """Cold-loading 250 records reads ceil(250/100) history pages (+1 empty end page on Discord)."""
    store = harness.store
    await store.create_table(TableSchema(name="numbers", columns=parse_columns("n:int")))
    for n in range(250):
        await store.insert("numbers", {"n": n}, 1)
    restarted = await harness.restart()
    await restarted.open()
    start = harness.requests()
    assert await restarted.count("numbers") == 250
    assert harness.requests() - start in (3, 4)


async def test_added_unique_column_is_enforced(store: GuildStore) -> None:
    """A unique optional column added to a table with records is checked from then on."""
    await store.insert("books", {"title": "Dune"}, 1)
    await store.add_column("books", parse_columns("isbn:text unique optional")[0])
    await store.insert("books", {"title": "Emma", "isbn": "123"}, 1)
    with pytest.raises(UniqueViolation):
        await store.insert("books", {"title": "Walden", "isbn": "123"}, 1)


async def test_misspelt_table_costs_no_request(harness: Harness, store: GuildStore) -> None:
    """A write to a table that does not exist is refused before any request (no lease, no load)."""
    restarted = await harness.restart()
    await restarted.open()
    before = harness.requests()
    with pytest.raises(UnknownTable):
        await restarted.insert("bokos", {"title": "x"}, 1)
    assert harness.requests() == before


async def test_record_deleted_unseen_is_reported_gone_on_update() -> None:
    """A record whose message vanished without an event (the bot was offline) is 'not found', not a crash."""
    backend = MemoryBackend()
    store = GuildStore(backend)
    await store.create_table(books_schema())
    record = await store.insert("books", {"title": "Dune"}, 1)
    for channel in backend.channels.values():
        channel.messages.pop(record.message_id, None)  # deleted by hand, no event seen
    with pytest.raises(RecordNotFound):
        await store.update("books", 1, {"year": "1965"})
    assert await store.count("books") == 0
