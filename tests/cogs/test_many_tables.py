"""/table create past Discord's channel limits: 60 tables across two categories, and the server's 500 refused.

SimCord enforces the limits as Discord does (tests/channel_limits.py), so the
50th table in one category would fail here as it does on a real server.
"""

from __future__ import annotations

import discobase
from bot import create_bot
from discobase.backend.base import GUILD_CHANNEL_LIMIT

from .helpers import refusal, reply


def table(n: int) -> str:
    return f"t{n:02d}"


async def insert_and_find(member, channel, name: str, title: str, record_id: int) -> None:
    inserted = reply(await member.slash(channel, "record insert", table=name, values=f"title={title}"))
    assert inserted.content.startswith(f"Inserted record **{record_id}** into `{name}`"), inserted.content
    found = reply(await member.slash(channel, "record find", table=name, where=f'title = "{title}"'))
    assert [field.name for field in found.embeds[0].fields] == [f"#{record_id}"]


async def test_sixty_tables_all_usable_and_back_after_a_restart(simcord_env, settings, guild, admin, member, channel):
    """60 `/table create`: tables 50 on go into `discobase-2`, hidden alike; every one works before and after."""
    for n in range(1, 61):
        result = await admin.slash(channel, "table create", name=table(n), columns="title:text unique")
        assert f"Created table `{table(n)}`" in reply(result).content, (n, reply(result).content)
    first, second = guild.channels["discobase"], guild.channels["discobase-2"]
    channels = simcord_env.backend.channels.values()
    in_first = [c for c in channels if c.parent_id == first.id]
    in_second = [c for c in channels if c.parent_id == second.id]
    assert len(in_first) == 50 and len(in_second) == 11  # the catalog and 49 tables, then 11
    assert "db-catalog" in {c.name for c in in_first}
    bot_guild = simcord_env.bot.get_guild(guild.id)
    hidden = bot_guild.get_channel(second.id).overwrites_for(bot_guild.default_role)
    assert hidden.view_channel is False  # hidden from @everyone like the first
    assert bot_guild.get_channel(in_second[0].id).permissions_for(bot_guild.default_role).view_channel is False
    for n in (1, 49, 50, 60):
        await insert_and_find(member, channel, table(n), f"before {n}", 1)
    await simcord_env.bot.close()
    await simcord_env.restart_bot(create_bot(settings))
    for n in (1, 49, 50, 60):
        await insert_and_find(member, channel, table(n), f"after {n}", 2)
    store = simcord_env.bot.engine.store(simcord_env.bot.get_guild(guild.id))
    assert store.table_names() == [table(n) for n in range(1, 61)]
    assert store.orphaned_channels() == []
    assert sorted(c.name for c in guild.channels.values() if c.name.startswith("discobase")) == [
        "discobase",
        "discobase-2",
    ]


async def test_create_at_the_servers_500_channels_is_refused_with_the_count(
    simcord_env, guild, admin, channel, books, store
):
    """A full server: `/table create` names the limit and the count, and leaves no channel and no catalog entry."""
    for n in range(GUILD_CHANNEL_LIMIT - len(guild.channels)):
        guild.create_text_channel(f"chat-{n}")
    await simcord_env.settle()
    assert len(guild.channels) == GUILD_CHANNEL_LIMIT
    requests = len(simcord_env.http_requests)
    result = await admin.slash(channel, "table create", name="authors", columns="name:text")
    text = refusal(simcord_env, result, discobase.ChannelLimit)
    assert "This server has 500 channels and Discord allows at most 500" in text
    assert "Nothing was created" in text and "`/table drop`" in text
    sent = simcord_env.http_requests[requests:]
    assert not [r for r in sent if r.method == "POST" and r.path.startswith("/guilds/")], "no channel create was sent"
    assert "authors" not in guild.channels
    assert store.table_names() == ["books"]
    assert store.orphaned_channels() == []
    simcord_env.backend.delete_channel(guild.channels["chat-0"].id)  # a member makes room
    await simcord_env.settle()
    result = await admin.slash(channel, "table create", name="authors", columns="name:text")
    assert "Created table `authors`" in reply(result).content


async def test_back_to_back_creates_count_channels_the_gateway_has_not_shown_yet(
    simcord_env, guild, admin, channel, books, monkeypatch
):
    """With no CHANNEL_CREATE event arriving, tables made in a row still spill at 50 (discord.py caches its creates)."""
    category = guild.channels["discobase"]
    for n in range(47):  # the catalog, books and 47 more: one place left
        guild.create_text_channel(f"filler-{n}", category=category)
    await simcord_env.settle()
    parsers = simcord_env.bot._connection.parsers
    monkeypatch.setitem(parsers, "CHANNEL_CREATE", lambda data: None)  # the gateway lags behind our creates
    for name in ("t1", "t2", "t3"):
        result = await admin.slash(channel, "table create", name=name, columns="title:text")
        assert f"Created table `{name}`" in reply(result).content
    parents = {c.name: c.parent_id for c in simcord_env.backend.channels.values()}
    assert parents["t1"] == category.id
    assert parents["t2"] == parents["t3"] == guild.channels["discobase-2"].id
