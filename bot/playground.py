"""The local playground's world: the real bot on a simulated Discord (SimCord), shown in SimCord's browser Preview.

A newcomer sees the product work before creating a Discord application: the
bot from ``create_bot()``, its cogs and the storage engine run unmodified
against SimCord's in-memory Discord, so tables are channels of the simulated
guild and records are its messages, exactly as on Discord. The Preview serves a
Discord-like page on loopback whose composer runs the slash commands as the
admin or the plain member, behind a front door that explains a stale tab
(``playground_door.py``). The simulated clock follows the real one, so
confirmations expire. No token, no network, no disk: a restart starts empty.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime

import discord
import simcord

from cogs.utils.errors import describe_error, unwrap

from . import create_bot
from .bot import DiscobaseBot
from .playground_demo import AUDIT_CHANNEL, DEMO_TABLE, DemoPeople, seed_demo
from .playground_door import DEFAULT_PORT, open_door
from .settings import Settings

__all__ = ["Playground", "PlaygroundEnv", "playground_settings", "real_time", "serve", "start_playground"]

SETTLE_SECONDS = 30.0
"""How long a page action may wait for the bot's work (SimCord's default of 5 s is short for a big import)."""


@dataclass(frozen=True)
class Playground:
    """The simulated world: the bot attached to SimCord, one guild, its ``#general``, an admin and a plain member."""

    env: simcord.Env
    bot: DiscobaseBot
    guild: simcord.GuildHandle
    general: simcord.ChannelHandle
    admin: simcord.MemberActor
    member: simcord.MemberActor


class PlaygroundEnv(simcord.Env):
    """SimCord's world, where only the bot's bugs count as errors.

    SimCord records every exception a command, button or form raised, even one
    the bot answered as a member's mistake (a typo, a refusal); the Preview then
    flags the action as failed and keeps the command in the composer. Those
    answers are the product working, so only what the cogs call unexpected
    (logged with a traceback, answered with an apology) is recorded.
    """

    def _record_error(self, error: BaseException) -> None:
        if describe_error(unwrap(error)) is None:
            super()._record_error(error)


def playground_settings(settings: Settings) -> Settings:
    """The settings minus those that aim at the real Discord: a dev guild or shards would hide the commands here."""
    return settings.model_copy(update={"token": None, "dev_guild_id": None, "shard_count": None, "shard_ids": None})


async def start_playground(settings: Settings, *, demo: bool) -> Playground:
    """Attach a fresh bot to SimCord and build the guild; with ``demo``, seed the sample table."""
    bot = create_bot(playground_settings(settings))
    env = PlaygroundEnv(bot, settle_timeout=SETTLE_SECONDS)
    # SimCord's clock starts on a fixed day; from today instead, messages carry the dates audit lines
    # and timestamps show, and nothing is scheduled yet that the jump could run.
    env.backend.advance_clock(max(0.0, (datetime.now(UTC) - env.now()).total_seconds()))
    await env.start()
    try:
        guild = env.create_guild("discobase playground")
        general = guild.create_text_channel("general")
        admins = guild.create_role("Admin", permissions=discord.Permissions(manage_guild=True, manage_messages=True))
        admin = guild.add_member(env.create_user("ada"), roles=[admins])
        member = guild.add_member(env.create_user("bob"))
        await env.settle()
        assert bot.user is not None  # READY has run
        await bot.user.edit(username="discobase")  # SimCord names every bot "TestBot"
        server = bot.get_guild(guild.id)
        assert server is not None  # GUILD_CREATE has run
        if demo:
            audit = guild.create_text_channel(AUDIT_CHANNEL)
            staff = guild.create_role("Staff")
            await env.settle()
            people = DemoPeople(admin.id, (admin.id, member.id), staff.id, audit.id)
            await seed_demo(bot.engine.store(server), people)
        await env.settle()
    except BaseException:
        await env.shutdown()
        raise
    return Playground(env, bot, guild, general, admin, member)


