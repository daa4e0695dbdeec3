"""How ``/table`` answers: the table after a change, and storage channels no table owns."""

from __future__ import annotations

import discord

import discobase

from ..access import is_secret
from ..tables import record_count
from ..utils.embeds import schema_embed
from ..utils.formatting import code, plural
from ..utils.replies import answer, timely

__all__ = ["answer_changed", "orphans_note"]


async def answer_changed(
    interaction: discord.Interaction, store: discobase.GuildStore, schema: discobase.TableSchema, text: str
) -> None:
    """Answer a schema change with the table as it is now; privately for a table with a read role."""
    count = await timely(interaction, record_count(store, schema.name))
    await answer(interaction, text, embed=schema_embed(schema, count), ephemeral=is_secret(store.access(schema.name)))


def orphans_note(channels: list[str]) -> str:
    """A warning about storage channels no table owns (their catalog entries were deleted by hand), or nothing."""
    if not channels:
        return ""
    shown = ", ".join(code(name) for name in channels[:10]) + (", \u2026" if len(channels) > 10 else "")
    return (
        f"\n\n\u26a0\ufe0f The storage category has {plural(len(channels), 'channel')} that no table owns: {shown}. "
        "If they held tables, their catalog entries were deleted by hand and their records cannot be read: "
        "a server admin can delete those channels."
    )
