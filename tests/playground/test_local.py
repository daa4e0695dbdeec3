"""The playground without a browser: its world, its settings, its exits."""

from __future__ import annotations

import asyncio
import importlib.util
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import discord
import pytest

import bot.playground
from bot.local import NO_SIMCORD, run_local
from bot.playground import Playground, playground_settings, real_time, serve, start_playground
from bot.playground_demo import AUDIT_CHANNEL, BOOKS, DEMO_TABLE, PRIVATE_TABLE
from bot.playground_door import GUARD_PATH, open_door
from bot.settings import Settings

from .helpers import playground_process


@pytest.fixture
async def world() -> AsyncIterator[Playground]:
    world = await start_playground(Settings(), demo=True)
    try:
        yield world
    finally:
        await world.env.shutdown()


async def _member(world: Playground, user_id: int) -> discord.Member:
    """The member as the bot fetches it (the bot has no members intent, so none are cached)."""
    guild = world.bot.get_guild(world.guild.id)
    assert guild is not None
    return await guild.fetch_member(user_id)


async def test_world_has_general_an_admin_and_a_member(world: Playground) -> None:
    """#general, ada with Manage Server, bob without it, and the bot named discobase."""
    assert world.general.name == "general"
    assert (await _member(world, world.admin.id)).guild_permissions.manage_guild
    assert not (await _member(world, world.member.id)).guild_permissions.manage_guild
    assert world.bot.user is not None and world.bot.user.name == "discobase"


async def test_every_command_is_offered_in_general(world: Playground) -> None:
    """The real cogs are loaded and synced: the admin sees /table and /record in #general, the member /record."""
    assert {"table create", "record insert", "record find"} <= set(world.admin.available_commands(world.general))
    offered = set(world.member.available_commands(world.general))
    assert {"record tables", "record insert", "record find"} <= offered and "table create" not in offered


async def test_the_simulated_clock_starts_today(world: Playground) -> None:
    """Messages are dated today, as the audit lines and timestamps that use the real clock (issue 25)."""
    result = await world.member.slash(world.general, "record count", table=DEMO_TABLE)
    assert result.response is not None
    sent = discord.utils.snowflake_time(result.response.id)
    assert abs((sent - discord.utils.utcnow()).total_seconds()) < 120


async def test_demo_table_is_seeded(world: Playground) -> None:
    """--demo gives the books table every sample book, found by /record find."""
    guild = world.bot.get_guild(world.guild.id)
    assert guild is not None
    assert await world.bot.engine.store(guild).count(DEMO_TABLE) == len(BOOKS) >= 24
    result = await world.member.slash(world.general, "record find", table=DEMO_TABLE)
    assert result.response is not None
    assert f"{len(BOOKS)} records" in result.response.embeds[0].footer.text


async def test_demo_makes_a_first_summary_and_shows_a_private_table_and_the_audit(world: Playground) -> None:
    """--demo: a summary by genre with a chart, a saved view, a private table bob cannot see, and #audit-log."""
    result = await world.member.slash(world.general, "record summary", table=DEMO_TABLE, by="genre", chart=True)
    assert result.response is not None
    lines = result.response.embeds[0].description.split("\n")
    assert lines[0] == f"**{len(BOOKS)}** records"
    assert lines[1].startswith("**year** \u00b7 sum") and lines[2].startswith("**pages** \u00b7 sum 10,915")
    assert lines[3] == "**added** \u00b7 earliest 2026\u201101\u201109 \u00b7 latest 2026\u201111\u201116"
    assert lines[6] == "novel \u00b7 **13** (41%)"
    assert result.response.attachments[0].filename == "summary.png"
    unread = await world.member.slash(world.general, "record find", table=DEMO_TABLE, view="unread")
    assert unread.response is not None and unread.response.embeds[0].fields[0].value.startswith("title: Moby-Dick")
    guild = world.bot.get_guild(world.guild.id)
    assert guild is not None
    store = world.bot.engine.store(guild)
    assert store.access(PRIVATE_TABLE).read_role_id is not None
    hidden = await world.member.slash(world.general, "record find", table=PRIVATE_TABLE)
    assert hidden.response is not None and hidden.response.content.startswith(f"There is no table `{PRIVATE_TABLE}`")
    audit = store.settings().audit_channel_id
    assert audit is not None and guild.get_channel(audit).name == AUDIT_CHANNEL


async def test_a_refusal_is_not_a_bot_error(world: Playground) -> None:
    """A member's /record get of a missing table is refused ephemerally; the page is not told of a failure."""
    result = await world.member.slash(world.general, "record get", table="mine", id=1)
    assert result.response is not None and result.response.ephemeral
    assert "There is no table `mine`" in result.response.content
    assert world.env.errors == []


async def test_without_demo_there_are_no_tables() -> None:
    """Without --demo the guild starts empty."""
    world = await start_playground(Settings(), demo=False)
    try:
        guild = world.bot.get_guild(world.guild.id)
        assert guild is not None
        store = world.bot.engine.store(guild)
        await store.open()
        assert store.table_names() == []
    finally:
        await world.env.shutdown()


