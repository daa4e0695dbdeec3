"""Model-based test of group commit and compaction: concurrent writes, compaction, crashes and restarts.

Writes started together are stored in arrival order, some alone and some packed
in one batch, so the dictionary model applies them one after the other and
each write's own outcome must match. Compaction runs in the background (a low
threshold), on demand beside member writes, or crashes after a random number
of its requests, one crash tearing a sweep in half. A restart is a new process
over the same channels: the old one's background work dies with it. After
every step the engine equals the model.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from discobase import GuildStore, MemoryBackend, Record, RecordNotFound, UniqueViolation

from .conftest import books_schema

TITLES = st.sampled_from(["Dune", "Emma", "Ulysses", "Beloved", "Walden", "Middlemarch", "Kim"])
OPS = st.one_of(
    st.tuples(st.just("insert"), TITLES, st.one_of(st.none(), st.integers(1800, 2030))),
    st.tuples(st.just("update"), st.integers(1, 40), TITLES, st.booleans()),
    st.tuples(st.just("delete"), st.integers(1, 40)),
)


class Crash(Exception):
    """The process died in the middle of a request."""


class CrashingBackend(MemoryBackend):
    """Writes yield to the loop first (a round trip); the n-th write from now can crash, a sweep half done."""

    def __init__(self) -> None:
        super().__init__()
        self.crash_in: int | None = None

    async def _round_trip(self) -> bool:
        for _ in range(2):
            await asyncio.sleep(0)
        if self.crash_in is None:
            return False
        self.crash_in -= 1
        if self.crash_in > 0:
            return False
        self.crash_in = None
        return True

    async def send(self, channel_id: int, text: str) -> int:
        if await self._round_trip():
            raise Crash()
        return await super().send(channel_id, text)

    async def edit(self, channel_id: int, message_id: int, text: str) -> None:
        if await self._round_trip():
            raise Crash()
        await super().edit(channel_id, message_id, text)

    async def delete(self, channel_id: int, message_id: int) -> None:
        if await self._round_trip():
            raise Crash()
        await super().delete(channel_id, message_id)

    async def delete_many(self, channel_id: int, message_ids: list[int]) -> None:
        if await self._round_trip():
            await super().delete_many(channel_id, message_ids[: len(message_ids) // 2])
            raise Crash()
        await super().delete_many(channel_id, message_ids)


class ConcurrentEngineMatchesModel(RuleBasedStateMachine):
    """Concurrent writes, compaction and crashes: the engine always holds what the model holds."""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.backend = CrashingBackend()
        self.model: dict[int, dict[str, Any]] = {}
        self.highest = 0
        self.store = self._new_store()

    def _new_store(self) -> GuildStore:
        store = GuildStore(self.backend)
        store.compactor.threshold = 6
        store.compactor.pause = store.compactor.quiet = 0
        return store

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    @initialize()
    def create(self) -> None:
        self.run(self.store.create_table(books_schema()))

    def _expect(self, op: tuple[Any, ...]) -> type[Exception] | dict[str, Any]:
        """Apply one write to the model, as the engine must in arrival order; its outcome."""
        kind = op[0]
        if kind == "insert":
            _, title, year = op
            if any(v["title"] == title for v in self.model.values()):
                return UniqueViolation
            self.highest += 1
            self.model[self.highest] = {"title": title, "year": year, "read": False}
            return {"id": self.highest, **self.model[self.highest]}
        record_id = op[1]
        if record_id not in self.model:
            return RecordNotFound
        if kind == "delete":
            return {"id": record_id, **self.model.pop(record_id)}
        _, _, title, read = op
        if any(v["title"] == title for i, v in self.model.items() if i != record_id):
            return UniqueViolation
        self.model[record_id].update(title=title, read=read)
        return {"id": record_id, **self.model[record_id]}

    def _start(self, op: tuple[Any, ...]) -> Any:
        if op[0] == "insert":
            return self.store.insert("books", {"title": op[1], "year": op[2]}, 1)
        if op[0] == "update":
            return self.store.update("books", op[1], {"title": op[2], "read": op[3]})
        return self.store.delete("books", op[1])

    def _check(self, ops: list[tuple[Any, ...]], outcomes: list[Any]) -> None:
        for op, outcome in zip(ops, outcomes, strict=True):
            expected = self._expect(op)
            if isinstance(expected, dict):
                assert isinstance(outcome, Record), (op, outcome)
                assert {"id": outcome.id, **outcome.values} == expected, (op, outcome)
            else:
                assert isinstance(outcome, expected), (op, outcome)

    async def _together(self, ops: list[tuple[Any, ...]], compact: bool) -> list[Any]:
        await self.store.load("books")
        writes = [self._start(op) for op in ops]
        if compact:
            writes.insert(0, self.store.compact("books"))
        outcomes = await asyncio.gather(*writes, return_exceptions=True)
        return outcomes[1:] if compact else outcomes

    @rule(ops=st.lists(OPS, min_size=1, max_size=12))
    def writes_at_once(self, ops: list[tuple[Any, ...]]) -> None:
        self._check(ops, self.run(self._together(ops, compact=False)))

    @rule(ops=st.lists(OPS, max_size=8))
    def compaction_beside_writes(self, ops: list[tuple[Any, ...]]) -> None:
        self._check(ops, self.run(self._together(ops, compact=True)))

    @rule(after=st.integers(1, 6))
    def crash_during_compaction(self, after: int) -> None:
        """Compaction dies at its ``after``-th request (a sweep half done), and the process with it."""
        self.backend.crash_in = after
        with contextlib.suppress(Crash):
            self.run(self.store.compact("books"))
        self.backend.crash_in = None
        self.restart()

    @rule()
    def restart(self) -> None:
        for task in list(self.store.gate._background):  # the old process's background work dies with it
            task.cancel()
        self.run(asyncio.sleep(0))
        self.store = self._new_store()

    @invariant()
    def same_records(self) -> None:
        if self.store.is_open:
            found = self.run(self.store.find("books"))
            assert {r.id: r.values for r in found} == self.model
            fresh = GuildStore(self.backend)  # what a restart now would read
            assert {r.id: r.values for r in self.run(fresh.find("books"))} == self.model
            assert self.run(fresh.load("books")) is not None
            assert fresh.tables.entry("books").next_id == self.highest + 1

    def teardown(self) -> None:
        for task in list(self.store.gate._background):
            task.cancel()
        self.run(asyncio.sleep(0))
        self.loop.close()


ConcurrentEngineMatchesModel.TestCase.settings = settings(
    max_examples=100, stateful_step_count=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestConcurrentEngineMatchesModel = ConcurrentEngineMatchesModel.TestCase
