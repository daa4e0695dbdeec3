"""A second bot process on the same simulated Discord, beside ``simcord_env``'s: a rolling deploy's overlap.

SimCord runs one ``Env`` (one bot) per event loop. Discord, though, lets
several sessions of one bot connect at once, and delivers each interaction to
all of them (a rolling deploy's old and new process both get it). This attaches
a second ``discord.Client`` to the running Env's backend the way SimCord
attaches its own (``simcord._runtime._attach_bot``): SimCord's fake REST client
and gateway router, subscribed to the same event feed, in the Env's bot scope
so that its work is tracked and settled like the first bot's. Both clients are
the same Discord application and bot user, as two processes of one deployment
are; each has its own engine, cache and lease owner.

It reaches into SimCord's internals (``_dpy_internals``, ``_bot_scope``): when
SimCord changes them, this file is the one to follow.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import discord
import simcord
from simcord import _dpy_internals
from simcord.backend import serializers
from simcord.gateway import ShardRouter
from simcord.http import FakeHTTPClient

__all__ = ["attach_second_process"]


async def attach_second_process(env: simcord.Env, bot: discord.Client) -> Callable[[], None]:
    """Connect ``bot`` to ``env``'s Discord as another process of the same bot; returns what disconnects it.

    Errors its command tree handles are recorded in ``env.errors`` like the first bot's.
    """
    backend = env.backend
    _dpy_internals.install_http(bot, FakeHTTPClient(backend, asyncio.get_running_loop(), message_content_access=True))
    _dpy_internals.set_guild_ready_timeout(bot, 0.0)
    state = _dpy_internals.get_state(bot)
    state.shard_count, state.shard_ids = 1, [0]
    router = ShardRouter(backend, state, bot.dispatch, 1, (0,))

    def feed(event: str, payload: Any) -> None:
        with env._bot_scope():
            router.feed(event, payload)

    backend.subscribers.append(feed)
    _dpy_internals.install_websocket(bot, router.websockets[0])
    tree = getattr(bot, "tree", None)
    if tree is not None:
        handle = tree.on_error

        async def on_tree_error(interaction: discord.Interaction, error: Any) -> None:
            env._record_error(error)
            await handle(interaction, error)

        tree.on_error = on_tree_error
    with env._bot_scope():
        await bot.login("simcord.fake.token")
        router.identify(0)
        for guild in list(backend.guilds.values()):
            feed("GUILD_CREATE", serializers.guild_create_payload(backend, guild))
    await env.settle()
    return lambda: backend.subscribers.remove(feed)
