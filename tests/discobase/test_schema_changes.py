"""Schema changes on both backends: rename and describe a table, rename, drop and alter its columns."""

from __future__ import annotations

import orjson
import pytest

from discobase import (
    Access,
    AlterRejected,
    BadValue,
    ColumnType,
    DiscordUnavailable,
    GuildStore,
    MemoryBackend,
    SchemaError,
    TableExists,
    TableSchema,
    UniqueViolation,
    UnknownColumn,
    UnknownTable,
    parse_columns,
    parse_query,
)
from discobase.model.catalog import decode_entry

from .conftest import Harness


async def _values(store: GuildStore, table: str = "books") -> list[dict[str, object]]:
    return [record.values for record in await store.find(table)]


async def test_rename_table_keeps_ids_records_and_access(harness: Harness, store: GuildStore) -> None:
    """A renamed table answers to its new name only, with the same records, ids and access rules."""
    await store.insert("books", {"title": "Dune"}, 1)
    await store.set_access("books", Access(read_role_id=5))
    channel = store.tables.entry("books").channel_id
    start = harness.requests()
    await store.rename_table("books", "novels")
    assert harness.requests() - start == 1
    assert store.table_names() == ["novels"]
    with pytest.raises(UnknownTable, match="no table `books`"):
        await store.find("books")
    restarted = await harness.restart()
    await restarted.open()
    assert restarted.table_names() == ["novels"]
    assert restarted.tables.entry("novels").channel_id == channel
    assert restarted.access("novels") == Access(read_role_id=5)
    assert [(r.id, r.values["title"]) for r in await restarted.find("novels")] == [(1, "Dune")]
    assert (await restarted.insert("novels", {"title": "Emma"}, 1)).id == 2


async def test_rename_table_refuses_a_taken_or_bad_name(harness: Harness, store: GuildStore) -> None:
    """A name another table has, or one outside the grammar, is refused with no request."""
    await store.create_table(store.schema("books").renamed("films"))
    start = harness.requests()
    with pytest.raises(TableExists, match="`films` exists already"):
        await store.rename_table("books", "films")
    with pytest.raises(SchemaError, match="Did you mean `my_books`"):
        await store.rename_table("books", "My Books")
    assert harness.requests() - start <= 1  # at most the write lease, on its first use
    assert store.table_names() == ["books", "films"]


async def test_set_description_survives_a_restart(harness: Harness, store: GuildStore) -> None:
    """The new description is kept in the catalog."""
    await store.set_description("books", "Our shelf")
    restarted = await harness.restart()
    await restarted.open()
    assert restarted.schema("books").description == "Our shelf"


async def test_rename_column_rewrites_no_record(harness: Harness, store: GuildStore) -> None:
    """A renamed column keeps every value, found by its new name, with one request, also after a restart."""
    await store.insert("books", {"title": "Dune", "year": "1965"}, 1)
    await store.insert("books", {"title": "Emma"}, 1)
    start = harness.requests()
    await store.rename_column("books", "year", "published")
    assert harness.requests() - start == 1
    expected = [
        {"title": "Dune", "published": 1965, "read": False},
        {"title": "Emma", "published": None, "read": False},
    ]
    assert await _values(store) == expected
    restarted = await harness.restart()
    assert await _values(restarted) == expected
    found = await restarted.find("books", parse_query(restarted.schema("books"), where="published = 1965"))
    assert [r.id for r in found] == [1]
    with pytest.raises(UnknownColumn, match="Did you mean `published`"):
        parse_query(restarted.schema("books"), where="publishd = 1")


async def test_a_column_added_with_an_old_name_starts_empty(harness: Harness, store: GuildStore) -> None:
    """After a rename or a drop, a new column of the old name never reads the old stored values."""
    await store.insert("books", {"title": "Dune", "year": "1965"}, 1)
    await store.rename_column("books", "year", "published")
    await store.add_column("books", parse_columns("year:int optional")[0])
    await store.drop_column("books", "read")
    await store.add_column("books", parse_columns("read:text optional")[0])
    expected = [{"title": "Dune", "published": 1965, "year": None, "read": None}]
    assert await _values(store) == expected
    restarted = await harness.restart()
    assert await _values(restarted) == expected


async def test_rename_column_refuses_a_taken_name_and_an_unknown_column(store: GuildStore) -> None:
    """Renaming onto another column, or a column the table lacks, is refused with the fix."""
    with pytest.raises(SchemaError, match="already has a column `title`"):
        await store.rename_column("books", "year", "title")
    with pytest.raises(UnknownColumn, match="Did you mean `year`"):
        await store.rename_column("books", "yaer", "published")
    with pytest.raises(SchemaError, match="reserved"):
        await store.rename_column("books", "year", "id")


