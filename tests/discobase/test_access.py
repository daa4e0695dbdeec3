"""Access rules in the catalog entry, through the store API: kept, read back after restarts, old entries open."""

from __future__ import annotations

import orjson
import pytest

from discobase import Access, GuildStore, MemoryBackend, Settings, TableSchema, UnknownTable, parse_columns
from discobase.model.catalog import EVERYONE, decode_entry, decode_settings

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


async def test_settings_start_with_no_audit_channel(store: GuildStore) -> None:
    """A new database posts no audit lines anywhere."""
    assert store.settings() == Settings() and store.settings().audit_channel_id is None


async def test_the_audit_channel_survives_a_restart(harness: Harness, store: GuildStore) -> None:
    """The setting is a catalog message: the first change writes it, the next ones edit it, a restart reads it."""
    before = harness.requests()
    await store.set_settings(Settings(audit_channel_id=77))
    await store.set_settings(Settings(audit_channel_id=78))
    await store.set_settings(Settings(audit_channel_id=78))  # unchanged: no request
    assert harness.requests() - before == 2
    restarted = await harness.restart()
    await restarted.open()
    assert restarted.settings() == Settings(78)
    assert restarted.table_names() == ["books"]
    await restarted.set_settings(Settings())
    restarted = await harness.restart()
    await restarted.open()
    assert restarted.settings() == Settings()


async def test_settings_are_written_into_a_rebuilt_catalog() -> None:
    """An admin deleting the catalog channel by hand loses neither the tables nor the audit channel."""
    backend = MemoryBackend()
    store = GuildStore(backend)
    await store.create_table(TableSchema(name="notes", columns=parse_columns("text:text")))
    await store.set_settings(Settings(audit_channel_id=5))
    catalog = store.catalog_id
    assert catalog is not None
    del backend.channels[catalog]
    store.channel_deleted(catalog)
    await store.drain()
    restarted = GuildStore(backend)
    await restarted.open()
    assert restarted.settings() == Settings(5)
    assert restarted.table_names() == ["notes"]


async def test_settings_deleted_by_hand_read_as_the_defaults() -> None:
    """Deleting the settings message by hand turns the audit off, now as after a restart; setting it again works."""
    backend = MemoryBackend()
    store = GuildStore(backend)
    await store.open()
    await store.set_settings(Settings(audit_channel_id=5))
    catalog, message = store.catalog_id, store.tables.settings_message_id
    assert catalog is not None and message is not None
    backend.channels[catalog].messages.pop(message)
    store.message_deleted(catalog, message)
    assert store.settings() == Settings()
    await store.set_settings(Settings(audit_channel_id=6))
    restarted = GuildStore(backend)
    await restarted.open()
    assert restarted.settings() == Settings(6)


@pytest.mark.parametrize("audit", ["5", True, 1.5, [5]])
def test_malformed_settings_are_not_read(audit: object) -> None:
    """A settings message whose channel is not an id is skipped, as any malformed catalog message."""
    assert decode_settings(orjson.dumps({"v": 2, "kind": "settings", "audit": audit}).decode()) is None
    assert decode_settings('{"v": 2, "kind": "settings", "audit": 9}') == Settings(9)
