"""What members and admins are told about the tables: the list and one table's description.

Admins get them as ``/table list`` and ``/table describe`` (every table, with
its access rules and the storage's leftovers); members as ``/record tables``
and ``/record describe`` (the tables they may use and what they may do there).
One place draws both, so a table's description grows in one spot (its views,
say) for everyone. A member who may only write a table is told about their own
records, never the table's size.
"""

from __future__ import annotations

import asyncio

import discord

import discobase

from .access import is_secret, may_read, may_write, open_seen, own_only, seen_found
from .utils.context import store_of
from .utils.embeds import COLOR, schema_embed
from .utils.formatting import code, cut, escape, plural
from .utils.replies import answer, timely
from .utils.views import Paginator

__all__ = ["NO_TABLES", "answer_description", "answer_tables", "record_count"]

TABLES_PER_PAGE = 15
PAGES_TIMEOUT = 180.0
NO_TABLES = "This server has no tables yet. Members with Manage Server can make one with `/table create`."


def rights_text(user: discord.abc.User, access: discobase.Access) -> str:
    """What the member may do with a table, in their words."""
    if may_read(user, access) and may_write(user, access):
        return "read and write"
    if may_read(user, access):
        return "read only"
    return "write only: you see your own records"


async def count_text(user: discord.abc.User, store: discobase.GuildStore, name: str) -> str:
    """The records a member may count, for the list; one table that cannot be read does not sink the whole list."""
    try:
        count = await record_count(store, name, user)
    except discobase.DiscobaseError:
        return "count unavailable"
    if count is None:
        return "**damaged**"
    return plural(count, "record") + (" of yours" if own_only(user, store.access(name)) else "")


async def answer_tables(
    interaction: discord.Interaction, *, names: list[str], rights: bool, footer: str, note: str = ""
) -> None:
    """The tables ``names``, paged, each with its record count, description (and with ``rights``, what one may do).

    Private when it names a private table: the channel must not see it. A
    server with tables never says publicly that it has none.
    """
    opened = store_of(interaction)
    if not names:
        if opened.table_names():
            text = "No table here is open to you yet. A server admin can give you access with `/table access`."
            await answer(interaction, text + note, ephemeral=True)
        else:
            await answer(interaction, NO_TABLES + note)
        return
    private = any(is_secret(opened.access(name)) for name in names)
    counts = await timely(
        interaction, asyncio.gather(*(count_text(interaction.user, opened, name) for name in names)), ephemeral=private
    )
    lines = []
    for name, size in zip(names, counts, strict=True):
        access = opened.access(name)
        parts = [code(name) + (" \U0001f512" if is_secret(access) else ""), size]
        if rights:
            parts.append(rights_text(interaction.user, access))
        about = opened.schema(name).description
        if about:
            parts.append(escape(cut(about, 80)))
        lines.append(" \u00b7 ".join(parts))
    pages = [lines[start : start + TABLES_PER_PAGE] for start in range(0, len(lines), TABLES_PER_PAGE)]

    def render(page: int) -> discord.Embed:
        embed = discord.Embed(title=f"Tables ({len(names)})", description="\n".join(pages[page]), color=COLOR)
        return embed.set_footer(text=f"Page {page + 1} of {len(pages)} \u00b7 {footer}")

    view = Paginator(interaction, len(pages), render, timeout=PAGES_TIMEOUT) if len(pages) > 1 else None
    await answer(interaction, note.strip() or None, embed=render(0), view=view, ephemeral=private)


async def answer_description(interaction: discord.Interaction, table: str) -> None:
    """One table: its columns, types and flags, its record count (only one's own where one may only write), rules."""
    store, access = await open_seen(interaction, table)
    schema = store.schema(table)
    own = own_only(interaction.user, access)
    count = await timely(interaction, record_count(store, table, interaction.user), ephemeral=is_secret(access))
    embed = schema_embed(schema, count, access, own=own)
    if not may_read(interaction.user, access) or not may_write(interaction.user, access):
        embed.add_field(name="You may", value=rights_text(interaction.user, access), inline=False)
    await answer(interaction, embed=embed, ephemeral=is_secret(access))


async def record_count(store: discobase.GuildStore, name: str, user: discord.abc.User | None = None) -> int | None:
    """Records in a table (only the ``user``'s where they may only write), or None when its channel is gone."""
    try:
        if user is not None and own_only(user, store.access(name)):
            return len(await seen_found(user, store, name))
        return await store.count(name)
    except discobase.TableDamaged:
        return None
