"""``/table view``: save a named view of a table, show it, or delete it.

A view is stored in the table's catalog entry (one edit; see
``GuildStore.save_view``): it survives restarts, follows renames of the table
and of its columns, and is listed by ``/table describe``. Saving replaces a
view of the same name whole: what you give is the view.
"""

from __future__ import annotations

import discord

import discobase

from ..access import is_secret, open_readable
from ..audit.report import audit
from ..utils.errors import Refused
from ..utils.formatting import code, cut
from ..utils.replies import answer, timely

__all__ = ["show_or_change_view", "view_text"]


def view_text(view: discobase.View) -> str:
    """``where `status = open` · sort `-due` · columns `title, due```: a view in one line."""
    parts = [f"where {code(cut(view.where, 300))}" if view.where else "every record"]
    if view.sort:
        parts.append(f"sort {code(view.sort)}")
    if view.columns:
        parts.append(f"columns {code(', '.join(view.columns))}")
    return " \u00b7 ".join(parts)


def _use(table: str, name: str) -> str:
    return f"Use it with `/record find table:{table} view:{name}` (also `count`, `export` and `summary`)."


async def show_or_change_view(
    interaction: discord.Interaction,
    table: str,
    name: str,
    where: str | None,
    sort: str | None,
    columns: str | None,
    *,
    delete: bool,
) -> None:
    """Delete the view, save it (when ``where``, ``sort`` or ``columns`` is given), or else show it."""
    store, access = await open_readable(interaction, table)
    private = is_secret(access)
    name = name.strip().lower()
    given = [option for option, value in (("where", where), ("sort", sort), ("columns", columns)) if value]
    if delete:
        if given:
            raise Refused(f"`delete:True` deletes the view; leave out {', '.join(f'`{g}`' for g in given)}.")
        await timely(interaction, store.delete_view(table, name), ephemeral=private)
        audit(interaction, table, f"deleted view {code(name)}")
        await answer(interaction, f"Deleted the view {code(name)} of {code(table)}.", ephemeral=private)
        return
    schema = store.schema(table)
    if not given:
        saved = schema.view(name)
        try:
            discobase.select(schema, name)
        except discobase.BrokenView as error:
            await answer(
                interaction, f"View {code(name)} of {code(table)}: {view_text(saved)}\n{error}", ephemeral=True
            )
            return
        await answer(interaction, f"View {code(name)} of {code(table)}: {view_text(saved)}. {_use(table, name)}")
        return
    chosen = discobase.parse_column_list(columns, schema) if columns else ()
    view = discobase.View(name=name, where=(where or "").strip(), sort=(sort or "").strip(), columns=chosen)
    replaced = name in schema.view_names
    await timely(interaction, store.save_view(table, view), ephemeral=private)
    audit(interaction, table, f"saved view {code(name)}", values=f"saved view {code(name)}: {view_text(view)}")
    verb = "Changed" if replaced else "Saved"
    await answer(
        interaction,
        f"{verb} the view {code(name)} of {code(table)}: {view_text(view)}. {_use(table, name)}",
        ephemeral=private,
    )
