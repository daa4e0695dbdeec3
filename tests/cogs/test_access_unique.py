"""A unique value already taken: named by its record's id only to a member who may see that record."""

from __future__ import annotations

import re

import discord
import orjson
import pytest
import simcord

import discobase
from cogs.utils.errors import Refused

from .helpers import refusal, reply

HOLDER = 3
"""The id of the record holding "Dune" (the admin's third)."""


@pytest.fixture
def writers(guild: simcord.GuildHandle) -> simcord.RoleHandle:
    """The role that may write `signups`."""
    return guild.create_role("Writers")


@pytest.fixture
def readers(guild: simcord.GuildHandle) -> simcord.RoleHandle:
    """The role that may read `signups`."""
    return guild.create_role("Readers")


@pytest.fixture
def writer(simcord_env, guild, writers) -> simcord.MemberActor:
    """A member who may write `signups` but not read it."""
    return guild.add_member(simcord_env.create_user("wren"), roles=[writers])


@pytest.fixture
def reader(simcord_env, guild, writers, readers) -> simcord.MemberActor:
    """A member who may read and write `signups`."""
    return guild.add_member(simcord_env.create_user("rea"), roles=[writers, readers])


@pytest.fixture
async def signups(admin, channel, readers, writers) -> str:
    """`signups`: `title` unique, read by Readers, written by Writers; the admin's records 1 to 3, #3 is "Dune"."""
    await admin.slash(channel, "table create", name="signups", columns="title:text unique, why:text optional")
    for title in ("Emma", "Ulysses", "Dune"):
        await admin.slash(channel, "record insert", table="signups", values=f"title={title}")
    await admin.slash(channel, "table access", table="signups", read=readers, write=writers)
    return "signups"


def assert_hidden(text: str) -> None:
    """The refusal says the value is taken, and names no record."""
    assert "`title` must be unique, and another record already has" in text and "Dune" in text, text
    assert not re.search(r"record \**\d|#\d", text), text


async def test_a_writer_who_may_not_read_is_not_told_the_holder(simcord_env, writer, channel, signups, store):
    """/record insert of a taken value: refused, without the id of the record that has it."""
    result = await writer.slash(channel, "record insert", table="signups", values="title=Dune")
    assert_hidden(refusal(simcord_env, result, Refused))
    assert len(await store.find("signups")) == HOLDER


async def test_the_insert_form_hides_the_holder_too(writer, channel, signups):
    """The form's list of problems says the value is taken, not by which record."""
    shown = await writer.slash(channel, "record insert", table="signups")
    assert_hidden(reply(await writer.submit_modal(shown, {"title": "Dune", "why": ""})).content)


async def test_an_update_hides_the_holder(simcord_env, writer, channel, signups, store):
    """Changing one's own record to a taken value: refused without the holder's id; the record keeps its value."""
    await writer.slash(channel, "record insert", table="signups", values="title=Mine")
    result = await writer.slash(channel, "record update", table="signups", id=HOLDER + 1, set="title=Dune")
    assert_hidden(refusal(simcord_env, result, Refused))
    assert (await store.get("signups", HOLDER + 1)).values["title"] == "Mine"


async def test_an_import_hides_the_holder(simcord_env, guild, writers, channel, signups):
    """A moderator who may write but not read imports a taken title: the row's problem names no record."""
    mods = guild.create_role("Mods", permissions=discord.Permissions(manage_messages=True))
    importer = guild.add_member(simcord_env.create_user("ivy"), roles=[writers, mods])
    data = orjson.dumps([{"title": "New"}, {"title": "Dune"}])
    text = reply(await importer.slash(channel, "record import", table="signups", file=("s.json", data))).content
    assert "Nothing was imported" in text and "already in another record" in text, text
    assert f"record {HOLDER}" not in text


async def test_a_reader_is_told_the_holder(simcord_env, reader, channel, signups):
    """A member who may read the table gets the engine's words, with the record that has the value."""
    result = await reader.slash(channel, "record insert", table="signups", values="title=Dune")
    assert f"record {HOLDER}" in refusal(simcord_env, result, discobase.UniqueViolation)


async def test_a_writer_is_told_the_holder_when_it_is_their_own(simcord_env, writer, channel, signups):
    """A write-only member sees their own records, so a clash with one of them names it."""
    await writer.slash(channel, "record insert", table="signups", values="title=Mine")
    result = await writer.slash(channel, "record insert", table="signups", values="title=Mine")
    assert f"record {HOLDER + 1}" in refusal(simcord_env, result, discobase.UniqueViolation)
