"""No write for an interaction that cannot be answered: a late write is acknowledged first, and a refusal stops it.

Discord refuses an acknowledgement with 10062 when it comes too late (3 s) and
with 40060 when another process (a rolling deploy's other half) answered
first. Either way nothing may be written here: the process that answered
carries the command out, or nobody does and the member may simply try again.
A young interaction writes at once and is answered directly (no request added);
these tests make every interaction "late" (``ACKNOWLEDGE_AFTER = 0``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
import pytest
import simcord

import cogs.utils.replies
import discobase
from cogs.utils.replies import ALREADY_ACKNOWLEDGED, UNKNOWN_INTERACTION, Unanswerable
from discobase.backend import discord_backend
from tests.cogs.helpers import handled, lag, reply


@pytest.fixture
def late(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every write's interaction counts as late: it is acknowledged before the write is stored."""
    monkeypatch.setattr(cogs.utils.replies, "ACKNOWLEDGE_AFTER", 0.0)


REFUSALS = [
    pytest.param(404, UNKNOWN_INTERACTION, "Unknown interaction", id="10062-too-late"),
    pytest.param(400, ALREADY_ACKNOWLEDGED, "Interaction has already been acknowledged.", id="40060-elsewhere"),
]


@pytest.mark.parametrize(("status", "code", "message"), REFUSALS)
async def test_a_refused_deferral_writes_nothing(
    simcord_env: simcord.Env,
    member: simcord.MemberActor,
    channel: simcord.ChannelHandle,
    books: str,
    store: discobase.GuildStore,
    caplog: pytest.LogCaptureFixture,
    status: int,
    code: int,
    message: str,
    late: None,
) -> None:
    """Discord refuses the deferral before the insert: nothing is stored, nothing more is sent, a log line says why."""
    simcord_env.inject_error("POST", "/interactions/*/callback", status=status, code=code, message=message)
    before = len(simcord_env.http_requests)
    with caplog.at_level(logging.WARNING):
        await member.slash(channel, "record insert", table=books, values="title=Dune, author=Herbert")
    assert await store.count(books) == 0
    sent = [r for r in simcord_env.http_requests[before:] if r.path.startswith(("/channels/", "/webhooks/"))]
    assert sent == [], "no write and no answer may follow a refused acknowledgement"
    assert any(isinstance(error, Unanswerable) and error.code == code for error in simcord_env.errors)
    assert "nothing was written" in caplog.text


async def test_after_a_refusal_the_next_try_stores_once(
    simcord_env: simcord.Env,
    member: simcord.MemberActor,
    channel: simcord.ChannelHandle,
    books: str,
    store: discobase.GuildStore,
    late: None,
) -> None:
    """The member's retry after a lost interaction stores the record once, not twice."""
    simcord_env.inject_error("POST", "/interactions/*/callback", status=404, code=UNKNOWN_INTERACTION)
    await member.slash(channel, "record insert", table=books, values="title=Dune, author=Herbert")
    handled(simcord_env)
    result = await member.slash(channel, "record insert", table=books, values="title=Dune, author=Herbert")
    assert "Inserted record **1**" in reply(result).content
    assert await store.count(books) == 1


async def test_a_quick_read_still_answers_directly(
    simcord_env: simcord.Env, member: simcord.MemberActor, channel: simcord.ChannelHandle, books: str
) -> None:
    """Reads do not wait for an acknowledgement: a quick find is one response, no deferral."""
    before = len(simcord_env.http_requests)
    await member.slash(channel, "record count", table=books)
    callbacks = [r for r in simcord_env.http_requests[before:] if r.path.endswith("/callback")]
    assert [r.json["type"] for r in callbacks] == [4]  # CHANNEL_MESSAGE_WITH_SOURCE, not a deferral (5)


async def test_a_young_write_is_answered_directly(
    simcord_env: simcord.Env, member: simcord.MemberActor, channel: simcord.ChannelHandle, books: str
) -> None:
    """A write whose interaction is young adds no request: one direct response, no deferral."""
    before = len(simcord_env.http_requests)
    await member.slash(channel, "record insert", table=books, values="title=Dune, author=Herbert")
    callbacks = [r for r in simcord_env.http_requests[before:] if r.path.endswith("/callback")]
    assert [r.json["type"] for r in callbacks] == [4]


