"""A cold load on Discord downloads a page's batch files at once, and a failed download fails the load whole."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import discord
import pytest

from discobase import MissingPermission
from discobase.write.imports import parts, stored_size

from .conftest import books_schema, simcord_harness

ROWS = [{"title": f"book {n}"} for n in range(1200)]


@pytest.fixture
def small_batches(batch_budget: Callable[[int], int]) -> None:
    """Twelve batch messages of about 100 records, each in its attached file."""
    assert len(parts(ROWS, batch_budget(100 * max(map(stored_size, ROWS))))) == 12


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Watches attachment downloads: how many ran at once; ``fail`` makes the next ones refused (403)."""
    seen: dict[str, Any] = {"now": 0, "most": 0, "count": 0, "fail": False}
    original = discord.Attachment.read

    async def read(self: discord.Attachment, **kwargs: Any) -> bytes:
        seen["now"] += 1
        seen["most"] = max(seen["most"], seen["now"])
        seen["count"] += 1
        try:
            for _ in range(5):  # a round trip: the others may start meanwhile
                await asyncio.sleep(0)
            if seen["fail"]:
                raise discord.Forbidden(_Response(), "Missing Access")
            return await original(self, **kwargs)
        finally:
            seen["now"] -= 1

    monkeypatch.setattr(discord.Attachment, "read", read)
    return seen


class _Response:
    status = 403
    reason = "Forbidden"


async def test_a_cold_load_downloads_a_pages_files_at_once(small_batches: None, downloads: dict[str, Any]) -> None:
    async with simcord_harness() as harness:
        await harness.store.create_table(books_schema())
        await harness.store.insert_many("books", ROWS, 1)
        restarted = await harness.restart()
        assert await restarted.count("books") == 1200
        assert downloads["count"] == 12
        assert 1 < downloads["most"] <= 8


async def test_a_failed_download_leaves_the_table_unloaded_then_it_loads(
    small_batches: None, downloads: dict[str, Any]
) -> None:
    async with simcord_harness() as harness:
        await harness.store.create_table(books_schema())
        await harness.store.insert_many("books", ROWS, 1)
        restarted = await harness.restart()
        downloads["fail"] = True
        with pytest.raises(MissingPermission):
            await restarted.find("books")
        assert not restarted.tables.entry("books").loaded  # never half loaded
        downloads["fail"] = False
        assert len(await restarted.find("books")) == 1200
