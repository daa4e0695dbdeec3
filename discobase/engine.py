"""The engine bound to a discord.py client: one ``GuildStore`` per guild, kept true by gateway events.

The bot and the library both use it, so a table made by ``/table create`` and
one made from a ``discobase.Table`` class live in the same catalog.
"""

from __future__ import annotations

import asyncio
import logging
import weakref

import discord

from .backend import DiscordBackend
from .cache.budget import CacheBudget
from .errors import DiscobaseError
from .store import GuildStore
from .write.lease import Lease, new_owner_token

__all__ = ["Engine"]

log = logging.getLogger(__name__)

_ATTACHED: weakref.WeakValueDictionary[tuple[int, str], Engine] = weakref.WeakValueDictionary()
"""The engine of each (client, category): weak both ways, since the client's listeners keep its engine alive."""


class Engine:
    """Storage for every guild a client is in, with an optional memory budget for cached records.

    With ``single_writer`` (the default) each guild's writes wait for this
    process to hold the guild's lease (see lease.py), so an overlapping old
    and new process never both write; ``close()`` releases the leases.

    ``attach()`` registers the gateway listeners that keep caches true when
    someone deletes a record's message or a table's channel by hand. It needs a
    client with ``add_listener`` (``commands.Bot`` and its sharded variant); with
    a plain ``discord.Client``, call ``on_raw_message_delete``,
    ``on_raw_bulk_message_delete``, ``on_guild_channel_delete``, ``on_ready`` and
    ``on_shard_connect`` from your own event handlers.
    """

    def __init__(
        self,
        client: discord.Client,
        *,
        category: str = "discobase",
        cache_bytes: int | None = None,
        single_writer: bool = True,
    ) -> None:
        self.client = client
        self.category = category
        self.budget = CacheBudget(cache_bytes) if cache_bytes is not None else None
        self.owner = new_owner_token() if single_writer else None
        self._stores: dict[int, GuildStore] = {}

    @classmethod
    def of(
        cls,
        client: discord.Client,
        *,
        category: str | None = None,
        cache_bytes: int | None = None,
        single_writer: bool | None = None,
    ) -> Engine:
        """The engine attached to ``client`` (for that storage category), or a new one, attached.

        Everything on one client (the bot's cogs, every ``Database``) shares it:
        one store per guild, one cache, one write lease, so nothing waits on its
        own process. Without ``category``, the client's engine whatever its
        category (``discobase`` for a new one). ``cache_bytes`` and
        ``single_writer`` left as None take what the engine has; given
        differently from it, they are an error.
        """
        if category is None:
            categories = [key[1] for key, engine in _ATTACHED.items() if engine.client is client]
            if len(categories) > 1:
                raise ValueError(f"This client has engines for the categories {sorted(categories)}: name one.")
            category = categories[0] if categories else "discobase"
        engine = _ATTACHED.get((id(client), category))
        if engine is None or engine.client is not client:
            return cls(
                client,
                category=category,
                cache_bytes=cache_bytes,
                single_writer=True if single_writer is None else single_writer,
            ).attach()
        budget = engine.budget.limit_bytes if engine.budget is not None else None
        if (cache_bytes is not None and cache_bytes != budget) or (
            single_writer is not None and single_writer != (engine.owner is not None)
        ):
            raise ValueError(
                f"This client's engine runs with cache_bytes={budget}, single_writer={engine.owner is not None}; "
                "one engine serves a client, so leave these options out or give the same."
            )
        return engine

    def attach(self) -> Engine:
        """Listen to the gateway events that keep the caches true; one engine a client (see ``of``)."""
        attached = _ATTACHED.get((id(self.client), self.category))
        if attached is not None and attached is not self and attached.client is self.client:
            raise RuntimeError(
                "This client has an engine already: a second one would hold a second cache and wait on the "
                "first one's write lease. Use Engine.of(client) to get the one it has."
            )
        add_listener = getattr(self.client, "add_listener", None)
        if add_listener is None:
            raise TypeError(
                "Engine.attach() needs a client with add_listener (discord.ext.commands.Bot); "
                "with a plain discord.Client, forward the events to the Engine's on_* methods yourself."
            )
        add_listener(self.on_raw_message_delete)
        add_listener(self.on_raw_bulk_message_delete)
        add_listener(self.on_guild_channel_delete)
        add_listener(self.on_guild_remove)
        add_listener(self.on_ready)
        add_listener(self.on_shard_connect)
        _ATTACHED[id(self.client), self.category] = self
        return self

    def store(self, guild: discord.Guild) -> GuildStore:
        """The store of one guild (created on first use; it opens lazily)."""
        store = self._stores.get(guild.id)
        if store is None:
            backend = DiscordBackend(self.client, guild.id)
            lease = Lease(backend, self.owner) if self.owner is not None else None
            store = GuildStore(backend, self.category, self.budget, lease)
            self._stores[guild.id] = store
        return store

    def prepare(self, guild: discord.Guild) -> None:
        """In the background: read the guild's catalog and take its write lease, if it holds storage.

        See ``WriteGate.prepare``; a failure is logged, and the first write tries again.
        """
        store = self.store(guild)
        store.gate.spawn(store.gate.prepare)

    async def close(self, grace: float = 20.0) -> None:
        """Stop every guild's store at a consistent point and release the write leases (see ``GuildStore.close``)."""
        results = await asyncio.gather(*(store.close(grace) for store in self._stores.values()), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                log.error("a guild store did not close cleanly", exc_info=result)

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        """A message was deleted somewhere: forget the record it held."""
        store = self._stores.get(payload.guild_id or 0)
        if store is not None:
            store.message_deleted(payload.channel_id, payload.message_id)

    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        """Messages were deleted in bulk: forget each record."""
        store = self._stores.get(payload.guild_id or 0)
        if store is not None:
            for message_id in payload.message_ids:
                store.message_deleted(payload.channel_id, message_id)

    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        """A channel was deleted: its table is damaged, or the layout must be rebuilt."""
        store = self._stores.get(channel.guild.id)
        if store is not None:
            store.channel_deleted(channel.id)

    async def on_ready(self) -> None:
        """A new gateway session (not a resumed one): deletions made meanwhile were never seen, so read again."""
        for store in self._stores.values():
            store.forget_cache()

    async def on_shard_connect(self, shard_id: int) -> None:
        """One shard started a new session (READY, not RESUMED): read its guilds again, as after a restart.

        An auto-sharded client dispatches ``on_ready`` only once all its shards
        are up, so a shard that re-identifies alone (its session expired, or
        Discord asked it to) would otherwise keep serving a cache that missed
        every deletion of the gap. A resumed session (``on_shard_resumed``)
        replays the events missed, so it needs nothing.
        """
        shards = getattr(self.client, "shard_count", None) or 1
        for guild_id, store in self._stores.items():
            if (guild_id >> 22) % shards == shard_id:
                store.forget_cache()

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """The bot left a guild: let its running writes finish, then drop its cache."""
        store = self._stores.pop(guild.id, None)
        if store is None:
            return
        try:
            await store.close()
        except DiscobaseError:  # the guild is gone: its lease claim cannot be released, and need not be
            log.info("left guild %d; its store closed without releasing the write lease", guild.id)
