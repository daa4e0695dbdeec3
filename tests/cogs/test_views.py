"""/table view, and view: and columns: on find, count, export and summary: saved, used, renamed, broken, private."""

from __future__ import annotations

import discobase
from bot import create_bot

from .conftest import MID
from .helpers import field_values, refusal, reply

OPEN_VIEW = {"where": "status != done", "sort": "-hours", "columns": "title, hours"}


async def _save_open(admin, channel) -> str:
    result = reply(await admin.slash(channel, "table view", table="tasks", name="open", **OPEN_VIEW))
    return result.content


def _ids(message) -> list[str]:
    return [field.name for field in message.embeds[0].fields]


async def test_saving_a_view_costs_one_catalog_edit(simcord_env, admin, channel, tasks):
    """Saving a view answers with it and how to use it, in one request (the catalog entry's edit)."""
    start = len(simcord_env.http_requests)
    text = await _save_open(admin, channel)
    assert text == (
        "Saved the view `open` of `tasks`: where `status != done` \u00b7 sort `-hours` \u00b7 columns `title, hours`. "
        "Use it with `/record find table:tasks view:open` (also `count`, `export` and `summary`)."
    )
    stored = [(r.method, r.path) for r in simcord_env.http_requests[start:] if r.path.startswith("/channels/")]
    assert len(stored) == 1 and stored[0][0] == "PATCH"  # the catalog entry's edit


async def test_find_over_a_view_shows_its_records_sort_and_columns(admin, member, channel, tasks):
    """A find over the view: its where, its sort and only its columns (id first)."""
    await _save_open(admin, channel)
    message = reply(await member.slash(channel, "record find", table="tasks", view="open"))
    assert _ids(message) == ["#7", "#2", "#1", "#8", "#3", "#9", "#6"]
    assert message.embeds[0].fields[0].value == "title: t7 \u00b7 hours: 6.0"
    assert message.embeds[0].description == "where `status != done`"


async def test_explicit_options_narrow_and_replace_the_view(admin, member, channel, tasks):
    """An explicit where narrows the view's; an explicit sort or columns replaces the view's."""
    await _save_open(admin, channel)
    message = reply(
        await member.slash(
            channel, "record find", table="tasks", view="open", where="points >= 2", sort="title", columns="points"
        )
    )
    assert _ids(message) == ["#1", "#2", "#3", "#7", "#8"]
    assert message.embeds[0].fields[0].value == "points: 3"
    assert message.embeds[0].description == "where `status != done and points >= 2`"
    counted = reply(await member.slash(channel, "record count", table="tasks", view="open", where="points >= 2"))
    assert counted.content == "`tasks` has 5 records matching `status != done and points >= 2`."


async def test_columns_without_a_view_and_export_over_a_view(admin, member, channel, tasks):
    """`columns:` shows only those columns; an export over a view has its records and columns, id first."""
    found = reply(await member.slash(channel, "record find", table="tasks", where="id = 4", columns="due, title"))
    assert found.embeds[0].fields[0].value == "due: 2026\u201102\u201102 \u00b7 title: t4"
    await _save_open(admin, channel)
    exported = reply(await member.slash(channel, "record export", table="tasks", format="csv", view="open"))
    data = (await exported.attachments[0].read()).decode("utf-8-sig")
    assert data.splitlines()[:3] == ["id,title,hours", "7,t7,6.0", "2,t2,4.0"]
    assert exported.content.startswith("`tasks`: 7 records matching `status != done` as CSV")


async def test_summary_over_a_view(admin, member, channel, tasks):
    """A summary over a view counts the view's records."""
    await _save_open(admin, channel)
    message = reply(await member.slash(channel, "record summary", table="tasks", view="open", by="status"))
    lines = message.embeds[0].description.split("\n")
    assert lines[0] == "**7** records matching `status != done`"
    assert lines[-2:] == [f"open {MID} **5** (71%)", f"doing {MID} **2** (29%)"]


async def test_show_change_list_and_delete_a_view(admin, channel, tasks):
    """Without options the view is shown; saving again replaces it; describe lists it; delete removes it."""
    await _save_open(admin, channel)
    shown = reply(await admin.slash(channel, "table view", table="tasks", name="open"))
    assert shown.content.startswith("View `open` of `tasks`: where `status != done` \u00b7 sort `-hours`")
    changed = reply(await admin.slash(channel, "table view", table="tasks", name="open", where="status = open"))
    assert changed.content.startswith("Changed the view `open` of `tasks`: where `status = open`. Use it")
    described = reply(await admin.slash(channel, "table describe", table="tasks"))
    assert field_values(described.embeds[0])["Views"] == "`open` `status = open`"
    deleted = reply(await admin.slash(channel, "table view", table="tasks", name="open", delete=True))
    assert deleted.content == "Deleted the view `open` of `tasks`."
    described = reply(await admin.slash(channel, "table describe", table="tasks"))
    assert "Views" not in field_values(described.embeds[0])


