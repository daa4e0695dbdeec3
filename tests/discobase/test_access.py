"""Access rules in the catalog entry, through the store API: kept, read back after restarts, old entries open."""

from __future__ import annotations

import orjson
import pytest

from discobase import Access, GuildStore, MemoryBackend, TableSchema, UnknownTable, parse_columns
from discobase.catalog import EVERYONE, decode_entry

from .conftest import Harness


async def test_a_new_table_is_open_to_everyone(store: GuildStore) -> None:
    """Without rules, everyone may read and write (role ids None)."""
    assert store.access("books") == EVERYONE == Access(None, None)


async def test_access_survives_a_restart(harness: Harness, store: GuildStore) -> None:
    """The rules are in the catalog entry: a new process reads them back, with the schema unchanged."""
    await store.insert("books", {"title": "Dune"}, 1)
    assert await store.set_access("books", Access(read_role_id=11, write_role_id=22)) == Access(11, 22)
    restarted = await harness.restart()
    await restarted.open()
    assert restarted.access("books") == Access(11, 22)
    assert [r.values["title"] for r in await restarted.find("books")] == ["Dune"]


async def test_reset_and_add_column_keep_the_rules_right(harness: Harness, store: GuildStore) -> None:
    """A schema change keeps the rules; setting them back to everyone holds after a restart."""
    await store.set_access("books", Access(read_role_id=5))
    await store.add_column("books", parse_columns("pages:int optional")[0])
    restarted = await harness.restart()
    await restarted.open()
    assert restarted.access("books") == Access(5, None)
    await restarted.set_access("books", EVERYONE)
    restarted = await harness.restart()
    await restarted.open()
    assert restarted.access("books") == EVERYONE


async def test_setting_the_same_rules_again_costs_no_request(harness: Harness, store: GuildStore) -> None:
    """Nothing changes, nothing is written."""
    await store.set_access("books", Access(1, 2))
    before = harness.requests()
    await store.set_access("books", Access(1, 2))
    assert harness.requests() == before


async def test_unknown_table_is_named(store: GuildStore) -> None:
    """Rules of a table that does not exist: the usual error with the closest name."""
    with pytest.raises(UnknownTable, match="books"):
        store.access("bokos")
    with pytest.raises(UnknownTable, match="books"):
        await store.set_access("bokos", Access(1, 2))


async def test_version_1_entries_read_as_everyone() -> None:
    """A catalog written before access rules (format 1) opens with every table open to everyone."""
    backend = MemoryBackend()
    category = await backend.ensure_category("discobase")
    catalog = await backend.ensure_channel(category, "db-catalog", "")
    channel = await backend.create_channel(category, "notes", "")
    schema = TableSchema(name="notes", columns=parse_columns("text:text"))
    old = {"v": 1, "kind": "table", "channel": channel, "schema": schema.model_dump(mode="json")}
    await backend.send(catalog, orjson.dumps(old).decode())
    store = GuildStore(backend)
    await store.open()
    assert store.table_names() == ["notes"]
    assert store.access("notes") == EVERYONE


@pytest.mark.parametrize("access", [[1, 2], {"read": "12"}, {"read": True}])
def test_malformed_access_is_not_an_entry(access: object) -> None:
    """An entry whose rules cannot be read is not taken (as any malformed entry)."""
    schema = TableSchema(name="notes", columns=parse_columns("text:text"))
    payload = {"v": 2, "kind": "table", "channel": 1, "schema": schema.model_dump(mode="json"), "access": access}
    assert decode_entry(orjson.dumps(payload).decode()) is None
