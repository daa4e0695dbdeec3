"""``/record update`` and ``/record delete`` with ``where``: every match, once the member confirms.

The member first sees, privately, how many records match and the first few.
A change some record cannot take (a unique column it would break) is refused
there, every such record named, and nothing is asked. The button applies the
change through the engine as one group of batch writes, all or none
(discobase/bulk_changes.py), to the records shown that still match when it is
pressed: a record changed meanwhile so that it no longer matches is left
alone, and the answer says so. Permissions are checked again at the press.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import discord

import discobase

from ..access import check_may_change_all, is_secret, open_readable, readable
from ..audit.report import audit
from ..utils.context import store_of
from ..utils.embeds import record_line
from ..utils.errors import Refused
from ..utils.formatting import code, cut, plural, show
from ..utils.members import resolve_users
from ..utils.observed import mark_outcome
from ..utils.replies import answer, timely
from ..utils.views import CONFIRM_NOTE, Confirm
from ._edit import change_problems
from ._form import one_or_all

__all__ = ["delete_where", "id_list", "problem_lines", "sample_lines", "update_where", "with_note"]

SHOWN = 5
"""Matching records shown in the confirmation."""
IDS_SHOWN = 20


def id_list(ids: Sequence[int]) -> str:
    """``#1, #2, #5`` and how many more."""
    shown = ", ".join(f"#{record_id}" for record_id in ids[:IDS_SHOWN])
    return shown + (f" and {len(ids) - IDS_SHOWN} more" if len(ids) > IDS_SHOWN else "")


def sample_lines(schema: discobase.TableSchema, records: list[discobase.Record]) -> str:
    """The first few records as confirmations show them, one line each, and how many more."""
    lines = [f"#{record.id} {record_line(schema, record, 150)}" for record in records[:SHOWN]]
    if len(records) > SHOWN:
        lines.append(f"\u2026and {len(records) - SHOWN} more")
    return "\n".join(lines)


def _settings(schema: discobase.TableSchema, converted: dict[str, discobase.model.columns.Value]) -> str:
    """``year = 1965, read = true``: what an update sets, as typed."""
    return ", ".join(f"{code(name)} = {show(schema.column(name).type, value, 60)}" for name, value in converted.items())


def with_note(question: str) -> str:
    """A confirmation's question in one message, cut before the time it gives, which is always said."""
    return cut(question, 2000 - len(CONFIRM_NOTE) - 1) + "\n" + CONFIRM_NOTE


def problem_lines(problems: list[discobase.RecordProblem]) -> str:
    """Why records cannot take a change, one line each (the first 15)."""
    lines = [f"Record {p.record_id}, column {code(p.column)}: {cut(p.reason, 200)}" for p in problems[:15]]
    if len(problems) > 15:
        lines.append(f"\u2026and {len(problems) - 15} more.")
    return "\n".join(lines)


async def _matches(
    interaction: discord.Interaction, table: str, where: str, verb: str
) -> tuple[discobase.GuildStore, list[discobase.Record]]:
    """The store and the records ``where`` matches, which the member may all change."""
    store, access = await open_readable(interaction, table, ephemeral=True)
    query = discobase.parse_query(store.schema(table), where)
    records = await timely(interaction, store.find(table, query), ephemeral=True)
    if records:
        check_may_change_all(interaction, access, records, verb)
    return store, records


async def update_where(interaction: discord.Interaction, table: str, where: str, changes: dict[str, Any]) -> None:
    """Show what ``set`` would change in the records matching ``where``, and ask to confirm."""
    store, records = await _matches(interaction, table, where, "change")
    schema = store.schema(table)
    picked = await timely(interaction, resolve_users(interaction, schema, changes), ephemeral=True)
    bad = change_problems(schema, picked)
    if bad:  # every problem at once, as insert names them
        raise one_or_all(table, bad, head=f"Nothing was changed in {code(table)}: the change")
    converted = schema.validate_changes(picked.values)
    targets = [r for r in records if any(r.values.get(name) != value for name, value in converted.items())]
    if not targets:
        mark_outcome(interaction, "unchanged")
        if records:
            which = f"the {plural(len(records), 'matching record')} already {'has' if len(records) == 1 else 'have'}"
        else:
            which = "no record matches, so none has"
        await answer(
            interaction,
            f"Nothing changed: in {code(table)}, {which} {_settings(schema, converted)}.",
            ephemeral=True,
        )
        return
    ids = [record.id for record in targets]
    problems = await timely(interaction, store.check_update_many(table, ids, picked.values), ephemeral=True)
    if problems:
        mark_outcome(interaction, "rejected")
        raise Refused(
            cut(f"Nothing was changed in {code(table)}: this change cannot be made.\n" + problem_lines(problems), 2000)
        )
    already = len(records) - len(targets)
    rest = (
        f" ({already} other matching {'record has' if already == 1 else 'records have'} it already)" if already else ""
    )
    action = functools.partial(_apply_update, table, where, ids, picked.values)
    view = Confirm(interaction, f"Update {plural(len(ids), 'record')}", action)
    question = (
        f"Set {_settings(schema, converted)} in {plural(len(ids), 'record')} of {code(table)} matching "
        f"{code(cut(where, 200))}{rest}?{picked.note()}\n{sample_lines(schema, targets)}"
    )
    await answer(interaction, with_note(question), view=view, ephemeral=True)


