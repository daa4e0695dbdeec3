"""The cold load's cost of history and trash: a table of many records with a typical edit history, read twice.

The same channel is read as it is (every deciding message carrying its ids'
history and the trash, I8 in discobase/store.py) and with the history left
out, on the in-memory backend, so the figure is our own CPU time.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import orjson

from discobase import GuildStore, MemoryBackend, StoredTable, TableSchema, parse_columns
from discobase.backend.base import StoredMessage
from discobase.cache.loading import load_table

__all__ = ["history_load_cost"]

COLUMNS = "title:text unique, author:text, year:int optional, read:bool default=false"
CHUNK = 1000


async def _table_with_history(count: int) -> tuple[MemoryBackend, GuildStore]:
    """``count`` records imported in parts, a fifth updated in bulk changes of 1,000, a twentieth deleted; compacted."""
    backend = MemoryBackend()
    store = GuildStore(backend)
    store.compactor.threshold = 10**9
    store.compactor.pause = store.compactor.quiet = 0
    await store.create_table(TableSchema(name="books", columns=parse_columns(COLUMNS)))
    for start in range(0, count, 10_000):
        rows = [
            {"title": f"Book {n}", "author": f"Author {n % 97}", "year": 1900 + n % 120}
            for n in range(start, start + 10_000)
        ]
        await store.insert_many("books", rows, 7)
    updated = list(range(1, count + 1, 5))
    for start in range(0, len(updated), CHUNK):
        await store.update_many("books", updated[start : start + CHUNK], {"read": True}, actor=8)
    deleted = list(range(3, count + 1, 20))
    for start in range(0, len(deleted), CHUNK):
        await store.delete_many("books", deleted[start : start + CHUNK], actor=9)
    await store.compact("books")
    return backend, store


class _Channel:
    """Just what a cold load reads: the bot's id and one channel's messages, newest first, as given."""

    def __init__(self, me_id: int, messages: list[StoredMessage]) -> None:
        self.me_id = me_id
        self.messages = sorted(messages, key=lambda m: m.id, reverse=True)

    async def history(self, channel_id: int) -> AsyncIterator[StoredMessage]:
        for message in self.messages:
            yield message


def _without_history(message: StoredMessage) -> StoredMessage:
    payload = orjson.loads(message.text)
    payload.pop("x", None)
    return StoredMessage(message.id, message.author_id, orjson.dumps(payload).decode())


async def _best_load(channel: _Channel, table: StoredTable, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        table.unload()
        start = time.process_time()
        await load_table(channel, table)  # type: ignore[arg-type]  # a cold load needs only these two
        best = min(best, time.process_time() - start)
    return best


async def history_load_cost(count: int = 100_000) -> dict[str, float]:
    """Seconds (best of 3) of a cold load with the history and without it; bytes of the channel both ways."""
    backend, store = await _table_with_history(count)
    table = store.tables.entry("books")
    messages = list(backend.channels[table.channel_id].messages.values())
    carried = _Channel(backend.me_id, messages)
    plain = _Channel(backend.me_id, [_without_history(message) for message in messages])
    with_history, without = await _best_load(carried, table), await _best_load(plain, table)
    return {
        "with": with_history,
        "without": without,
        "bytes": sum(len(m.text) for m in carried.messages),
        "plain_bytes": sum(len(m.text) for m in plain.messages),
        "records": len(table),
    }