def test_settings_for_discord_only_are_dropped() -> None:
    """Token, dev guild and shards aim at the real Discord; the rest is kept."""
    real = Settings(token="t", category="data", dev_guild_id=5, shard_count=2, shard_ids=(1,), cache_mb=64)
    local = playground_settings(real)
    assert (local.token, local.dev_guild_id, local.shard_count, local.shard_ids) == (None, None, None, None)
    assert (local.category, local.cache_mb) == ("data", 64)


async def test_port_in_use_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    """A taken port gives status 2 and a one-line message naming the port and --port, no traceback."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status = await serve(Settings(), port=port, demo=False, stop=asyncio.Event())
    assert status == 2
    err = capsys.readouterr().err.strip()
    assert err == f"Cannot open the playground page: port {port} is in use. Choose another with --port N."


async def test_serve_prints_url_and_hint_until_stopped(capsys: pytest.CaptureFixture[str]) -> None:
    """serve() prints the URL and a hint: how to run a command as on Discord, and that a restart loses the data."""
    stop = asyncio.Event()
    task = asyncio.ensure_future(serve(Settings(), port=None, demo=False, stop=stop))
    out = ""
    while "/table create" not in out and not task.done():
        await asyncio.sleep(0.05)
        out += capsys.readouterr().out
    stop.set()
    assert await asyncio.wait_for(task, 30) == 0
    url, *hint = out.splitlines()
    assert url.split(": ", 1)[1].startswith("http://127.0.0.1:")
    assert len(hint) == 4
    assert "type /table, pick /table create, set name to books and columns to title:text, year:int" in hint[0]
    assert "press Enter" in hint[0]
    assert "/table is not offered to him; /record tables lists the tables" in hint[2]  # issue 25
    assert "restarting the playground loses every table and record" in hint[3]


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_signal_stops_the_process_with_status_0(tmp_path: Path, number: signal.Signals) -> None:
    """Ctrl-C (or a SIGTERM from a process manager) ends the playground cleanly: status 0, no traceback."""
    with playground_process(tmp_path, demo=False) as running:
        assert running.stop(number) == 0
        assert "Traceback" not in running.stderr.read_text()


def test_without_simcord_the_message_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """SimCord is an optional extra: without it, status 2 and the pip command, not an ImportError."""
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *rest: None if name == "simcord" else find_spec(name))
    assert run_local(Settings()) == 2
    assert capsys.readouterr().err.strip() == NO_SIMCORD


async def test_the_clock_follows_real_time_so_a_drop_confirmation_expires(
    world: Playground, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the simulated clock following the real one, "press within N seconds" really runs out."""
    monkeypatch.setattr(sys.modules["cogs.utils.views"], "CONFIRM_SECONDS", 1.0)  # the module the bot loaded
    monkeypatch.setattr(bot.playground, "CLOCK_TICK", 0.2)
    async with real_time(world.env):
        asked = await world.admin.slash(world.general, "table drop", table=DEMO_TABLE)
        assert asked.response is not None and "within 2 minutes" in asked.response.content
        for _ in range(50):  # up to 10 s of real time; the confirmation lasts 1 s
            await asyncio.sleep(0.2)
            if "No answer in time" in asked.response.content:
                break
    assert asked.response.content == "No answer in time: nothing was changed."
    guild = world.bot.get_guild(world.guild.id)
    assert guild is not None
    assert DEMO_TABLE in world.bot.engine.store(guild).table_names()


async def test_the_page_shows_an_expired_confirmation_when_it_expires(
    world: Playground, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page is republished when the clock's step made the bot send something, not at the next action.

    The page polls its published state; a confirmation that runs out edits its
    message between actions, so without a republish the page would show the
    live buttons until the member did something else (issue 25). SimCord has no
    public handle on a page's revision, hence its page object here.
    """
    monkeypatch.setattr(sys.modules["cogs.utils.views"], "CONFIRM_SECONDS", 1.0)
    monkeypatch.setattr(bot.playground, "CLOCK_TICK", 0.2)
    async with world.env.preview(world.general, viewers=[world.admin], layout="channel") as preview:
        page = preview._python
        assert page is not None
        async with real_time(world.env, preview=preview):
            asked = await world.admin.slash(world.general, "table drop", table=DEMO_TABLE)
            assert asked.response is not None
            published = page.revision
            for _ in range(50):  # up to 10 s of real time; the confirmation lasts 1 s
                await asyncio.sleep(0.2)
                if "No answer in time" in asked.response.content and page.revision > published:
                    break
        assert asked.response.content == "No answer in time: nothing was changed."
        assert page.revision > published and page.publication_reason == "refresh"


async def test_the_page_is_served_with_its_explanations(world: Playground) -> None:
    """The front door serves SimCord's page with the script that explains a missing or stale key."""
    async with (
        world.env.preview(world.general, viewers=[world.admin], layout="channel") as preview,
        open_door(preview.url, 0) as url,
        aiohttp.ClientSession() as session,
    ):
        base, _, key = url.partition("#")
        assert key == preview.capability
        async with session.get(base) as index:
            assert GUARD_PATH in await index.text()
        async with session.get(base.rstrip("/") + GUARD_PATH) as guard:
            assert "This tab is from an earlier run of the playground" in await guard.text()
