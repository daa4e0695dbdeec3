"""Paced group commit: once part of a channel's write window is spent, commits share the rest out, packed."""

from __future__ import annotations

import asyncio
import random

import discord
import pytest

from bench.workloads import RateLimitedBackend
from discobase import GuildStore

from .conftest import Harness, SimcordHarness, books_schema


def _fast(backend: RateLimitedBackend) -> RateLimitedBackend:
    """Discord's window and round trips five times faster: the same story in a fifth of the time."""
    backend.SECONDS = RateLimitedBackend.SECONDS / 5
    backend.rng = _Scaled(backend.rng, 1 / 5)  # type: ignore[assignment]
    return backend


class _Scaled:
    def __init__(self, rng: random.Random, factor: float) -> None:
        self.rng, self.factor = rng, factor

    def uniform(self, low: float, high: float) -> float:
        return self.rng.uniform(low, high) * self.factor


async def _spread_inserts(backend: RateLimitedBackend, count: int, seconds: float) -> list[int]:
    store = GuildStore(backend)
    await store.create_table(books_schema())
    backend._window.clear()  # the layout's window has passed
    backend.sent.clear()
    rng = random.Random(7)
    arrivals = sorted(rng.uniform(0, seconds) for _ in range(count))

    async def member(n: int, at: float) -> int:
        await asyncio.sleep(at)
        return (await store.insert("books", {"title": f"t{n}"}, n)).id

    ids = await asyncio.gather(*(member(n, at) for n, at in enumerate(arrivals)))
    assert {r.values["title"] for r in await GuildStore(backend).find("books")} == {f"t{n}" for n in range(count)}
    return ids


async def test_members_arriving_spread_out_share_the_window_and_never_wait_for_its_reset() -> None:
    """20 inserts over 3 s: packed about once a second, each stored once; no write waits for the window's reset."""
    backend = _fast(RateLimitedBackend(paced=True))
    ids = await _spread_inserts(backend, 20, 3.0 / 5)
    assert sorted(ids) == list(range(1, 21))
    assert backend.resets_waited == 0
    assert len(backend.sent) <= 6  # about one commit a second (without pacing: a reset waited, below)


async def test_without_discord_s_window_reported_writes_run_into_its_reset() -> None:
    """The same arrivals unpaced (no headers, as on a simulator): the window empties and a write waits for the reset."""
    backend = _fast(RateLimitedBackend(paced=False))
    await _spread_inserts(backend, 20, 3.0 / 5)
    assert backend.resets_waited >= 1


async def test_a_lone_insert_with_the_window_untouched_waits_for_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The window untouched: one request, and no pause but the request's own round trip."""
    backend = RateLimitedBackend(paced=True)
    store = GuildStore(backend)
    await store.create_table(books_schema())
    backend._window.clear()  # the layout's window has passed
    backend.sent.clear()
    sleeps: list[float] = []
    sleep = asyncio.sleep

    async def watched(seconds: float, *args: object) -> object:
        sleeps.append(seconds)
        return await sleep(seconds, *args)

    monkeypatch.setattr(asyncio, "sleep", watched)
    await store.insert("books", {"title": "Dune"}, 1)
    (round_trip,) = [seconds for seconds in sleeps if seconds]
    assert len(backend.sent) == 1 and 0.05 <= round_trip <= 0.15


async def test_discord_s_bucket_of_a_channel_s_messages_is_read_where_discord_py_keeps_it(harness: Harness) -> None:
    """The bucket is found by discord.py's own key, and read as Discord's headers left it."""
    if not isinstance(harness, SimcordHarness):
        pytest.skip("discord.py's buckets")
    store = harness.store
    await store.create_table(books_schema())
    channel_id = store.tables.entry("books").channel_id
    assert store.backend.write_window(channel_id) is None  # SimCord sends no rate-limit headers
    route = discord.http.Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
    bucket = discord.http.Ratelimit(None)
    harness.client.http._buckets[f"{route.key}:{route.major_parameters}"] = bucket
    bucket.limit, bucket.remaining, bucket.dirty = 5, 3, True
    bucket.expires = asyncio.get_running_loop().time() + 4.0
    window = store.backend.write_window(channel_id)
    assert window is not None and (window.limit, window.remaining) == (5, 3) and 3.0 < window.resets_in <= 4.0
