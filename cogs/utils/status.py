"""``/table status``: what this bot process holds and how it is doing, for a server admin."""

from __future__ import annotations

import time

import discord

import discobase

from .context import RateLimits, client_of
from .embeds import COLOR
from .formatting import plural

__all__ = ["status_embed"]


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


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
    embed = discord.Embed(title="discobase status", color=COLOR)
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
        f"{_mib(budget.used_bytes)} of {_mib(budget.limit_bytes)}, {plural(budget.evictions, 'table')} unloaded"
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
