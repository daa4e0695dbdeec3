"""/record summary: counts, totals, date ranges and groups on a known dataset, exact; charts; bad input."""

from __future__ import annotations

import asyncio
import io
from datetime import date

import pytest
from matplotlib import image

import discobase
from bot import create_bot

from .conftest import MID, NB, TASKS
from .helpers import refusal, reply


def _lines(message) -> list[str]:
    return message.embeds[0].description.split("\n")


async def test_summary_counts_totals_and_date_ranges(member, channel, tasks):
    """Without options: the count, each number column's sum, average, minimum and maximum, and the date range."""
    message = reply(await member.slash(channel, "record summary", table="tasks"))
    assert not message.ephemeral
    assert message.embeds[0].title == "Summary of tasks"
    assert _lines(message) == [
        "**10** records",
        f"**hours** {MID} sum 32.5 {MID} avg 3.61 {MID} min 0.5 {MID} max 8 {MID} 9 with a value",
        f"**points** {MID} sum 38 {MID} avg 3.8 {MID} min 1 {MID} max 8",
        f"**due** {MID} earliest 2026{NB}01{NB}05 {MID} latest 2026{NB}03{NB}30",
    ]


async def test_summary_by_a_choice_column_of_hours(member, channel, tasks):
    """`by` gives one row per value, ranked by the sum of the `of` column, with its count, share and sum."""
    message = reply(await member.slash(channel, "record summary", table="tasks", by="status", of="hours"))
    assert _lines(message) == [
        "**10** records",
        f"**hours** {MID} sum 32.5 {MID} avg 3.61 {MID} min 0.5 {MID} max 8 {MID} 9 with a value",
        f"**due** {MID} earliest 2026{NB}01{NB}05 {MID} latest 2026{NB}03{NB}30",
        "",
        "**By status** (3 groups)",
        f"done {MID} **3** (30%) {MID} hours 16",
        f"open {MID} **5** (50%) {MID} hours 9",
        f"doing {MID} **2** (20%) {MID} hours 7.5",
    ]


async def test_summary_by_count_and_where(member, channel, tasks):
    """Without `of`, groups rank by count; `where` narrows what is counted and is named."""
    message = reply(await member.slash(channel, "record summary", table="tasks", by="status", where="points >= 2"))
    lines = _lines(message)
    assert lines[0] == "**8** records matching `points >= 2`"
    assert lines[lines.index("**By status** (3 groups)") + 1 :] == [
        f"done {MID} **3** (38%)",
        f"open {MID} **3** (38%)",
        f"doing {MID} **2** (25%)",
    ]


@pytest.mark.parametrize(
    ("by", "groups"),
    [
        ("due:month", ["2026-01 \u00b7 **3** (30%)", "2026-02 \u00b7 **3** (30%)", "2026-03 \u00b7 **3** (30%)"]),
        ("due:year", ["2026 \u00b7 **9** (90%)"]),
        (
            "due:week",
            [
                f"2026-W{week:02d} \u00b7 **1** (10%)"
                for week in sorted({date.fromisoformat(t[5]).isocalendar()[1] for t in TASKS if t[5]})
            ],
        ),
    ],
)
async def test_summary_by_date_parts_in_time_order(member, channel, tasks, by, groups):
    """A date part groups by month, week or year, listed in time order, and records without a date are "(none)"."""
    message = reply(await member.slash(channel, "record summary", table="tasks", by=by))
    lines = _lines(message)
    start = next(i for i, line in enumerate(lines) if line.startswith("**By due:"))
    assert lines[start + 1 :] == [*groups, "(none) \u00b7 **1** (10%)"]


async def test_summary_by_day_and_by_user(member, admin, other_member, channel, tasks):
    """`due:day` groups by the date; a user column groups by member, shown as mentions that ping nobody."""
    days = _lines(reply(await member.slash(channel, "record summary", table="tasks", by="due:day")))
    assert days[-1] == "(none) \u00b7 **1** (10%)" and days[-10] == "2026-01-05 \u00b7 **1** (10%)"
    owners = _lines(reply(await member.slash(channel, "record summary", table="tasks", by="owner", of="points")))
    assert owners[-4:] == [
        f"<@{member.id}> {MID} **3** (30%) {MID} points 21",
        f"<@{admin.id}> {MID} **4** (40%) {MID} points 9",
        f"<@{other_member.id}> {MID} **2** (20%) {MID} points 7",
        f"(none) {MID} **1** (10%) {MID} points 1",
    ]


async def test_groups_past_25_fold_into_other(admin, member, channel, store):
    """30 distinct values: the 25 largest groups, then "other" with the five smallest."""
    await admin.slash(channel, "table create", name="votes", columns="choice:text, weight:int")
    rows = [{"choice": f"c{n:02d}", "weight": n} for n in range(1, 31) for _ in range(n)]
    await store.insert_many("votes", rows, admin.id)
    message = reply(await member.slash(channel, "record summary", table="votes", by="choice"))
    lines = _lines(message)
    start = lines.index("**By choice** (30 groups, the largest 25 shown)")
    groups = lines[start + 1 :]
    assert len(groups) == 26
    assert groups[0] == "c30 \u00b7 **30** (6%)" and groups[24] == "c06 \u00b7 **6** (1%)"
    assert groups[25] == "other (5 groups) \u00b7 **15** (3%)"  # 1 + 2 + 3 + 4 + 5


