"""`user` values given as a member's name: picked when exactly one member fits, and the reply says whom."""

from __future__ import annotations

import pytest

from cogs.utils.members import UnknownMember

from .helpers import refusal, reply


@pytest.fixture
async def loans(admin, channel) -> str:
    """A table whose `owner` is a member."""
    await admin.slash(channel, "table create", name="loans", columns="what:text, owner:user optional")
    return "loans"


@pytest.mark.parametrize("typed", ["bob", "@bob", "BOB", " @Bob "])
async def test_a_name_picks_the_member_and_says_so(member, admin, channel, loans, store, typed):
    """`owner=bob` or `owner=@bob` (any case) stores bob's id; the mention says who, with no note repeating it."""
    message = reply(await admin.slash(channel, "record insert", table="loans", values=f"what=Dune, owner={typed}"))
    assert message.content == f"Inserted record **1** into `loans`: what: Dune \u00b7 owner: <@{member.id}>"
    assert (await store.get("loans", 1)).values["owner"] == member.id


async def test_a_server_nickname_picks_the_member(simcord_env, guild, admin, channel, loans, store):
    """A member's nickname in this server works like their username; a name the mention does not show is noted."""
    nicked = guild.add_member(simcord_env.create_user("zoe_1987"), nick="Zoe")
    by_nick = reply(await admin.slash(channel, "record insert", table="loans", values="what=Dune, owner=zoe"))
    assert "(`owner`" not in by_nick.content
    assert (await store.get("loans", 1)).values["owner"] == nicked.id
    by_name = reply(await admin.slash(channel, "record insert", table="loans", values="what=Emma, owner=zoe_1987"))
    assert by_name.content.endswith(f"(`owner` zoe\\_1987 is <@{nicked.id}>)")


async def test_an_ambiguous_name_lists_the_members_it_fits(simcord_env, guild, admin, channel, loans, store):
    """Two members called sam (a username and a nickname): nothing is stored, both are listed."""
    first = guild.add_member(simcord_env.create_user("sam"))
    second = guild.add_member(simcord_env.create_user("samuel"), nick="Sam")
    result = await admin.slash(channel, "record insert", table="loans", values="what=Dune, owner=sam")
    text = refusal(simcord_env, result, UnknownMember)
    assert text.startswith('Column `owner`: "sam" fits 2 members:')
    assert f"<@{first.id}> (sam)" in text and f"<@{second.id}> (samuel)" in text
    assert "Mention the one you mean" in text
    assert await store.count("loans") == 0


async def test_an_unknown_name_is_refused_with_near_names(simcord_env, admin, channel, loans, store):
    """A name no member has is refused; members whose names start so are offered."""
    result = await admin.slash(channel, "record insert", table="loans", values="what=Dune, owner=ad")
    text = refusal(simcord_env, result, UnknownMember)
    assert text.startswith('Column `owner`: "ad" is no member of this server. Names that start so: ')
    assert f"<@{admin.id}> (ada)" in text
    result = await admin.slash(channel, "record insert", table="loans", values="what=Dune, owner=nobody")
    assert "is no member of this server. Give a member's name" in refusal(simcord_env, result, UnknownMember)
    assert await store.count("loans") == 0


async def test_update_and_the_form_take_names_too(member, admin, channel, loans, store):
    """`/record update set:owner=ada` and the insert form resolve names the same way."""
    await admin.slash(channel, "record insert", table="loans", values=f"what=Dune, owner={member.id}")
    updated = reply(await admin.slash(channel, "record update", table="loans", id=1, set="owner=ada"))
    assert updated.content.startswith("Updated record **1** of `loans`:")
    assert (await store.get("loans", 1)).values["owner"] == admin.id
    shown = await member.slash(channel, "record insert", table="loans")
    submitted = reply(await member.submit_modal(shown, {"what": "Emma", "owner": "@bob"}))
    assert submitted.content.endswith(f"owner: <@{member.id}>")
    assert (await store.get("loans", 2)).values["owner"] == member.id
