"""``/record``: the tables one may use, and insert, find, get, update, delete, count, export and import records."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable
from typing import Any, Literal, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

import discobase

from ..access import (
    changeable_record,
    check_may_import,
    is_secret,
    open_readable,
    open_seen,
    open_writable,
    own_only,
    readable,
    seen_found,
    unseen_holders_hidden,
    unseen_row_holders_hidden,
    visible_names,
)
from ..audit.report import audit, update_lines
from ..tables import answer_description, answer_tables
from ..utils.autocomplete import (
    by_columns,
    column_list,
    of_columns,
    record_ids,
    sort_keys,
    trashed_ids,
    unique_columns,
    view_names,
    where_columns,
)
from ..utils.context import store_of
from ..utils.embeds import record_line
from ..utils.errors import Refused
from ..utils.formatting import code, cut, plural, show
from ..utils.members import resolve_users
from ..utils.observed import mark_outcome
from ..utils.replies import answer, timely
from ..utils.transformers import TableName, Values
from ._bulk import delete_where, update_where
from ._buttons import answer_record, show_record_view
from ._edit import change_problems, updated_text
from ._files import export_files, has_header, read_rows, without_ids
from ._find import answer_found, ignoring_case
from ._form import LINE_LIMIT, one_or_all
from ._import import Progress, problem_report, run_import, run_upsert
from ._insert import insert_and_answer, open_insert_form
from ._nothing_lost import answer_history, answer_trash, restore_one, restore_where, undo_last
from ._summary import answer_summary, check_chart

MAX_IMPORT_BYTES = 8 * 1024 * 1024

Table = app_commands.Transform[str, TableName]
RecordId = app_commands.Range[int, 1, None]
PRIVATE = "only you see the answer (default: everyone in the channel)"
WHERE_INSTEAD = "instead of an id: every record matching these conditions, after you confirm"
VIEW = "a saved view of the table (/table view): its where, sort and columns; where narrows it"
COLUMNS = "only these columns, comma-separated, in this order (id always first; default: every column)"

Command = TypeVar("Command", bound=Callable[..., Any])


def _one_record(command: Command) -> Command:
    """The options of a command on one record: ``table`` and ``id`` (autocompleted), described alike everywhere."""
    command = app_commands.describe(table="the record's table", record_id="the record's id")(command)
    command = app_commands.rename(record_id="id")(command)
    return app_commands.autocomplete(record_id=record_ids)(command)


def _monotonic() -> float:
    """The clock import progress is paced by (looked up at each call, so a simulated clock applies)."""
    return time.monotonic()


def _id_or_where(record_id: int | None, where: str | None, verb: str) -> None:
    """One record by ``id``, or all matching ``where``: exactly one of them must be given."""
    if record_id is not None and where:
        raise Refused(f"Give `id` to {verb} one record, or `where` to {verb} every record that matches; not both.")
    if record_id is None and not where:
        raise Refused(
            f"Give the `id` of the record to {verb}, or a `where` to {verb} every record that matches "
            "(example: `where:year < 1900`)."
        )


@app_commands.guild_only()
class RecordCog(commands.GroupCog, group_name="record", group_description="The records of this server's tables."):
    """Records: each is a message the bot wrote in its table's channel."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = _monotonic

    @app_commands.command(name="tables")
    async def tables(self, interaction: discord.Interaction) -> None:
        """The tables you may use, with their record counts, descriptions and what you may do there."""
        store = store_of(interaction)
        await timely(interaction, store.open())
        await answer_tables(
            interaction,
            names=visible_names(interaction.user, store),
            rights=True,
            footer="/record describe shows a table's columns",
        )

    @app_commands.command(name="describe")
    @app_commands.describe(table="the table to describe")
    async def describe(self, interaction: discord.Interaction, table: Table) -> None:
        """A table's columns, types and flags, and its record count."""
        await answer_description(interaction, table)

    @app_commands.command(name="insert")
    @app_commands.describe(
        table="the table to add a record to",
        values="column=value pairs or a JSON object (example: title=Dune, year=1965); leave out for a form",
    )
    async def insert(
        self,
        interaction: discord.Interaction,
        table: Table,
        values: app_commands.Transform[dict[str, Any], Values] | None = None,
    ) -> None:
        """Insert one record; without values, a form asks for each column."""
        if values is None:
            await open_insert_form(interaction, table)
        else:
            await insert_and_answer(interaction, table, values)

    @app_commands.command(name="find")
    @app_commands.describe(
        table="the table to search",
        where="conditions like year >= 1990, title ~ dune (optional: all records)",
        sort="a column to sort by, - in front for descending (default: id)",
        limit="at most this many records (1 to 1000)",
        private=PRIVATE,
        view=VIEW,
        columns=COLUMNS,
    )
    @app_commands.autocomplete(where=where_columns, sort=sort_keys, view=view_names, columns=column_list)
    async def find(
        self,
        interaction: discord.Interaction,
        table: Table,
        where: str | None = None,
        sort: str | None = None,
        limit: app_commands.Range[int, 1, 1000] | None = None,
        private: bool = False,
        view: str | None = None,
        columns: str | None = None,
    ) -> None:
        """Records that match, ten a page, with a menu to open one."""
        store, access = await open_seen(interaction, table, ephemeral=private)
        private = private or is_secret(access)
        chosen = discobase.select(store.schema(table), view, where, sort, limit, columns)  # a typo costs no load
        schema = await timely(interaction, store.load(table), ephemeral=private)
        found = await seen_found(interaction.user, store, table, chosen.query)  # `matched`: the count before the limit
        hint = ""
        relaxed = ignoring_case(schema, chosen.query) if not found else None
        if relaxed is not None:
            near = len(await seen_found(interaction.user, store, table, relaxed[0]))
            if near:
                hint = f" {code(cut(relaxed[1], 300))} would match {plural(near, 'record')}: `~=` ignores case."
        own = own_only(interaction.user, access)
        await answer_found(
            interaction, chosen.showing(schema), found, chosen.where, private=private, own=own, hint=hint
        )

    @app_commands.command(name="get")
    @app_commands.describe(private=PRIVATE)
    @_one_record
    async def get(
        self, interaction: discord.Interaction, table: Table, record_id: RecordId, private: bool = False
    ) -> None:
        """One record, every column; Edit and Delete buttons for members who may change it."""
        await answer_record(interaction, table, record_id, private=private)

    @app_commands.command(name="update")
    @app_commands.describe(changes="column=value pairs to change (example: year=1966)", where=WHERE_INSTEAD)
    @app_commands.rename(changes="set")
    @app_commands.autocomplete(where=where_columns)
    @_one_record
    async def update(
        self,
        interaction: discord.Interaction,
        table: Table,
        changes: app_commands.Transform[dict[str, Any], Values],
        record_id: RecordId | None = None,
        where: str | None = None,
    ) -> None:
        """Change some columns of one record, or of every record matching where (its creator, or Manage Messages)."""
        _id_or_where(record_id, where, "change")
        if where:
            await update_where(interaction, table, where, changes)
            return
        assert record_id is not None
        store, access, before = await changeable_record(interaction, table, record_id, "change")
        private = is_secret(access)
        schema = store.schema(table)
        picked = await timely(interaction, resolve_users(interaction, schema, changes), ephemeral=private)
        problems = change_problems(schema, picked)
        if problems:  # every problem at once, as insert names them
            raise one_or_all(table, problems, head=f"Nothing was changed: record **{before.id}** of {code(table)}")
        changes = picked.values
        changed = [name for name, value in schema.validate_changes(changes).items() if value != before.values.get(name)]
        if not changed:
            shown = ", ".join(
                f"{code(name)} {show(schema.column(name).type, before.values.get(name), 60)}" for name in changes
            )
            mark_outcome(interaction, "unchanged")
            await answer(
                interaction,
                f"Nothing changed: record **{before.id}** of {code(table)} already has {shown}.",
                ephemeral=True,
            )
            return
        async with unseen_holders_hidden(interaction, store, access, table):
            after = await timely(
                interaction, store.update(table, record_id, changes, actor=interaction.user.id), ephemeral=private
            )
        what, values = update_lines(after.id, schema, before.values, after.values)
        audit(interaction, table, what, values=values)
        text = updated_text(schema, before, after, changed, picked.note())
        await answer(interaction, text, view=show_record_view(table, after.id), ephemeral=private)

    @app_commands.command(name="delete")
    @app_commands.describe(where=WHERE_INSTEAD)
    @app_commands.autocomplete(where=where_columns)
    @_one_record
    async def delete(
        self,
        interaction: discord.Interaction,
        table: Table,
        record_id: RecordId | None = None,
        where: str | None = None,
    ) -> None:
        """Delete one record, or every record matching where (its creator, or Manage Messages)."""
        _id_or_where(record_id, where, "delete")
        if where:
            await delete_where(interaction, table, where)
            return
        assert record_id is not None
        store, access, _ = await changeable_record(interaction, table, record_id, "delete")
        private = is_secret(access)
        gone = await timely(interaction, store.delete(table, record_id, actor=interaction.user.id), ephemeral=private)
        line = record_line(store.schema(table), gone, LINE_LIMIT)
        audit(interaction, table, f"#{gone.id} deleted", values=f"#{gone.id} deleted; it had: {line}")
        await answer(interaction, f"Deleted record **{gone.id}** from {code(table)}. It had: {line}", ephemeral=private)

    @app_commands.command(name="count")
    @app_commands.describe(
        table="the table to count", where="conditions like year >= 1990 (optional: all records)", view=VIEW
    )
    @app_commands.autocomplete(where=where_columns, view=view_names)
    async def count(
        self, interaction: discord.Interaction, table: Table, where: str | None = None, view: str | None = None
    ) -> None:
        """How many records match."""
        store, access = await open_seen(interaction, table)
        private = is_secret(access)
        chosen = discobase.select(store.schema(table), view, where)  # a typo costs no table load
        if own_only(interaction.user, access):
            found = seen_found(interaction.user, store, table, chosen.query)
            number, whose = len(await timely(interaction, found, ephemeral=private)), " of yours"
        else:
            number, whose = await timely(interaction, store.count(table, chosen.query), ephemeral=private), ""
        which = f" matching {code(cut(chosen.where, 300))}" if chosen.where else ""
        await answer(interaction, f"{code(table)} has {plural(number, 'record')}{whose}{which}.", ephemeral=private)

    @app_commands.command(name="export")
    @app_commands.describe(
        table="the table to export",
        file_format="csv (spreadsheets) or json",
        where="only the records matching these conditions, like year >= 1990 (optional: all)",
        view=VIEW,
        columns=COLUMNS,
        private=PRIVATE,
    )
    @app_commands.rename(file_format="format")
    @app_commands.autocomplete(where=where_columns, view=view_names, columns=column_list)
    async def export(
        self,
        interaction: discord.Interaction,
        table: Table,
        file_format: Literal["csv", "json"],
        where: str | None = None,
        view: str | None = None,
        columns: str | None = None,
        private: bool = False,
    ) -> None:
        """The table (or the records matching ``where``) as a file; zipped, or in parts, past the upload limit."""
        store, access = await open_readable(interaction, table, ephemeral=private)
        private = private or is_secret(access)
        schema = store.schema(table)
        chosen = discobase.select(schema, view, where, columns=columns)
        records = await timely(interaction, store.find(table, chosen.query), ephemeral=private)
        limit = interaction.guild.filesize_limit if interaction.guild else discobase.DEFAULT_UPLOAD_LIMIT
        files = export_files(table, chosen.showing(schema), records, file_format, limit)
        which = f" matching {code(cut(chosen.where, 300))}" if chosen.where else ""
        how = (
            ""
            if len(files) == 1 and not files[0][0].endswith(".zip")
            else (" (zipped)" if len(files) == 1 else f" in {len(files)} zipped files, one a message")
        )
        lead = f"{code(table)}: {plural(len(records), 'record')}{which} as {file_format.upper()}{how}."
        for number, (name, data) in enumerate(files):
            file = discord.File(io.BytesIO(data), filename=name)
            await answer(interaction, lead if number == 0 else None, file=file, ephemeral=private)

    @app_commands.command(name="summary")
    @app_commands.describe(
        table="the table to sum up",
        where="only the records matching these conditions (optional: all)",
        by="one row per value of this column; dates also by part, like due:month",
        of="number columns to total, comma-separated (default: every number column)",
        chart="add a bar chart of the groups (needs by)",
        view=VIEW,
    )
    @app_commands.autocomplete(where=where_columns, by=by_columns, of=of_columns, view=view_names)
    async def summary(
        self,
        interaction: discord.Interaction,
        table: Table,
        where: str | None = None,
        by: str | None = None,
        of: str | None = None,
        chart: bool = False,
        view: str | None = None,
    ) -> None:
        """How many records match; sums, averages and ranges; counts and totals by group; a chart."""
        store, access = await open_readable(interaction, table)
        private = is_secret(access)
        schema = store.schema(table)
        chosen = discobase.select(schema, view, where)  # every option read before the table loads
        grouping = discobase.parse_by(by, schema) if by and by.strip() else None
        totals = discobase.parse_of(of, schema) if of and of.strip() else ()
        check_chart(chart, grouping)
        found = await timely(interaction, store.find(table, chosen.query), ephemeral=private)
        summary = discobase.summarize(store.schema(table), found, grouping, totals)  # from memory, one pass
        await answer_summary(interaction, store.schema(table), summary, chosen.where, chart=chart, private=private)

    @app_commands.command(name="import")
    @app_commands.describe(
        table="the table to add the records to",
        file="CSV with a header row, a JSON array, or JSON lines",
        mode="insert: every row is a new record (default); upsert: a row whose key exists updates that record",
        key="for upsert: the unique column that finds a row's record (example: title)",
    )
    @app_commands.autocomplete(key=unique_columns)
    async def import_(
        self,
        interaction: discord.Interaction,
        table: Table,
        file: discord.Attachment,
        mode: Literal["insert", "upsert"] = "insert",
        key: str | None = None,
    ) -> None:
        """Add every row of a file (or, with upsert, update the records they name), or none if any row is wrong."""
        store, access = await open_writable(interaction, table)
        check_may_import(interaction, table)
        if mode == "upsert" and not key:
            raise Refused(
                "An upsert needs a `key`: the unique column that finds each row's record (example: `key:title`)."
            )
        if mode == "upsert":
            readable(interaction, store, table)  # an upsert changes the records its keys find: it must see them
        if mode == "insert" and key:
            raise Refused("`key` is for `mode:upsert`; an insert makes every row a new record. Add `mode:upsert`.")
        if file.size > MAX_IMPORT_BYTES:
            raise Refused(
                f"{code(file.filename)} is {file.size // 1024} KiB; an import takes files of up to "
                f"{MAX_IMPORT_BYTES // 1024 // 1024} MiB. Split it."
            )
        private = is_secret(access)
        schema = await timely(interaction, store.load(table), ephemeral=private)
        data = await timely(interaction, file.read(), ephemeral=private)
        # Parsed off the event loop: a 10 MiB file takes a while, and other members' commands wait for nobody.
        rows = await asyncio.to_thread(lambda: without_ids(schema, read_rows(file.filename, data)))
        header = has_header(file.filename, data)
        key = key.strip().lower() if key else None
        if key is not None:
            problems = await store.check_upsert(table, rows, key)
        else:
            problems = await store.check_rows(table, rows, resumable=True)
        if problems:
            problems = await unseen_row_holders_hidden(interaction, store, access, table, problems)
            mark_outcome(interaction, "rejected")
            report = problem_report(problems, len(rows), header=header, upsert_hint=key is None)
            await answer(interaction, report, ephemeral=True)
            return
        progress = Progress(interaction, table, len(rows), self.clock, private=private)
        if key is not None:
            await run_upsert(store, progress, rows, key, interaction.user.id, header=header)
            return
        await run_import(store, progress, rows, interaction.user.id, header=header)

    @app_commands.command(name="trash")
    @app_commands.describe(table="the table whose deleted records to list")
    async def trash(self, interaction: discord.Interaction, table: Table) -> None:
        """Records deleted in the last 30 days, newest first: who deleted each and when."""
        await answer_trash(interaction, table)

    @app_commands.command(name="restore")
    @app_commands.describe(
        table="the table the record was deleted from",
        record_id="the deleted record's id",
        where="instead of an id: every record in the trash matching these conditions, after you confirm",
    )
    @app_commands.rename(record_id="id")
    @app_commands.autocomplete(record_id=trashed_ids)
    @app_commands.autocomplete(where=where_columns)
    async def restore(
        self,
        interaction: discord.Interaction,
        table: Table,
        record_id: RecordId | None = None,
        where: str | None = None,
    ) -> None:
        """Bring a deleted record back from the trash under its id (its creator, or Manage Messages)."""
        _id_or_where(record_id, where, "restore")
        if where:
            await restore_where(interaction, table, where)
            return
        assert record_id is not None
        await restore_one(interaction, table, record_id)

    @app_commands.command(name="history")
    @_one_record
    async def history(self, interaction: discord.Interaction, table: Table, record_id: RecordId) -> None:
        """A record's changes of the last 30 days, newest first: when, who, which command, old -> new."""
        await answer_history(interaction, table, record_id)

    @app_commands.command(name="undo")
    @app_commands.describe(table="the table where you made the change")
    async def undo(self, interaction: discord.Interaction, table: Table) -> None:
        """Undo your own last change on a table, made within the last hour (all of it, or nothing)."""
        await undo_last(interaction, table)
