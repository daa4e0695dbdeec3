"""``/table``: create, list, describe, change and drop the tables of a server and their columns."""

from __future__ import annotations

import asyncio
import functools

import discord
from discord import app_commands
from discord.ext import commands

import discobase

from .utils.autocomplete import column_names, column_types
from .utils.checks import manage_server
from .utils.context import store_of
from .utils.embeds import COLOR, schema_embed
from .utils.formatting import code, cut, escape, plural, show
from .utils.replies import answer, timely
from .utils.status import status_embed
from .utils.transformers import ColumnSpec, ColumnSpecs, TableName
from .utils.views import Confirm, Paginator

TABLES_PER_PAGE = 15
CONFIRM_TIMEOUT = 60.0
PAGES_TIMEOUT = 180.0

Table = app_commands.Transform[str, TableName]


async def _count(store: discobase.GuildStore, name: str) -> int | None:
    """Records in a table, or None when its channel is gone (damaged)."""
    try:
        return await store.count(name)
    except discobase.TableDamaged:
        return None


async def _size(store: discobase.GuildStore, name: str) -> str:
    """A table's record count for the list; one table that cannot be read does not sink the whole list."""
    try:
        return plural(await store.count(name), "record")
    except discobase.TableDamaged:
        return "**damaged**"
    except discobase.DiscobaseError:
        return "count unavailable"


def _orphans_note(channels: list[str]) -> str:
    """A warning about storage channels no table owns (their catalog entries were deleted by hand), or nothing."""
    if not channels:
        return ""
    shown = ", ".join(code(name) for name in channels[:10]) + (", \u2026" if len(channels) > 10 else "")
    return (
        f"\n\n\u26a0\ufe0f The storage category has {plural(len(channels), 'channel')} that no table owns: {shown}. "
        "If they held tables, their catalog entries were deleted by hand and their records cannot be read: "
        "a server admin can delete those channels."
    )


