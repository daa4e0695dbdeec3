"""How every command answers: within Discord's 3 seconds, one answer, never a ping.

Engine work goes through ``timely``: when it is not done shortly after the
interaction arrived, the command defers (Discord shows "thinking…") and the
answer replaces that message later. Work that finishes in time answers
directly, so most errors are still the first response and can be ephemeral.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

import discord
from discord.utils import MISSING

__all__ = ["DEFER_AFTER", "NO_PINGS", "answer", "defer", "timely"]

T = TypeVar("T")

NO_PINGS = discord.AllowedMentions.none()
DEFER_AFTER = 1.5
"""Seconds after an interaction arrives by which it is deferred if its work is unfinished (Discord allows 3)."""

_RECEIVED = "discobase.received"
_THINKING = "discobase.thinking"  # set while a deferral's "thinking…" message waits: its ephemerality


async def defer(interaction: discord.Interaction, *, ephemeral: bool = False) -> None:
    """Acknowledge now and answer later; does nothing once the interaction has a response."""
    if not interaction.response.is_done():
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        interaction.extras[_THINKING] = ephemeral


async def timely(interaction: discord.Interaction, work: Awaitable[T], *, ephemeral: bool = False) -> T:
    """Await ``work``, deferring first if it is not done ``DEFER_AFTER`` seconds after the interaction arrived."""
    if interaction.response.is_done():
        return await work
    loop = asyncio.get_running_loop()
    received: float = interaction.extras.setdefault(_RECEIVED, loop.time())
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=max(0.0, received + DEFER_AFTER - loop.time()))
    if not done:
        await defer(interaction, ephemeral=ephemeral)
    return await task


async def answer(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
    file: discord.File | None = None,
    ephemeral: bool = False,
) -> None:
    """Give the interaction its answer: the first response, the deferred message, or a follow-up."""
    thinking: bool | None = interaction.extras.pop(_THINKING, None)
    if not interaction.response.is_done():
        await interaction.response.send_message(
            content,
            embed=embed or MISSING,
            view=view or MISSING,
            file=file or MISSING,
            ephemeral=ephemeral,
            allowed_mentions=NO_PINGS,
        )
    elif thinking is not None and thinking == ephemeral:
        await interaction.edit_original_response(
            content=content,
            embed=embed,
            view=view,
            attachments=[file] if file else MISSING,
            allowed_mentions=NO_PINGS,
        )
    else:
        if thinking is not None:
            await _drop_thinking(interaction)
        await interaction.followup.send(
            content or MISSING,
            embed=embed or MISSING,
            view=view or MISSING,
            file=file or MISSING,
            ephemeral=ephemeral,
            allowed_mentions=NO_PINGS,
            wait=True,
        )


async def _drop_thinking(interaction: discord.Interaction) -> None:
    """Remove a "thinking…" message whose visibility does not fit the answer (Discord fixes it at deferral).

    It is completed before it is deleted: a follow-up to a thinking message
    would otherwise replace it and inherit its visibility.
    """
    await interaction.edit_original_response(content="\u2026", allowed_mentions=NO_PINGS)
    await interaction.delete_original_response()
