"""Model-based test of group commit and compaction: concurrent writes, compaction, crashes and restarts.

Writes started together are stored in arrival order, some alone and some packed
in one batch, so the dictionary model applies them one after the other and
each write's own outcome must match. Compaction runs in the background (a low
threshold), on demand beside member writes, or crashes after a random number
of its requests, one crash tearing a sweep in half. A restart is a new process
over the same channels: the old one's background work dies with it. After
every step the engine equals the model.

``ConcurrentEngineWithHandDeletions`` adds an admin deleting messages by hand at
random points: at rest, or while a batch of packed writes is in flight (the
batch held on its way to Discord). The model follows the reading rule: the
newest message naming an id decides it. A hand deletion takes every record the
deleted message decided live (an older copy elsewhere stays hidden: the engine
writes a ``gone`` marker for it); a batch in flight is newer than the deleted
message, so it decides the ids it names, and only the others are gone.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from discobase import GuildStore, MemoryBackend, Record, RecordNotFound, UniqueViolation
from discobase.model.records import decode_message

from .conftest import books_schema

TITLES = st.sampled_from(["Dune", "Emma", "Ulysses", "Beloved", "Walden", "Middlemarch", "Kim"])
OPS = st.one_of(
    st.tuples(st.just("insert"), TITLES, st.one_of(st.none(), st.integers(1800, 2030))),
    st.tuples(st.just("update"), st.integers(1, 40), TITLES, st.booleans()),
    st.tuples(st.just("delete"), st.integers(1, 40)),
)


class Crash(Exception):
    """The process died in the middle of a request."""


class Hold:
    """Holds a table's first write request until the test lets it go, then its first batch request likewise."""

    def __init__(self, channel_id: int) -> None:
        self.channel_id = channel_id
        self.lead_arrived, self.lead_go = asyncio.Event(), asyncio.Event()
        self.batch_arrived, self.batch_go = asyncio.Event(), asyncio.Event()

    async def request(self, channel_id: int, text: str = "") -> None:
        if channel_id != self.channel_id:
            return
        if not self.lead_arrived.is_set():
            self.lead_arrived.set()
            await self.lead_go.wait()
        elif '"batch"' in text and not self.batch_arrived.is_set():
            self.batch_arrived.set()
            await self.batch_go.wait()


class CrashingBackend(MemoryBackend):
    """Writes yield to the loop first (a round trip); the n-th write from now can crash, a sweep half done.

    With a ``hold``, a table's requests can be held in flight (``Hold``).
    """

    def __init__(self) -> None:
        super().__init__()
        self.crash_in: int | None = None
        self.hold: Hold | None = None

    async def _round_trip(self, channel_id: int = 0, text: str = "") -> bool:
        if self.hold is not None:
            await self.hold.request(channel_id, text)
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
        if await self._round_trip(channel_id, text):
            raise Crash()
        return await super().send(channel_id, text)

    async def edit(self, channel_id: int, message_id: int, text: str) -> None:
        if await self._round_trip(channel_id, text):
            raise Crash()
        await super().edit(channel_id, message_id, text)

    async def delete(self, channel_id: int, message_id: int) -> None:
        if await self._round_trip(channel_id):
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

    def _expect(self, op: tuple[Any, ...], touched: set[int] | None = None) -> type[Exception] | dict[str, Any]:
        """Apply one write to the model, as the engine must in arrival order; its outcome.

        ``touched`` gathers the ids the write changes (a batch names those; an update that changes nothing, none).
        """
        touched = set() if touched is None else touched
        kind = op[0]
        if kind == "insert":
            _, title, year = op
            if any(v["title"] == title for v in self.model.values()):
                return UniqueViolation
            self.highest += 1
            self.model[self.highest] = {"title": title, "year": year, "read": False}
            touched.add(self.highest)
            return {"id": self.highest, **self.model[self.highest]}
        record_id = op[1]
        if record_id not in self.model:
            return RecordNotFound
        if kind == "delete":
            touched.add(record_id)
            return {"id": record_id, **self.model.pop(record_id)}
        _, _, title, read = op
        if any(v["title"] == title for i, v in self.model.items() if i != record_id):
            return UniqueViolation
        before = dict(self.model[record_id])
        self.model[record_id].update(title=title, read=read)
        if self.model[record_id] != before:
            touched.add(record_id)
        return {"id": record_id, **self.model[record_id]}

    def _start(self, op: tuple[Any, ...]) -> Any:
        if op[0] == "insert":
            return self.store.insert("books", {"title": op[1], "year": op[2]}, 1)
        if op[0] == "update":
            return self.store.update("books", op[1], {"title": op[2], "read": op[3]})
        return self.store.delete("books", op[1])

    def _check(self, ops: list[tuple[Any, ...]], outcomes: list[Any], touched: set[int] | None = None) -> None:
        for op, outcome in zip(ops, outcomes, strict=True):
            expected = self._expect(op, touched)
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
            titles = [r.values["title"] for r in self.run(fresh.find("books"))]
            assert len(titles) == len(set(titles)), titles

    def teardown(self) -> None:
        for task in list(self.store.gate._background):
            task.cancel()
        self.run(asyncio.sleep(0))
        self.loop.close()


PICKS = st.tuples(st.sampled_from(["record", "message"]), st.integers(0, 1000))
"""What the admin deletes: the message deciding the n-th live record, or the n-th message of the channel."""


async def until(condition: Any, what: str) -> None:
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError(f"never happened: {what}")


