"""The ``/table`` commands: create, list, describe, change and drop tables and their columns; access; the audit."""

from __future__ import annotations

import functools

import discord
from discord import app_commands
from discord.ext import commands

import discobase
from discobase.errors import every_problem
from discobase.model.grammar import check_columns
from discobase.model.schema import check_name
from discobase.model.views import views_using

from ..access import is_secret, visible_names
from ..audit.report import audit
from ..tables import answer_description, answer_tables, record_count
from ..utils.autocomplete import column_list, column_names, column_types, sort_keys, view_names, where_columns
from ..utils.checks import manage_server
from ..utils.context import store_of
from ..utils.embeds import schema_embed
from ..utils.formatting import code, cut, plural, show
from ..utils.replies import answer, timely
from ..utils.status import status_embed
from ..utils.transformers import TableName
from ..utils.views import CONFIRM_NOTE, Confirm
from ._answers import answer_changed, orphans_note
from ._rules import set_access, set_audit
from ._views import show_or_change_view

Table = app_commands.Transform[str, TableName]


def _one_column(spec: str) -> discobase.Column:
    """Exactly one column spec (``pages:int optional``); a list is refused, since columns are added one at a time."""
    columns = discobase.parse_columns(spec)
    if len(columns) != 1:
        raise discobase.GrammarError(
            f"Give one column spec, like `pages:int optional`; you gave {len(columns)}. "
            "Add the others with one `/table add-column` each."
        )
    return columns[0]


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class TableCog(commands.GroupCog, group_name="table", group_description="Make and change the tables (Manage Server)."):
    """Tables: each is a channel in the storage category; its schema is a message in the catalog.

    The whole group is Manage Server's: Discord offers a group's subcommands
    together, so ``default_member_permissions`` hides all of ``/table`` from
    other members (they have ``/record tables`` and ``/record describe``), and
    ``interaction_check`` refuses anyone a server's own command settings let in.
    """

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Only Manage Server, whatever the server's command settings show to whom."""
        return manage_server(interaction)

    @app_commands.command(name="create")
    @app_commands.describe(
        name="lowercase letters, digits and _, starting with a letter (example: books)",
        columns="name:type and flags, comma-separated (example: title:text unique, year:int optional)",
        description="what the table is for (optional)",
    )
    async def create(
        self,
        interaction: discord.Interaction,
        name: str,
        columns: str,
        description: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        """Create a table."""
        parsed, problems = check_columns(columns)
        try:
            check_name(name.strip(), "table")
        except discobase.SchemaError as error:
            problems.insert(0, error)  # every problem at once: the name's, then each column's
        if problems:
            raise every_problem(problems)
        schema = discobase.TableSchema(
            name=name.strip(), columns=parsed, description=(description or "").strip(), creator_id=interaction.user.id
        )
        await timely(interaction, store_of(interaction).create_table(schema))
        audit(interaction, schema.name, f"created with {plural(len(schema.columns), 'column')}")
        await answer(
            interaction,
            f"Created table {code(schema.name)}. Add records with `/record insert table:{schema.name}`.",
            embed=schema_embed(schema, 0),
        )

    @app_commands.command(name="list")
    async def list_tables(self, interaction: discord.Interaction) -> None:
        """Every table, with its record count and description (needs Manage Server; members: /record tables)."""
        store = store_of(interaction)
        await timely(interaction, store.open())
        await answer_tables(
            interaction,
            names=visible_names(interaction.user, store, reading=True),
            rights=False,
            footer="/table describe shows a table's columns",
            note=orphans_note(store.orphaned_channels()),
        )

    @app_commands.command(name="describe")
    @app_commands.describe(table="the table to describe")
    async def describe(self, interaction: discord.Interaction, table: app_commands.Transform[str, TableName]) -> None:
        """A table's columns, types and flags, its record count, creator and access (members: /record describe)."""
        await answer_description(interaction, table)

    @app_commands.command(name="add-column")
    @app_commands.describe(table="the table to change", column="one column spec (example: pages:int optional)")
    async def add_column(
        self, interaction: discord.Interaction, table: app_commands.Transform[str, TableName], column: str
    ) -> None:
        """Add a column; existing records get its default, or no value if it is optional."""
        store = store_of(interaction)
        await timely(interaction, store.open())
        named = column.partition(":")[0].strip().lower()
        if named in store.schema(table).column_names:  # said first: the flags are no matter for a taken name
            raise discobase.SchemaError(
                f"{code(table)} has a column {code(named)} already. Give the new column another name, "
                f"or change that one with `/table alter-column table:{table} column:{named}`."
            )
        added = _one_column(column)
        schema = await timely(interaction, store.add_column(table, added))
        if added.default is not None:
            existing = f"Existing records read its default, {show(added.type, added.default_value)}."
        else:
            existing = "Existing records have no value in it yet."
        audit(interaction, table, f"added column {code(added.name)}")
        await answer_changed(
            interaction, store, schema, f"Added column {code(added.name)} to {code(table)}. {existing}"
        )

    @app_commands.command(name="rename")
    @app_commands.describe(table="the table to rename", name="its new name (example: novels)")
    async def rename(self, interaction: discord.Interaction, table: Table, name: str) -> None:
        """Rename a table; its records and ids stay as they are."""
        store = store_of(interaction)
        schema = await timely(interaction, store.rename_table(table, name.strip()))
        audit(interaction, schema.name, f"renamed from {code(table)}")
        await answer(
            interaction,
            f"Renamed table {code(table)} to {code(schema.name)}. Its records and ids are unchanged; "
            f"use `table:{schema.name}` from now on.",
            ephemeral=is_secret(store.access(schema.name)),
        )

    @app_commands.command(name="edit")
    @app_commands.describe(table="the table to describe anew", description="what the table is for")
    async def edit(
        self, interaction: discord.Interaction, table: Table, description: app_commands.Range[str, 1, 300]
    ) -> None:
        """Change a table's description."""
        store = store_of(interaction)
        schema = await timely(interaction, store.set_description(table, description.strip()))
        audit(interaction, table, "description changed")
        await answer_changed(interaction, store, schema, f"Changed the description of {code(table)}.")

    @app_commands.command(name="view")
    @app_commands.describe(
        table="the table to view",
        name="the view's name (lowercase letters, digits and _), like open_tasks",
        where="the records it shows, like status = open (optional: all)",
        sort="a column to sort by, - in front for descending (optional)",
        columns="the columns it shows, comma-separated (optional: every column)",
        delete="True: delete the view",
    )
    @app_commands.autocomplete(name=view_names, where=where_columns, sort=sort_keys, columns=column_list)
    async def table_view(
        self,
        interaction: discord.Interaction,
        table: Table,
        name: str,
        where: str | None = None,
        sort: str | None = None,
        columns: str | None = None,
        delete: bool = False,
    ) -> None:
        """Save a named view (a where, a sort, columns), show it, or delete it."""
        await show_or_change_view(interaction, table, name, where, sort, columns, delete=delete)

    @app_commands.command(name="rename-column")
    @app_commands.describe(table="the column's table", column="the column to rename", name="its new name")
    @app_commands.autocomplete(column=column_names)
    async def rename_column(self, interaction: discord.Interaction, table: Table, column: str, name: str) -> None:
        """Rename a column; every record keeps its value."""
        store = store_of(interaction)
        old, new = column.strip(), name.strip()
        schema = await timely(interaction, store.rename_column(table, old, new))
        audit(interaction, table, f"renamed column {code(old)} to {code(new)}")
        await answer_changed(
            interaction,
            store,
            schema,
            f"Renamed column {code(old)} of {code(table)} to {code(new)}. Every record keeps its value.",
        )

    @app_commands.command(name="drop-column")
    @app_commands.describe(table="the column's table", column="the column to delete, with its values")
    @app_commands.autocomplete(column=column_names)
    async def drop_column(self, interaction: discord.Interaction, table: Table, column: str) -> None:
        """Delete a column and its values, after you confirm."""
        store = store_of(interaction)
        await timely(interaction, store.open(), ephemeral=True)
        schema = store.schema(table)
        dropped = schema.column(column.strip())
        schema.without_column(dropped.name)  # the last column is refused before anything is asked
        count = await timely(interaction, record_count(store, table), ephemeral=True)
        values = f" and its values in {plural(count, 'record')}" if count is not None else " and its values"
        unique = " Its `unique` rule goes with it." if dropped.unique else ""
        if using := views_using(schema, dropped.name):
            unique += f" The views {', '.join(code(name) for name in using)} use it: save them again afterwards."
        action = functools.partial(self._drop_column, table, dropped.name)
        view = Confirm(interaction, f"Drop {dropped.name}", action)
        await answer(
            interaction,
            f"Drop column {code(dropped.name)} of {code(table)}{values}?{unique} This cannot be undone. "
            + CONFIRM_NOTE,
            view=view,
            ephemeral=True,
        )

    async def _drop_column(self, table: str, column: str, interaction: discord.Interaction) -> None:
        """The confirmed column drop: the prompt says it is under way, then everyone sees it done."""
        await interaction.response.edit_message(content=f"Dropping {code(column)}\u2026", view=None)
        store = store_of(interaction)
        try:
            secret = is_secret(store.access(table))  # as the table is now, not when the question was asked
            await store.drop_column(table, column)
        except Exception:
            await interaction.edit_original_response(content=f"{code(column)} was not dropped.")
            raise
        await interaction.edit_original_response(content=f"Dropped {code(column)}.")
        audit(interaction, table, f"dropped column {code(column)}", command="table drop-column")
        if not secret:
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
        """Change a column's type or flags: every record's value is checked first."""
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
                table,
                name,
                column_type=kind,
                choices=choices,
                unique=unique,
                optional=optional,
                default=default,
                actor=interaction.user.id,
            ),
        )
        filled = f", {result.filled} of them given the default" if result.filled else ""
        written = f" Rewrote {plural(result.rewritten, 'record')}{filled}." if result.rewritten else ""
        now = code(cut(result.schema.column(name).spec(), 500))
        audit(
            interaction, table, f"altered column {code(name)}: now {now}" + (f"; {written.strip()}" if written else "")
        )
        await answer_changed(
            interaction, store, result.schema, f"Altered column {code(name)} of {code(table)}: now {now}.{written}"
        )

    @app_commands.command(name="drop")
    @app_commands.describe(table="the table to delete, with all its records")
    async def drop(self, interaction: discord.Interaction, table: app_commands.Transform[str, TableName]) -> None:
        """Delete a table and its records, after you confirm."""
        store = store_of(interaction)
        await timely(interaction, store.open(), ephemeral=True)
        store.schema(table)  # an unknown table is refused before anything is asked
        count = await timely(interaction, record_count(store, table), ephemeral=True)
        contents = f"its {plural(count, 'record')}" if count is not None else "what is left of it (its channel is gone)"
        view = Confirm(
            interaction,
            f"Drop {table}",
            functools.partial(self._drop, table, count),
        )
        await answer(
            interaction,
            f"Drop table {code(table)} and {contents}? This cannot be undone. " + CONFIRM_NOTE,
            view=view,
            ephemeral=True,
        )

    async def _drop(self, table: str, count: int | None, interaction: discord.Interaction) -> None:
        """The confirmed drop: the prompt says it is under way, then everyone sees it done."""
        await interaction.response.edit_message(content=f"Dropping {code(table)}\u2026", view=None)
        store = store_of(interaction)
        try:
            secret = is_secret(store.access(table))  # as the table is now, not when the question was asked
            await store.drop_table(table)
        except Exception:
            await interaction.edit_original_response(content=f"{code(table)} was not dropped.")
            raise
        await interaction.edit_original_response(content=f"Dropped {code(table)}.")
        audit(
            interaction,
            table,
            "dropped" + (f" with its {plural(count, 'record')}" if count is not None else ""),
            command="table drop",
        )
        if secret:
            return  # the prompt, which only they see, says it is done: the channel learns nothing of a private table
        records = f" and its {plural(count, 'record')}" if count is not None else ""
        await answer(interaction, f"{interaction.user.mention} dropped table {code(table)}{records}.")

    @app_commands.command(name="access")
    @app_commands.describe(
        table="the table whose rules to see or change",
        read="only members with this role may read it (@everyone: all)",
        write="only members with this role may add records and change their own (@everyone: all)",
        reset="back to everyone for both",
    )
    async def access(
        self,
        interaction: discord.Interaction,
        table: app_commands.Transform[str, TableName],
        read: discord.Role | None = None,
        write: discord.Role | None = None,
        reset: bool = False,
    ) -> None:
        """Who may read and who may write a table; without options, the rules as they are."""
        await set_access(interaction, table, read, write, reset)

    @app_commands.command(name="audit")
    @app_commands.describe(
        channel="post a line in this channel for every change to records and tables",
        off="stop posting audit lines",
    )
    async def audit_trail(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None, off: bool = False
    ) -> None:
        """Where a line is posted for every change to records and tables."""
        await set_audit(interaction, channel, off)

    @app_commands.command(name="status")
    async def status(self, interaction: discord.Interaction) -> None:
        """How the bot is doing here: tables in memory, writes under way, cache, rate limits."""
        await answer(interaction, embed=status_embed(interaction.client, store_of(interaction)), ephemeral=True)