async def test_drop_column_hides_its_values_and_its_unique_rule(harness: Harness, store: GuildStore) -> None:
    """A dropped column is gone from reads and finds; its unique rule goes with it."""
    await store.insert("books", {"title": "Dune", "year": "1965"}, 1)
    await store.drop_column("books", "title")
    assert await _values(store) == [{"year": 1965, "read": False}]
    with pytest.raises(UnknownColumn):
        parse_query(store.schema("books"), where="title = Dune")
    await store.add_column("books", parse_columns("title:text optional")[0])
    await store.insert("books", {"title": "Dune"}, 1)  # no longer unique
    restarted = await harness.restart()
    assert await _values(restarted) == [
        {"year": 1965, "read": False, "title": None},
        {"year": None, "read": False, "title": "Dune"},
    ]


def _one_column() -> TableSchema:
    return TableSchema(name="numbers", columns=parse_columns("n:int"))


async def test_drop_column_refuses_the_last_column(harness: Harness) -> None:
    """A table keeps at least one column."""
    await harness.store.create_table(_one_column())
    with pytest.raises(SchemaError, match="only column"):
        await harness.store.drop_column("numbers", "n")


async def test_alter_type_refuses_with_the_offending_records(harness: Harness, store: GuildStore) -> None:
    """text -> int where some titles are not numbers: refused, naming the records; nothing is written."""
    for title in ["12", "Dune", "7", "Emma"]:
        await store.insert("books", {"title": title}, 1)
    start = harness.requests()
    with pytest.raises(AlterRejected) as refused:
        await store.alter_column("books", "title", column_type=ColumnType.INT)
    assert harness.requests() == start
    text = str(refused.value)
    assert text.startswith("Nothing was changed: 2 records of `books` cannot take the change to `title`:")
    assert '\u2022 2 records (#2 "Dune", #4 "Emma"): not a whole number' in text and "Fix: change them" in text
    assert store.schema("books").column("title").type is ColumnType.TEXT


async def test_alter_type_rewrites_in_batches_and_survives_a_restart(harness: Harness, store: GuildStore) -> None:
    """text -> int converts every value with one batch message and one catalog edit."""
    await store.create_table(_one_column().renamed("codes").with_column(parse_columns("code:text optional")[0]))
    for n in range(30):
        await store.insert("codes", {"n": n, "code": str(n * 10) if n % 3 else None}, 1)
    await store.update("codes", 2, {"code": "999"})
    start = harness.requests()
    result = await store.alter_column("codes", "code", column_type=ColumnType.INT)
    assert harness.requests() - start == 3  # the key reserved, one batch, the catalog edit
    assert result.rewritten == 30 and result.requests == 3
    expected = [{"n": n, "code": (999 if n == 1 else n * 10) if n % 3 else None} for n in range(30)]
    assert await _values(store, "codes") == expected
    assert (await store.update("codes", 3, {"code": "5"})).values["code"] == 5
    await store.delete("codes", 4)
    expected[2]["code"], expected = 5, expected[:3] + expected[4:]
    restarted = await harness.restart()
    assert await _values(restarted, "codes") == expected
    assert restarted.schema("codes").column("code").type is ColumnType.INT
    found = await restarted.find("codes", parse_query(restarted.schema("codes"), where="code > 250"))
    assert [r.values["code"] for r in found] == [999, 260, 280, 290]


async def test_alter_unique_refuses_repeated_values(store: GuildStore) -> None:
    """Making a column unique where values repeat names the records."""
    for title, year in [("Dune", "1965"), ("Emma", "1815"), ("Heretics", "1965")]:
        await store.insert("books", {"title": title, "year": year}, 1)
    with pytest.raises(AlterRejected, match=r"1 record \(#3 1965 \(as #1\)\): a value another record has"):
        await store.alter_column("books", "year", unique=True)
    await store.delete("books", 3)
    await store.alter_column("books", "year", unique=True)
    with pytest.raises(UniqueViolation):
        await store.insert("books", {"title": "Other", "year": "1815"}, 1)


async def test_alter_required_needs_values_or_a_default(harness: Harness, store: GuildStore) -> None:
    """An optional column becomes required only if every record has a value, or a default fills the empty ones."""
    await store.insert("books", {"title": "Dune", "year": "1965"}, 1)
    await store.insert("books", {"title": "Emma"}, 1)
    with pytest.raises(AlterRejected, match=r"1 record \(#2\): no value\. Fix: give `default=`"):
        await store.alter_column("books", "year", optional=False)
    with pytest.raises(BadValue, match='"soon" is not a whole number'):
        await store.alter_column("books", "year", optional=False, default="soon")
    result = await store.alter_column("books", "year", optional=False, default="2000")
    assert result.filled == 1
    assert [r.values["year"] for r in await store.find("books")] == [1965, 2000]
    restarted = await harness.restart()
    assert [r.values["year"] for r in await restarted.find("books")] == [1965, 2000]
    assert restarted.schema("books").column("year").spec() == "year:int default=2000"


