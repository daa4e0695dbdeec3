"""Command sync at start: to one guild (``DEV_GUILD_ID``, instant) or globally, and only when something changed.

Discord limits how often commands may be written, so the commands Discord has
are read first (one request) and compared with ours by their shape. Both calls
go through the engine's retry layer: a passing 5xx at start-up does not stop the bot.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from discobase.write.retry import retrying

__all__ = ["sync_commands"]

log = logging.getLogger(__name__)

_IGNORED = frozenset(
    {
        "id",
        "application_id",
        "version",
        "guild_id",
        "name_localizations",
        "description_localizations",
        "dm_permission",
        "default_member_permissions",
        "nsfw",
        "integration_types",
    }
)


def _shape(payload: Any) -> Any:
    """A command payload without ids, localisations and empty values, so Discord's and ours compare."""
    if isinstance(payload, dict):
        return {
            key: _shape(value)
            for key, value in sorted(payload.items())
            if key not in _IGNORED and value not in (None, False, [], {}, "")
        }
    if isinstance(payload, list):
        return sorted((_shape(item) for item in payload), key=repr)
    return payload


async def _fetch_payloads(client: discord.Client, guild_id: int | None) -> Any:
    """The commands Discord has, as raw payloads (``AppCommand`` does not round-trip ``contexts``)."""
    application_id = client.application_id
    if application_id is None:
        return []
    if guild_id is None:
        return await client.http.get_global_commands(application_id)
    return await client.http.get_guild_commands(application_id, guild_id)


async def sync_commands(tree: app_commands.CommandTree, dev_guild_id: int | None) -> bool:
    """Send the tree to Discord if it differs from what Discord has; returns whether it synced."""
    guild = discord.Object(dev_guild_id) if dev_guild_id else None
    if guild is not None:
        tree.copy_global_to(guild=guild)
    ours = _shape([command.to_dict(tree) for command in tree.get_commands(guild=guild)])
    theirs = _shape(await retrying(lambda: _fetch_payloads(tree.client, dev_guild_id), "read the slash commands"))
    if ours == theirs:
        log.info("slash commands are up to date on Discord")
        return False
    await retrying(lambda: tree.sync(guild=guild), "sync the slash commands")
    log.info("slash commands synced %s", f"to guild {dev_guild_id}" if guild else "globally")
    return True
