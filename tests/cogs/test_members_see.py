"""Issue 25, what members see: the tables they may use, and only the commands they may use."""

from __future__ import annotations

import discobase
from cogs.utils.errors import NotAllowed

from .helpers import field_values, refusal, reply


async def test_a_server_allowing_table_to_a_member_still_needs_manage_server(
    simcord_env, guild, member, channel, store
):
    """A server's own command settings may show `/table` to a member; running it is still refused, nothing made."""
    table = next(c for c in simcord_env.backend.commands[None].values() if c["name"] == "table")
    guild.set_command_permissions(int(table["id"]), {member: True})
    assert "table create" in member.available_commands(channel)
    result = await member.slash(channel, "table create", name="mine", columns="a:text")
    assert "**Manage Server**" in refusal(simcord_env, result, NotAllowed)
    await store.open()
    assert store.table_names() == []


async def test_a_member_who_may_use_no_table_is_told_privately(simcord_env, admin, member, channel, guild, books):
    """A server whose only table is staff only never tells the channel it has no tables."""
    staff = guild.create_role("Staff")
    await admin.slash(channel, "table access", table="books", read=staff, write=staff)
    listed = reply(await member.slash(channel, "record tables"))
    assert listed.ephemeral and "no tables yet" not in listed.content
    assert listed.content.startswith("No table here is open to you yet.")
    assert not simcord_env.errors


async def test_a_write_only_member_describes_the_table_with_their_own_count(
    admin, member, other_member, channel, guild, books
):
    """`/record describe` of a table one may only add to: its columns, one's own count, and what one may do."""
    staff = guild.create_role("Staff")
    await admin.slash(channel, "table access", table="books", read=staff)
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert")
    await other_member.slash(channel, "record insert", table="books", values="title=Emma, author=Austen")
    described = reply(await member.slash(channel, "record describe", table="books"))
    assert described.ephemeral and "`title` text, unique" in (described.embeds[0].description or "")
    fields = field_values(described.embeds[0])
    assert fields["Records"] == "1 record of yours"
    assert fields["You may"] == "write only: you see your own records"
    got = reply(await member.slash(channel, "record get", table="books", id=1))
    assert got.embeds[0].title == "books #1"


async def test_an_unknown_table_points_members_to_record_tables(simcord_env, member, channel, books):
    """The hint for a misspelt table names the list a member can run."""
    result = await member.slash(channel, "record find", table="bok")
    text = refusal(simcord_env, result, discobase.UnknownTable)
    assert "Did you mean `books`?" in text and "`/record tables` lists the tables you may use." in text
