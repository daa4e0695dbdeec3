"""REST failures on real discord.py (SimCord): passing ones retried, lasting ones reported, none repeated blindly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from discobase import DiscordUnavailable, GuildStore, MemoryBackend, MissingPermission, retry

from .conftest import SimcordHarness, books_schema, simcord_harness


@pytest.fixture
async def simcord_store(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SimcordHarness]:
    """The engine on SimCord (fault injection is SimCord's) with the books table; retries do not wait."""
    monkeypatch.setattr(retry, "DELAYS", (0.0,) * len(retry.DELAYS))
    async with simcord_harness() as harness:
        await harness.store.create_table(books_schema())
        yield harness


def _posts(harness: SimcordHarness) -> int:
    return sum(1 for r in harness.env.http_requests if r.method == "POST" and r.path.endswith("/messages"))


@pytest.mark.parametrize("status", [500, 502])
async def test_passing_failure_is_retried_once_stored(simcord_store: SimcordHarness, status: int) -> None:
    """A 5xx on insert is retried; the record is stored exactly once."""
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


async def test_rate_limit_handed_up_is_not_retried(simcord_store: SimcordHarness) -> None:
    """A 429 that discord.py hands up (a Cloudflare ban) is never retried: retries would add invalid requests."""
    harness = simcord_store
    before = _posts(harness)
    harness.env.inject_error("POST", "/channels/*/messages", status=429, times=None)
    with pytest.raises(DiscordUnavailable, match="asked me to slow down.*Nothing was changed"):
        await harness.store.insert("books", {"title": "Dune"}, 1)
    assert _posts(harness) - before == 1
    assert await harness.store.count("books") == 0


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
    """A delete (its message edited into its trash marker) that Discord refuses leaves the record in place."""
    harness = simcord_store
    await harness.store.insert("books", {"title": "Dune"}, 1)
    await harness.store.insert("books", {"title": "Emma"}, 1)
    harness.env.inject_error("PATCH", "/channels/*/messages/*", status=500, times=None)
    with pytest.raises(DiscordUnavailable):
        await harness.store.delete("books", 1)
    assert [r.id for r in await harness.store.find("books")] == [1, 2]


class HangingBackend(MemoryBackend):
    """Stores a message, then never answers: the outcome of the call is unknown to the engine."""

    def __init__(self) -> None:
        super().__init__()
        self.hang = False

    async def send(self, channel_id: int, text: str) -> int:
        message_id = await super().send(channel_id, text)
        if self.hang:
            await asyncio.Event().wait()
        return message_id


async def test_unanswered_write_is_bounded_and_never_reuses_its_id(monkeypatch: pytest.MonkeyPatch) -> None:
    """A send that gets no answer ends at the deadline with an honest "may have been stored"; the id stays used."""
    monkeypatch.setattr(retry, "CALL_BUDGET", 0.2)
    monkeypatch.setattr(retry, "DELAYS", ())
    backend = HangingBackend()
    store = GuildStore(backend)
    await store.create_table(books_schema())
    backend.hang = True
    with pytest.raises(DiscordUnavailable, match="no answer in time.*may have been stored"):
        await store.insert("books", {"title": "Dune"}, 1)
    backend.hang = False
    assert [r.values["title"] for r in await store.find("books")] == ["Dune"]  # read again: it had landed
    assert (await store.insert("books", {"title": "Emma"}, 1)).id == 2
