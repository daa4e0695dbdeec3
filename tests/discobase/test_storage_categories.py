"""Discord's channel limits in the engine: past 49 tables into further categories; the server's 500 refused first.

Runs on both backends, each enforcing the limits as Discord does (the memory
backend itself, SimCord through tests/channel_limits.py), so a request Discord
would refuse fails the test.
"""

from __future__ import annotations

import pytest

from discobase import ChannelLimit, GuildStore, TableSchema, parse_columns
from discobase.backend.base import CATEGORY_CHANNEL_LIMIT, GUILD_CHANNEL_LIMIT

from .conftest import Harness


def schema(n: int) -> TableSchema:
    return TableSchema(name=f"t{n:02d}", columns=parse_columns("title:text unique"))


async def create(store: GuildStore, first: int, last: int) -> None:
    for n in range(first, last + 1):
        await store.create_table(schema(n))


def storage_names(store: GuildStore) -> list[str]:
    categories = store.backend.categories()
    return [categories[category_id] for category_id in store.category_ids]


async def test_tables_past_49_spill_into_a_second_category_and_all_come_back(harness: Harness) -> None:
    """60 tables: 49 beside the catalog, 11 in `discobase-2`; each usable, and all back after a restart."""
    store = harness.store
    await create(store, 1, 60)
    assert storage_names(store) == ["discobase", "discobase-2"]
    first, second = store.category_ids
    assert store.backend.category_size(first) == CATEGORY_CHANNEL_LIMIT
    assert store.backend.category_size(second) == 11
    for n in (1, 49, 50, 60):
        await store.insert(f"t{n:02d}", {"title": f"book {n}"}, 1)
    store = await harness.restart()
    await store.open()
    assert store.table_names() == [f"t{n:02d}" for n in range(1, 61)]
    assert store.orphaned_channels() == []
    for n in (1, 49, 50, 60):
        assert [r.values["title"] for r in await store.find(f"t{n:02d}")] == [f"book {n}"]
        assert (await store.insert(f"t{n:02d}", {"title": "again"}, 1)).id == 2


async def test_finding_the_categories_again_costs_no_request(harness: Harness) -> None:
    """After a restart the storage categories come from the gateway's view: opening reads only the catalog."""
    await create(harness.store, 1, 51)
    store = await harness.restart()
    before = harness.requests()
    await store.open()
    assert harness.requests() - before == 1  # one page of the catalog's history
    assert len(store.category_ids) == 2


async def test_a_dropped_table_frees_room_that_the_next_table_takes(harness: Harness) -> None:
    """A drop in the full first category leaves room there: the next table goes there, no third category."""
    store = harness.store
    await create(store, 1, 50)
    await store.drop_table("t10")
    await store.create_table(schema(61))
    assert store.backend.category_size(store.category_ids[0]) == CATEGORY_CHANNEL_LIMIT
    assert len(store.category_ids) == 2
    await store.insert("t61", {"title": "x"}, 1)


async def test_drop_all_and_clean_delete_every_storage_category(harness: Harness) -> None:
    """Dropping every table, then removing the layout, leaves no storage category behind; the next use starts anew."""
    store = harness.store
    await create(store, 1, 52)
    for name in store.table_names():
        await store.drop_table(name)
    await store.remove_layout()
    assert [name for name in store.backend.categories().values() if name.startswith("discobase")] == []
    await store.create_table(schema(1))
    assert storage_names(store) == ["discobase"]


async def test_a_further_category_deleted_by_hand_keeps_its_tables(harness: Harness) -> None:
    """Discord keeps a deleted category's channels: its tables still work; a new `discobase-2` comes when needed."""
    store = harness.store
    await create(store, 1, 50)
    await store.insert("t50", {"title": "kept"}, 1)
    second = store.category_ids[1]
    await harness.delete_category_by_hand(second)
    assert len(store.category_ids) == 1
    assert [r.values["title"] for r in await store.find("t50")] == ["kept"]
    await store.create_table(schema(51))
    assert storage_names(store) == ["discobase", "discobase-2"]
    store = await harness.restart()
    assert [r.values["title"] for r in await store.find("t50")] == ["kept"]
    assert len(await store.find("t51")) == 0


async def test_the_servers_500th_channel_is_refused_before_any_request(harness: Harness) -> None:
    """At 500 channels, create_table names the limit and the count, sends nothing and leaves no table or channel."""
    store = harness.store
    await store.open()
    count = store.backend.channel_count()
    assert count is not None
    await harness.add_channels(GUILD_CHANNEL_LIMIT - count - 1)
    await store.create_table(schema(1))  # the 500th channel: allowed
    before = harness.requests()
    with pytest.raises(ChannelLimit, match="This server has 500 channels and Discord allows at most 500") as refused:
        await store.create_table(schema(2))
    assert "Nothing was created" in str(refused.value) and "`/table drop`" in str(refused.value)
    assert harness.requests() == before
    assert store.table_names() == ["t01"]
    assert store.backend.channel_count() == GUILD_CHANNEL_LIMIT
    store = await harness.restart()
    await store.open()
    assert store.table_names() == ["t01"] and store.orphaned_channels() == []


async def test_a_full_category_at_499_channels_is_refused_too(harness: Harness) -> None:
    """With the storage categories full and 499 channels, a table would need 2 (a category and its channel)."""
    store = harness.store
    await create(store, 1, 49)
    count = store.backend.channel_count()
    assert count is not None
    await harness.add_channels(GUILD_CHANNEL_LIMIT - count - 1)
    with pytest.raises(ChannelLimit, match="has 499 channels .* a new storage category and its channel"):
        await store.create_table(schema(50))
    assert len(store.table_names()) == 49 and len(store.category_ids) == 1


async def test_the_backend_refuses_what_discord_refuses(harness: Harness, strict_discord) -> None:
    """Past the engine's checks, the backend itself raises ChannelLimit: a full category, a full server.

    The requests go past the limits on purpose: the strict check's record of them is cleared.
    """
    store = harness.store
    await create(store, 1, 49)
    first = store.category_ids[0]
    with pytest.raises(ChannelLimit, match="storage category `discobase` is full"):
        await store.backend.create_channel(first, "one-too-many", "")
    strict_discord.violations.clear()
    count = store.backend.channel_count()
    assert count is not None
    await harness.add_channels(GUILD_CHANNEL_LIMIT - count)
    with pytest.raises(ChannelLimit, match="Discord allows at most 500"):
        await store.backend.ensure_category("discobase-2")
    strict_discord.violations.clear()
