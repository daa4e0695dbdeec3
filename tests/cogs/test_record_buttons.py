"""Edit and Delete under a record's card, and the menu of /record find that opens a record of the page."""

from __future__ import annotations

import logging

import discord
import pytest

import cogs.audit.trail
import discobase
from bot import create_bot
from cogs.utils.errors import NotAllowed
from cogs.utils.views import CONFIRM_NOTE

from .helpers import field_values, refusal, reply
from .test_access import staff, staffer  # noqa: F401 (fixtures)
from .test_audit import lines, settled
from .test_record_find import many_books  # noqa: F401 (fixture)


@pytest.fixture
async def card(member, channel, books):
    """The public card of record 1 of `books` (inserted by `member`), as `member` got it."""
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert, year=1965")
    return reply(await member.slash(channel, "record get", table="books", id=1))


def labels(message) -> list[str]:
    """The labels of a message's buttons."""
    return [item.get("label", "") for row in message.components for item in row["components"]]


def private(result) -> str:
    """The text of a private answer (a button's refusal, which its callback answers itself)."""
    message = reply(result)
    assert message.ephemeral, message
    return message.content


def fields(shown) -> dict[str, str]:
    """A shown form's text fields and what each holds, by id."""
    inputs = [row["components"][0] for row in shown.modal["components"] if row["type"] == 1]
    return {field["custom_id"]: field.get("value", "") for field in inputs}


async def test_the_card_has_edit_and_delete_only_for_who_may_change_it(member, other_member, moderator, channel, card):
    """The creator and a moderator get the buttons; another member gets the card alone."""
    assert labels(card) == ["Edit", "Delete"]
    assert labels(reply(await moderator.slash(channel, "record get", table="books", id=1))) == ["Edit", "Delete"]
    assert labels(reply(await other_member.slash(channel, "record get", table="books", id=1))) == []


async def test_edit_opens_a_form_filled_with_the_record(member, card):
    """Edit opens a form titled after the record, every field holding its value as one would type it."""
    shown = await member.click(card, label="Edit")
    assert shown.modal["title"] == "Edit books #1"
    assert fields(shown) == {"title": "Dune", "author": "Herbert", "year": "1965", "read": "false"}