def hint(demo: bool) -> str:
    """What to do first, as on Discord (type the group, pick the command, fill its options); what a restart does."""
    if demo:
        first = (
            f"  In #general type /record, pick /record find, set table to {DEMO_TABLE} and where to year < 1950, "
            "then press Enter.\n"
            f"  Then /record summary with table {DEMO_TABLE}, by genre and chart True draws a chart.\n"
            '  "Viewing as" switches between ada (Manage Server) and bob (a member): only ada is offered /table; '
            "bob sees the tables with /record tables and /record describe."
        )
    else:
        first = (
            "  In #general type /table, pick /table create, set name to books and columns to "
            "title:text, year:int, then press Enter.\n"
            "  Then /record insert (table books, values title=Dune, year=1965) and /record find (table books).\n"
            '  "Viewing as" switches to bob, a member: /table is not offered to him; /record tables lists the tables.'
        )
    return first + "\n  Everything lives in memory: stopping or restarting the playground loses every table and record."


CLOCK_TICK = 1.0
"""Seconds between two steps of the simulated clock after the real one."""


@contextlib.asynccontextmanager
async def real_time(
    env: simcord.Env, acting: asyncio.Lock | None = None, preview: simcord.Preview | None = None
) -> AsyncIterator[None]:
    """Move SimCord's clock along with the real one, so what expires (a drop's confirmation, page buttons) expires.

    A simulated clock stands still between actions; tests move it by hand, a
    person at the page expects "within 2 minutes" to mean two minutes. SimCord
    runs one operation at a time, so each step holds ``acting``, which every
    page action holds too (see ``playground_door``); a step that still meets
    another operation is made up for at the next one. A step in which the bot
    sent anything (a confirmation that ran out says so) republishes the
    ``preview``'s pages, so the page shows it when it happens, not at the next action.
    """
    acting = acting or asyncio.Lock()

    async def follow() -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(CLOCK_TICK)
            now = time.monotonic()
            try:
                async with acting:
                    sent = len(env.http_requests)
                    await env.advance_time(now - last)
                    if preview is not None and len(env.http_requests) != sent:
                        await preview.refresh()
            except (simcord.SetupError, TimeoutError):  # another operation, or the bot still busy: next time
                continue
            last = now

    task = asyncio.ensure_future(follow())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def serve(settings: Settings, *, port: int | None, demo: bool, stop: asyncio.Event) -> int:
    """Run the playground until ``stop`` is set or the page ends the session; returns the exit status."""
    async with AsyncExitStack() as stack:
        world = await start_playground(settings, demo=demo)
        stack.push_async_callback(world.env.shutdown)
        viewers = [world.admin, world.member]
        acting = asyncio.Lock()  # a page action or a step of the clock, never both at once
        try:
            preview = await stack.enter_async_context(
                world.env.preview(world.general, viewers=viewers, layout="channel")
            )
        except simcord.SetupError as error:
            print(f"Cannot open the playground page: {error}", file=sys.stderr)
            return 2
        try:
            url = await stack.enter_async_context(
                open_door(preview.url, DEFAULT_PORT if port is None else port, acting)
            )
        except OSError:
            if port is not None:
                print(
                    f"Cannot open the playground page: port {port} is in use. Choose another with --port N.",
                    file=sys.stderr,
                )
                return 2
            url = await stack.enter_async_context(open_door(preview.url, 0, acting))  # the usual port is taken
        await stack.enter_async_context(real_time(world.env, acting, preview))
        print(f"discobase playground on a simulated Discord, until Ctrl-C: {url}", flush=True)
        print(hint(demo), flush=True)
        ended = asyncio.ensure_future(preview.wait_closed())
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait({ended, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if ended.done():
            print("The page ended the preview session; the playground stops.", flush=True)
        ended.cancel()
        stopped.cancel()
    return 0
