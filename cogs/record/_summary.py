"""``/record summary``'s answer: one compact embed (count, totals, date ranges, groups) and, on request, a chart.

The numbers come from the engine (``discobase.summarize``, the same as the
library's ``Table.summary``); this module only words them for a phone-sized
screen: one line per statistic and per group, thousands separated.
"""

from __future__ import annotations

import asyncio
import io
from datetime import date, datetime

import discord

import discobase
from discobase.model.summary import MAX_GROUPS

from ..utils.embeds import COLOR
from ..utils.errors import Refused
from ..utils.formatting import code, cut, escape, number, show
from ..utils.replies import answer
from ._chart import render_chart

__all__ = ["CHART_FILE", "answer_summary", "check_chart"]

CHART_FILE = "summary.png"
LABEL_LIMIT = 60


def check_chart(chart: bool, by: discobase.GroupBy | None) -> None:
    """A chart draws the groups: refuse ``chart:True`` without ``by`` before anything is read."""
    if chart and by is None:
        raise Refused("A chart draws one bar per group: add `by:` with a column, like `by:status` or `by:due:month`.")


def _value(column: discobase.Column, value: date | datetime | float | None) -> str:
    return show(column.type, value, 40)


def _stat_lines(schema: discobase.TableSchema, summary: discobase.Summary) -> list[str]:
    lines = []
    for stats in summary.numbers:
        if stats.count == 0:
            lines.append(f"**{stats.column}** \u00b7 no values")
            continue
        assert stats.average is not None and stats.minimum is not None and stats.maximum is not None
        over = f" \u00b7 {number(stats.count)} with a value" if stats.count < summary.count else ""
        lines.append(
            f"**{stats.column}** \u00b7 sum {number(stats.total)} \u00b7 avg {number(stats.average, average=True)}"
            f" \u00b7 min {number(stats.minimum)} \u00b7 max {number(stats.maximum)}{over}"
        )
    for dates in summary.dates:
        if dates.earliest is None:
            continue
        column = schema.column(dates.column)
        lines.append(
            f"**{dates.column}** \u00b7 earliest {_value(column, dates.earliest)}"
            f" \u00b7 latest {_value(column, dates.latest)}"
        )
    return lines


def _folded_count(summary: discobase.Summary) -> int:
    """How many groups "other" holds: every group but those shown on their own and "(none)"."""
    return summary.group_count - sum(1 for group in summary.groups if group.kind != "other")


def group_label(
    schema: discobase.TableSchema, summary: discobase.Summary, group: discobase.Group, *, rich: bool = True
) -> str:
    """A group's name: its value as shown elsewhere, a date part as text, "other (N groups)" or "(none)"."""
    if group.kind == "none":
        return "(none)"
    if group.kind == "other":
        return f"other ({number(_folded_count(summary))} groups)"
    assert summary.by is not None
    if summary.by.part is not None:
        return str(group.key)
    return show(schema.column(summary.by.column).type, group.key, LABEL_LIMIT, rich=rich)


def _group_lines(schema: discobase.TableSchema, summary: discobase.Summary) -> list[str]:
    lines = []
    for group in summary.groups:
        share = f" ({group.count * 100 / summary.count:.0f}%)" if summary.count else ""
        sums = "".join(f" \u00b7 {name} {number(total)}" for name, total in zip(summary.of, group.totals, strict=True))
        lines.append(f"{group_label(schema, summary, group)} \u00b7 **{number(group.count)}**{share}{sums}")
    return lines


def summary_embed(schema: discobase.TableSchema, summary: discobase.Summary, where: str | None) -> discord.Embed:
    """The summary as one embed: the count and what was counted, then one line per statistic, then the groups."""
    which = f" matching {code(cut(where, 300))}" if where else ""
    lines = [f"**{number(summary.count)}** {'record' if summary.count == 1 else 'records'}{which}"]
    lines += _stat_lines(schema, summary)
    if summary.by is not None:
        kinds = f"{number(summary.group_count)} groups" if summary.group_count != 1 else "1 group"
        folded = f", the largest {MAX_GROUPS} shown" if any(g.kind == "other" for g in summary.groups) else ""
        lines += ["", f"**By {escape(str(summary.by))}** ({kinds}{folded})", *_group_lines(schema, summary)]
    return discord.Embed(title=f"Summary of {schema.name}", description=cut("\n".join(lines), 4000), color=COLOR)


def _plain_label(
    guild: discord.Guild | None, schema: discobase.TableSchema, summary: discobase.Summary, group: discobase.Group
) -> str:
    """A group's name as a chart prints it: members, channels and roles by name, not as mentions."""
    assert summary.by is not None
    column_type = schema.column(summary.by.column).type
    if group.kind == "value" and summary.by.part is None and isinstance(group.key, int) and guild is not None:
        if column_type is discobase.ColumnType.USER:  # without the members intent few are cached: no fetch per bar
            member = guild.get_member(group.key)
            return member.display_name if member is not None else f"user \u2026{group.key % 1_000_000:06d}"
        if column_type is discobase.ColumnType.CHANNEL and (channel := guild.get_channel(group.key)) is not None:
            return f"#{channel.name}"
        if column_type is discobase.ColumnType.ROLE and (role := guild.get_role(group.key)) is not None:
            return f"@{role.name}"
    return group_label(schema, summary, group, rich=False)


async def _chart_file(
    interaction: discord.Interaction, schema: discobase.TableSchema, summary: discobase.Summary
) -> discord.File:
    assert summary.by is not None
    labels = [_plain_label(interaction.guild, schema, summary, group) for group in summary.groups]
    if summary.of:
        values: list[float] = [group.totals[0] for group in summary.groups]
        measure, title = f"sum of {summary.of[0]}", f"{schema.name}: {summary.of[0]} by {summary.by}"
    else:
        values = [group.count for group in summary.groups]
        measure, title = "records", f"{schema.name}: records by {summary.by}"
    muted = sum(1 for group in summary.groups if group.kind != "value")
    png = await asyncio.to_thread(
        render_chart, title, labels, values, measure=measure, grouped_by=str(summary.by), muted=muted
    )
    return discord.File(io.BytesIO(png), filename=CHART_FILE)


async def answer_summary(
    interaction: discord.Interaction,
    schema: discobase.TableSchema,
    summary: discobase.Summary,
    where: str | None,
    *,
    chart: bool,
    private: bool,
) -> None:
    """The summary; with ``chart``, the bar chart in the same message (none for zero records: nothing to draw)."""
    embed = summary_embed(schema, summary, where)
    if not chart:
        await answer(interaction, embed=embed, ephemeral=private)
        return
    if summary.count == 0:
        await answer(interaction, "Nothing to chart: no record matches.", embed=embed, ephemeral=private)
        return
    file = await _chart_file(interaction, schema, summary)
    embed.set_image(url=f"attachment://{CHART_FILE}")
    await answer(interaction, embed=embed, file=file, ephemeral=private)