async def test_views_survive_a_restart(simcord_env, settings, admin, member, channel, tasks):
    """Views live in the catalog: after a restart the same find over the view."""
    await _save_open(admin, channel)
    before = _ids(reply(await member.slash(channel, "record find", table="tasks", view="open")))
    await simcord_env.bot.close()
    await simcord_env.restart_bot(create_bot(settings))
    assert _ids(reply(await member.slash(channel, "record find", table="tasks", view="open"))) == before


async def test_views_follow_column_and_table_renames(admin, member, channel, tasks, store):
    """A column renamed under a view is renamed in it; a renamed table keeps its views."""
    await _save_open(admin, channel)
    await admin.slash(channel, "table rename-column", table="tasks", column="hours", name="time")
    await admin.slash(channel, "table rename-column", table="tasks", column="status", name="state")
    assert store.schema("tasks").view("open") == discobase.View(
        name="open", where="state != done", sort="-time", columns=("title", "time")
    )
    await admin.slash(channel, "table rename", table="tasks", name="jobs")
    message = reply(await member.slash(channel, "record find", table="jobs", view="open"))
    assert _ids(message)[:2] == ["#7", "#2"] and message.embeds[0].fields[0].value == "title: t7 \u00b7 time: 6.0"


async def test_a_view_broken_by_a_drop_is_reported_with_the_fix(simcord_env, admin, member, channel, tasks):
    """After its column is dropped, using the view names the problem and how to fix it; never a crash."""
    await _save_open(admin, channel)
    asked = reply(await admin.slash(channel, "table drop-column", table="tasks", column="hours"))
    assert "The views `open` use it: save them again afterwards." in asked.content
    await admin.click(asked, label="Drop hours")
    result = await member.slash(channel, "record find", table="tasks", view="open")
    text = refusal(simcord_env, result, discobase.BrokenView)
    assert text.startswith("The view `open` of `tasks` no longer fits the table: Table `tasks` has no column `hours`.")
    assert "Save it again with `/table view table:tasks name:open where:\u2026" in text
    assert "`/table view table:tasks name:open delete:True`" in text
    shown = reply(await admin.slash(channel, "table view", table="tasks", name="open"))
    assert shown.ephemeral and "no longer fits the table" in shown.content


async def test_bad_views_are_refused_with_the_closest_name(simcord_env, admin, member, channel, tasks, store):
    """An unknown view or column names the closest one; a where that does not read is never saved."""
    await _save_open(admin, channel)
    result = await member.slash(channel, "record find", table="tasks", view="opne")
    assert "Table `tasks` has no view `opne`. Did you mean `open`? Its views: open." in refusal(
        simcord_env, result, discobase.UnknownView
    )
    result = await member.slash(channel, "record find", table="tasks", columns="titel")
    assert "Did you mean `title`?" in refusal(simcord_env, result, discobase.UnknownColumn)
    result = await admin.slash(channel, "table view", table="tasks", name="late", where="due >> soon")
    assert "is not a date" in refusal(simcord_env, result, discobase.BadValue)
    result = await admin.slash(channel, "table view", table="tasks", name="Late Ones", where="points > 1")
    assert "not a valid view name" in refusal(simcord_env, result, discobase.SchemaError)
    assert store.schema("tasks").view_names == ["open"]  # nothing else was saved


async def test_a_member_only_sees_views_of_tables_they_may_read(simcord_env, admin, member, channel, tasks, guild):
    """A private table's views do not exist for a member who may not read it: no autocomplete, no answer."""
    await _save_open(admin, channel)
    assert [c["value"] for c in await member.autocomplete(channel, "record find", "view", "", table="tasks")] == [
        "open"
    ]
    staff = guild.create_role("Staff")
    await admin.slash(channel, "table access", table="tasks", read=staff, write=staff)
    assert await member.autocomplete(channel, "record find", "view", "", table="tasks") == []
    result = await member.slash(channel, "record find", table="tasks", view="open")
    assert refusal(simcord_env, result, discobase.UnknownTable).startswith("There is no table `tasks`.")
    result = await member.slash(channel, "record summary", table="tasks", view="opne")
    assert "view" not in refusal(simcord_env, result, discobase.UnknownTable)


async def test_library_find_over_a_view(simcord_env, guild, admin, channel, tasks):
    """`Table.find(view=...)` and `count(view=...)` read the view as the commands do."""
    import asyncio

    await _save_open(admin, channel)
    bot = simcord_env.bot
    db = discobase.Database.bind(bot, bot.get_guild(guild.id))

    @db.table
    class Tasks(discobase.Table):
        title: str

    await asyncio.wait_for(db.init(), 10)
    assert [task.title for task in await Tasks.find(view="open")] == ["t7", "t2", "t1", "t8", "t3", "t9", "t6"]
    assert [task.id for task in await Tasks.find(view="open", where="points > 2", sort="id")] == [1, 2, 7]
    assert await Tasks.count(view="open") == 7


async def test_columns_autocomplete_the_name_being_typed(member, channel, tasks):
    """`columns:` completes the last name typed, keeping those before it."""
    choices = await member.autocomplete(channel, "record find", "columns", "title, ho", table="tasks")
    assert [choice["value"] for choice in choices] == ["title, hours"]