class ConcurrentEngineWithHandDeletions(ConcurrentEngineMatchesModel):
    """As above, and an admin deletes messages by hand at random points, also while a batch is in flight."""

    def __init__(self) -> None:
        super().__init__()
        self.leads = 0

    def _channel(self) -> Any:
        return self.backend.channels[self.store.tables.entry("books").channel_id]

    def _reading(self) -> dict[int, tuple[int, bool]]:
        """The reading rule on the channel as it is: for each id, the newest message naming it, and if it says gone."""
        decided: dict[int, tuple[int, bool]] = {}
        messages = self._channel().messages
        for message_id in sorted(messages, reverse=True):
            if messages[message_id].author_id == self.backend.me_id:
                for stored in decode_message(messages[message_id].text).records:
                    decided.setdefault(stored.id, (message_id, stored.gone))
        return decided

    def _pick(self, pick: tuple[str, int]) -> int | None:
        kind, n = pick
        reading = self._reading()
        if kind == "record":
            live = sorted(i for i, (_, gone) in reading.items() if not gone)
            return reading[live[n % len(live)]][0] if live else None
        messages = sorted(self._channel().messages)
        return messages[n % len(messages)] if messages else None

    def _delete_by_hand(self, message_id: int) -> set[int]:
        """Delete the message on the backend, tell the store as the gateway would; the ids it decided live."""
        lost = {i for i, (m, gone) in self._reading().items() if m == message_id and not gone}
        channel_id = self.store.tables.entry("books").channel_id
        self._channel().messages.pop(message_id)
        self.store.message_deleted(channel_id, message_id)
        return lost

    async def _at_rest(self, pick: tuple[str, int]) -> None:
        await self.store.load("books")  # a table not in memory hears no events; it is read again on use
        await self.store.drain()
        message_id = self._pick(pick)
        if message_id is None:
            return
        for record_id in self._delete_by_hand(message_id):
            self.model.pop(record_id, None)
        await self.store.drain()  # the gone markers the deletion owes

    @rule(pick=PICKS)
    def delete_by_hand(self, pick: tuple[str, int]) -> None:
        """A message deleted by hand with no write in flight: the records it decided are gone."""
        self.run(self._at_rest(pick))

    async def _during_batch(self, ops: list[tuple[Any, ...]], pick: tuple[str, int]) -> None:
        await self.store.load("books")
        await self.store.drain()
        threshold, self.store.compactor.threshold = self.store.compactor.threshold, 10**9
        # No compaction meanwhile: its batch, in flight, would decide the ids it names too (and is not held here).
        hold = self.backend.hold = Hold(self.store.tables.entry("books").channel_id)
        try:
            self.leads += 1
            lead_op = ("insert", f"Lead {self.leads}", None)
            lead = asyncio.ensure_future(self._start(lead_op))
            await until(hold.lead_arrived.is_set, "the lone write's request")
            rest = [asyncio.ensure_future(self._start(op)) for op in ops]
            table = self.store.tables.entry("books")
            await until(lambda: self.store.queues.waiting(table) == len(ops), "the writes queued behind")
            hold.lead_go.set()
            await until(lambda: hold.batch_arrived.is_set() or all(t.done() for t in rest), "the batch or the end")
            self._check([lead_op], [await lead])
            touched: set[int] = set()
            if hold.batch_arrived.is_set():  # checked against the table before the deletion; stored after it
                expected = [self._expect(op, touched) for op in ops]
                message_id = self._pick(pick)
                lost = self._delete_by_hand(message_id) if message_id is not None else set()
                await until(lambda: table.loaded, "the event taken in")
                hold.batch_go.set()
                outcomes = await asyncio.gather(*rest, return_exceptions=True)
                for op, want, outcome in zip(ops, expected, outcomes, strict=True):
                    if isinstance(want, dict):
                        assert isinstance(outcome, Record), (op, outcome)
                        assert {"id": outcome.id, **outcome.values} == want, (op, outcome)
                    else:
                        assert isinstance(outcome, want), (op, outcome)
                for record_id in lost - touched:  # the batch is newer: it decides the ids it names
                    self.model.pop(record_id, None)
            else:  # nothing was packed (refused, or nothing to change): a deletion at rest
                self._check(ops, await asyncio.gather(*rest, return_exceptions=True))
                message_id = self._pick(pick)
                for record_id in self._delete_by_hand(message_id) if message_id is not None else ():
                    self.model.pop(record_id, None)
        finally:
            hold.lead_go.set()
            hold.batch_go.set()
            self.backend.hold = None
            self.store.compactor.threshold = threshold
        await self.store.drain()  # the gone markers the deletion owes, and any compaction

    @rule(ops=st.lists(OPS, min_size=2, max_size=8), pick=PICKS)
    def delete_by_hand_while_a_batch_is_in_flight(self, ops: list[tuple[Any, ...]], pick: tuple[str, int]) -> None:
        """A lone write, then the writes queued behind it in one batch, held in flight while a message is deleted."""
        self.run(self._during_batch(ops, pick))


ConcurrentEngineMatchesModel.TestCase.settings = settings(
    max_examples=100, stateful_step_count=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestConcurrentEngineMatchesModel = ConcurrentEngineMatchesModel.TestCase

ConcurrentEngineWithHandDeletions.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=20,
    deadline=None,
    derandomize=True,  # seeded: the same runs every time
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure shows at once, with its whole run
    suppress_health_check=[HealthCheck.too_slow],
)
TestConcurrentEngineWithHandDeletions = ConcurrentEngineWithHandDeletions.TestCase
