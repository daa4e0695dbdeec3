"""`create_bot()`: intents, cogs, the command tree and its sync, sharding."""

from __future__ import annotations

import subprocess
import sys

import discord
import pytest
import simcord

from bot import Settings, ShardedDiscobaseBot, create_bot
from bot.bot import cog_modules
from cogs.utils.context import client_of

SPEC_COMMANDS = {
    "table create": ["name", "columns", "description"],
    "table list": [],
    "table describe": ["table"],
    "table add-column": ["table", "column"],
    "table drop": ["table"],
    "table status": [],  # issue 6: an admin's view of the process
    "table access": ["table", "read", "write", "reset"],
    "table audit": ["channel", "off"],
    "table rename": ["table", "name"],  # issue 15: schema changes
    "table edit": ["table", "description"],
    "table rename-column": ["table", "column", "name"],
    "table drop-column": ["table", "column"],
    "table alter-column": ["table", "column", "type", "unique", "optional", "default"],
    "table view": ["table", "name", "where", "sort", "columns", "delete"],  # issue 23: views and summaries
    "record tables": [],  # issue 25: what members see of the tables, /table being Manage Server's
    "record describe": ["table"],
    "record insert": ["table", "values"],
    "record find": ["table", "where", "sort", "limit", "private", "view", "columns"],  # private: only the member sees
    "record get": ["table", "id", "private"],
    "record update": ["table", "set", "id", "where"],  # issue 15: where, for many records
    "record delete": ["table", "id", "where"],
    "record count": ["table", "where", "view"],
    "record export": ["table", "format", "where", "view", "columns", "private"],  # issue 25: private as find
    "record summary": ["table", "where", "by", "of", "chart", "view"],
    "record import": ["table", "file", "mode", "key"],
    "record trash": ["table"],  # issue 24: nothing lost by mistake
    "record restore": ["table", "id", "where"],
    "record history": ["table", "id"],
    "record undo": ["table"],
}


def test_intents_are_not_privileged():
    """The bot asks only for guilds and guild messages: no privileged intent."""
    intents = create_bot(Settings()).intents
    assert intents.guilds and intents.guild_messages
    assert not (intents.message_content or intents.members or intents.presences)


def test_every_cog_module_is_found():
    """`setup_hook` loads each module and package of `cogs/` that has a setup, not the shared utils and access rules."""
    assert cog_modules() == ["cogs.audit", "cogs.record", "cogs.table"]


def test_shards_make_a_sharded_bot():
    """SHARD_COUNT and SHARD_IDS give a bot that runs those shards."""
    bot = create_bot(Settings(shard_count=4, shard_ids=(1, 3)))
    assert isinstance(bot, ShardedDiscobaseBot)
    assert (bot.shard_count, bot.shard_ids) == (4, [1, 3])


def test_the_engine_follows_the_settings():
    """DISCOBASE_CATEGORY names the storage category; DISCOBASE_CACHE_MB is the cache budget."""
    engine = create_bot(Settings(category="data", cache_mb=64)).engine
    assert engine.category == "data"
    assert engine.budget is not None and engine.budget.limit_bytes == 64 * 1024 * 1024


async def test_every_spec_command_is_offered(simcord_env, guild, channel, admin):
    """An admin is offered every command of the SPEC, with its options; a member only /record (issue 25)."""
    member = guild.add_member(simcord_env.create_user("eve"))
    assert set(admin.available_commands(channel)) == set(SPEC_COMMANDS)
    assert set(member.available_commands(channel)) == {name for name in SPEC_COMMANDS if name.startswith("record ")}
    registered = {command["name"]: command for command in simcord_env.backend.commands[None].values()}
    manage_guild = discord.Permissions(manage_guild=True).value
    assert int(registered["table"]["default_member_permissions"]) == manage_guild  # every subcommand, list included
    assert registered["record"]["default_member_permissions"] is None
    tree = simcord_env.bot.tree
    for name, options in SPEC_COMMANDS.items():
        group, sub = name.split()
        command = tree.get_command(group).get_command(sub)
        assert [parameter.display_name for parameter in command.parameters] == options, name


