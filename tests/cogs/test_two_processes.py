"""Two processes of the bot receive the same interaction (a rolling deploy's overlap): it is carried out once.

Discord lets several sessions of a bot connect at once and, during a deploy's
overlap, delivers each interaction to both processes. Here the second process
is a second bot attached to the same simulated Discord (tests/second_process.py);
SimCord itself refuses the second acknowledgement with 40060, as Discord does.
The process holding the server's write lease answers; the other's write waits
for the lease, its deferral is refused, and it stores nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
import simcord

import discobase
import discobase.write.lease
from bot import DiscobaseBot, Settings, create_bot
from bot.tree import RESTARTING, RESTARTING_AFTER
from cogs.utils.replies import ALREADY_ACKNOWLEDGED, Unanswerable
from discobase.backend import discord_backend
from tests.cogs.helpers import reply
from tests.second_process import attach_second_process


@pytest.fixture
async def second(simcord_env: simcord.Env, settings: Settings, books: str) -> AsyncIterator[DiscobaseBot]:
    """Another process of the bot, connected once the first has made `books` (so the first holds the lease)."""
    bot = create_bot(settings)
    detach = await attach_second_process(simcord_env, bot)
    yield bot
    detach()
    await bot.close()


def _callbacks(env: simcord.Env, since: int) -> list[simcord.HttpLogEntry]:
    return [entry for entry in env.http_requests[since:] if entry.path.endswith("/callback")]


async def test_both_processes_get_the_command_and_it_is_stored_once(
    simcord_env: simcord.Env,
    member: simcord.MemberActor,
    channel: simcord.ChannelHandle,
    guild: simcord.GuildHandle,
    books: str,
    store: discobase.GuildStore,
    second: DiscobaseBot,
) -> None:
    """One insert reaches both processes: one record, one answer; the other's deferral is refused with 40060."""
    before = len(simcord_env.http_requests)
    result = await member.slash(channel, "record insert", table=books, values="title=Dune, author=Herbert")
    await simcord_env.advance_time(2)  # the second process defers after 1.5 s, still waiting for the lease
    assert "Inserted record **1**" in reply(result).content
    assert [entry.json["type"] for entry in _callbacks(simcord_env, before)] == [4, 5]  # answered; then a deferral

    await simcord_env.advance_time(120)  # the first's lease runs out: the second's waiting write gets it, and drops
    refused = [error for error in simcord_env.errors if isinstance(error, Unanswerable)]
    assert [error.code for error in refused] == [ALREADY_ACKNOWLEDGED]  # the deferral was refused
    record_messages = [
        entry
        for entry in simcord_env.http_requests[before:]
        if entry.method == "POST" and entry.path.endswith("/messages") and "lease" not in str(entry.json)
    ]
    assert len(record_messages) == 1, "the command's record was sent once, by one process"
    assert await store.count(books) == 1
    second_guild = second.get_guild(guild.id)
    assert second_guild is not None
    assert await second.engine.store(second_guild).count(books) == 1
    assert result.followups == []


async def test_during_a_deploy_the_next_process_carries_the_command_out(
    simcord_env: simcord.Env,
    member: simcord.MemberActor,
    channel: simcord.ChannelHandle,
    books: str,
    store: discobase.GuildStore,
    second: DiscobaseBot,
) -> None:
    """The old process stops (lease released); the new one stores and answers; the old one's "restarting" is dropped."""
    old = simcord_env.bot
    old.draining = True
    await old.engine.close()  # its writes done, its lease released
    result = await member.slash(channel, "record insert", table=books, values="title=Dune, author=Herbert")
    await simcord_env.advance_time(RESTARTING_AFTER)
    assert result.response is not None and "Inserted record **1**" in result.response.content
    assert result.followups == []  # no "restarting" anywhere
    assert await second.engine.store(second.get_guild(channel.guild.id)).count(books) == 1  # type: ignore[arg-type]


