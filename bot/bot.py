"""The bot: a ``commands.Bot`` that carries the storage engine, its settings and every cog."""

from __future__ import annotations

import importlib
import logging
import pkgutil
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

import cogs
import discobase
from cogs.utils.context import DiscobaseClient

from .observe import RateLimitWatch, begin_command, log_command, log_component
from .settings import Settings
from .sync import sync_commands
from .tree import DiscobaseTree

__all__ = ["DiscobaseBot", "ShardedDiscobaseBot", "cog_modules"]

log = logging.getLogger(__name__)


def cog_modules() -> list[str]:
    """Every extension in ``cogs/``: each module and package with a ``setup`` (not the shared ``utils``, ``access``)."""
    names = [f"{cogs.__name__}.{module.name}" for module in pkgutil.iter_modules(cogs.__path__)]
    return [name for name in names if hasattr(importlib.import_module(name), "setup")]


class DiscobaseBot(commands.Bot):
    """The discobase bot, built by ``bot.create_bot``; what cogs use of it is ``cogs.utils.context.DiscobaseClient``.

    Only the guilds and guild-messages intents (``discobase.default_intents``):
    slash commands need no message content, and the bot always reads its own
    messages, which are the only data. Replies never ping anyone.
    """

    def __init__(self, settings: Settings, **options: Any) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=discobase.default_intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=DiscobaseTree,
            **options,
        )
        self.settings = settings
        self.draining = False
        self.rate_limits = RateLimitWatch()
        # The engine every Database on this bot shares (Database.bind, Database(name, bot=...)).
        self.engine = discobase.Engine.of(self, category=settings.category, cache_bytes=settings.cache_mb * 1024 * 1024)
        self._engine_closed = False

    async def setup_hook(self) -> None:
        """Load every cog, then sync the slash commands (to ``DEV_GUILD_ID`` when set)."""
        logging.getLogger("discord.http").addFilter(self.rate_limits)
        for name in cog_modules():
            await self.load_extension(name)
        await sync_commands(self.tree, self.settings.dev_guild_id)

    async def shutdown(self, grace: float) -> None:
        """Stop taking commands, then close, giving running writes ``grace`` seconds to reach a consistent point."""
        self.draining = True
        await self.close(grace)

    async def close(self, grace: float | None = None) -> None:
        """Close the engine first, once (its writes get ``grace`` seconds), releasing its leases for a new process.

        ``shutdown`` closes with its grace; the ``async with bot`` around a run
        closes again on the way out, and then only the gateway's part remains.
        """
        if not self._engine_closed:
            self._engine_closed = True
            await (self.engine.close() if grace is None else self.engine.close(grace))
            logging.getLogger("discord.http").removeFilter(self.rate_limits)
        await super().close()

    def begin_interaction(self, interaction: discord.Interaction) -> None:
        """Start the clock and request count of a button press or form (``cogs.utils.observed`` calls it)."""
        begin_command(interaction)

    def log_component(self, interaction: discord.Interaction, item: str, table: str | None) -> None:
        """Write the log line of a button press or form (``cogs.utils.observed`` calls it)."""
        log_component(interaction, item, table)

    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: app_commands.Command[Any, ..., Any] | app_commands.ContextMenu
    ) -> None:
        """Finish the command's log line."""
        log_command(interaction, "ok")

    async def on_ready(self) -> None:
        """Say who we are and where; read each server's catalog and take its write lease before the first command."""
        log.info("logged in as %s in %d guilds", self.user, len(self.guilds))
        for guild in self.guilds:
            self.engine.prepare(guild)


if TYPE_CHECKING:  # mypy checks here that the bot gives the cogs all they use of it
    _CONTRACT: type[DiscobaseClient] = DiscobaseBot


class ShardedDiscobaseBot(DiscobaseBot, commands.AutoShardedBot):
    """The same bot running several shards (``SHARD_COUNT``, ``SHARD_IDS``) in one process."""