@app_commands.guild_only()
class TableCog(commands.GroupCog, group_name="table", group_description="The tables of this server's database."):
    """Tables: each is a channel in the storage category; its schema is a message in the catalog."""

    @app_commands.command(name="create")
    @app_commands.describe(
        name="lowercase letters, digits and _, starting with a letter (example: books)",
        columns="name:type and flags, comma-separated (example: title:text unique, year:int optional)",
        description="what the table is for (optional)",
    )
    @manage_server()
    async def create(
        self,
        interaction: discord.Interaction,
        name: str,
        columns: app_commands.Transform[tuple[discobase.Column, ...], ColumnSpecs],
        description: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        """Create a table (needs Manage Server)."""
        schema = discobase.TableSchema(
            name=name.strip(), columns=columns, description=(description or "").strip(), creator_id=interaction.user.id
        )
        await timely(interaction, store_of(interaction).create_table(schema))
        await answer(
            interaction,
            f"Created table {code(schema.name)}. Add records with `/record insert table:{schema.name}`.",
            embed=schema_embed(schema, 0),
        )

    @app_commands.command(name="list")
    async def list_tables(self, interaction: discord.Interaction) -> None:
        """The tables of this server, with their record counts and descriptions."""
        store = store_of(interaction)
        await timely(interaction, store.open())
        names = store.table_names()
        orphans = _orphans_note(store.orphaned_channels())
        if not names:
            await answer(
                interaction,
                "This server has no tables yet. Members with Manage Server can make one with `/table create`."
                + orphans,
            )
            return
        sizes = await timely(interaction, asyncio.gather(*(_size(store, name) for name in names)))
        lines = []
        for name, size in zip(names, sizes, strict=True):
            about = store.schema(name).description
            lines.append(f"{code(name)} \u00b7 {size}" + (f" \u00b7 {escape(cut(about, 80))}" if about else ""))
        pages = [lines[start : start + TABLES_PER_PAGE] for start in range(0, len(lines), TABLES_PER_PAGE)]

        def render(page: int) -> discord.Embed:
            embed = discord.Embed(title=f"Tables ({len(names)})", description="\n".join(pages[page]), color=COLOR)
            return embed.set_footer(
                text=f"Page {page + 1} of {len(pages)} \u00b7 /table describe shows a table's columns"
            )

        view = Paginator(interaction, len(pages), render, timeout=PAGES_TIMEOUT) if len(pages) > 1 else None
        await answer(interaction, orphans.strip() or None, embed=render(0), view=view)

    @app_commands.command(name="describe")
    @app_commands.describe(table="the table to describe")
    async def describe(self, interaction: discord.Interaction, table: app_commands.Transform[str, TableName]) -> None:
        """A table's columns, types and flags, its record count and who created it."""
        store = store_of(interaction)
        await timely(interaction, store.open())
        schema = store.schema(table)
        count = await timely(interaction, _count(store, table))
        await answer(interaction, embed=schema_embed(schema, count))

    @app_commands.command(name="add-column")
    @app_commands.describe(table="the table to change", column="one column spec (example: pages:int optional)")
    @manage_server()
    async def add_column(
        self,
        interaction: discord.Interaction,
        table: app_commands.Transform[str, TableName],
        column: app_commands.Transform[discobase.Column, ColumnSpec],
    ) -> None:
        """Add a column; existing records get its default, or no value if it is optional (needs Manage Server)."""
        store = store_of(interaction)
        schema = await timely(interaction, store.add_column(table, column))
        if column.default is not None:
            existing = f"Existing records read its default, {show(column.type, column.default_value)}."
        else:
            existing = "Existing records have no value in it yet."
        count = await _count(store, table)
        await answer(
            interaction,
            f"Added column {code(column.name)} to {code(table)}. {existing}",
            embed=schema_embed(schema, count),
        )

    @app_commands.command(name="rename")
    @app_commands.describe(table="the table to rename", name="its new name (example: novels)")
    @manage_server()
    async def rename(self, interaction: discord.Interaction, table: Table, name: str) -> None:
        """Rename a table; its records and ids stay as they are (needs Manage Server)."""
        schema = await timely(interaction, store_of(interaction).rename_table(table, name.strip()))
        await answer(
            interaction,
            f"Renamed table {code(table)} to {code(schema.name)}. Its records and ids are unchanged; "
            f"use `table:{schema.name}` from now on.",
        )

    @app_commands.command(name="edit")
    @app_commands.describe(table="the table to describe anew", description="what the table is for")
    @manage_server()
    async def edit(
        self, interaction: discord.Interaction, table: Table, description: app_commands.Range[str, 1, 300]
    ) -> None:
        """Change a table's description (needs Manage Server)."""
        store = store_of(interaction)
        schema = await timely(interaction, store.set_description(table, description.strip()))
        count = await timely(interaction, _count(store, table))
        await answer(interaction, f"Changed the description of {code(table)}.", embed=schema_embed(schema, count))

    @app_commands.command(name="rename-column")
    @app_commands.describe(table="the column's table", column="the column to rename", name="its new name")
    @app_commands.autocomplete(column=column_names)
    @manage_server()
    async def rename_column(self, interaction: discord.Interaction, table: Table, column: str, name: str) -> None:
        """Rename a column; every record keeps its value (needs Manage Server)."""
        store = store_of(interaction)
        old, new = column.strip(), name.strip()
        schema = await timely(interaction, store.rename_column(table, old, new))
        count = await timely(interaction, _count(store, table))
        await answer(
            interaction,
            f"Renamed column {code(old)} of {code(table)} to {code(new)}. Every record keeps its value.",
            embed=schema_embed(schema, count),
        )

    @app_commands.command(name="drop-column")
    @app_commands.describe(table="the column's table", column="the column to delete, with its values")
    @app_commands.autocomplete(column=column_names)
    @manage_server()
    async def drop_column(self, interaction: discord.Interaction, table: Table, column: str) -> None:
        """Delete a column and its values, after you confirm (needs Manage Server)."""
        store = store_of(interaction)
        await timely(interaction, store.open(), ephemeral=True)
        schema = store.schema(table)
        dropped = schema.column(column.strip())
        schema.without_column(dropped.name)  # the last column is refused before anything is asked
        count = await timely(interaction, _count(store, table), ephemeral=True)
        values = f" and its values in {plural(count, 'record')}" if count is not None else " and its values"
        unique = " Its `unique` rule goes with it." if dropped.unique else ""
        action = functools.partial(self._drop_column, table, dropped.name)
        view = Confirm(interaction, f"Drop {dropped.name}", action, timeout=CONFIRM_TIMEOUT)
        await answer(
            interaction,
            f"Drop column {code(dropped.name)} of {code(table)}{values}?{unique} This cannot be undone. "
            f"Nothing happens unless you press the button within {CONFIRM_TIMEOUT:.0f} seconds.",
            view=view,
            ephemeral=True,
        )

    async def _drop_column(self, table: str, column: str, interaction: discord.Interaction) -> None:
        """The confirmed column drop: the prompt says it is under way, then everyone sees it done."""
        await interaction.response.edit_message(content=f"Dropping {code(column)}\u2026", view=None)
        try:
            await store_of(interaction).drop_column(table, column)
        except Exception:
            await interaction.edit_original_response(content=f"{code(column)} was not dropped.")
            raise
        await interaction.edit_original_response(content=f"Dropped {code(column)}.")
        await answer(interaction, f"{interaction.user.mention} dropped column {code(column)} from {code(table)}.")

    @app_commands.command(name="alter-column")
    @app_commands.describe(
        table="the column's table",
        column="the column to change",
        column_type="a new type (example: int, or choice(open|done))",
        unique="whether no two records may share a value",
        optional="whether a record may have no value",
        default="the value of records that give none (fills empty ones when the column becomes required)",
    )
    @app_commands.rename(column_type="type")
    @app_commands.autocomplete(column=column_names, column_type=column_types)
    @manage_server()
    async def alter_column(
        self,
        interaction: discord.Interaction,
        table: Table,
        column: str,
        column_type: str | None = None,
        unique: bool | None = None,
        optional: bool | None = None,
        default: str | None = None,
    ) -> None:
        """Change a column's type or flags: every record's value is checked first (needs Manage Server)."""
        name = column.strip()
        if column_type is None and unique is None and optional is None and default is None:
            raise discobase.GrammarError(
                f"Say what to change about {code(name)}: give a `type`, `unique`, `optional` or `default`."
            )
        kind, choices = discobase.parse_type(column_type, name) if column_type else (None, None)
        store = store_of(interaction)
        result = await timely(
            interaction,
            store.alter_column(
                table, name, column_type=kind, choices=choices, unique=unique, optional=optional, default=default
            ),
        )
        filled = f", {result.filled} of them given the default" if result.filled else ""
        written = f" Rewrote {plural(result.rewritten, 'record')}{filled}." if result.rewritten else ""
        count = await timely(interaction, _count(store, table))
        await answer(
            interaction,
            f"Altered column {code(name)} of {code(table)}: now {code(cut(result.schema.column(name).spec(), 500))}."
            f"{written}",
            embed=schema_embed(result.schema, count),
        )

    @app_commands.command(name="drop")
    @app_commands.describe(table="the table to delete, with all its records")
    @manage_server()
    async def drop(self, interaction: discord.Interaction, table: app_commands.Transform[str, TableName]) -> None:
        """Delete a table and its records, after you confirm (needs Manage Server)."""
        store = store_of(interaction)
        await timely(interaction, store.open(), ephemeral=True)
        store.schema(table)  # an unknown table is refused before anything is asked
        count = await timely(interaction, _count(store, table), ephemeral=True)
        contents = f"its {plural(count, 'record')}" if count is not None else "what is left of it (its channel is gone)"
        view = Confirm(
            interaction, f"Drop {table}", functools.partial(self._drop, table, count), timeout=CONFIRM_TIMEOUT
        )
        await answer(
            interaction,
            f"Drop table {code(table)} and {contents}? This cannot be undone. "
            f"Nothing happens unless you press the button within {CONFIRM_TIMEOUT:.0f} seconds.",
            view=view,
            ephemeral=True,
        )

    async def _drop(self, table: str, count: int | None, interaction: discord.Interaction) -> None:
        """The confirmed drop: the prompt says it is under way, then everyone sees it done."""
        await interaction.response.edit_message(content=f"Dropping {code(table)}\u2026", view=None)
        try:
            await store_of(interaction).drop_table(table)
        except Exception:
            await interaction.edit_original_response(content=f"{code(table)} was not dropped.")
            raise
        await interaction.edit_original_response(content=f"Dropped {code(table)}.")
        records = f" and its {plural(count, 'record')}" if count is not None else ""
        await answer(interaction, f"{interaction.user.mention} dropped table {code(table)}{records}.")

    @app_commands.command(name="status")
    @manage_server()
    async def status(self, interaction: discord.Interaction) -> None:
        """How the bot is doing here: tables in memory, writes under way, cache, rate limits (needs Manage Server)."""
        await answer(interaction, embed=status_embed(interaction.client, store_of(interaction)), ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    """Load the ``/table`` commands."""
    await bot.add_cog(TableCog())
