"""``/record trash``, ``restore``, ``history`` and ``undo``: nothing lost by mistake.

The engine keeps a record's history and, once deleted, the record itself in
the messages that decide it (discobase/write/undo.py): reading them costs no
request on a loaded table; a restore and an undo are writes like any other.
Permissions: the trash shows what the member may see; restoring needs the
right to delete that record (its creator, or Manage Messages), so a member
who may only write a table sees and restores their own; the history needs
read access; an undo is the member's own change, so write access.
"""

from __future__ import annotations

import functools

import discord

import discobase
from discobase.model.columns import as_typed

from ..access import (
    check_may_change,
    check_may_change_all,
    is_secret,
    may_read,
    may_see_record,
    open_readable,
    open_seen,
    open_writable,
)
from ..audit.report import audit, update_lines
from ..utils.context import store_of
from ..utils.embeds import COLOR, record_line
from ..utils.errors import Refused
from ..utils.formatting import code, cut, plural, show
from ..utils.observed import mark_outcome
from ..utils.replies import answer, timely
from ..utils.views import Confirm, Paginator
from ._bulk import id_list, problem_lines, sample_lines, with_note
from ._buttons import show_record_view
from ._edit import updated_text
from ._form import LINE_LIMIT

__all__ = ["answer_history", "answer_trash", "restore_one", "restore_where", "undo_last"]

PER_PAGE = 10
PAGES_TIMEOUT = 180.0


def _when(moment: discobase.HistoryEntry | discobase.TrashedRecord) -> str:
    at = moment.at if isinstance(moment, discobase.HistoryEntry) else moment.deleted_at
    return f"<t:{int(at.timestamp())}:f>"


def _who(actor: int) -> str:
    return f"<@{actor}>" if actor else "the bot"


