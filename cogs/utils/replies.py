"""How every command answers: within Discord's 3 seconds, one answer, never a ping.

Engine work goes through ``timely``: when it is not done shortly after the
interaction was made (its snowflake time, so lag before our code ran counts,
as it does for Discord's 3 s), the command defers (Discord shows "thinking…")
and the answer replaces that message later. Work that finishes in time answers
directly, so most errors are still the first response and can be ephemeral.

**No write for an interaction that cannot be answered.** ``timely`` gives the
engine a ``before_writes`` hook (gate.py, step 1; group commit runs it again
just before the write is stored). A young interaction writes at once and is
answered directly (the common case: no request added). One older than
``ACKNOWLEDGE_AFTER`` is acknowledged (deferred) first, and when Discord
refuses that (10062: too late; 40060: another process answered it, during a
deploy's overlap), or refused ``timely``'s own deferral earlier, no write that
has not been stored yet starts: each raises ``Unanswerable``, which is only
logged, since nobody can be told. Reads never wait for an acknowledgement.

**A stored write whose answer is refused** (a young write is stored before
its answer) still reaches the member: ``answer`` gives it another way
(elsewhere.py: a follow-up after 40060, a note in the channel after 10062).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import TypeVar

import discord
from discord import app_commands
from discord.utils import MISSING

from discobase.write.gate import before_writes

from .elsewhere import tell_elsewhere

__all__ = [
    "ACKNOWLEDGE_AFTER",
    "DEFER_AFTER",
    "LEASE_WAIT_DEFER_AFTER",
    "NO_PINGS",
    "Unanswerable",
    "answer",
    "defer",
    "made_at",
    "timely",
]

T = TypeVar("T")

NO_PINGS = discord.AllowedMentions.none()
DEFER_AFTER = 1.5
"""Seconds after an interaction was made by which it is deferred if its work is unfinished (Discord allows 3)."""
LEASE_WAIT_DEFER_AFTER = 2.0
"""The same, for work waiting for the write lease: a process holding it elsewhere, if it got this
interaction too (a deploy's overlap), acknowledges it first, at ``DEFER_AFTER``, and carries it out."""
ACKNOWLEDGE_AFTER = 1.0
"""Seconds after which a write is stored only once its interaction is acknowledged (it may be too late to answer)."""
_REFUSED = "discobase.refused"  # Discord refused to let this process answer: no write may start for it

_RECEIVED = "discobase.received"
_THINKING = "discobase.thinking"  # set while a deferral's "thinking…" message waits: its ephemerality
_ACKNOWLEDGING = "discobase.acknowledging"  # the one deferral of this interaction, shared by all who need it
_WROTE = "discobase.wrote"  # a write of it was let through: a refused answer must reach the member another way

UNKNOWN_INTERACTION = 10062
"""Discord's code for an interaction that can no longer be answered (not acknowledged within 3 s)."""
ALREADY_ACKNOWLEDGED = 40060
"""Discord's code for an interaction another process (or an earlier call) acknowledged first."""


class Unanswerable(app_commands.AppCommandError):
    """Discord refused this process the interaction: too late (10062) or answered by another process (40060).

    Usually nothing was written for it here (late writes wait for the
    acknowledgement), and nobody can be told, so the error handler only logs
    it; ``wrote`` says a young write ran and the other ways to tell failed too.
    """

    def __init__(self, interaction: discord.Interaction, error: discord.HTTPException, *, wrote: bool = False) -> None:
        self.code = error.code
        why = (
            "another process answered it first (a deploy's overlap)"
            if error.code == ALREADY_ACKNOWLEDGED
            else "it arrived too late to be answered (Discord allows 3 s)"
        )
        name = interaction.command.qualified_name if interaction.command else "a component"
        if wrote:
            done = "its write ran here, but the member could not be told"
        elif error.code == ALREADY_ACKNOWLEDGED:
            done = "not carried out here, the process that answered carries it out; nothing was written"
        else:
            done = "not carried out; nothing was written"
        super().__init__(f"Interaction {interaction.id} ({name}): {why}; {done}.")


def _refusal(interaction: discord.Interaction, error: discord.HTTPException) -> Unanswerable | None:
    """The ``Unanswerable`` for Discord's refusal to take an answer, or None for any other error."""
    if error.code in (UNKNOWN_INTERACTION, ALREADY_ACKNOWLEDGED):
        return Unanswerable(interaction, error)
    return None


async def _acknowledge(interaction: discord.Interaction, ephemeral: bool) -> None:
    try:
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    except discord.HTTPException as error:
        if (refused := _refusal(interaction, error)) is not None:
            raise refused from error
        raise
    interaction.extras[_THINKING] = ephemeral


async def defer(interaction: discord.Interaction, *, ephemeral: bool = False) -> None:
    """Acknowledge now and answer later; one deferral however many ask, none once the interaction has a response.

    Raises ``Unanswerable`` when Discord refuses it (to every caller).
    """
    acknowledging: asyncio.Task[None] | None = interaction.extras.get(_ACKNOWLEDGING)
    if acknowledging is None:
        if interaction.response.is_done():
            return
        acknowledging = asyncio.ensure_future(_acknowledge(interaction, ephemeral))
        interaction.extras[_ACKNOWLEDGING] = acknowledging
    await asyncio.shield(acknowledging)


def made_at(interaction: discord.Interaction) -> float:
    """When the interaction was made, in the loop's time: its snowflake time, or when we first saw it if earlier.

    Discord's 3 s run from the snowflake, so lag before our code ran (a busy
    loop, a gateway backlog) counts. Our first sight of it bounds it too, in case
    this host's clock runs behind Discord's (NTP keeps that to milliseconds).
    """
    received: float | None = interaction.extras.get(_RECEIVED)
    if received is None:
        age = (discord.utils.utcnow() - interaction.created_at).total_seconds()
        received = interaction.extras[_RECEIVED] = asyncio.get_running_loop().time() - max(0.0, age)
    return received


async def timely(interaction: discord.Interaction, work: Awaitable[T], *, ephemeral: bool = False) -> T:
    """Await ``work``, deferring first if it is not done ``DEFER_AFTER`` seconds after the interaction was made.

    A write in ``work`` defers before it starts (``before_writes``): it is made
    only if this process may answer. When Discord refuses the deferral, the
    work ends (a write not yet started refuses itself, a read is dropped) and
    ``Unanswerable`` is raised; a write already under way (young, so let
    through undeferred) finishes and its outcome is returned, for ``answer`` to
    give another way.
    """
    if interaction.response.is_done():
        return await work
    loop = asyncio.get_running_loop()
    received = made_at(interaction)

    async def answerable() -> None:
        refused: Unanswerable | None = interaction.extras.get(_REFUSED)
        if refused is not None:
            raise refused
        if loop.time() - received >= ACKNOWLEDGE_AFTER:
            try:
                await defer(interaction, ephemeral=ephemeral)
            except Unanswerable as error:
                interaction.extras[_REFUSED] = error
                raise
        interaction.extras[_WROTE] = True

    waiting = False

    def lease_wait(now: bool) -> None:
        nonlocal waiting
        waiting = now

    with before_writes(answerable, lease_wait=lease_wait):
        task = asyncio.ensure_future(work)  # the task keeps the hook: contexts are copied at creation
    done, _ = await asyncio.wait({task}, timeout=max(0.0, received + DEFER_AFTER - loop.time()))
    if not done and waiting:  # the lease is not ours: its holder, if any, answers first
        done, _ = await asyncio.wait({task}, timeout=max(0.0, received + LEASE_WAIT_DEFER_AFTER - loop.time()))
    if not done:
        try:
            await defer(interaction, ephemeral=ephemeral)
        except Unanswerable as refused:
            interaction.extras[_REFUSED] = refused
            if interaction.extras.get(_WROTE):
                return await task  # a write under way when refused: its outcome is answered another way (``answer``)
            with contextlib.suppress(Exception):  # its writes not stored yet refuse to start; a read has nobody to tell
                await task
            raise
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
    """Give the interaction its answer: the first response, the deferred message, or a follow-up.

    When Discord refuses a first response (too late, or another process
    answered) after a write of this interaction was let through, the answer
    goes another way (elsewhere.py); otherwise, or if that fails too, this
    raises ``Unanswerable``.
    """
    try:
        await _answer(interaction, content, embed=embed, view=view, file=file, ephemeral=ephemeral)
    except discord.HTTPException as error:
        if (refused := _refusal(interaction, error)) is None:
            raise
        late = refused.code == UNKNOWN_INTERACTION
        wrote = interaction.extras.get(_WROTE, False)
        told = wrote and await tell_elsewhere(interaction, late, content, embed=embed, file=file, ephemeral=ephemeral)
        if not told:
            raise Unanswerable(interaction, error, wrote=wrote) from error


async def _answer(
    interaction: discord.Interaction,
    content: str | None,
    *,
    embed: discord.Embed | None,
    view: discord.ui.View | None,
    file: discord.File | None,
    ephemeral: bool,
) -> None:
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
