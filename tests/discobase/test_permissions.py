"""A 403 names the permission the bot actually lacks, and where: its roles in the server, or a channel's settings.

Discord's 403 says only "Missing Permissions" (50013) or "Missing Access" (50001,
the bot cannot see the channel). The backend reads the bot's permissions as the
gateway shows them, in the server and in the channel or category acted on, and
names the first one the call needs that is missing. SimCord enforces some of
these itself (Manage Channels, Send Messages, View Channel); the rest, which
only real Discord checks (a channel create's overwrites, Attach Files on an
upload), are refused here with an injected 403 while the permission is really
taken away.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest
from simcord.backend.models.channel import Overwrite
from simcord.enums import OverwriteType

from discobase import MissingPermission, TableSchema, parse_columns

from .conftest import SimcordHarness, books_schema, simcord_harness


@pytest.fixture
async def harness() -> AsyncIterator[SimcordHarness]:
    """The engine on SimCord with the books table (in the storage category `discobase`)."""
    async with simcord_harness() as on_simcord:
        await on_simcord.store.create_table(books_schema())
        yield on_simcord


def _bits(*names: str) -> int:
    return discord.Permissions(**dict.fromkeys(names, True)).value


async def take_from_roles(harness: SimcordHarness, *names: str) -> None:
    """Take the permissions from every role the bot has (its own and @everyone), as an admin would."""
    backend = harness.env.backend
    guild = backend.get_guild(harness.guild.id)
    bot = guild.members[backend.bot_user.id]
    for role_id in [guild.id, *bot.role_ids]:
        role = guild.roles[role_id]
        backend.edit_role(guild.id, role_id, {"permissions": role.permissions & ~_bits(*names)})
    await harness.env.settle()


async def deny_in(harness: SimcordHarness, channel_id: int, *names: str) -> None:
    """Deny the permissions to the bot in one channel or category (its permission settings)."""
    backend = harness.env.backend
    me = backend.bot_user.id
    old = next((o for o in backend.get_channel(channel_id).overwrites if o.target_id == me), None)
    allow, deny = (old.allow, old.deny) if old is not None else (0, 0)
    backend.set_overwrite(channel_id, Overwrite(me, OverwriteType.MEMBER, allow & ~_bits(*names), deny | _bits(*names)))
    await harness.env.settle()


def _channel(harness: SimcordHarness, table: str) -> int:
    return harness.store.tables.entry(table).channel_id


def _category(harness: SimcordHarness) -> int:
    channel = harness.client.get_channel(_channel(harness, "books"))
    assert isinstance(channel, discord.TextChannel) and channel.category_id is not None
    return channel.category_id


async def test_a_permission_taken_from_the_bots_roles_is_named(harness: SimcordHarness) -> None:
    """Send Messages taken from the bot's roles (and from its channel's grant, which keeps only View Channel):
    named, for the bot's role."""
    backend = harness.env.backend
    only_view = Overwrite(backend.bot_user.id, OverwriteType.MEMBER, _bits("view_channel"), 0)
    backend.set_overwrite(_channel(harness, "books"), only_view)
    await take_from_roles(harness, "send_messages")
    with pytest.raises(MissingPermission) as refused:
        await harness.store.insert("books", {"title": "Dune"}, 1)
    assert refused.value.permission == "Send Messages" and refused.value.place is None
    assert "grant it to my role" in str(refused.value)


async def test_a_permission_a_channel_takes_away_is_named_with_the_channel(harness: SimcordHarness) -> None:
    """The table's channel denies the bot Manage Messages: compaction's sweep names it and the channel's settings.

    (A record's delete edits its message into its trash marker: only compaction deletes messages.)
    """
    for title in ("Dune", "Emma", "Hyperion"):
        await harness.store.insert("books", {"title": title}, 1)
    await deny_in(harness, _channel(harness, "books"), "manage_messages")
    harness.env.inject_error("DELETE", "/channels/*/messages/*", status=403, code=50013, message="Missing Permissions")
    with pytest.raises(MissingPermission) as refused:
        await harness.store.compact("books")
    assert refused.value.permission == "Manage Messages" and refused.value.place == "the channel `books`"
    assert "settings of the channel `books` take it away" in str(refused.value)
    assert [r.id for r in await harness.store.find("books")] == [1, 2, 3]


