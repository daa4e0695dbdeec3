"""Twenty members at once on one table with a unique column: ids and uniqueness hold, and every acknowledged
write is still there after a restart.

``burst`` sends all the commands of a round before the bot runs any (SimCord
refuses overlapping ``member.slash`` calls, so the interactions are built as
``slash`` builds them and emitted together): the bot handles them concurrently,
as it would on Discord. A counter around the engine proves the writes overlapped.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import orjson
import pytest

import discobase
from bot import create_bot
from cogs.utils.errors import NotAllowed
from tests.conftest import BOOKS_COLUMNS

from .helpers import burst, cleanly

EXPECTED = (discobase.UniqueViolation, discobase.RecordNotFound, NotAllowed)
INSERTED = re.compile(r"Inserted record \*\*(\d+)\*\* into `books`: .*")


@pytest.fixture
def crowd(simcord_env, guild):
    """Twenty members with no special permission."""
    return [guild.add_member(simcord_env.create_user(f"member{n:02}")) for n in range(20)]


def outcomes(env, results) -> list[str]:
    """Each reply's text; every failure must be an expected refusal, answered privately."""
    errors = [getattr(e, "original", None) or e.__cause__ or e for e in env.errors]
    assert all(isinstance(error, EXPECTED) for error in errors), errors
    texts = []
    for result in results:
        message = result.followups[-1] if result.followups else result.response
        assert message is not None, "a command got no answer"
        assert message.ephemeral == (not message.content.startswith(("Inserted", "Updated", "Deleted"))), message
        texts.append(message.content)
    return texts


async def restarted_store(env, settings, guild) -> discobase.GuildStore:
    await env.bot.close()
    await env.restart_bot(create_bot(settings))
    return env.bot.engine.store(env.bot.get_guild(guild.id))


async def test_twenty_members_insert_update_and_delete_at_once(
    simcord_env, settings, guild, moderator, crowd, channel, books, store, overlap
):
    """Rounds of 20 concurrent commands; the stored table always equals what the replies acknowledged."""
    model: dict[int, dict[str, Any]] = {}
    owner: dict[int, Any] = {}

    # Round 1: 20 inserts, 12 distinct titles: 12 succeed with ids 1..12, 8 are refused as duplicates.
    results = await burst(
        simcord_env,
        [
            (m, channel, "record insert", {"table": "books", "values": f"title=T{n % 12}, author=A{n}"})
            for n, m in enumerate(crowd)
        ],
    )
    for n, text in enumerate(outcomes(simcord_env, results)):
        if match := INSERTED.fullmatch(text):
            record_id = int(match.group(1))
            assert record_id not in model, "two inserts were given the same id"
            model[record_id] = {"title": f"T{n % 12}", "author": f"A{n}", "year": None, "read": False}
            owner[record_id] = crowd[n]
        else:
            assert "is unique" in text
    assert sorted(model) == list(range(1, 13))

    # Round 2: owners race for one title, others delete, insert (some clashing) or update years, all at once.
    calls, plan = [], []
    for n, record_id in enumerate(sorted(model)):
        member = owner[record_id]
        if n < 5:
            calls.append((member, channel, "record update", {"table": "books", "id": record_id, "set": "title=Same"}))
            plan.append(("same", record_id))
        elif n < 8:
            calls.append((member, channel, "record delete", {"table": "books", "id": record_id}))
            plan.append(("delete", record_id))
        else:
            calls.append((member, channel, "record update", {"table": "books", "id": record_id, "set": f"year={n}"}))
            plan.append(("year", record_id, n))
    for n, member in enumerate(crowd[12:]):
        title = "Same" if n < 2 else f"New{n}"
        calls.append((member, channel, "record insert", {"table": "books", "values": f"title={title}, author=N{n}"}))
        plan.append(("insert", member, title, f"N{n}"))
    calls.append((moderator, channel, "record delete", {"table": "books", "id": 99}))  # a guessed id
    plan.append(("missing",))
    results = await burst(simcord_env, calls)
    same = 0
    for step, text in zip(plan, outcomes(simcord_env, results), strict=True):
        if step[0] == "same" and text.startswith("Updated"):
            model[step[1]]["title"] = "Same"
            same += 1
        elif step[0] == "delete":
            assert text.startswith("Deleted")
            del model[step[1]]
        elif step[0] == "year":
            assert text.startswith("Updated")
            model[step[1]]["year"] = step[2]
        elif step[0] == "insert" and (match := INSERTED.fullmatch(text)):
            record_id = int(match.group(1))
            assert record_id not in model and record_id > 12, "an id was given twice or reused"
            if step[2] == "Same":
                same += 1
            model[record_id] = {"title": step[2], "author": step[3], "year": None, "read": False}
        elif step[0] == "missing":
            assert "has no record with id 99" in text
    assert same == 1, "a unique title was given to more than one record"
    assert overlap["most"] >= 5, f"commands did not overlap (at most {overlap['most']} at once)"

    assert {r.id: r.values for r in await store.find("books")} == model
    restarted = await restarted_store(simcord_env, settings, guild)
    assert {r.id: r.values for r in await restarted.find("books")} == model
    titles = [r.values["title"] for r in await restarted.find("books")]
    assert len(titles) == len(set(titles))
    inserted = await cleanly(
        simcord_env, crowd[0].slash(channel, "record insert", table="books", values="title=Last, author=Z")
    )
    assert inserted.content.startswith(f"Inserted record **{max(model) + 1}** into `books`:")  # no id reused


