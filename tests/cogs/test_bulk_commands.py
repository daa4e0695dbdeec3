"""Day-two bulk work through the commands: update and delete by where, and upsert imports."""

from __future__ import annotations

import asyncio
import csv
import io
import re

import orjson
import pytest

import cogs.audit.trail
import discobase
from bot import create_bot
from cogs.utils.errors import NotAllowed, Refused

from .helpers import refusal, reply


@pytest.fixture
async def shelf(moderator, channel, books) -> None:
    """Six books imported by the moderator, and one the member inserted."""
    rows = [{"title": f"Book {n}", "author": "Typo" if n <= 4 else "Other", "year": 1900 + n} for n in range(1, 7)]
    await moderator.slash(channel, "record import", table="books", file=("b.json", orjson.dumps(rows)))


def values(records) -> dict[int, dict]:
    return {record.id: record.values for record in records}


async def test_update_where_shows_the_matches_and_applies_on_confirm(simcord_env, moderator, channel, shelf, store):
    """Four matches are shown with a button only the asker can press; pressing it changes all four in one message."""
    prompt = reply(
        await moderator.slash(channel, "record update", table="books", where="author = Typo", set="author=Tolkien")
    )
    assert prompt.ephemeral
    assert "in 4 records of `books` matching `author = Typo`" in prompt.content and "#1 " in prompt.content
    assert all(r.values["author"] == "Typo" for r in await store.find("books") if r.id <= 4)
    before = len(simcord_env.http_requests)
    await moderator.click(prompt, label="Update 4 records")
    stored = [r for r in simcord_env.http_requests[before:] if r.method in ("POST", "PATCH") and "/channels/" in r.path]
    assert sum("/messages" in r.path and "interactions" not in r.path for r in stored) <= 2  # one batch (+ the line)
    assert {r.id: r.values["author"] for r in await store.find("books")} == {
        1: "Tolkien",
        2: "Tolkien",
        3: "Tolkien",
        4: "Tolkien",
        5: "Other",
        6: "Other",
    }
    public = [m for m in channel.history() if "set `author` = Tolkien in 4 records" in m.content]
    assert public and "#1, #2, #3, #4" in public[-1].content


async def test_cancel_and_others_change_nothing(simcord_env, moderator, other_member, channel, shelf, store):
    """Cancel leaves everything; the prompt is private, so nobody else can press it."""
    before = values(await store.find("books"))
    prompt = reply(await moderator.slash(channel, "record delete", table="books", where="year > 1902"))
    assert "Delete 4 records of `books`" in prompt.content and "trash for 30 days" in prompt.content
    cancelled = reply(await moderator.click(prompt, label="Cancel"))
    assert "nothing was changed" in cancelled.content
    assert values(await store.find("books")) == before


async def test_delete_where_deletes_them_all_and_they_stay_gone(
    simcord_env, settings, guild, moderator, channel, shelf, store
):
    """Four deletes in one batch; a restart reads them deleted, and ids are never reused."""
    prompt = reply(await moderator.slash(channel, "record delete", table="books", where="year > 1902"))
    await moderator.click(prompt, label="Delete 4 records")
    assert sorted(r.id for r in await store.find("books")) == [1, 2]
    await simcord_env.bot.close()
    await simcord_env.restart_bot(create_bot(settings))
    fresh = simcord_env.bot.engine.store(simcord_env.bot.get_guild(guild.id))
    assert sorted(r.id for r in await fresh.find("books")) == [1, 2]
    inserted = reply(await moderator.slash(channel, "record insert", table="books", values="title=New, author=X"))
    assert "record **7**" in inserted.content


async def test_a_bulk_update_that_breaks_a_unique_column_is_refused(simcord_env, moderator, channel, shelf, store):
    """All four titles set to one value: refused before any button, the clashing records named, nothing written."""
    before = values(await store.find("books"))
    result = await moderator.slash(channel, "record update", table="books", where="author = Typo", set="title=Same")
    text = refusal(simcord_env, result, Refused)
    assert "Record 2, column `title`" in text and "Record 4, column `title`" in text
    assert reply(result).components == []
    assert values(await store.find("books")) == before


async def test_a_member_may_change_only_their_own_records_in_bulk(
    simcord_env, member, moderator, channel, shelf, store
):
    """Matching others' records needs Manage Messages; matching only one's own works."""
    await member.slash(channel, "record insert", table="books", values="title=Mine, author=Typo")
    text = refusal(
        simcord_env,
        await member.slash(channel, "record update", table="books", where="author = Typo", set="year=1"),
        NotAllowed,
    )
    assert "4 of the 5 matching records were created by other members" in text
    prompt = reply(await member.slash(channel, "record update", table="books", where="title = Mine", set="year=2001"))
    await member.click(prompt, label="Update 1 record")
    assert (await store.get("books", 7)).values["year"] == 2001


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"set": "year=1"}, "Give the `id` of the record to change, or a `where`"),
        ({"set": "year=1", "id": 1, "where": "year > 1"}, "not both"),
        ({"set": "year=soon", "where": "year > 1"}, "year"),
        ({"set": "year=1", "where": "yeer > 1"}, "year"),
    ],
)
async def test_bad_bulk_input_is_refused_with_the_fix(simcord_env, moderator, channel, shelf, store, options, expected):
    """Neither or both of id and where, a bad value, a misspelt column: a clear private refusal, nothing written."""
    before = values(await store.find("books"))
    result = await moderator.slash(channel, "record update", table="books", **options)
    assert reply(result).ephemeral and expected in reply(result).content
    simcord_env.errors  # noqa: B018 (expected refusals)
    assert values(await store.find("books")) == before


