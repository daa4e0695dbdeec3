"""REST failures on real discord.py (SimCord): passing ones retried, lasting ones reported, none repeated blindly."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from discobase import DiscordUnavailable, MissingPermission
from discobase.backend import discord_backend

from .conftest import SimcordHarness, books_schema, simcord_harness


@pytest.fixture
async def simcord_store(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SimcordHarness]:
    """The engine on SimCord (fault injection is SimCord's) with the books table; retries do not wait."""
    monkeypatch.setattr(discord_backend, "RETRY_DELAYS", (0.0,) * len(discord_backend.RETRY_DELAYS))
    async with simcord_harness() as harness:
        await harness.store.create_table(books_schema())
        yield harness


def _posts(harness: SimcordHarness) -> int:
    return sum(1 for r in harness.env.http_requests if r.method == "POST" and r.path.endswith("/messages"))


@pytest.mark.parametrize("status", [500, 502, 429])
async def test_passing_failure_is_retried_once_stored(simcord_store: SimcordHarness, status: int) -> None:
    """A 5xx or 429 on insert is retried; the record is stored exactly once."""
    harness = simcord_store
    harness.env.inject_error("POST", "/channels/*/messages", status=status, times=2)
    record = await harness.store.insert("books", {"title": "Dune"}, 1)
    assert record.id == 1
    restarted = await harness.restart()
    assert [r.values["title"] for r in await restarted.find("books")] == ["Dune"]


async def test_lasting_failure_reports_and_changes_nothing(simcord_store: SimcordHarness) -> None:
    """Five failures in a row give a clear error; nothing is cached or stored; the next try works."""
    harness = simcord_store
    before = _posts(harness)
    harness.env.inject_error("POST", "/channels/*/messages", status=503, times=5)
    with pytest.raises(DiscordUnavailable, match="HTTP 503.*Nothing was changed"):
        await harness.store.insert("books", {"title": "Dune"}, 1)
    assert _posts(harness) - before == 5
    assert await harness.store.count("books") == 0
    assert (await harness.store.insert("books", {"title": "Dune"}, 1)).id == 1


async def test_forbidden_is_not_retried_and_names_permission(simcord_store: SimcordHarness) -> None:
    """A 403 is reported once, naming the permission, with no retry (invalid requests risk a ban)."""
    harness = simcord_store
    await harness.store.insert("books", {"title": "Dune"}, 1)
    before = len(harness.env.http_requests)
    harness.env.inject_error("PATCH", "/channels/*/messages/*", status=403, code=50013, times=None)
    with pytest.raises(MissingPermission, match="Send Messages"):
        await harness.store.update("books", 1, {"year": "1965"})
    assert len(harness.env.http_requests) - before == 1
    assert (await harness.store.get("books", 1)).values["year"] is None


async def test_failed_delete_keeps_the_record(simcord_store: SimcordHarness) -> None:
    """A delete that Discord refuses leaves the record in place, in cache and on Discord."""
    harness = simcord_store
    await harness.store.insert("books", {"title": "Dune"}, 1)
    await harness.store.insert("books", {"title": "Emma"}, 1)
    harness.env.inject_error("DELETE", "/channels/*/messages/*", status=500, times=None)
    with pytest.raises(DiscordUnavailable):
        await harness.store.delete("books", 1)
    assert [r.id for r in await harness.store.find("books")] == [1, 2]
