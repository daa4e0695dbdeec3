"""Edit of a record too long for a form: Discord refuses a text input pre-filled with more than 4,000 characters.

The strict Discord (tests/strict_discord.py) fails any of these tests whose
form would be refused; these check what the member is told instead.
"""

from __future__ import annotations

from .helpers import reply
from .test_record_buttons import fields

COMMAND = "`/record update table:notes id:1 set:{}=…`"


def note(shown) -> str:
    """The text shown above a form's fields."""
    return "\n".join(row["content"] for row in shown.modal["components"] if row["type"] == 10)


async def card_of(member, channel, values: str):
    """Record 1 of `notes`, inserted with ``values``, as its card."""
    inserted = reply(await member.slash(channel, "record insert", table="notes", values=values))
    assert "Inserted" in inserted.content, inserted.content
    return reply(await member.slash(channel, "record get", table="notes", id=1))


async def test_edit_leaves_out_a_value_of_4500_characters_and_names_the_command(admin, member, channel, store):
    """A 4,500-character value has no field, the form says so with the command; the other fields still edit."""
    await admin.slash(channel, "table create", name="notes", columns="title:text, body:text")
    body = "b" * 4500
    card = await card_of(member, channel, f"title=Dune, body={body}")
    shown = await member.click(card, label="Edit")
    assert fields(shown) == {"title": "Dune"}
    assert "`body` (4,500 characters) is not in this form" in note(shown)
    assert COMMAND.format("body") in note(shown)
    done = reply(await member.submit_modal(shown, {"title": "Dune II"}))
    assert "Updated record **1**" in done.content and "body" not in done.content
    record = await store.get("notes", 1)
    assert record.values == {"title": "Dune II", "body": body}


async def test_a_value_of_4000_characters_is_still_in_the_form(admin, member, channel):
    """Exactly 4,000 characters fit a text input: the field is there, filled, and no note."""
    await admin.slash(channel, "table create", name="notes", columns="title:text, body:text")
    card = await card_of(member, channel, f"title=Dune, body={'b' * 4000}")
    shown = await member.click(card, label="Edit")
    assert fields(shown) == {"title": "Dune", "body": "b" * 4000}
    assert note(shown) == ""


async def test_edit_of_a_record_with_nothing_short_enough_answers_privately(admin, member, channel):
    """When no column fits a form, Edit answers privately naming the column and the command; no form."""
    await admin.slash(channel, "table create", name="notes", columns="body:text")
    card = await card_of(member, channel, f"body={'b' * 4500}")
    result = await member.click(card, label="Edit")
    assert result.modal is None
    message = reply(result)
    assert message.ephemeral
    assert "Record **1** of `notes` cannot be edited in a form: `body` (4,500 characters)" in message.content
    assert COMMAND.format("body") in message.content


async def test_edit_of_six_long_columns_fills_what_fits_and_names_the_rest(admin, member, channel, store):
    """Six columns of 900 characters pass 4,000 as lines: the longest are left out, named with the command."""
    names = ["a", "b", "c", "d", "e", "f"]
    await admin.slash(channel, "table create", name="notes", columns=", ".join(f"{n}:text" for n in names))
    values = {name: name * (900 + index) for index, name in enumerate(names)}
    card = await card_of(member, channel, ", ".join(f"{name}={value}" for name, value in values.items()))
    shown = await member.click(card, label="Edit")
    (lines,) = fields(shown).values()
    assert len(lines) <= 4000
    assert lines == "\n".join(f'{name}="{values[name]}"' for name in "abcd")  # texts are quoted
    assert "`f` (905 characters), `e` (904 characters) are not in this form" in note(shown)
    assert COMMAND.format("f") in note(shown)
    changed = lines.replace(f'a="{values["a"]}"', "a=short")
    done = reply(await member.submit_modal(shown, {"values": changed}))
    assert "Updated record **1**" in done.content
    assert (await store.get("notes", 1)).values == {**values, "a": "short"}


async def test_fix_the_form_keeps_the_long_value_out(admin, member, channel, store):
    """A form that fails comes back through Fix the form still without the long field, still saying so."""
    await admin.slash(channel, "table create", name="notes", columns="title:text, year:int, body:text")
    body = "b" * 4500
    card = await card_of(member, channel, f"title=Dune, year=1965, body={body}")
    shown = await member.click(card, label="Edit")
    failed = reply(await member.submit_modal(shown, {"title": "Dune", "year": "soon"}))
    again = await member.click(failed, label="Fix the form")
    assert fields(again) == {"title": "Dune", "year": "soon"}
    assert "`body` (4,500 characters) is not in this form" in note(again)
    reply(await member.submit_modal(again, {"title": "Dune", "year": "1966"}))
    assert (await store.get("notes", 1)).values == {"title": "Dune", "year": 1966, "body": body}
