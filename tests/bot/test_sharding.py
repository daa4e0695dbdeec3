"""Sharded clusters: each process serves the guilds of its own shards, and only those.

SimCord runs one bot per event loop, so the two processes of a cluster take turns
on the same simulated Discord (restarts), rather than running side by side.
"""

from __future__ import annotations

import discord
import simcord

from bot import Settings, ShardedDiscobaseBot, create_bot
from tests.cogs.helpers import reply
from tests.conftest import BOOKS_COLUMNS


def _shard_bot(shard_ids: tuple[int, ...]) -> ShardedDiscobaseBot:
    bot = create_bot(Settings(shard_count=2, shard_ids=shard_ids))
    assert isinstance(bot, ShardedDiscobaseBot)
    return bot


async def _guild_with_admin(env: simcord.Env, shard: int) -> tuple[simcord.ChannelHandle, simcord.MemberActor]:
    guild = env.create_guild(f"Shard {shard} server", shard_id=shard)
    channel = guild.create_text_channel("general")
    role = guild.create_role("Admin", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user(f"admin{shard}"), roles=[role])
    await env.settle()
    return channel, admin


async def test_each_process_serves_only_its_shards_with_its_own_data() -> None:
    """Process A (shard 0) and process B (shard 1) each see and write only their guilds; data stays apart."""
    env = simcord.Env(_shard_bot((0,)), shard_count=2)
    await env.start()
    try:
        channel0, admin0 = await _guild_with_admin(env, 0)
        channel1, admin1 = await _guild_with_admin(env, 1)
        first = env.bot
        assert first.get_guild(channel0.guild.id) is not None  # type: ignore[attr-defined]
        assert first.get_guild(channel1.guild.id) is None  # type: ignore[attr-defined]
        await admin0.slash(channel0, "table create", name="books", columns=BOOKS_COLUMNS)
        await admin0.slash(channel0, "record insert", table="books", values="title=Dune, author=Herbert")

        await first.close()
        await env.restart_bot(_shard_bot((1,)))
        second = env.bot
        assert second.get_guild(channel1.guild.id) is not None  # type: ignore[attr-defined]
        assert second.get_guild(channel0.guild.id) is None  # type: ignore[attr-defined]
        await admin1.slash(channel1, "table create", name="films", columns="title:text")
        listed = reply(await admin1.slash(channel1, "table list"))
        assert "films" in str(listed.embeds[0].to_dict()) and "books" not in str(listed.embeds[0].to_dict())

        await second.close()
        await env.restart_bot(_shard_bot((0, 1)))
        found = reply(await admin0.slash(channel0, "record find", table="books"))
        assert "Dune" in str(found.embeds[0].to_dict())
        films = reply(await admin1.slash(channel1, "record count", table="films"))
        assert "has 0 records" in films.content
    finally:
        await env.shutdown()
        env.raise_errors()


async def test_a_shard_with_a_new_session_reads_its_guilds_again() -> None:
    """A record deleted by hand while its shard was away is gone once the shard re-identifies (no on_ready then)."""
    env = simcord.Env(_shard_bot((0, 1)), shard_count=2)
    await env.start()
    try:
        channel, admin = await _guild_with_admin(env, 0)
        guild = channel.guild
        root_role = guild.create_role("Root", permissions=discord.Permissions(administrator=True))
        root = guild.add_member(env.create_user("root"), roles=[root_role])
        await admin.slash(channel, "table create", name="books", columns=BOOKS_COLUMNS)
        for title in ("Dune", "Emma", "Ulysses"):
            await admin.slash(channel, "record insert", table="books", values=f"title={title}, author=X")
        bot = env.bot
        assert isinstance(bot, ShardedDiscobaseBot)
        bot_guild = bot.get_guild(guild.id)
        assert bot_guild is not None
        store = bot.engine.store(bot_guild)
        stored = await store.get("books", 3)  # loaded: the cache holds Ulysses
        table_channel = next(c for c in guild.channels.values() if c.id == store.tables.entry("books").channel_id)
        message = next(m for m in table_channel.history() if m.id == stored.message_id)

        shard = bot.get_shard(0)
        assert shard is not None
        await shard.disconnect()  # the session ends: the deletion below is never seen on the gateway
        await root.delete(message)
        await shard.reconnect()  # a new session (READY): discord.py dispatches on_shard_connect, not on_ready
        await env.settle()

        found = reply(await admin.slash(channel, "record find", table="books"))
        shown = str(found.embeds[0].to_dict()) if found.embeds else found.content
        assert "Dune" in shown and "Ulysses" not in shown
        count = reply(await admin.slash(channel, "record count", table="books"))
        assert "has 2 records" in count.content
        inserted = reply(await admin.slash(channel, "record insert", table="books", values="title=Emma 2, author=Y"))
        assert "**4**" in inserted.content, "a new record must never take a deleted record's id"
    finally:
        await env.shutdown()
        env.raise_errors()