async def test_a_hidden_channel_names_view_channel(harness: SimcordHarness) -> None:
    """The table's channel hidden from the bot (Discord: 50001 Missing Access): View Channel, in that channel."""
    await deny_in(harness, _channel(harness, "books"), "view_channel")
    with pytest.raises(MissingPermission) as refused:
        await harness.store.insert("books", {"title": "Dune"}, 1)
    assert refused.value.permission == "View Channel" and refused.value.place == "the channel `books`"


async def test_a_channel_create_names_view_channel_on_the_storage_category(harness: SimcordHarness) -> None:
    """The storage category hidden from the bot: a new table's channel create names View Channel there."""
    await deny_in(harness, _category(harness), "view_channel")
    harness.env.inject_error("POST", "/guilds/*/channels", status=403, code=50001, message="Missing Access")
    with pytest.raises(MissingPermission) as refused:
        await harness.store.create_table(TableSchema(name="authors", columns=parse_columns("name:text")))
    assert refused.value.permission == "View Channel" and refused.value.place == "the category `discobase`"
    assert harness.store.table_names() == ["books"]


async def test_a_channel_create_names_manage_channels_taken_from_the_roles(harness: SimcordHarness) -> None:
    """Manage Channels taken from the bot's roles: named, server-wide."""
    await take_from_roles(harness, "manage_channels")
    with pytest.raises(MissingPermission) as refused:
        await harness.store.create_table(TableSchema(name="authors", columns=parse_columns("name:text")))
    assert refused.value.permission == "Manage Channels" and refused.value.place is None


async def test_a_storage_create_names_a_permission_its_overwrites_grant() -> None:
    """Attach Files and Manage Roles taken from the bot: the storage category's overwrites grant Attach Files to
    the bot, which Discord refuses; the answer names Attach Files (or Manage Roles), not Manage Channels."""
    async with simcord_harness() as harness:
        await take_from_roles(harness, "attach_files", "manage_roles")
        harness.env.inject_error("POST", "/guilds/*/channels", status=403, code=50013, message="Missing Permissions")
        with pytest.raises(MissingPermission) as refused:
            await harness.store.create_table(books_schema())
        assert refused.value.permission == "Attach Files" and refused.value.grant and refused.value.place is None
        assert "**Manage Roles**" in str(refused.value) and "grant **Attach Files** to my role" in str(refused.value)


async def test_a_channel_create_names_a_permission_the_category_takes_away_from_its_grants(
    harness: SimcordHarness,
) -> None:
    """The storage category denies the bot Attach Files, which a new table's channel grants it: named there."""
    await take_from_roles(harness, "manage_roles")
    await deny_in(harness, _category(harness), "attach_files")
    harness.env.inject_error("POST", "/guilds/*/channels", status=403, code=50013, message="Missing Permissions")
    with pytest.raises(MissingPermission) as refused:
        await harness.store.create_table(TableSchema(name="authors", columns=parse_columns("name:text")))
    assert refused.value.permission == "Attach Files" and refused.value.place == "the category `discobase`"
    assert "allow **Attach Files** for me in the category `discobase`" in str(refused.value)


async def test_a_batch_names_attach_files(harness: SimcordHarness) -> None:
    """A record too long for a message goes in a file: with Attach Files denied in the channel, that is named."""
    await deny_in(harness, _channel(harness, "books"), "attach_files")
    harness.env.inject_error("POST", "/channels/*/messages", status=403, code=50013, message="Missing Permissions")
    with pytest.raises(MissingPermission) as refused:
        await harness.store.insert("books", {"title": "x" * 3000}, 1)
    assert refused.value.permission == "Attach Files" and refused.value.place == "the channel `books`"


async def test_a_403_with_every_permission_held_names_the_calls_own(harness: SimcordHarness) -> None:
    """When the gateway shows every permission held (it changed since), the call's own permission is named."""
    harness.env.inject_error("POST", "/channels/*/messages", status=403, code=50013, message="Missing Permissions")
    with pytest.raises(MissingPermission, match=r"\*\*Send Messages\*\* permission to write records"):
        await harness.store.insert("books", {"title": "Dune"}, 1)
