"""Edit and Delete under a record's card, for members who may change it, and picking a record from ``/record find``.

Like "Show record", Edit and Delete are dynamic items whose custom id names
the table and the record, so they keep working after the bot restarts. A press
checks again, with the table's rules as they are now, that the record is there
and that the member may change it: a card shown to the channel offers the
buttons to everyone, and only those allowed get further than a private "why not".
"""

from __future__ import annotations

import re
from collections.abc import Callable

import discord

import discobase

from ..utils.access import changeable_record, check_may_change, is_secret, open_seen, seen_record
from ..utils.audit import audit
from ..utils.embeds import record_embed, record_line
from ..utils.errors import NotAllowed, answer_error
from ..utils.formatting import code, cut
from ..utils.observed import observed
from ..utils.replies import answer, timely
from ..utils.views import Confirm, Paginator
from ._edit import EditForm, filled
from ._form import LINE_LIMIT

__all__ = ["FindPages", "RecordButton", "answer_record", "change_view"]

CONFIRM_TIMEOUT = 60.0
_LOOKS = {"edit": ("Edit", discord.ButtonStyle.primary), "delete": ("Delete", discord.ButtonStyle.danger)}


class RecordButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"discobase:(?P<action>edit|delete):(?P<table>[a-z][a-z0-9_]{0,31}):(?P<id>[0-9]{1,19})",
):
    """Edit (a form filled with the record's values) or Delete (once the member who pressed it confirms)."""

    def __init__(self, action: str, table: str, record_id: int) -> None:
        label, style = _LOOKS[action]
        super().__init__(
            discord.ui.Button(label=label, style=style, custom_id=f"discobase:{action}:{table}:{record_id}")
        )
        self.action = action
        self.table = table
        self.record_id = record_id

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction, item: discord.ui.Button[discord.ui.View], match: re.Match[str], /
    ) -> RecordButton:
        """Rebuild the button from the custom id of a pressed one (also after a restart)."""
        return cls(match["action"], match["table"], int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Check the record is there and the member may change it now; then open the form, or ask."""
        try:
            async with observed(interaction, _LOOKS[self.action][0], self.table):
                verb = "change" if self.action == "edit" else "delete"
                store, _, record = await changeable_record(
                    interaction, self.table, self.record_id, verb, ephemeral=True
                )
                if self.action == "edit":
                    await self._edit(interaction, store.schema(self.table), record)
                else:
                    await self._ask(interaction, store.schema(self.table), record)
        except Exception as error:  # every failure is answered like a failed command
            await answer_error(interaction, error)

    async def _edit(
        self, interaction: discord.Interaction, schema: discobase.TableSchema, record: discobase.Record
    ) -> None:
        """Open the form with the record as it is now."""
        if interaction.response.is_done():  # a form can only be the first answer
            text = "Loading took a moment, so the form could not open. Press Edit again."
            await answer(interaction, text, ephemeral=True)
            return
        await interaction.response.send_modal(EditForm(schema, record.id, filled(schema, record)))

    async def _ask(
        self, interaction: discord.Interaction, schema: discobase.TableSchema, record: discobase.Record
    ) -> None:
        """Ask, privately, whether to delete the record."""
        line = record_line(schema, record, LINE_LIMIT)
        view = Confirm(interaction, f"Delete record {record.id}", self._delete, timeout=CONFIRM_TIMEOUT)
        view.table = self.table
        text = f"Delete record **{record.id}** of {code(self.table)}? It has: {line}"
        await answer(interaction, cut(text, 2000), view=view, ephemeral=True)

    async def _delete(self, interaction: discord.Interaction) -> None:
        """Delete the record (checking again: minutes may have passed), and say so in place of the question."""
        store, _, _ = await changeable_record(interaction, self.table, self.record_id, "delete", ephemeral=True)
        gone = await timely(interaction, store.delete(self.table, self.record_id), ephemeral=True)
        line = record_line(store.schema(self.table), gone, LINE_LIMIT)
        audit(
            interaction,
            self.table,
            f"#{gone.id} deleted",
            values=f"#{gone.id} deleted; it had: {line}",
            command="record delete",
        )
        text = cut(f"Deleted record **{gone.id}** from {code(self.table)}. It had: {line}", 2000)
        if interaction.response.is_done():
            await answer(interaction, text, ephemeral=True)
        else:
            await interaction.response.edit_message(content=text, view=None)


def change_view(
    interaction: discord.Interaction, access: discobase.Access, table: str, record: discobase.Record
) -> discord.ui.View | None:
    """Edit and Delete for a member who may change the record, else nothing."""
    try:
        check_may_change(interaction, access, record, "change")
    except NotAllowed:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(RecordButton("edit", table, record.id))
    view.add_item(RecordButton("delete", table, record.id))
    return view


async def answer_record(interaction: discord.Interaction, table: str, record_id: int, *, private: bool) -> None:
    """One record's card, every column, with Edit and Delete if the member may change it."""
    store, access = await open_seen(interaction, table, ephemeral=private)
    private = private or is_secret(access)
    record = await seen_record(interaction, store, access, table, record_id, ephemeral=private)
    embed = record_embed(store.schema(table), record, f"{table} #{record.id}")
    await answer(interaction, embed=embed, view=change_view(interaction, access, table, record), ephemeral=private)


class FindPages(Paginator):
    """``/record find``'s pages with a menu under them that opens one record of the page shown, privately."""

    def __init__(
        self,
        interaction: discord.Interaction,
        schema: discobase.TableSchema,
        records: list[discobase.Record],
        per_page: int,
        render: Callable[[int], discord.Embed],
        *,
        timeout: float,
    ) -> None:
        self.schema = schema
        self.records = records
        self.per_page = per_page
        self.picker: discord.ui.Select[FindPages] = discord.ui.Select(
            placeholder="Open a record\u2026", custom_id="open-record"
        )
        self.picker.callback = self._open  # type: ignore[method-assign]
        pages = -(-len(records) // per_page)
        super().__init__(interaction, pages, render, timeout=timeout)
        self.table = schema.name
        if pages == 1:
            self.remove_item(self.previous).remove_item(self.next)
        self.add_item(self.picker)

    def _sync_buttons(self) -> None:
        """Besides the buttons, offer the records of the page now shown."""
        super()._sync_buttons()
        shown = self.records[self.page * self.per_page : (self.page + 1) * self.per_page]
        self.picker.options = [
            discord.SelectOption(
                label=cut(f"#{record.id} \u00b7 {record_line(self.schema, record, 100, rich=False)}", 100),
                value=str(record.id),
            )
            for record in shown
        ]

    async def _open(self, interaction: discord.Interaction) -> None:
        """The picked record, privately, with Edit and Delete if the member may change it."""
        await answer_record(interaction, self.schema.name, int(self.picker.values[0]), private=True)
