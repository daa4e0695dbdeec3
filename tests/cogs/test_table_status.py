"""`/table status`: what an admin learns about the bot process, and who may ask."""

from __future__ import annotations

import re
import time
from types import SimpleNamespace

from cogs.utils.status import verdict

from .helpers import field_values, not_offered, reply


async def test_status_shows_tables_writes_cache_and_rate_limits(admin, member, channel, books):
    """After a write, the admin sees the loaded table, the lease, the cache budget and rate-limit waits."""
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert")
    result = await admin.slash(channel, "table status")
    assert result.ephemeral
    embed = reply(result).embeds[0]
    assert embed.description == "\u2705 All is well: 1 table here, no write under way, no rate-limit wait lately."
    fields = field_values(embed)
    assert "Tables loaded: 1 of 1 (1 record cached)" in fields["This server"]
    assert "Writes under way: 0" in fields["This server"]
    assert "held by this process" in fields["This server"]
    assert re.search(r"Record cache: \d+ KiB of 256\.0 MiB", fields["This process"])  # KiB below 1 MiB
    assert "Last rate-limit wait: none since start" in fields["This process"]


async def test_a_recent_rate_limit_wait_is_the_verdict(store, books):
    """A wait Discord imposed a minute ago comes first, in words, before the numbers."""
    watch = SimpleNamespace(last=SimpleNamespace(seconds=3.2, at=time.time() - 60), count=1)
    line = verdict(store.status(), watch, None)
    assert line.startswith("\u26a0\ufe0f Discord is slowing the bot down: it waited 3.2 s for a rate limit 60 s ago.")


async def test_status_is_for_admins(member, channel):
    """A member without Manage Server is not offered it."""
    await not_offered(member, channel, "table status")