def _pages(
    interaction: discord.Interaction, title: str, lines: list[tuple[str, str]], footer: str
) -> tuple[discord.Embed, Paginator | None]:
    """Fields ten a page, newest first, with Previous/Next for the member who asked when there is more than one."""
    pages = max(1, -(-len(lines) // PER_PAGE))

    def render(page: int) -> discord.Embed:
        embed = discord.Embed(title=title, color=COLOR)
        for name, value in lines[page * PER_PAGE : (page + 1) * PER_PAGE]:
            embed.add_field(name=cut(name, 256), value=cut(value, 1024), inline=False)
        return embed.set_footer(text=f"{footer} \u00b7 page {page + 1} of {pages}")

    view = Paginator(interaction, pages, render, timeout=PAGES_TIMEOUT) if pages > 1 else None
    return render(0), view


async def answer_trash(interaction: discord.Interaction, table: str) -> None:
    """The table's trash, newest deletion first: id, a short line of values, who deleted it and when."""
    store, access, trashed = await _visible_trash(interaction, table)
    if not trashed:
        await answer(interaction, f"The trash of {code(table)} is empty.", ephemeral=is_secret(access))
        return
    schema = store.schema(table)
    lines = [
        (
            f"#{item.record.id}",
            f"{record_line(schema, item.record, 300)}\ndeleted by {_who(item.deleted_by)} {_when(item)}",
        )
        for item in trashed
    ]
    footer = f"{plural(len(trashed), 'record')} in the trash, kept 30 days \u00b7 /record restore brings one back"
    embed, view = _pages(interaction, f"Trash of {table}", lines, footer)
    await answer(interaction, embed=embed, view=view, ephemeral=is_secret(access))


async def _visible_trash(
    interaction: discord.Interaction, table: str, *, ephemeral: bool = False
) -> tuple[discobase.GuildStore, discobase.Access, list[discobase.TrashedRecord]]:
    """The store, the table's rules, and the trashed records the member may see (a writer only: their own)."""
    store, access = await open_seen(interaction, table, ephemeral=ephemeral)
    trashed = await timely(interaction, store.trash(table), ephemeral=ephemeral or is_secret(access))
    return store, access, [item for item in trashed if may_see_record(interaction.user, access, item.record)]


def _clash(table: str, record_id: int, error: discobase.UniqueViolation) -> Refused:
    return Refused(
        f"Nothing was restored: record **{record_id}** of {code(table)} had {code(error.column)} "
        f"{cut(as_typed(error.value), 100)}, "
        f"which record **{error.holder}** has now, and the column is unique. "
        f"Change or delete record {error.holder} first."
    )


async def restore_one(interaction: discord.Interaction, table: str, record_id: int) -> None:
    """Bring one record back from the trash under its id (its creator, or Manage Messages)."""
    store, access, visible = await _visible_trash(interaction, table)
    private = is_secret(access)
    trashed = {item.record.id: item for item in visible}
    if record_id in trashed:
        check_may_change(interaction, access, trashed[record_id].record, "restore")
    elif not may_read(interaction.user, access):  # a writer learns nothing of others' records
        raise discobase.NotInTrash(table, record_id, "is not among the records in the trash you may see")
    try:
        record = await timely(
            interaction, store.restore(table, record_id, actor=interaction.user.id), ephemeral=private
        )
    except discobase.UniqueViolation as error:
        raise _clash(table, record_id, error) from None
    line = record_line(store.schema(table), record, LINE_LIMIT)
    audit(interaction, table, f"#{record.id} restored", values=f"#{record.id} restored: {line}")
    await answer(
        interaction,
        f"Restored record **{record.id}** to {code(table)}: {line}",
        view=show_record_view(table, record.id),
        ephemeral=private,
    )


async def restore_where(interaction: discord.Interaction, table: str, where: str) -> None:
    """Show the trashed records matching ``where`` and ask to confirm restoring them."""
    store, access, trashed = await _visible_trash(interaction, table, ephemeral=True)
    schema = store.schema(table)
    matches = discobase.parse_query(schema, where).predicate()
    records = [item.record for item in trashed if matches(item.record)]
    if not records:
        mark_outcome(interaction, "unchanged")
        await answer(
            interaction, f"No record in the trash of {code(table)} matches {code(cut(where, 300))}.", ephemeral=True
        )
        return
    check_may_change_all(interaction, access, records, "restore")
    ids = sorted(record.id for record in records)
    action = functools.partial(_apply_restore, table, ids)
    view = Confirm(interaction, f"Restore {plural(len(ids), 'record')}", action)
    question = (
        f"Restore {plural(len(ids), 'record')} of {code(table)} from the trash, matching "
        f"{code(cut(where, 200))}?\n{sample_lines(schema, records)}"
    )
    await answer(interaction, with_note(question), view=view, ephemeral=True)


async def _apply_restore(table: str, ids: list[int], interaction: discord.Interaction) -> None:
    """The confirmed restore: all the records, or none (a unique clash names both records)."""
    await interaction.response.edit_message(content=f"Restoring {plural(len(ids), 'record')}\u2026", view=None)
    store = store_of(interaction)
    try:
        restored = await store.restore_many(table, ids, actor=interaction.user.id)
    except discobase.BulkRejected as error:
        await interaction.edit_original_response(
            content=cut(f"Nothing was restored to {code(table)}:\n" + problem_lines(error.problems), 2000)
        )
        return
    except Exception:
        await interaction.edit_original_response(content="Nothing was restored.")
        raise
    done = [record.id for record in restored]
    await interaction.edit_original_response(content=f"Restored {plural(len(done), 'record')}: {id_list(done)}.")
    audit(interaction, table, f"{plural(len(done), 'record')} restored ({id_list(done)})", command="record restore")


async def answer_history(interaction: discord.Interaction, table: str, record_id: int) -> None:
    """A record's changes, newest first: when, who, which command, and each changed column old -> new."""
    store, access = await open_readable(interaction, table)
    private = is_secret(access)
    entries = await timely(interaction, store.history(table, record_id), ephemeral=private)
    schema = store.schema(table)
    lines = []
    for entry in entries:
        changes = [
            f"{code(name)}: {show(schema.column(name).type, old, 80)} \u2192 {show(schema.column(name).type, new, 80)}"
            for name, (old, new) in entry.changes.items()
        ]
        lines.append((f"{entry.command} by {_who(entry.actor)}"[:256], f"{_when(entry)}\n" + "\n".join(changes)))
    if not lines:
        await answer(
            interaction,
            f"Record **{record_id}** of {code(table)} has no change in the last 30 days.",
            ephemeral=private,
        )
        return
    footer = f"{plural(len(lines), 'change')} of the last 30 days"
    embed, view = _pages(interaction, f"History of {table} #{record_id}", lines, footer)
    await answer(interaction, embed=embed, view=view, ephemeral=private)


async def undo_last(interaction: discord.Interaction, table: str) -> None:
    """Undo the member's own last change on the table within the hour, answering like the command it reverses."""
    store, access = await open_writable(interaction, table)
    private = is_secret(access)
    try:
        undone = await timely(interaction, store.undo(table, interaction.user.id), ephemeral=private)
    except discobase.BulkRejected as error:
        raise Refused(cut("Nothing was undone:\n" + problem_lines(error.problems), 2000)) from None
    schema = store.schema(table)
    command = undone.change.command
    lines = [f"Undid your {command} in {code(table)}:"]
    if len(undone.updated) == 1 and not undone.deleted and not undone.restored:
        change = undone.updated[0]
        changed = [n for n in schema.column_names if change.before.values.get(n) != change.after.values.get(n)]
        lines = [updated_text(schema, change.before, change.after, changed, f" (undid your {command})")]
        audit(interaction, table, update_lines(change.after.id, schema, change.before.values, change.after.values)[0])
    else:
        for verb, records in (("Deleted", undone.deleted), ("Restored", undone.restored)):
            if len(records) == 1:
                lines.append(f"{verb} record **{records[0].id}**: {record_line(schema, records[0], LINE_LIMIT)}")
            elif records:
                lines.append(f"{verb} {plural(len(records), 'record')}: {id_list([r.id for r in records])}.")
        if undone.updated:
            ids = [change.after.id for change in undone.updated]
            lines.append(f"Set {plural(len(ids), 'record')} back as they were: {id_list(ids)}.")
        ids = sorted(r.id for r in [*undone.deleted, *undone.restored, *(c.after for c in undone.updated)])
        audit(interaction, table, f"undid {command} of {plural(len(ids), 'record')} ({id_list(ids)})")
    if undone.deleted:
        lines.append("Deleted records stay in the trash for 30 days.")
    await answer(interaction, cut("\n".join(lines), 2000), ephemeral=private)