async def test_lag_before_our_code_counts_toward_the_age(
    simcord_env: simcord.Env,
    member: simcord.MemberActor,
    channel: simcord.ChannelHandle,
    books: str,
    store: discobase.GuildStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The age runs from the interaction's snowflake: a write 1.2 s after it is acknowledged before it is stored."""
    lag(monkeypatch, 1.2)
    before = len(simcord_env.http_requests)
    result = await member.slash(channel, "record insert", table=books, values="title=Dune, author=Herbert")
    await simcord_env.advance_time(1.2)
    callbacks = [r for r in simcord_env.http_requests[before:] if r.path.endswith("/callback")]
    assert [r.json["type"] for r in callbacks] == [5]  # deferred first, not a direct answer at 1.2 s
    assert "Inserted record **1**" in reply(result).content
    assert await store.count(books) == 1


async def test_an_interaction_past_3_seconds_on_arrival_writes_nothing(
    simcord_env: simcord.Env,
    member: simcord.MemberActor,
    channel: simcord.ChannelHandle,
    books: str,
    store: discobase.GuildStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A command reaching us 3.5 s after it was made: Discord (SimCord itself) refuses it, and nothing is stored."""
    lag(monkeypatch, 3.5)
    before = len(simcord_env.http_requests)
    await member.slash(channel, "record insert", table=books, values="title=Dune, author=Herbert")
    await simcord_env.advance_time(3.5)
    assert await store.count(books) == 0
    sent = [r for r in simcord_env.http_requests[before:] if r.path.startswith(("/channels/", "/webhooks/"))]
    assert sent == []
    assert [error.code for error in simcord_env.errors if isinstance(error, Unanswerable)] == [UNKNOWN_INTERACTION]


def _slow_answers(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Every first response reaches Discord ``seconds`` (simulated) late: a slow network after the write was stored."""
    send = discord.InteractionResponse.send_message

    async def slow(self: discord.InteractionResponse, *args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(seconds)
        return await send(self, *args, **kwargs)

    monkeypatch.setattr(discord.InteractionResponse, "send_message", slow)


async def test_a_stored_write_whose_answer_came_too_late_is_told_in_the_channel(
    simcord_env: simcord.Env,
    member: simcord.MemberActor,
    channel: simcord.ChannelHandle,
    books: str,
    store: discobase.GuildStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A young insert is stored, its answer refused with 10062: the member is told in the channel, pinged alone."""
    _slow_answers(monkeypatch, 3.5)
    before = len(simcord_env.http_requests)
    await member.slash(channel, "record insert", table=books, values="title=Dune, author=<@1>")
    await simcord_env.advance_time(3.5)
    assert await store.count(books) == 1
    notes = [
        entry
        for entry in simcord_env.http_requests[before:]
        if entry.path == f"/channels/{channel.id}/messages" and entry.method == "POST"
    ]
    assert len(notes) == 1
    note = notes[0].json
    assert note["content"].startswith(f"<@{member.id}> Discord refused my answer to your `/record insert`")
    assert "Inserted record **1**" in note["content"]
    assert note["allowed_mentions"] == {"parse": [], "users": [member.id]}  # pings the member, nobody else
    assert not [error for error in simcord_env.errors if isinstance(error, Unanswerable)]


async def test_a_private_answer_refused_too_late_is_not_shown_in_public(
    simcord_env: simcord.Env,
    member: simcord.MemberActor,
    channel: simcord.ChannelHandle,
    books: str,
    store: discobase.GuildStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A refusal (a private answer) refused with 10062: the channel note says the answer was private, no more."""
    await member.slash(channel, "record insert", table=books, values="title=Dune, author=Herbert")
    _slow_answers(monkeypatch, 3.5)
    before = len(simcord_env.http_requests)
    await member.slash(channel, "record insert", table=books, values="title=Dune, author=Other")
    await simcord_env.advance_time(3.5)
    handled(simcord_env)
    notes = [entry.json["content"] for entry in simcord_env.http_requests[before:] if entry.path.endswith("/messages")]
    assert len(notes) == 1
    assert "The answer was private, so it is not shown here" in notes[0]
    assert "Dune" not in notes[0] and "record 1" not in notes[0]
    assert await store.count(books) == 1


async def test_a_stored_write_whose_answer_another_process_took_follows_up(
    simcord_env: simcord.Env,
    member: simcord.MemberActor,
    channel: simcord.ChannelHandle,
    books: str,
    store: discobase.GuildStore,
) -> None:
    """A young insert is stored and its answer refused with 40060 (another process answered): a follow-up tells it."""
    simcord_env.inject_error(
        "POST", "/interactions/*/callback", status=400, code=ALREADY_ACKNOWLEDGED, message="already acknowledged"
    )
    result = await member.slash(channel, "record insert", table=books, values="title=Dune, author=Herbert")
    assert await store.count(books) == 1
    assert len(result.followups) == 1
    assert "Inserted record **1**" in result.followups[0].content
    assert not result.followups[0].ephemeral


async def test_a_write_under_way_when_its_deferral_is_refused_is_still_told(
    simcord_env: simcord.Env,
    member: simcord.MemberActor,
    channel: simcord.ChannelHandle,
    books: str,
    store: discobase.GuildStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A young write sent, Discord slow to confirm it, the deferral at 1.5 s refused (40060): a follow-up tells it."""
    original = discord_backend._call

    async def slow(*args: Any) -> Any:
        stored = await original(*args)
        await asyncio.sleep(2)  # Discord's answer to the request comes late
        return stored

    monkeypatch.setattr(discord_backend, "_call", slow)
    simcord_env.inject_error("POST", "/interactions/*/callback", status=400, code=ALREADY_ACKNOWLEDGED, times=None)
    result = await member.slash(channel, "record insert", table=books, values="title=Dune, author=Herbert")
    await simcord_env.advance_time(5)
    assert await store.count(books) == 1
    assert [followup.content for followup in result.followups if "Inserted record **1**" in followup.content]