async def delete_where(interaction: discord.Interaction, table: str, where: str) -> None:
    """Show the records matching ``where`` and ask to confirm deleting them."""
    store, records = await _matches(interaction, table, where, "delete")
    schema = store.schema(table)
    if not records:
        mark_outcome(interaction, "unchanged")
        await answer(
            interaction,
            f"No record of {code(table)} matches {code(cut(where, 300))}: nothing to delete.",
            ephemeral=True,
        )
        return
    ids = [record.id for record in records]
    action = functools.partial(_apply_delete, table, where, ids)
    view = Confirm(interaction, f"Delete {plural(len(ids), 'record')}", action)
    question = (
        f"Delete {plural(len(ids), 'record')} of {code(table)} matching {code(cut(where, 200))}? "
        f"They stay in the trash for 30 days (`/record restore`).\n{sample_lines(schema, records)}"
    )
    await answer(interaction, with_note(question), view=view, ephemeral=True)


async def _still_matching(
    interaction: discord.Interaction, table: str, where: str, ids: list[int], verb: str
) -> tuple[discobase.GuildStore, bool, list[int], int]:
    """At the press: the store, whether the table is private now, the ids still matching, and how many left out.

    The member must still be allowed to change every record kept.
    """
    store = store_of(interaction)
    access = readable(interaction, store, table)
    matching = {r.id: r for r in await store.find(table, discobase.parse_query(store.schema(table), where))}
    chosen = [matching[record_id] for record_id in ids if record_id in matching]
    check_may_change_all(interaction, access, chosen, verb)
    return store, is_secret(access), [record.id for record in chosen], len(ids) - len(chosen)


def _left_alone(count: int) -> str:
    return (
        f" {plural(count, 'record')} shown no longer matched and {'was' if count == 1 else 'were'} left alone."
        if count
        else ""
    )


async def _apply_update(
    table: str, where: str, ids: list[int], changes: dict[str, Any], interaction: discord.Interaction
) -> None:
    """The confirmed update: all the records, or none."""
    await interaction.response.edit_message(content=f"Updating {plural(len(ids), 'record')}\u2026", view=None)
    try:
        store, private, chosen, gone = await _still_matching(interaction, table, where, ids, "change")
        changed = await store.update_many(table, chosen, changes, actor=interaction.user.id)
    except Exception:
        await interaction.edit_original_response(content="Nothing was changed.")
        raise
    schema = store.schema(table)
    done = [c.after.id for c in changed if c.after.values != c.before.values]
    converted = schema.validate_changes(changes)
    what = _settings(schema, converted)
    await interaction.edit_original_response(content=f"Updated {plural(len(done), 'record')}.{_left_alone(gone)}")
    records = f"{plural(len(done), 'record')} ({id_list(done)})"
    columns = ", ".join(code(name) for name in converted)
    audit(interaction, table, f"{records} updated {columns}", values=f"{records} set {what}", command="record update")
    if not private:
        await answer(
            interaction,
            cut(
                f"{interaction.user.mention} set {what} in {plural(len(done), 'record')} of {code(table)} "
                f"matching {code(cut(where, 200))}: {id_list(done)}.",
                2000,
            ),
        )


async def _apply_delete(table: str, where: str, ids: list[int], interaction: discord.Interaction) -> None:
    """The confirmed delete: all the records, or none."""
    await interaction.response.edit_message(content=f"Deleting {plural(len(ids), 'record')}\u2026", view=None)
    try:
        store, private, chosen, gone = await _still_matching(interaction, table, where, ids, "delete")
        deleted = await store.delete_many(table, chosen, actor=interaction.user.id)
    except Exception:
        await interaction.edit_original_response(content="Nothing was deleted.")
        raise
    done = [record.id for record in deleted]
    await interaction.edit_original_response(content=f"Deleted {plural(len(done), 'record')}.{_left_alone(gone)}")
    audit(interaction, table, f"{plural(len(done), 'record')} deleted ({id_list(done)})", command="record delete")
    if not private:
        await answer(
            interaction,
            cut(
                f"{interaction.user.mention} deleted {plural(len(done), 'record')} of {code(table)} matching "
                f"{code(cut(where, 200))}: {id_list(done)}.",
                2000,
            ),
        )
