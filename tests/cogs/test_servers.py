"""What holds across commands: one database per server, data that outlives the bot, and how failures read."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
import simcord

import discobase
from bot import Settings, create_bot
from cogs.utils.errors import APOLOGY

from .helpers import refusal, reply


async def test_two_servers_never_see_each_others_tables(simcord_env, admin, member, channel, books):
    """A table of one server is unknown, unlisted and not suggested in another."""
    other = simcord_env.create_guild("Other")
    other_channel = other.create_text_channel("general")
    stranger = other.add_member(simcord_env.create_user("stranger"))
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert")
    assert "no tables yet" in reply(await stranger.slash(other_channel, "record tables")).content
    assert await stranger.autocomplete(other_channel, "record find", "table", "bo") == []
    result = await stranger.slash(other_channel, "record find", table="books")
    assert "There is no table `books`" in refusal(simcord_env, result, discobase.UnknownTable)


async def test_records_survive_a_restart_with_their_ids(simcord_env, member, channel, books):
    """After the bot restarts, every record is read back from Discord with the same id, and ids go on."""
    for title in ("Dune", "Emma", "Ulysses"):
        await member.slash(channel, "record insert", table="books", values=f"title={title}, author=X")
    await member.slash(channel, "record delete", table="books", id=3)
    await simcord_env.bot.close()
    await simcord_env.restart_bot(create_bot(Settings()))
    message = reply(await member.slash(channel, "record find", table="books"))
    assert [field.name for field in message.embeds[0].fields] == ["#1", "#2"]
    inserted = reply(await member.slash(channel, "record insert", table="books", values="title=Odyssey, author=Y"))
    assert inserted.content.startswith("Inserted record **4** into `books`:")


async def test_restart_does_not_duplicate_the_storage_channels(simcord_env, member, channel, guild, books):
    """Starting again reuses the category, the catalog and the table channels."""
    before = sorted(guild.channels)
    await simcord_env.restart_bot(create_bot(Settings()))
    await member.slash(channel, "record tables")
    assert sorted(guild.channels) == before


def _slow(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Make every insert take ``seconds`` (of SimCord's virtual time) before it starts."""
    original = discobase.GuildStore.insert

    async def slow_insert(self: discobase.GuildStore, *args: Any, **kwargs: Any) -> discobase.Record:
        await asyncio.sleep(seconds)
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(discobase.GuildStore, "insert", slow_insert)


def _callbacks(env: simcord.Env) -> list[int]:
    return [entry.json["type"] for entry in env.http_requests if entry.path.endswith("/callback")]


async def test_slow_work_defers_and_still_answers(simcord_env, member, channel, books, store, monkeypatch):
    """Work that outlasts the deadline shows "thinking" within 3 seconds; the public answer then replaces it."""
    _slow(monkeypatch, 10)
    result = await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert")
    await simcord_env.advance_time(2)
    assert _callbacks(simcord_env)[-1] == 5  # deferred, with "thinking"
    await simcord_env.advance_time(10)
    assert reply(result).content.startswith("Inserted record **1** into `books`:")
    assert not reply(result).ephemeral
    assert result.followups == []


async def test_an_error_after_deferring_is_still_private(simcord_env, member, channel, books, monkeypatch):
    """When a command had to defer publicly, its error still reaches only the member."""
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert")
    _slow(monkeypatch, 10)
    result = await member.slash(channel, "record insert", table="books", values="title=Dune, author=Other")
    await simcord_env.advance_time(12)
    assert result.response is None  # the public "thinking" message is gone
    assert "record 1 already has" in refusal(simcord_env, result, discobase.UniqueViolation)


async def test_a_missing_bot_permission_is_named(simcord_env, admin, channel):
    """When Discord refuses the bot, the reply names the permission it needs."""
    simcord_env.inject_error("POST", "/guilds/*/channels", status=403, code=50013, message="Missing Permissions")
    result = await admin.slash(channel, "table create", name="books", columns="title:text")
    assert "**Manage Channels**" in refusal(simcord_env, result, discobase.MissingPermission)


async def test_an_unexpected_error_gets_an_apology_and_a_log(simcord_env, member, channel, books, monkeypatch, caplog):
    """A bug answers with a short apology (ephemeral) and logs the traceback."""

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(discobase.GuildStore, "count", broken)
    with caplog.at_level(logging.ERROR, logger="cogs.utils.errors"):
        result = await member.slash(channel, "record count", table="books")
    assert refusal(simcord_env, result, RuntimeError) == APOLOGY
    assert "unexpected error in record count" in caplog.text
    assert "RuntimeError: boom" in caplog.text


@pytest.mark.parametrize("group", ["table", "record"])
async def test_commands_are_offered_in_servers_only(simcord_env, group):
    """Every command group is limited to servers: Discord does not offer them in DMs."""
    command = simcord_env.bot.tree.get_command(group)
    assert command is not None
    assert command.to_dict(simcord_env.bot.tree)["contexts"] == [0]  # guild only