async def test_alter_flags_only_edits_the_catalog(harness: Harness, store: GuildStore) -> None:
    """Making a column optional writes no record: one request."""
    await store.insert("books", {"title": "Dune"}, 1)
    start = harness.requests()
    result = await store.alter_column("books", "title", optional=True)
    assert harness.requests() - start == 1 and result.rewritten == 0
    with pytest.raises(SchemaError, match="like that already"):
        await store.alter_column("books", "title", optional=True)


async def test_alter_to_choice_checks_every_value(store: GuildStore) -> None:
    """text -> choice takes the values that are choices (ignoring case) and refuses the rest."""
    await store.add_column("books", parse_columns("state:text optional")[0])
    await store.insert("books", {"title": "Dune", "state": "Open"}, 1)
    await store.insert("books", {"title": "Emma", "state": "lost"}, 1)
    with pytest.raises(AlterRejected, match=r'1 record \(#2 "lost"\): not one of the choices: open, done'):
        await store.alter_column("books", "state", column_type=ColumnType.CHOICE, choices=("open", "done"))
    await store.update("books", 2, {"state": "done"})
    await store.alter_column("books", "state", column_type=ColumnType.CHOICE, choices=("open", "done"))
    assert [r.values["state"] for r in await store.find("books")] == ["open", "done"]


async def test_a_catalog_entry_without_storage_keys_still_reads() -> None:
    """An entry written before storage keys (format 2, no `key`) reads its records by column name."""
    backend = MemoryBackend()
    category = await backend.ensure_category("discobase")
    catalog = await backend.ensure_channel(category, "db-catalog", "")
    channel = await backend.create_channel(category, "notes", "")
    schema = {"name": "notes", "columns": [{"name": "body", "type": "text"}, {"name": "n", "type": "int"}]}
    entry = {"v": 2, "kind": "table", "channel": channel, "schema": schema, "access": {"read": None, "write": None}}
    await backend.send(catalog, orjson.dumps(entry).decode())
    await backend.send(channel, orjson.dumps({"v": 1, "id": 1, "by": 7, "d": {"body": "hi", "n": 3}}).decode())
    store = GuildStore(backend)
    assert [r.values for r in await store.find("notes")] == [{"body": "hi", "n": 3}]
    await store.rename_column("notes", "body", "text")
    assert [r.values for r in await store.find("notes")] == [{"text": "hi", "n": 3}]
    written = decode_entry(await _entry_text(backend, catalog))
    assert written is not None and written.schema.column("text").storage_key == "body"


async def _entry_text(backend: MemoryBackend, catalog: int) -> str:
    texts = [m.text async for m in backend.history(catalog) if orjson.loads(m.text).get("kind") == "table"]
    assert len(texts) == 1
    return texts[0]


async def test_a_keyed_entry_is_version_3() -> None:
    """Once a column's values live under another key, the entry says so with version 3."""
    backend = MemoryBackend()
    store = GuildStore(backend)
    await store.create_table(_one_column())
    catalog = store.tables.catalog()
    assert orjson.loads(await _entry_text(backend, catalog))["v"] == 2
    await store.rename_column("numbers", "n", "m")
    assert orjson.loads(await _entry_text(backend, catalog))["v"] == 3


async def test_a_failed_catalog_edit_leaves_the_table_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    """If the last catalog edit fails after the batches landed, the table reads as before, also after a restart;
    and the key the batches used stays reserved, so a column added later never reads their values.
    """
    backend = MemoryBackend()
    store = GuildStore(backend)
    await store.create_table(_one_column().with_column(parse_columns("code:text optional")[0]))
    for n in range(3):
        await store.insert("numbers", {"n": n, "code": str(n)}, 1)
    edit = backend.edit
    edits = {"n": 0}

    async def refuse_the_second(channel_id: int, message_id: int, text: str) -> None:
        edits["n"] += 1
        if edits["n"] == 2:  # the first reserves the new key; the second would switch the column to it
            raise DiscordUnavailable("store the change", ConnectionError())
        await edit(channel_id, message_id, text)

    monkeypatch.setattr(backend, "edit", refuse_the_second)
    with pytest.raises(DiscordUnavailable):
        await store.alter_column("numbers", "code", column_type=ColumnType.INT)
    monkeypatch.undo()
    expected = [{"n": n, "code": str(n)} for n in range(3)]
    assert await _values(store, "numbers") == expected
    await store.update("numbers", 1, {"code": "x"})
    expected[0]["code"] = "x"
    restarted = GuildStore(backend)
    assert await _values(restarted, "numbers") == expected
    await restarted.drop_column("numbers", "code")
    await restarted.add_column("numbers", parse_columns("code:text optional")[0])
    assert await _values(GuildStore(backend), "numbers") == [{"n": n, "code": None} for n in range(3)]


