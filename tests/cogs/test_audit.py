"""/table audit: a line for every change, packed, never pinging, kept across restarts."""

from __future__ import annotations

import asyncio

import discord
import orjson
import pytest
import simcord

import cogs.audit.trail
import discobase
from bot import create_bot
from cogs.utils.errors import Refused
from tests.reliability.helpers import burst

from .helpers import not_offered, refusal, reply


@pytest.fixture(autouse=True)
def quick_pace(monkeypatch: pytest.MonkeyPatch) -> None:
    """Posts are paced a tenth of a second apart instead of two (SimCord runs sleeps in real time)."""
    monkeypatch.setattr(cogs.audit.trail, "PACE", 0.1)


@pytest.fixture
def log_channel(guild: simcord.GuildHandle) -> simcord.ChannelHandle:
    """The staff channel the audit lines go to."""
    return guild.create_text_channel("audit-log")


@pytest.fixture
async def audited(simcord_env, admin, channel, log_channel, books) -> simcord.ChannelHandle:
    """`books`, with the audit trail on in #audit-log."""
    started = reply(await admin.slash(channel, "table audit", channel=log_channel))
    assert started.ephemeral and f"<#{log_channel.id}>" in started.content
    await settled(simcord_env)
    return log_channel


async def settled(env: simcord.Env) -> None:
    """Let the audit posts that are waiting go out."""
    for _ in range(3):
        await asyncio.sleep(cogs.audit.trail.PACE * 2)
        await env.settle()


def lines(env: simcord.Env, log_channel: simcord.ChannelHandle) -> list[str]:
    """Every audit line posted, oldest first; each post is checked to ping nobody (mentions render as names)."""
    posts = log_channel.history()
    for post in posts:
        stored = env.backend.get_message(log_channel.id, post.id)
        assert not stored.ping_user_ids and not stored.ping_role_ids and not stored.mention_everyone, post.content
    return [line for post in posts for line in post.content.splitlines()]


async def test_every_kind_of_change_gets_a_line(simcord_env, admin, member, moderator, channel, audited, staff_role):
    """Who, which command, which table and what: inserts, updates (old -> new), deletes, imports, tables, rules."""
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert")
    await member.slash(channel, "record update", table="books", id=1, set="year=1965")
    await member.slash(channel, "record delete", table="books", id=1)
    data = orjson.dumps([{"title": "Emma", "author": "Austen"}, {"title": "Ulysses", "author": "Joyce"}])
    await moderator.slash(channel, "record import", table="books", file=("b.json", data))
    await admin.slash(channel, "table add-column", table="books", column="pages:int optional")
    await admin.slash(channel, "table access", table="books", read=staff_role)
    await admin.slash(channel, "table create", name="films", columns="name:text")
    prompt = reply(await admin.slash(channel, "table drop", table="films"))
    await admin.click(prompt, label="Drop films")
    await settled(simcord_env)
    got = lines(simcord_env, audited)
    expected = [
        ("audit trail started here", admin),
        ("`/record insert` `books`: #1 inserted: title: Dune", member),
        ("`/record update` `books`: #1 year: \u2014 \u2192 1965", member),
        ("`/record delete` `books`: #1 deleted; it had: title: Dune", member),
        ("`/record import` `books`: imported 2 records (#2 to #3)", moderator),
        ("`/table add-column` `books`: added column `pages`", admin),
        (
            f"`/table access` `books`: access read: everyone \u00b7 write: everyone \u2192 read: <@&{staff_role.id}>",
            admin,
        ),
        ("`/table create` `films`: created with 1 column", admin),
        ("`/table drop` `films`: dropped with its 0 records", admin),
    ]
    assert len(got) == len(expected), got
    for line, (part, who) in zip(got, expected, strict=True):
        assert line.startswith("<t:") and f"<@{who.id}>" in line and part in line, line


@pytest.fixture
def staff_role(guild: simcord.GuildHandle) -> simcord.RoleHandle:
    return guild.create_role("Staff")


async def test_a_burst_of_writes_is_packed_into_few_posts(simcord_env, guild, channel, audited):
    """Thirty members inserting at once: thirty lines in a handful of posts, not thirty."""
    crowd = [guild.add_member(simcord_env.create_user(f"m{n:02}")) for n in range(30)]
    before = len(audited.history())
    await burst(
        simcord_env,
        [
            (m, channel, "record insert", {"table": "books", "values": f"title=T{n}, author=A"})
            for n, m in enumerate(crowd)
        ],
    )
    await settled(simcord_env)
    posts = len(audited.history()) - before
    assert sum("inserted" in line for line in lines(simcord_env, audited)) == 30
    assert posts <= 4, posts