async def test_nothing_to_change_says_so(moderator, channel, shelf):
    """No match, or every match has the values already: private, no button."""
    none = reply(await moderator.slash(channel, "record update", table="books", where="year > 3000", set="year=1"))
    assert none.ephemeral and "no record matches" in none.content
    same = reply(
        await moderator.slash(channel, "record update", table="books", where="author = Other", set="author=Other")
    )
    assert "the 2 matching records already have" in same.content and same.components == []


async def test_export_edit_upsert_round_trips(simcord_env, moderator, channel, shelf, store):
    """Export, change a value and add a row in the CSV, import with mode:upsert key:title: one update, one insert."""
    exported = reply(await moderator.slash(channel, "record export", table="books", format="csv"))
    rows = list(csv.reader(io.StringIO((await exported.attachments[0].read()).decode("utf-8-sig"))))
    rows[2][2] = "Edited"  # Book 2's author
    rows.append(["", "Brand new", "Someone", "2020", "false"])
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    before = len(simcord_env.http_requests)
    done = reply(
        await moderator.slash(
            channel,
            "record import",
            table="books",
            file=("books.csv", out.getvalue().encode()),
            mode="upsert",
            key="title",
        )
    )
    assert "1 record inserted" in done.content and "1 record updated" in done.content and "5 already" in done.content
    writes = [r for r in simcord_env.http_requests[before:] if r.method == "POST" and "/channels/" in r.path]
    assert len(writes) <= 2
    assert (await store.get("books", 2)).values["author"] == "Edited"
    assert (await store.get("books", 7)).values["title"] == "Brand new"
    assert await store.count("books") == 7


async def test_upsert_problems_write_nothing(simcord_env, moderator, channel, shelf, store):
    """A key that is not unique, a missing key, a key twice: refused with the fix, nothing written."""
    data = orjson.dumps([{"title": "Book 1", "year": 1}])
    text = reply(
        await moderator.slash(
            channel, "record import", table="books", file=("b.json", data), mode="upsert", key="author"
        )
    ).content
    assert "`author` is not unique" in text and "alter-column" in text
    assert (
        "needs a `key`"
        in reply(
            await moderator.slash(channel, "record import", table="books", file=("b.json", data), mode="upsert")
        ).content
    )
    bad = orjson.dumps([{"title": "Book 1", "year": "soon"}, {"title": "X"}, {"title": "X"}, {"year": 3}])
    report = reply(
        await moderator.slash(channel, "record import", table="books", file=("b.json", bad), mode="upsert", key="title")
    )
    assert report.ephemeral and "Nothing was imported" in report.content
    assert "Row 1, column `year`" in report.content and "Row 3, column `title`" in report.content
    assert "Row 4, column `title`" in report.content
    simcord_env.errors  # noqa: B018 (expected refusals)
    assert await store.count("books") == 6


async def test_bulk_changes_are_audited(simcord_env, guild, admin, moderator, channel, shelf, monkeypatch):
    """The audit line names the records and what was set."""
    monkeypatch.setattr(cogs.audit.trail, "PACE", 0.05)
    log = guild.create_text_channel("audit-log")
    await admin.slash(channel, "table audit", channel=log)
    prompt = reply(await moderator.slash(channel, "record update", table="books", where="author = Typo", set="year=1"))
    await moderator.click(prompt, label="Update 4 records")
    await asyncio.sleep(0.2)
    await simcord_env.settle()
    lines = "\n".join(m.content for m in log.history())
    assert "4 records (#1, #2, #3, #4) set `year` = 1" in lines


def test_the_errors_are_engine_errors():
    """Refusals of the engine reach members through the usual error handler."""
    assert issubclass(discobase.BulkRejected, discobase.DiscobaseError)


async def test_a_table_made_private_before_the_press_gets_no_public_line(
    simcord_env, guild, admin, channel, shelf, store
):
    """Privacy is judged at the press: a table made private meanwhile is changed, but not announced in the channel."""
    staff = guild.create_role("Staff")
    prompt = reply(await admin.slash(channel, "record delete", table="books", where="year > 1904"))
    await admin.slash(channel, "table access", table="books", read=staff)
    before = len(channel.history())
    done = reply(await admin.click(prompt, label="Delete 2 records"))
    assert done.ephemeral and "Deleted 2 records" in done.content
    assert len(channel.history()) == before
    assert sorted(r.id for r in await store.find("books")) == [1, 2, 3, 4]


async def test_the_preview_never_cuts_a_mention_in_half(admin, member, channel):
    """A bulk delete's preview cuts long lines before a mention, never inside it (issue 25)."""
    await admin.slash(channel, "table create", name="loans", columns="a:text, b:text, c:text, owner:user")
    long = "x" * 60
    await member.slash(channel, "record insert", table="loans", values=f"a={long}, b={long}, c={long}, owner=bob")
    asked = reply(await member.slash(channel, "record delete", table="loans", where="id = 1"))
    assert re.search(r"<@\d*\u2026", asked.content) is None
    assert asked.content.splitlines()[1].endswith("\u00b7 owner: \u2026")
