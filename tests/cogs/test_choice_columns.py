"""Choice columns: `status:choice(open|closed|done)` in specs, values, where, the form, autocomplete and describe."""

from __future__ import annotations

import discobase

from .helpers import refusal, reply

TASKS = "title:text, status:choice(open|in progress|done) default=open"


async def _tasks(admin, channel) -> None:
    result = await admin.slash(channel, "table create", name="tasks", columns=TASKS)
    assert "Created table" in reply(result).content


async def test_describe_lists_the_choices(admin, member, channel):
    """Describe shows a choice column with its choices and default."""
    await _tasks(admin, channel)
    embed = reply(await member.slash(channel, "record describe", table="tasks")).embeds[0]
    assert "`status` choice(open\\|in progress\\|done), default open" in (embed.description or "")


async def test_a_value_outside_the_choices_is_refused_with_the_closest(simcord_env, admin, member, channel, store):
    """A value that is not a choice is refused, listing the choices and suggesting the closest; nothing is written."""
    await _tasks(admin, channel)
    result = await member.slash(channel, "record insert", table="tasks", values="title=Fix, status=opne")
    text = refusal(simcord_env, result, discobase.BadValue)
    assert text == 'Column `status`: "opne" is not one of the choices: open, in progress, done. Did you mean `open`?'
    assert await store.count("tasks") == 0


async def test_a_choice_matches_ignoring_case_and_is_stored_as_listed(admin, member, channel, store):
    """`DONE` is taken as `done`; where finds it."""
    await _tasks(admin, channel)
    await member.slash(channel, "record insert", table="tasks", values="title=Fix, status=DONE")
    assert (await store.get("tasks", 1)).values["status"] == "done"
    counted = reply(await member.slash(channel, "record count", table="tasks", where="status = done"))
    assert "1 record" in counted.content


async def test_the_form_offers_the_choices_in_a_select(admin, member, channel, store):
    """The insert form has a select menu of the choices, the default picked; submitting it inserts."""
    await _tasks(admin, channel)
    shown = await member.slash(channel, "record insert", table="tasks")
    labels = [c for c in shown.modal["components"] if c["type"] == 18]
    select = labels[0]["component"]
    assert labels[0]["label"] == "status (choice)"
    assert [o["value"] for o in select["options"]] == ["open", "in progress", "done"]
    assert [o.get("default", False) for o in select["options"]] == [True, False, False]
    submitted = await member.submit_modal(shown, {"title": "Fix", "status": ["in progress"]})
    assert reply(submitted).content.startswith("Inserted record **1** into `tasks`:")
    assert (await store.get("tasks", 1)).values["status"] == "in progress"


async def test_values_autocomplete_offers_the_choices(admin, member, channel):
    """After `status=`, the choices are offered, ranked against what was typed."""
    await _tasks(admin, channel)
    choices = await member.autocomplete(channel, "record insert", "values", "title=Fix, status=", table="tasks")
    assert [c["value"] for c in choices] == [
        "title=Fix, status=open",
        "title=Fix, status=in progress",
        "title=Fix, status=done",
    ]
    choices = await member.autocomplete(channel, "record insert", "values", "status=do", table="tasks")
    assert [c["value"] for c in choices] == ["status=done"]


async def test_where_autocomplete_offers_the_choices(admin, member, channel):
    """In a where, `status = ` is completed with the choices."""
    await _tasks(admin, channel)
    choices = await member.autocomplete(channel, "record find", "where", "title ~ fix and status = in", table="tasks")
    assert [c["value"] for c in choices] == ["title ~ fix and status = in progress"]


async def test_add_column_takes_a_choice_spec(admin, channel, store):
    """`/table add-column` takes a choice column like `/table create`."""
    await _tasks(admin, channel)
    result = await admin.slash(channel, "table add-column", table="tasks", column="size:choice(s|m|l) optional")
    assert "Added column `size`" in reply(result).content
    assert store.schema("tasks").column("size").choices == ("s", "m", "l")


async def test_a_choice_spec_without_choices_is_explained(simcord_env, admin, channel):
    """`status:choice` without its list says how to write one."""
    result = await admin.slash(channel, "table create", name="tasks", columns="status:choice")
    assert "`status:choice(open|closed)`" in refusal(simcord_env, result, discobase.GrammarError)


async def test_fix_the_form_keeps_the_choice_picked(admin, member, channel, store):
    """A form that fails comes back with the choice that was picked still picked."""
    await admin.slash(channel, "table create", name="tasks", columns="title:text unique, status:choice(open|done)")
    await member.slash(channel, "record insert", table="tasks", values="title=Fix, status=open")
    shown = await member.slash(channel, "record insert", table="tasks")
    failed = reply(await member.submit_modal(shown, {"title": "Fix", "status": ["done"]}))
    assert 'record 1 already has "Fix"' in failed.content
    again = await member.click(failed, label="Fix the form")
    select = next(c for c in again.modal["components"] if c["type"] == 18)["component"]
    assert [o.get("default", False) for o in select["options"]] == [False, True]
    assert await store.count("tasks") == 1


async def test_a_default_runs_to_the_next_comma(admin, member, channel, store):
    """`default=to read` is the choice "to read", as a value runs to the next comma; flags after it still count."""
    columns = "title:text, state:choice(to read|reading|done) default=to read optional, pages:int default=0 optional"
    created = reply(await admin.slash(channel, "table create", name="shelf", columns=columns))
    assert created.content.startswith("Created table `shelf`")
    state, pages = store.schema("shelf").column("state"), store.schema("shelf").column("pages")
    assert (state.default_value, state.optional, pages.default_value, pages.optional) == ("to read", True, 0, True)
    await member.slash(channel, "record insert", table="shelf", values="title=Dune")
    assert (await store.get("shelf", 1)).values["state"] == "to read"
