"""``/record find``'s answer: pages of ten records, and a menu under them that opens one record of the page.

The page buttons answer only the member who asked; the menu answers anyone,
privately, with the record as ``/record get`` would show it to them (so a
reader of the channel can open what they see, and nobody learns more).

The footer counts every match, also those a ``limit`` left out (the engine's
``Found.matched``, from the same scan that found the records).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import discord

import discobase

from ..utils.embeds import COLOR, record_line
from ..utils.formatting import code, cut, plural
from ..utils.replies import answer
from ..utils.views import Paginator
from ._buttons import answer_record

__all__ = ["PER_PAGE", "FindPages", "answer_found", "find_page", "ignoring_case"]

PER_PAGE = 10
PAGES_TIMEOUT = 180.0


def find_page(
    schema: discobase.TableSchema, found: discobase.Found, where: str | None, page: int, *, own: bool = False
) -> discord.Embed:
    """One page of ``/record find``: ten records, id first, long values cut; the footer counts every match.

    ``own``: only the member's records, which the footer says.
    """
    pages = -(-len(found) // PER_PAGE)
    embed = discord.Embed(title=schema.name, color=COLOR)
    if where:
        embed.description = f"where {code(cut(where, 300))}"
    for record in found[page * PER_PAGE : (page + 1) * PER_PAGE]:
        embed.add_field(name=f"#{record.id}", value=record_line(schema, record, 350), inline=False)
    shown = f" \u00b7 showing the first {len(found)}" if found.matched > len(found) else ""
    whose = " of yours" if own else ""
    return embed.set_footer(
        text=f"{plural(found.matched, 'record')}{whose} matched{shown} \u00b7 page {page + 1} of {pages}"
    )


def ignoring_case(schema: discobase.TableSchema, query: discobase.Query) -> tuple[discobase.Query, str] | None:
    """The query with its ``column = text`` conditions as ``~=`` (ignoring case), and how to write them; or None.

    A find that matched nothing with ``title = dune`` while ``Dune`` is there
    should say so: the member asked for the record, not for its capitals.
    """
    conditions: list[discobase.model.query.Expr] = []
    written = []
    for condition in query.conditions:
        if (
            isinstance(condition, discobase.Condition)
            and condition.op == "="
            and isinstance(condition.value, str)
            and condition.column != "id"
            and schema.column(condition.column).type.is_text
        ):
            condition = discobase.Condition(condition.column, "~=", condition.value)
            written.append(f"{condition.column} ~= {condition.value}")
        conditions.append(condition)
    if not written:
        return None
    return discobase.Query(tuple(conditions), query.sort, query.descending), " and ".join(written)


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

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """The page buttons are the asker's; the menu opens a record for anyone, who gets it if they may read it."""
        if interaction.data is not None and interaction.data.get("custom_id") == self.picker.custom_id:
            return True
        return await super().interaction_check(interaction)

    async def _open(self, interaction: discord.Interaction) -> None:
        """The picked record, privately, with Edit and Delete if the member may change it."""
        await answer_record(interaction, self.schema.name, int(self.picker.values[0]), private=True)


async def answer_found(
    interaction: discord.Interaction,
    schema: discobase.TableSchema,
    found: discobase.Found,
    where: str | None,
    *,
    private: bool,
    own: bool = False,
    hint: str = "",
) -> None:
    """The first page of what a find found, with its buttons and menu; or that nothing matched, and ``hint``.

    ``own``: the member may only write the table, and ``found`` holds only their records.
    """
    if not found:
        which = f" matches {code(cut(where, 300))}" if where else " yet"
        whose = "None of your records" if where else "You have no record"
        text = f"{whose} of {code(schema.name)}{which}" if own else f"No record of {code(schema.name)}{which}"
        await answer(interaction, f"{text}.{hint}", ephemeral=private)
        return
    render = functools.partial(find_page, schema, found, where, own=own)
    view = FindPages(interaction, schema, found, PER_PAGE, render, timeout=PAGES_TIMEOUT)
    await answer(interaction, embed=render(0), view=view, ephemeral=private)
