"""`/table status`: what an admin learns about the bot process, and who may ask."""

from __future__ import annotations

from .helpers import field_values, not_offered, reply


async def test_status_shows_tables_writes_cache_and_rate_limits(admin, member, channel, books):
    """After a write, the admin sees the loaded table, the lease, the cache budget and rate-limit waits."""
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert")
    result = await admin.slash(channel, "table status")
    assert result.ephemeral
    fields = field_values(reply(result).embeds[0])
    assert "Tables loaded: 1 of 1 (1 record cached)" in fields["This server"]
    assert "Writes under way: 0" in fields["This server"]
    assert "held by this process" in fields["This server"]
    assert (
        "of 256.0 MiB" in fields["This process"] and "Last rate-limit wait: none since start" in fields["This process"]
    )


async def test_status_is_for_admins(member, channel):
    """A member without Manage Server is not offered it."""
    await not_offered(member, channel, "table status")