async def test_show_record_offers_the_buttons_to_who_may_change_it(member, other_member, channel, books):
    """The private card of Show record has Edit and Delete for the creator, not for others."""
    inserted = reply(await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert"))
    assert labels(reply(await member.click(inserted, label="Show record"))) == ["Edit", "Delete"]
    assert labels(reply(await other_member.click(inserted, label="Show record"))) == []


async def test_a_text_of_several_lines_is_edited_in_a_paragraph(member, channel, books):
    """A value with line breaks gets a field that keeps them."""
    await member.slash(channel, "record insert", table="books", values='title="Dune\nMessiah", author=Herbert')
    shown = await member.click(reply(await member.slash(channel, "record get", table="books", id=1)), label="Edit")
    title = shown.modal["components"][0]["components"][0]
    assert title["value"] == "Dune\nMessiah" and title["style"] == discord.TextStyle.paragraph.value


async def test_edit_updates_what_changed_and_audits_it(simcord_env, monkeypatch, admin, member, channel, card, store):
    """Submitting a changed field updates that column only: old -> new to the channel, and an audit line."""
    monkeypatch.setattr(cogs.audit.trail, "PACE", 0.1)
    log_channel = channel.guild.create_text_channel("audit-log")
    await admin.slash(channel, "table audit", channel=log_channel)
    shown = await member.click(card, label="Edit")
    await member.slash(channel, "record update", table="books", id=1, set="author=F. Herbert")  # meanwhile
    message = reply(await member.submit_modal(shown, {**fields(shown), "year": "1966"}))
    assert not message.ephemeral
    assert message.content == "Updated record **1** of `books`:\n`year`: 1965 \u2192 1966"
    assert labels(message) == ["Show record"]
    assert (await store.get("books", 1)).values == {
        "title": "Dune",
        "author": "F. Herbert",
        "year": 1966,
        "read": False,
    }
    await settled(simcord_env)
    assert lines(simcord_env, log_channel)[-1].endswith("`/record update` `books`: #1 year: 1965 \u2192 1966")


async def test_emptying_an_optional_field_empties_the_column(member, card, store):
    """A field cleared by the member empties its column."""
    shown = await member.click(card, label="Edit")
    message = reply(await member.submit_modal(shown, {**fields(shown), "year": ""}))
    assert message.content == "Updated record **1** of `books`:\n`year`: 1965 \u2192 \u2014"
    assert (await store.get("books", 1)).values["year"] is None


async def test_an_unchanged_form_changes_nothing(member, card, store):
    """Submitting the form as it came (or a value written another way) says so privately and writes nothing."""
    before = await store.get("books", 1)
    shown = await member.click(card, label="Edit")
    message = reply(await member.submit_modal(shown, {**fields(shown), "read": "no"}))
    assert message.ephemeral
    assert message.content == "Nothing changed: record **1** of `books` is as it was."
    assert (await store.get("books", 1)).message_id == before.message_id


async def test_bad_values_are_all_named_and_the_form_comes_back_as_typed(simcord_env, member, card, store):
    """Every problem at once, privately; Fix the form reopens it as typed; then it updates."""
    shown = await member.click(card, label="Edit")
    typed = {**fields(shown), "year": "soon", "read": "maybe"}
    message = reply(await member.submit_modal(shown, typed))
    assert message.ephemeral
    assert message.content.startswith("Nothing was changed: record **1** of `books` has 2 problems.")
    assert 'Column `year`: "soon"' in message.content and 'Column `read`: "maybe"' in message.content
    assert (await store.get("books", 1)).values["year"] == 1965
    again = await member.click(message, label="Fix the form")
    assert again.modal["title"] == "Edit books #1" and fields(again) == typed
    done = reply(await member.submit_modal(again, {**typed, "year": "1966", "read": "false"}))
    assert done.content == "Updated record **1** of `books`:\n`year`: 1965 \u2192 1966"
    assert simcord_env.errors == []


async def test_a_taken_unique_value_is_a_problem_of_the_form(member, channel, card, store):
    """A title another record has is named, and the form offered back."""
    await member.slash(channel, "record insert", table="books", values="title=Emma, author=Austen")
    shown = await member.click(card, label="Edit")
    message = reply(await member.submit_modal(shown, {**fields(shown), "title": "Emma"}))
    assert 'record 2 already has "Emma"' in message.content and labels(message) == ["Fix the form"]
    assert (await store.get("books", 1)).values["title"] == "Dune"


async def test_others_pressing_the_buttons_are_refused_privately(other_member, card, store):
    """On a public card, a member who may not change the record is told why, and nothing changes."""
    for label, verb in (("Edit", "change"), ("Delete", "delete")):
        result = await other_member.click(card, label=label)
        assert result.modal is None
        assert f"**Manage Messages** permission can {verb} it" in private(result)
    assert await store.count("books") == 1


async def test_rights_are_checked_again_when_the_form_is_submitted(simcord_env, admin, member, channel, card, store):
    """A form opened before the member lost write access updates nothing."""
    role = channel.guild.create_role("Writers")
    shown = await member.click(card, label="Edit")
    await admin.slash(channel, "table access", table="books", write=role)
    result = await member.submit_modal(shown, {**fields(shown), "year": "1966"})
    assert "role can change records of this table now" in refusal(simcord_env, result, NotAllowed)
    assert (await store.get("books", 1)).values["year"] == 1965


async def test_delete_asks_first_and_cancel_keeps_the_record(member, card, store):
    """Delete asks privately; Cancel leaves the record."""
    asked = reply(await member.click(card, label="Delete"))
    assert asked.ephemeral
    assert asked.content.startswith("Delete record **1** of `books`? It has: title: Dune")
    cancelled = reply(await member.click(asked, label="Cancel"))
    assert cancelled.content == "Cancelled: nothing was changed."
    assert await store.count("books") == 1


async def test_delete_confirmed_deletes_and_audits(simcord_env, monkeypatch, admin, moderator, channel, card, store):
    """A moderator confirms: the record is gone, the question says so, and the audit trail has it."""
    monkeypatch.setattr(cogs.audit.trail, "PACE", 0.1)
    log_channel = channel.guild.create_text_channel("audit-log")
    await admin.slash(channel, "table audit", channel=log_channel)
    asked = reply(await moderator.click(card, label="Delete"))
    done = reply(await moderator.click(asked, label="Delete record 1"))
    assert done.content.startswith("Deleted record **1** from `books`. It had: title: Dune")
    assert await store.count("books") == 0
    await settled(simcord_env)
    assert "`/record delete` `books`: #1 deleted; it had: title: Dune" in lines(simcord_env, log_channel)[-1]


async def test_the_buttons_work_after_a_restart(simcord_env, settings, member, channel, card):
    """Edit and Delete outlive a restart of the bot."""
    await simcord_env.bot.close()  # a clean stop: the write lease is released
    await simcord_env.restart_bot(create_bot(settings))
    shown = await member.click(card, label="Edit")
    updated = reply(await member.submit_modal(shown, {**fields(shown), "year": "1966"}))
    assert updated.content.endswith("`year`: 1965 \u2192 1966")
    asked = reply(await member.click(card, label="Delete"))
    reply(await member.click(asked, label="Delete record 1"))
    assert reply(await member.slash(channel, "record count", table="books")).content == "`books` has 0 records."


async def test_a_record_deleted_meanwhile_is_gone(simcord_env, member, channel, card):
    """Edit and Delete of a record deleted since say it is gone; so does a form opened before."""
    shown = await member.click(card, label="Edit")
    await member.slash(channel, "record delete", table="books", id=1)
    for label in ("Edit", "Delete"):
        assert "has no record with id 1" in private(await member.click(card, label=label))
    result = await member.submit_modal(shown, {**fields(shown), "year": "1966"})
    assert "has no record with id 1" in refusal(simcord_env, result, discobase.RecordNotFound)


async def test_a_choice_column_is_edited_in_its_menu(admin, member, channel, store):
    """The form's menu has the record's choice picked; picking another updates it."""
    await admin.slash(
        channel, "table create", name="tasks", columns="title:text, status:choice(open|done) default=open"
    )
    await member.slash(channel, "record insert", table="tasks", values="title=Fix, status=done")
    card = reply(await member.slash(channel, "record get", table="tasks", id=1))
    shown = await member.click(card, label="Edit")
    select = next(c for c in shown.modal["components"] if c["type"] == 18)["component"]
    assert [o.get("default", False) for o in select["options"]] == [False, True]
    message = reply(await member.submit_modal(shown, {"title": "Fix", "status": ["open"]}))
    assert message.content == "Updated record **1** of `tasks`:\n`status`: done \u2192 open"
    assert (await store.get("tasks", 1)).values["status"] == "open"


async def test_a_wide_table_is_edited_in_one_pairs_field(admin, member, channel, store):
    """More than 5 columns: one field of column=value lines, values as typed (text quoted); a line edited updates."""
    await admin.slash(
        channel, "table create", name="wide", columns="a:int, b:int, c:int, d:int, e:int, f:text optional"
    )
    await member.slash(channel, "record insert", table="wide", values='a=1, b=2, c=3, d=4, e=5, f="six, seven"')
    shown = await member.click(reply(await member.slash(channel, "record get", table="wide", id=1)), label="Edit")
    assert fields(shown) == {"values": 'a=1\nb=2\nc=3\nd=4\ne=5\nf="six, seven"'}
    message = reply(await member.submit_modal(shown, {"values": "a=1\nb=20\nc=3\nd=4\ne=5\nf="}))
    assert message.content == "Updated record **1** of `wide`:\n`b`: 2 \u2192 20\n`f`: six, seven \u2192 \u2014"
    assert (await store.get("wide", 1)).values == {"a": 1, "b": 20, "c": 3, "d": 4, "e": 5, "f": None}


async def test_find_menu_opens_a_record_of_the_page_shown(member, other_member, channel, many_books):  # noqa: F811
    """The menu lists the records of the page shown, follows Next, and opens the one picked, privately, for anyone."""
    found = reply(await member.slash(channel, "record find", table="books"))
    await member.click(found, label="Next")
    menu = next(item for row in found.components for item in row["components"] if item["type"] == 3)
    assert menu["placeholder"] == "Open a record\u2026"
    assert [o["value"] for o in menu["options"]] == [str(n) for n in range(11, 21)]
    assert (
        menu["options"][0]["label"] == "#11 \u00b7 title: Book 11 \u00b7 author: A \u00b7 year: 2010 \u00b7 read: false"
    )
    opened = reply(await member.select(found, ["15"]))
    assert opened.ephemeral and opened.embeds[0].title == "books #15"
    assert field_values(opened.embeds[0])["title"] == "Book 15"
    assert labels(opened) == ["Edit", "Delete"]
    other = reply(await other_member.select(found, ["12"]))  # another reader opens a record too (issue 25)
    assert other.ephemeral and other.embeds[0].title == "books #12" and labels(other) == []
    turned = reply(await other_member.click(found, label="Previous"))
    assert turned.ephemeral and turned.content.startswith(f"Only <@{member.id}> can use these buttons.")


@pytest.fixture
async def private_card(admin, channel, staff, books):  # noqa: F811 (fixture)
    """`books`, readable and writable by staff only, with record 1 by the admin; the admin's (private) card of it."""
    await admin.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert, year=1965")
    await admin.slash(channel, "table access", table="books", read=staff, write=staff)
    return reply(await admin.slash(channel, "record get", table="books", id=1))


async def test_a_private_table_keeps_every_answer_private(admin, staffer, channel, private_card, store):  # noqa: F811
    """The card, the form's answer and the delete are private; a staffer who did not create it gets no buttons."""
    assert private_card.ephemeral and labels(private_card) == ["Edit", "Delete"]
    shown = await admin.click(private_card, label="Edit")
    updated = reply(await admin.submit_modal(shown, {**fields(shown), "year": "1966"}))
    assert updated.ephemeral and updated.content.endswith("`year`: 1965 \u2192 1966")
    assert labels(reply(await staffer.slash(channel, "record get", table="books", id=1))) == []
    asked = reply(await admin.click(private_card, label="Delete"))
    assert asked.ephemeral
    done = reply(await admin.click(asked, label="Delete record 1"))
    assert done.ephemeral and done.content.startswith("Deleted record **1**")
    assert await store.count("books") == 0


async def test_who_may_no_longer_see_the_table_is_told_it_does_not_exist(
    simcord_env,
    admin,
    member,
    channel,
    card,
    staff,  # noqa: F811
):
    """Once the table is staff only, the creator's buttons answer as for a table that does not exist."""
    await admin.slash(channel, "table access", table="books", read=staff, write=staff)
    missing = refusal(
        simcord_env, await member.slash(channel, "record get", table="ghost", id=1), discobase.UnknownTable
    )
    for label in ("Edit", "Delete"):
        assert private(await member.click(card, label=label)) == missing.replace("ghost", "books")


def test_the_buttons_name_table_and_record_in_their_ids() -> None:
    """The custom ids carry all a press needs, so no state is kept between restarts."""
    from cogs.record._buttons import RecordButton

    assert RecordButton("edit", "books", 3).item.custom_id == "discobase:edit:books:3"
    assert RecordButton("delete", "books", 3).item.custom_id == "discobase:delete:books:3"


async def test_presses_and_the_form_log_a_line_each(member, other_member, card, caplog):
    """Edit, the Edit form, Delete and a refused press each log their line, with the table."""
    caplog.set_level(logging.INFO, logger="bot.commands")
    shown = await member.click(card, label="Edit")
    await member.submit_modal(shown, {**fields(shown), "year": "1966"})
    await member.click(card, label="Delete")
    await other_member.click(card, label="Edit")
    got = [
        r.getMessage() for r in caplog.records if r.name == "bot.commands" and not r.getMessage().startswith("command")
    ]
    assert [line.split(" guild=")[0] for line in got] == ["button", "form", "button", "button"]
    assert "item='Edit' table=books outcome=ok" in got[0]
    assert "item='Edit form' table=books outcome=ok" in got[1]
    assert "item='Delete' table=books outcome=ok" in got[2]
    assert "item='Edit' table=books outcome=error:NotAllowed" in got[3]


async def test_delete_on_a_public_card_retires_the_card_and_is_announced(moderator, member, channel, card, store):
    """Confirmed: the public card says who deleted the record and loses its buttons; the channel is told."""
    asked = reply(await moderator.click(card, label="Delete"))
    assert asked.ephemeral and asked.content.endswith(CONFIRM_NOTE)
    done = await moderator.click(asked, label="Delete record 1")
    assert done.response is not None and done.response.content == "Deleted record **1**."
    announced = reply(done)
    assert not announced.ephemeral
    assert announced.content.startswith("Deleted record **1** from `books`. It had: title: Dune")
    assert card.content == f"<@{moderator.id}> deleted this record." and labels(card) == []
    assert card.embeds[0].title == "books #1"  # what was deleted stays readable
    assert await store.count("books") == 0


async def test_delete_on_a_private_card_asks_in_place_of_the_card(member, channel, card, store):
    """Show record's private card turns into the question, and then into what was deleted, with no buttons left."""
    inserted = reply(await member.slash(channel, "record insert", table="books", values="title=Emma, author=Austen"))
    private_card = reply(await member.click(inserted, label="Show record"))
    asked = await member.click(private_card, label="Delete")
    assert asked.response is not None and asked.response.content.startswith("Delete record **2** of `books`?")
    assert private_card.content.startswith("Delete record **2**") and labels(private_card) == [
        "Delete record 2",
        "Cancel",
    ]
    reply(await member.click(private_card, label="Delete record 2"))
    assert private_card.content.startswith("Deleted record **2** from `books`. It had: title: Emma")
    assert labels(private_card) == [] and private_card.embeds == []
    assert [record.id for record in await store.find("books")] == [1]
