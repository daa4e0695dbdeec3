"""The discobase bot: ``create_bot()`` builds it, ``python -m bot`` runs it.

The bot is the application around the storage engine: settings, the command
tree, and the cogs in ``cogs/`` that give every ``/table`` and ``/record`` command.
"""

from __future__ import annotations

from .bot import DiscobaseBot, ShardedDiscobaseBot
from .settings import Settings, SettingsError

__all__ = ["DiscobaseBot", "Settings", "SettingsError", "ShardedDiscobaseBot", "create_bot"]


def create_bot(settings: Settings | None = None) -> DiscobaseBot:
    """The bot, not connected. Without ``settings``, they are read from the environment and ``.env``.

    ``SHARD_COUNT`` makes it run the shards ``SHARD_IDS`` (all, if not given) in this process.
    """
    settings = settings if settings is not None else Settings.from_env()
    if settings.shard_count is None:
        return DiscobaseBot(settings)
    shard_ids = list(settings.shard_ids) if settings.shard_ids is not None else None
    return ShardedDiscobaseBot(settings, shard_count=settings.shard_count, shard_ids=shard_ids)