async def test_while_the_old_process_still_holds_the_lease_the_new_one_answers_after(
    simcord_env: simcord.Env,
    member: simcord.MemberActor,
    channel: simcord.ChannelHandle,
    books: str,
    second: DiscobaseBot,
) -> None:
    """The new process acknowledges first (1.5 s, before the old one's "restarting" at 2 s) and stores once it may."""
    old = simcord_env.bot
    old.draining = True  # stopping, but still finishing its writes: it holds the lease
    result = await member.slash(channel, "record insert", table=books, values="title=Dune, author=Herbert")
    await simcord_env.advance_time(RESTARTING_AFTER)
    assert reply(result).content != RESTARTING  # "thinking…": the new process took the interaction
    await old.engine.close()  # the old process's writes are done: it releases the lease
    await simcord_env.advance_time(5)
    assert "Inserted record **1**" in reply(result).content
    assert await second.engine.store(second.get_guild(channel.guild.id)).count(books) == 1  # type: ignore[arg-type]


@pytest.fixture
async def notes(admin: simcord.MemberActor, channel: simcord.ChannelHandle, books: str) -> str:
    """A table with no unique column, where a command stored twice would leave two records."""
    created = await admin.slash(channel, "table create", name="notes", columns="text:text")
    assert "Created table" in reply(created).content
    return "notes"


async def test_a_slow_holder_still_answers_first_and_nothing_is_stored_twice(
    simcord_env: simcord.Env,
    member: simcord.MemberActor,
    channel: simcord.ChannelHandle,
    store: discobase.GuildStore,
    notes: str,
    second: DiscobaseBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The lease holder gets the command last and Discord confirms its write late: it still acknowledges first.

    The other process, waiting for the lease, defers only at 2 s, so it never
    takes the interaction from the holder (and then stores it a second time).
    """
    holder = simcord_env.bot
    checked = holder.tree.interaction_check

    async def behind(interaction: discord.Interaction) -> bool:
        await asyncio.sleep(0.2)  # this process's gateway is a little behind the other's
        return await checked(interaction)

    monkeypatch.setattr(holder.tree, "interaction_check", behind)
    call = discord_backend._call

    async def confirmed_late(*args: Any) -> Any:
        done = await call(*args)
        if args[-1] is holder.http:  # the holder's requests: Discord answers them 2 s late
            await asyncio.sleep(2)
        return done

    monkeypatch.setattr(discord_backend, "_call", confirmed_late)
    result = await member.slash(channel, "record insert", table=notes, values="text=hello")
    await simcord_env.advance_time(5)
    assert "Inserted record **1**" in reply(result).content
    await simcord_env.advance_time(180)  # the holder's lease runs out; the other's waiting write drops
    assert [error.code for error in simcord_env.errors if isinstance(error, Unanswerable)] == [ALREADY_ACKNOWLEDGED]
    assert await store.count(notes) == 1
    assert await second.engine.store(second.get_guild(channel.guild.id)).count(notes) == 1  # type: ignore[arg-type]
    assert "Inserted record **1**" in reply(result).content


async def test_on_a_quiet_server_where_neither_holds_the_lease_the_command_is_stored_once(
    simcord_env: simcord.Env,
    settings: Settings,
    member: simcord.MemberActor,
    channel: simcord.ChannelHandle,
    store: discobase.GuildStore,
    notes: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both must take the lease (1 s at least): the one that wins it without the interaction stores nothing."""
    monkeypatch.setattr(discobase.write.lease, "SETTLE", 1.0)  # as in production: taking the lease takes 1 s or more
    await simcord_env.advance_time(120)  # quiet: the first process's claim runs out
    bot = create_bot(settings)
    detach = await attach_second_process(simcord_env, bot)
    try:
        result = await member.slash(channel, "record insert", table=notes, values="text=hello")
        await simcord_env.advance_time(5)
        await simcord_env.advance_time(120)
        assert "Inserted record **1**" in reply(result).content
        assert await store.count(notes) == 1
        assert await bot.engine.store(bot.get_guild(channel.guild.id)).count(notes) == 1  # type: ignore[arg-type]
        refused = [error.code for error in simcord_env.errors if isinstance(error, Unanswerable)]
        assert refused == [ALREADY_ACKNOWLEDGED]  # one process was refused, and wrote nothing
    finally:
        detach()
        await bot.close()
