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