async def test_ten_thousand_distinct_values(admin, member, channel, store):
    """A `by` column with 10,000 distinct values answers with 25 groups and "other", within Discord's limits."""
    await admin.slash(channel, "table create", name="codes", columns="code:text unique")
    await store.insert_many("codes", [{"code": f"k{n:05d}"} for n in range(10_000)], admin.id)
    message = reply(await member.slash(channel, "record summary", table="codes", by="code", chart=True))
    lines = _lines(message)
    assert lines[0] == "**10,000** records"
    assert lines[2] == "**By code** (10,000 groups, the largest 25 shown)"
    assert lines[-1] == "other (9975 groups) \u00b7 **9975** (100%)"
    assert message.attachments[0].filename == "summary.png"


async def test_chart_is_a_png_of_the_groups(member, channel, tasks):
    """`chart:True` attaches a PNG of sane size that decodes, shown in the embed."""
    message = reply(await member.slash(channel, "record summary", table="tasks", by="status", chart=True))
    assert message.embeds[0].image.url == "attachment://summary.png"
    data = await message.attachments[0].read()
    assert data.startswith(b"\x89PNG") and 5_000 < len(data) < 200_000
    pixels = image.imread(io.BytesIO(data), format="png")
    height, width = pixels.shape[:2]
    assert width == 800 and 150 <= height <= 400


async def test_chart_of_nothing_sends_no_picture(member, channel, tasks):
    """A chart of zero records says there is nothing to chart, and attaches nothing."""
    message = reply(
        await member.slash(channel, "record summary", table="tasks", by="status", where="points > 100", chart=True)
    )
    assert message.content == "Nothing to chart: no record matches."
    assert message.attachments == [] and _lines(message)[0] == "**0** records matching `points > 100`"


@pytest.mark.parametrize(
    ("options", "error", "expected"),
    [
        (
            {"of": "title"},
            discobase.GrammarError,
            "`title` is a text column, and only numbers add up. Columns that can be summed: hours, points.",
        ),
        ({"by": "stauts"}, discobase.UnknownColumn, "Did you mean `status`?"),
        ({"by": "status:month"}, discobase.GrammarError, "only a date or datetime column has parts"),
        ({"by": "due:mnth"}, discobase.GrammarError, "Did you mean `due:month`?"),
        ({"chart": True}, Exception, "add `by:` with a column"),
        ({"view": "opne"}, discobase.UnknownView, "has no view `opne`."),
    ],
)
async def test_bad_summary_input_is_refused(simcord_env, member, channel, tasks, options, error, expected):
    """Bad `of`, `by`, a chart without groups or an unknown view: a private answer naming the input and the fix."""
    result = await member.slash(channel, "record summary", table="tasks", **options)
    assert expected in refusal(simcord_env, result, error)


async def test_library_summary_equals_the_command(simcord_env, guild, member, channel, tasks, store):
    """`Table.summary` returns the numbers the command shows, typed."""
    bot = simcord_env.bot
    db = discobase.Database.bind(bot, bot.get_guild(guild.id))

    @db.table
    class Tasks(discobase.Table):
        title: str
        hours: float | None = None

    await asyncio.wait_for(db.init(), 10)
    summary = await Tasks.summary(by="status", of="hours", where="points >= 1")
    assert summary.count == 10
    assert summary.numbers == (discobase.NumberStats("hours", 9, 32.5, 32.5 / 9, 0.5, 8.0),)
    assert [(g.key, g.count, g.totals) for g in summary.groups] == [
        ("done", 3, (16.0,)),
        ("open", 5, (9.0,)),
        ("doing", 2, (7.5,)),
    ]
    assert summary.dates == (discobase.DateRange("due", date(2026, 1, 5), date(2026, 3, 30)),)
    assert summary == discobase.summarize(
        store.schema("tasks"), await store.find("tasks"), discobase.GroupBy("status"), ("hours",)
    )
    shown = _lines(reply(await member.slash(channel, "record summary", table="tasks", by="status", of="hours")))
    assert shown[-3:] == [
        f"done {MID} **3** (30%) {MID} hours 16",
        f"open {MID} **5** (50%) {MID} hours 9",
        f"doing {MID} **2** (20%) {MID} hours 7.5",
    ]


async def test_autocomplete_offers_by_with_date_parts_and_number_columns_for_of(member, channel, tasks):
    """`by` offers columns, and a date column's parts once it is typed; `of` offers the number columns."""
    by = [c["value"] for c in await member.autocomplete(channel, "record summary", "by", "", table="tasks")]
    assert by == ["title", "status", "owner", "hours", "points", "due"]
    parts = [c["value"] for c in await member.autocomplete(channel, "record summary", "by", "due", table="tasks")]
    assert parts == ["due", "due:day", "due:week", "due:month", "due:year"]
    of = [c["value"] for c in await member.autocomplete(channel, "record summary", "of", "hours, ", table="tasks")]
    assert of == ["hours, hours", "hours, points"]


async def test_summary_after_a_restart(simcord_env, settings, member, channel, tasks):
    """The same numbers after a restart (they are read back from Discord)."""
    before = _lines(reply(await member.slash(channel, "record summary", table="tasks", by="due:month")))
    await simcord_env.bot.close()
    await simcord_env.restart_bot(create_bot(settings))
    after = _lines(reply(await member.slash(channel, "record summary", table="tasks", by="due:month")))
    assert after == before


def test_chart_reads_on_dark_and_light_themes():
    """The chart has its own opaque white card: no transparent pixel for a theme to show through."""
    from cogs.record._chart import render_chart

    png = render_chart("t", ["a" * 60, "b"], [3, 1], measure="records", grouped_by="x", muted=1)
    pixels = image.imread(io.BytesIO(png), format="png")
    assert pixels.shape[2] == 4 and pixels[:, :, 3].min() == 1.0
    assert tuple(pixels[0, 0, :3]) == (1.0, 1.0, 1.0)