async def test_the_setting_survives_a_restart_and_off_stops_it(simcord_env, settings, admin, member, channel, audited):
    """After a restart the trail goes on; `off:True` posts a last line and stops it."""
    await simcord_env.bot.close()
    await simcord_env.restart_bot(create_bot(settings))
    shown = reply(await admin.slash(channel, "table audit"))
    assert f"posted in <#{audited.id}>" in shown.content
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert")
    stopped = reply(await admin.slash(channel, "table audit", off=True))
    assert stopped.ephemeral and "no longer posted" in stopped.content
    await member.slash(channel, "record insert", table="books", values="title=Emma, author=Austen")
    await settled(simcord_env)
    got = lines(simcord_env, audited)
    assert "#1 inserted" in got[-2] and "audit trail stopped" in got[-1]
    assert not any("Emma" in line for line in got)


async def test_a_write_gives_no_line_without_an_audit_channel(simcord_env, guild, member, channel, books):
    """By default nothing is posted anywhere but the answer."""
    before = {c.name: len(c.history()) for c in guild.channels.values() if isinstance(c, simcord.ChannelHandle)}
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert")
    await settled(simcord_env)
    assert len(channel.history()) == before["general"] + 1  # the confirmation only


async def test_only_manage_server_sets_it_and_bad_channels_are_refused(
    simcord_env, guild, admin, member, channel, log_channel, books, store
):
    """A member is not offered it; a storage channel, or one the bot cannot post in, is refused with the fix."""
    await not_offered(member, channel, "table audit", channel=log_channel)
    owner = guild.add_member(
        simcord_env.create_user("owner"),
        roles=[guild.create_role("Owner", permissions=discord.Permissions(administrator=True))],
    )  # only an administrator sees the storage channels, to pick one
    storage = guild.channels["db-catalog"]
    text = refusal(simcord_env, await owner.slash(channel, "table audit", channel=storage), Refused)
    assert "outside the storage category" in text
    bot_user = simcord_env.bot.user
    assert bot_user is not None
    muted = guild.create_text_channel("muted", overwrites={bot_user: discord.PermissionOverwrite(send_messages=False)})
    text = refusal(simcord_env, await admin.slash(channel, "table audit", channel=muted), Refused)
    assert "Send Messages" in text
    assert store.settings() == discobase.Settings()


async def test_schema_changes_get_a_line(simcord_env, admin, channel, audited):
    """Renames, descriptions, column renames, drops and alterations are audited too."""
    await admin.slash(channel, "table add-column", table="books", column="pages:int optional")
    await admin.slash(channel, "table rename-column", table="books", column="pages", name="leaves")
    await admin.slash(channel, "table alter-column", table="books", column="leaves", unique=True)
    await admin.slash(channel, "table edit", table="books", description="Our shelf")
    prompt = reply(await admin.slash(channel, "table drop-column", table="books", column="leaves"))
    await admin.click(prompt, label="Drop leaves")
    await admin.slash(channel, "table rename", table="books", name="novels")
    await settled(simcord_env)
    got = lines(simcord_env, audited)[-5:]
    for line, part in zip(
        got,
        [
            "`/table rename-column` `books`: renamed column `pages` to `leaves`",
            "`/table alter-column` `books`: altered column `leaves`: now `leaves:int unique optional`",
            "`/table edit` `books`: description changed",
            "`/table drop-column` `books`: dropped column `leaves`",
            "`/table rename` `novels`: renamed from `books`",
        ],
        strict=True,
    ):
        assert part in line and f"<@{admin.id}>" in line, line


async def test_a_private_tables_values_stay_out_of_the_audit(simcord_env, guild, admin, channel, audited):
    """Lines about a table with a read role name the records and columns, never their values."""
    staff = guild.create_role("Staff")
    await admin.slash(channel, "table create", name="notes", columns="who:text, note:text")
    await admin.slash(channel, "table access", table="notes", read=staff)
    await admin.slash(channel, "record insert", table="notes", values="who=carol, note=banned for harassment")
    await admin.slash(channel, "record update", table="notes", id=1, set="note=warned")
    await admin.slash(channel, "record delete", table="notes", id=1)
    await settled(simcord_env)
    got = lines(simcord_env, audited)[-3:]
    assert "#1 inserted" in got[0] and "#1 updated `note`" in got[1] and "#1 deleted" in got[2]
    assert not any(word in line for line in got for word in ("carol", "harassment", "warned"))