async def test_commands_are_synced_once(simcord_env):
    """Commands are written to Discord at the first start; an unchanged restart only reads them."""
    await simcord_env.restart_bot(create_bot(Settings()))
    writes = [entry for entry in simcord_env.http_requests if entry.method == "PUT" and "/commands" in entry.path]
    assert len(writes) == 1
    assert writes[0].path.endswith("/commands") and "/guilds/" not in writes[0].path


async def test_dev_guild_gets_the_commands_directly():
    """With DEV_GUILD_ID the commands are synced to that server only."""
    bot = create_bot(Settings(dev_guild_id=111111111111111111))
    env = simcord.Env(bot)
    dev = env.create_guild("Dev", id=111111111111111111)
    await env.start()
    try:
        writes = [entry.path for entry in env.http_requests if entry.method == "PUT"]
        assert writes == [f"/applications/{bot.application_id}/guilds/{dev.id}/commands"]
        member = dev.add_member(env.create_user("dev"))
        assert "record insert" in member.available_commands(dev.create_text_channel("general"))
    finally:
        await env.shutdown()


async def test_every_command_and_option_is_described(simcord_env):
    """Every subcommand and option carries a description, shown in Discord's command picker."""
    for group in simcord_env.bot.tree.get_commands():
        for command in group.to_dict(simcord_env.bot.tree)["options"]:
            assert command["description"] not in ("", "\u2026"), command["name"]
            for option in command["options"]:
                assert option["description"] not in ("", "\u2026"), f"{command['name']} {option['name']}"


def test_the_bot_is_what_the_cogs_need():
    """`client_of` takes the bot; a client that lacks the contract is refused with a clear RuntimeError."""
    bot = create_bot(Settings())
    assert client_of(bot) is bot
    with pytest.raises(RuntimeError, match="DiscobaseClient"):
        client_of(discord.Client(intents=discord.Intents.none()))


def test_importing_the_bot_patches_nothing():
    """Only `python -m bot` turns off discord.py's voice warnings; importing the bot leaves discord.py as it is."""
    code = "import discord, bot.bot; print(discord.VoiceClient.warn_nacl, discord.VoiceClient.warn_dave)"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert shown.split() == ["True", "True"]


async def test_shutdown_closes_the_engine_once(monkeypatch):
    """`shutdown` closes the engine with its grace; closing again on the way out does not close it twice."""
    bot = create_bot(Settings())
    graces: list[float | None] = []

    async def close(grace: float | None = None) -> None:
        graces.append(grace)

    monkeypatch.setattr(bot.engine, "close", close)
    await bot.shutdown(3.0)
    await bot.close()
    assert graces == [3.0]


async def test_a_restarted_bot_takes_the_write_lease_before_the_first_command(
    simcord_env, settings, guild, channel, member, books
):
    """After a restart the catalog is read and the write lease taken in the background: an insert waits for neither."""
    await simcord_env.bot.close()
    await simcord_env.restart_bot(create_bot(settings))
    bot = client_of(simcord_env.bot)
    store = bot.engine.store(bot.get_guild(guild.id))
    await store.drain()
    assert store.lease is not None and store.lease.held
    catalog = store.catalog_id
    start = len(simcord_env.http_requests)
    result = await member.slash(channel, "record insert", table="books", values="title=Dune, author=Frank Herbert")
    assert result.response.content.startswith("Inserted record **1** into `books`")
    assert not [r for r in simcord_env.http_requests[start:] if f"/channels/{catalog}/" in r.path]  # no lease request


async def test_a_server_without_storage_gets_no_channel_at_start_up(simcord_env, settings, guild):
    """Start-up reads only servers that hold a database: one where nobody made a table stays untouched."""
    await simcord_env.bot.close()
    await simcord_env.restart_bot(create_bot(settings))
    bot = client_of(simcord_env.bot)
    await bot.engine.store(bot.get_guild(guild.id)).drain()
    assert not [c for c in guild.channels.values() if c.name == settings.category]
