"""Fifty members run `/record insert` on one table at the same moment: group commit through the real commands."""

from __future__ import annotations

import logging
import re

from tests.cogs.helpers import field_values, reply

from .helpers import burst

INSERTED = re.compile(r"Inserted record \*\*(\d+)\*\* into `books`: .*")


async def test_fifty_members_inserting_at_once_share_a_few_messages(
    simcord_env, guild, admin, channel, books, store, overlap, caplog
):
    """Each member gets their own id; the table holds a couple of messages; the log and status show the packing."""
    crowd = [guild.add_member(simcord_env.create_user(f"m{n:02}")) for n in range(50)]
    table = store.tables.entry("books")
    before = len(simcord_env.backend.messages.get(table.channel_id, {}))
    with caplog.at_level(logging.INFO, logger="bot.commands"):
        results = await burst(
            simcord_env,
            [
                (m, channel, "record insert", {"table": "books", "values": f"title=T{n}, author=A{n}"})
                for n, m in enumerate(crowd)
            ],
        )
    ids = []
    for result in results:
        match = INSERTED.fullmatch((result.followups or [result.response])[-1].content)
        assert match is not None
        ids.append(int(match.group(1)))
    assert sorted(ids) == list(range(1, 51))
    assert overlap["most"] >= 10
    stored = len(simcord_env.backend.messages[table.channel_id]) - before
    assert stored <= 3
    lines = [r.getMessage() for r in caplog.records if "command='record insert'" in r.getMessage()]
    assert len(lines) == 50 and any(re.search(r"requests=0 packed=(\d+)", line) for line in lines)
    assert max(int(re.search(r"packed=(\d+)", line).group(1)) for line in lines) >= 40

    status = field_values(reply(await admin.slash(channel, "table status")).embeds[0])["This server"]
    assert re.search(r"Writes packed together: \d\d writes in [12] shared messages?", status), status