@pytest.mark.parametrize("clash", [False, True])
async def test_an_import_racing_inserts_is_all_or_nothing(
    simcord_env, settings, guild, crowd, moderator, channel, books, store, batch_budget, overlap, clash
):
    """An import racing 10 inserts, clashing or not: ids and titles stay unique; the import is all or nothing."""
    batch_budget(8_000)  # about 100 rows a batch: the inserts race three batches
    rows = orjson.dumps([{"title": f"I{n}", "author": "imp"} for n in range(300)])
    calls = [(moderator, channel, "record import", {"table": "books", "file": ("i.json", rows)})]
    calls += [
        (m, channel, "record insert", {"table": "books", "values": f"title={'I' if clash else 'M'}{n}, author=m"})
        for n, m in enumerate(crowd[1:11])
    ]
    results = await burst(simcord_env, calls)
    simcord_env.errors  # noqa: B018 (refused inserts, if any)
    records = await store.find("books")
    imported = [r for r in records if r.values["author"] == "imp"]
    import_reply = (results[0].followups or [results[0].response])[-1].content
    assert overlap["most"] >= 2
    if imported:
        assert len(imported) == 300 and import_reply.startswith("Imported 300 records")
    else:
        assert clash and import_reply.startswith("Nothing was imported") and "already in record" in import_reply
    if not clash:
        assert len(records) == 310
    assert len({r.id for r in records}) == len(records)
    assert len({r.values["title"] for r in records}) == len(records)
    restarted = await restarted_store(simcord_env, settings, guild)
    assert [(r.id, r.values) for r in await restarted.find("books")] == [(r.id, r.values) for r in records]


async def test_engine_level_gather_keeps_ids_and_uniqueness(
    simcord_env, settings, guild, channel, books, store, overlap
):
    """The same at the engine (the bot's own store, asyncio.gather): 60 writes at once, then a restart."""
    results = await asyncio.gather(
        *(store.insert("books", {"title": f"G{n % 25}", "author": "g"}, n) for n in range(40)), return_exceptions=True
    )
    ok = [r for r in results if isinstance(r, discobase.Record)]
    assert all(isinstance(r, discobase.UniqueViolation) for r in results if not isinstance(r, discobase.Record))
    assert sorted(r.id for r in ok) == list(range(1, 26))
    changes = await asyncio.gather(
        *(store.update("books", n, {"title": "Same"}) for n in range(1, 11)),
        *(store.delete("books", n) for n in range(11, 21)),
        return_exceptions=True,
    )
    assert sum(isinstance(c, discobase.Record) for c in changes[:10]) == 1
    assert all(isinstance(c, discobase.Record) for c in changes[10:])
    expected = {r.id: r.values for r in await store.find("books")}
    assert len(expected) == 15
    assert overlap["most"] >= 10
    restarted = await restarted_store(simcord_env, settings, guild)
    assert {r.id: r.values for r in await restarted.find("books")} == expected


@pytest.mark.parametrize("columns", [BOOKS_COLUMNS])
async def test_two_admins_creating_the_same_table_at_once_make_one(
    simcord_env, settings, guild, admin, moderator, channel, columns, latency
):
    """Two /table create of one name at the same moment: one table, one channel; the other is told it exists."""
    other_admin = guild.add_member(simcord_env.create_user("ann"), roles=[guild.roles["Admin"]])
    results = await burst(
        simcord_env, [(a, channel, "table create", {"name": "books", "columns": columns}) for a in (admin, other_admin)]
    )
    simcord_env.errors  # noqa: B018 (the refusal)
    texts = sorted((r.followups or [r.response])[-1].content for r in results)
    assert texts[0].startswith("A table named `books` exists already")
    assert texts[1].startswith("Created table `books`")
    assert [name for name in guild.channels if name == "books"] == ["books"]
    assert len([c for c in guild.channels.values() if c.name == "books"]) == 1
