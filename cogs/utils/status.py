"""``/table status``: what this bot process holds and how it is doing, for a server admin.

A one-line verdict comes first (all is well, or the one thing worth knowing:
Discord slowing the bot, writes piling up, memory nearly full); the numbers
behind it follow for whoever wants them.
"""

from __future__ import annotations

import time

import discord

import discobase
from discobase.cache.budget import CacheBudget
from discobase.store import StoreStatus

from .context import RateLimits, client_of
from .embeds import COLOR
from .formatting import plural

__all__ = ["status_embed", "verdict"]


RECENT_WAIT = 300.0
"""Seconds for which a rate-limit wait makes the verdict."""
BUSY_WRITES = 10
"""Writes under way from which the verdict calls the server busy."""
NEARLY_FULL = 0.9
"""Share of the cache budget from which the verdict says memory is nearly full."""


def _size(size: int) -> str:
    """``312 KiB`` below a mebibyte, else ``12.5 MiB``."""
    return f"{size / 2**10:.0f} KiB" if size < 2**20 else f"{size / 2**20:.1f} MiB"


def verdict(here: StoreStatus, watch: RateLimits, budget: CacheBudget | None) -> str:
    """One line: all is well, or the first thing an admin should know."""
    last = watch.last
    if last is not None and time.time() - last.at < RECENT_WAIT:
        return (
            f"\u26a0\ufe0f Discord is slowing the bot down: it waited {last.seconds:.1f} s for a rate limit "
            f"{max(0, round(time.time() - last.at))} s ago. Commands still work, some answers take longer."
        )
    if here.writes_in_progress >= BUSY_WRITES:
        return f"\u23f3 Busy: {here.writes_in_progress} writes under way here. They go out in turn; nothing is lost."
    if budget is not None and budget.used_bytes >= NEARLY_FULL * budget.limit_bytes:
        return (
            "\u26a0\ufe0f Memory is nearly full: tables used least are unloaded, and read again from Discord when "
            "needed (slower). Raise `DISCOBASE_CACHE_MB` if this stays."
        )
    writes = plural(here.writes_in_progress, "write") if here.writes_in_progress else "no write"
    return f"\u2705 All is well: {plural(here.tables, 'table')} here, {writes} under way, no rate-limit wait lately."


def _rate_limit_line(watch: RateLimits) -> str:
    """The last wait discord.py made for a 429, from the bot's watch (``bot.rate_limits``), if there was one."""
    last = watch.last
    if last is None:
        return "none since start"
    ago = max(0, round(time.time() - last.at))
    return f"{last.seconds:.1f} s, {ago} s ago ({plural(watch.count, 'wait')} since start)"


def status_embed(client: discord.Client, store: discobase.GuildStore) -> discord.Embed:
    """The server's tables in memory and writes under way; the process's cache, shards and rate-limit waits."""
    here = store.status()
    bot = client_of(client)
    budget = bot.engine.budget
    embed = discord.Embed(title="discobase status", description=verdict(here, bot.rate_limits, budget), color=COLOR)
    embed.add_field(
        name="This server",
        value=(
            f"Tables loaded: {here.loaded_tables} of {here.tables} ({plural(here.cached_records, 'record')} cached)\n"
            f"Writes under way: {here.writes_in_progress}\n"
            f"Writes packed together: {plural(here.packed_writes, 'write')} "
            f"in {plural(here.shared_requests, 'shared message')}\n"
            f"Compaction: {plural(here.compacted_batches, 'batch message')} written, "
            f"{plural(here.compacted_deleted, 'message')} deleted\n"
            f"Write lease: {'held by this process' if here.holds_lease else 'not held (taken at the next write)'}"
        ),
        inline=False,
    )
    cache = (
        f"{_size(budget.used_bytes)} of {_size(budget.limit_bytes)}, {plural(budget.evictions, 'table')} unloaded"
        if budget is not None
        else "no limit"
    )
    shards = client.shard_ids if isinstance(client, discord.AutoShardedClient) else None
    embed.add_field(
        name="This process",
        value=(
            f"Record cache: {cache}\n"
            f"Servers served: {len(client.guilds)}"
            + (f" (shards {', '.join(map(str, shards))} of {client.shard_count})" if shards else "")
            + f"\nLast rate-limit wait: {_rate_limit_line(bot.rate_limits)}"
        ),
        inline=False,
    )
    return embed