async def test_an_alter_keeps_creation_times_through_compaction() -> None:
    """The rewrite names each record's first message, so compaction deleting the older copies loses no time."""
    backend = MemoryBackend()
    store = GuildStore(backend)
    store.compactor.threshold = 10**9
    store.compactor.pause = store.compactor.quiet = 0
    await store.create_table(_one_column().with_column(parse_columns("code:text optional")[0]))
    for n in range(150):
        await store.insert("numbers", {"n": n, "code": str(n)}, 1)
    created = {r.id: r.created_at for r in await store.find("numbers")}
    await store.alter_column("numbers", "code", column_type=ColumnType.INT)
    await store.compact("numbers")
    assert {r.id: r.created_at for r in await GuildStore(backend).find("numbers")} == created


async def test_a_rewritten_batch_deleted_by_hand_takes_its_records(harness: Harness, store: GuildStore) -> None:
    """Deleting by hand the batch an alter wrote removes its records for good: the older copies never come back."""
    await store.insert("books", {"title": "Dune", "year": "1965"}, 1)
    await store.insert("books", {"title": "Emma", "year": "1815"}, 1)
    await store.alter_column("books", "year", column_type=ColumnType.FLOAT)
    assert [r.values["year"] for r in await store.find("books")] == [1965.0, 1815.0]
    await harness.delete_by_hand("books", 1)
    assert await store.count("books") == 0
    restarted = await harness.restart()
    assert await restarted.count("books") == 0
    assert (await restarted.insert("books", {"title": "Notes"}, 1)).id == 3


async def test_alter_type_on_1000_records_costs_three_requests(harness: Harness, store: GuildStore) -> None:
    """A type change over 1,000 records: the key reserved, one batch message, the catalog edit; a restart reads it."""
    await store.insert_many("books", [{"title": f"t{n}", "year": str(n)} for n in range(1000)], 1)
    start = harness.requests()
    result = await store.alter_column("books", "year", column_type=ColumnType.FLOAT)
    assert harness.requests() - start == 3 and result.rewritten == 1000
    restarted = await harness.restart()
    assert [r.values["year"] for r in await restarted.find("books")][-2:] == [998.0, 999.0]


async def test_a_new_choice_edits_only_the_catalog(harness: Harness, store: GuildStore) -> None:
    """Adding a choice leaves every stored value right: one request; removing a used one is refused."""
    await store.add_column("books", parse_columns("state:choice(open|done) optional")[0])
    await store.insert("books", {"title": "Dune", "state": "done"}, 1)
    start = harness.requests()
    result = await store.alter_column("books", "state", choices=("open", "done", "lost"))
    assert harness.requests() - start == 1 and result.rewritten == 0
    with pytest.raises(AlterRejected, match=r'1 record \(#1 "done"\): not one of the choices: open, lost'):
        await store.alter_column("books", "state", choices=("open", "lost"))
    restarted = await harness.restart()
    assert (await restarted.get("books", 1)).values["state"] == "done"
    assert restarted.schema("books").column("state").choices == ("open", "done", "lost")


@pytest.mark.parametrize(
    ("spec", "value", "column_type", "expected"),
    [
        ("x:bool", "yes", ColumnType.TEXT, "true"),
        ("x:datetime", "2024-05-31T14:30:00Z", ColumnType.DATE, "2024-05-31"),
        ("x:datetime", "2024-05-31T14:30:00Z", ColumnType.TEXT, "2024-05-31T14:30:00Z"),
        ("x:date", "2024-05-31", ColumnType.DATETIME, "2024-05-31T00:00:00Z"),
        ("x:float", "3.0", ColumnType.INT, "3"),
        ("x:user", "<@123456789012345678>", ColumnType.INT, "123456789012345678"),
    ],
)
async def test_alter_converts_between_types(spec: str, value: str, column_type: ColumnType, expected: str) -> None:
    """Values move between types as a member would type them: booleans as true/false, times in ISO 8601."""
    store = GuildStore(MemoryBackend())
    await store.create_table(TableSchema(name="t", columns=parse_columns(spec)))
    await store.insert("t", {"x": value}, 1)
    result = await store.alter_column("t", "x", column_type=column_type)
    column = result.schema.column("x")
    assert column.type.display((await store.get("t", 1)).values["x"]) == expected
