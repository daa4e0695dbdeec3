"""The buttons of one record: Show record under a write's confirmation, Edit and Delete under its card.

Write confirmations stay one short public line, so a busy channel is not
filled with cards; the details are a click away. Show record answers with the
record as it is now, privately, with Edit and Delete for a member who may
change it. Each button is a dynamic item whose custom id names the action, the
table and the record (``discobase:show:books:3``), so it keeps working after
the bot restarts. A press checks again, with the table's rules as they are
now, that the record is there and that the member may see or change it: a card
shown to the channel offers the buttons to everyone, and only those allowed
get further than a private "why not".

This module opens the Edit form (``_edit``), never the reverse: the form is
handed ``show_record_view`` for its answer.
"""

from __future__ import annotations

import contextlib
import functools
import re

import discord

import discobase

from ..access import changeable_record, check_may_change, is_secret, open_seen, seen_record
from ..audit.report import audit
from ..utils.embeds import record_embed, record_line
from ..utils.errors import NotAllowed, answer_error
from ..utils.formatting import code, cut
from ..utils.observed import observed
from ..utils.replies import NO_PINGS, answer, timely
from ..utils.views import CONFIRM_NOTE, Confirm
from ._edit import EditForm, filled, left_out_text
from ._form import LINE_LIMIT

__all__ = ["RecordButton", "answer_record", "change_view", "show_record_view"]

_LOOKS = {
    "show": ("Show record", discord.ButtonStyle.secondary),
    "edit": ("Edit", discord.ButtonStyle.primary),
    "delete": ("Delete", discord.ButtonStyle.danger),
}


class RecordButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"discobase:(?P<action>show|edit|delete):(?P<table>[a-z][a-z0-9_]{0,31}):(?P<id>[0-9]{1,19})",
):
    """Show record (the card, privately), Edit (a form filled with its values) or Delete (once confirmed)."""

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
        """Show the record as it is now; or check the member may change it now, then open the form, or ask."""
        try:
            async with observed(interaction, _LOOKS[self.action][0], self.table):
                if self.action == "show":
                    await answer_record(interaction, self.table, self.record_id, private=True)
                    return
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
        original, left_out = filled(schema, record)
        if len(left_out) == len(schema.columns):  # nothing left to edit in a form
            await answer(interaction, left_out_text(self.table, record.id, left_out, in_form=False), ephemeral=True)
            return
        form = EditForm(schema, record.id, original, left_out=left_out, reply_view=show_record_view)
        await interaction.response.send_modal(form)

    async def _ask(
        self, interaction: discord.Interaction, schema: discobase.TableSchema, record: discobase.Record
    ) -> None:
        """Ask, privately, whether to delete the record: in place of a card only they see, else in a new message."""
        line = record_line(schema, record, LINE_LIMIT)
        card = interaction.message
        private_card = card is None or card.flags.ephemeral or interaction.response.is_done()
        public_card = None if private_card else card
        action = functools.partial(self._delete, public_card)
        view = Confirm(interaction, f"Delete record {record.id}", action)
        view.table = self.table
        text = cut(f"Delete record **{record.id}** of {code(self.table)}? It has: {line}", 1900) + "\n" + CONFIRM_NOTE
        if card is not None and card.flags.ephemeral and not interaction.response.is_done():
            await interaction.response.edit_message(content=text, view=view)
        else:
            await answer(interaction, text, view=view, ephemeral=True)

    async def _delete(self, card: discord.Message | None, interaction: discord.Interaction) -> None:
        """Delete the record (checking again: minutes may have passed), say so, and retire a public card.

        The question becomes what was deleted; a card the channel sees says who
        deleted the record and loses its buttons, and the deletion is announced
        as ``/record delete`` announces it (privately, for a private table).
        """
        store, access, _ = await changeable_record(interaction, self.table, self.record_id, "delete", ephemeral=True)
        gone = await timely(
            interaction, store.delete(self.table, self.record_id, actor=interaction.user.id), ephemeral=True
        )
        line = record_line(store.schema(self.table), gone, LINE_LIMIT)
        audit(
            interaction,
            self.table,
            f"#{gone.id} deleted",
            values=f"#{gone.id} deleted; it had: {line}",
            command="record delete",
        )
        text = cut(f"Deleted record **{gone.id}** from {code(self.table)}. It had: {line}", 2000)
        if card is not None:
            with contextlib.suppress(discord.HTTPException):  # the card was deleted, or its channel is closed to us
                await card.edit(
                    content=f"{interaction.user.mention} deleted this record.", view=None, allowed_mentions=NO_PINGS
                )
        if interaction.response.is_done():
            await answer(interaction, text, ephemeral=True)
            return
        if card is None or is_secret(access):
            await interaction.response.edit_message(content=text, embeds=[], view=None)  # a private card goes
            return
        await interaction.response.edit_message(content=f"Deleted record **{gone.id}**.", view=None)
        await answer(interaction, text)


def _view(*buttons: RecordButton) -> discord.ui.View:
    view = discord.ui.View(timeout=None)  # dynamic items: a press finds its button by custom id, view or not
    for button in buttons:
        view.add_item(button)
    return view


def show_record_view(table: str, record_id: int) -> discord.ui.View:
    """The view carrying the "Show record" button of one record."""
    return _view(RecordButton("show", table, record_id))


def change_view(
    interaction: discord.Interaction, access: discobase.Access, table: str, record: discobase.Record
) -> discord.ui.View | None:
    """Edit and Delete for a member who may change the record, else nothing."""
    try:
        check_may_change(interaction, access, record, "change")
    except NotAllowed:
        return None
    return _view(RecordButton("edit", table, record.id), RecordButton("delete", table, record.id))


async def answer_record(interaction: discord.Interaction, table: str, record_id: int, *, private: bool) -> None:
    """One record's card, every column, with Edit and Delete if the member may change it."""
    store, access = await open_seen(interaction, table, ephemeral=private)
    private = private or is_secret(access)
    record = await seen_record(interaction, store, access, table, record_id, ephemeral=private)
    embed = record_embed(store.schema(table), record, f"{table} #{record.id}")
    await answer(interaction, embed=embed, view=change_view(interaction, access, table, record), ephemeral=private)
