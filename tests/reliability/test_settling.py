"""Background work on a simulated Discord: it never keeps a test from settling, and runs when time passes.

Compaction waits for quiet and pauses between its steps on a ``discord.ext.tasks``
interval (``WriteGate.rest``): SimCord counts such a wait as parked, so each
command settles at once, and ``env.advance_time`` runs the waits as the clock
moves, as the seconds of a production server would.
"""

from __future__ import annotations

import simcord

import discobase
from bot import create_bot
from tests.cogs.helpers import reply


async def test_300_inserts_in_a_row_complete_with_compaction_running(
    simcord_env: simcord.Env,
    admin: simcord.MemberActor,
    channel: simcord.ChannelHandle,
    books: str,
    store: discobase.GuildStore,
) -> None:
    """300 `/record insert` in a row on default settings each answer; compaction runs between them as time passes."""
    for number in range(1, 301):
        result = await admin.slash(channel, "record insert", table=books, values=f"title=Book {number}, author=A")
        assert f"Inserted record **{number}**" in reply(result).content
        if number % 100 == 0:
            await simcord_env.advance_time(30)  # a quiet half minute: compaction folds and sweeps
    await simcord_env.advance_time(120)
    assert store.compactor.total.batches >= 1 and store.compactor.total.deleted >= 100
    table = await store.gate.tables.table(books)
    assert table.loose_count() < 100, "compaction left the table as loose as it found it"
    assert "has 300 records" in reply(await admin.slash(channel, "record count", table=books)).content

    await simcord_env.restart_bot(create_bot())  # what Discord holds, read cold, is the same
    assert "has 300 records" in reply(await admin.slash(channel, "record count", table=books)).content


async def test_closing_wakes_a_compaction_that_waits(
    simcord_env: simcord.Env,
    admin: simcord.MemberActor,
    channel: simcord.ChannelHandle,
    books: str,
    store: discobase.GuildStore,
) -> None:
    """A store closing while compaction waits for quiet stops it at once, with nothing half done."""
    for number in range(1, 102):
        await admin.slash(channel, "record insert", table=books, values=f"title=Book {number}, author=A")
    assert store.gate._background, "compaction should be waiting in the background"
    await store.close(grace=1.0)
    assert not store.gate._background
