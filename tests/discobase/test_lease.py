"""One writer per guild: several processes' stores over one backend, overlapping as in a rolling deploy.

The last tests attack the protocol (see discobase/lease.py) with seeded random
schedules: delays and clock jumps between every read and write, crashed and
paused contenders, leftover and deleted claims. After every step at most one
live process may believe it holds the lease.
"""

from __future__ import annotations

import asyncio
import functools
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest

from discobase import GuildStore, MemoryBackend, StorageBusy, guard
from discobase.backend import StoredMessage
from discobase.write.lease import LEASE_SECONDS, SKEW, Claim, Lease, LeaseLost, LeaseTerms

from .conftest import books_schema

T = TypeVar("T")


class Clock:
    """A shared wall clock that sleeping advances, so waits cost no real time."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def _process(backend: MemoryBackend, clock: Clock, owner: str, wait_limit: float = LEASE_SECONDS + 15) -> GuildStore:
    lease = Lease(backend, owner, clock=clock, sleep=clock.sleep, settle=1.0, wait_limit=wait_limit)
    return GuildStore(backend, lease=lease)


def _claims(backend: MemoryBackend, catalog_id: int) -> list[tuple[int, LeaseTerms]]:
    found = [(m.id, LeaseTerms.decode(m.text)) for m in backend.channels[catalog_id].messages.values()]
    return sorted((message_id, terms) for message_id, terms in found if terms is not None)


@pytest.fixture
def world() -> tuple[MemoryBackend, Clock]:
    return MemoryBackend(), Clock()


async def test_newcomer_waits_for_release_then_sees_every_write(world: tuple[MemoryBackend, Clock]) -> None:
    """The new process reads while the old one writes; once the old one releases, it writes with fresh ids."""
    backend, clock = world
    old = _process(backend, clock, "old")
    await old.create_table(books_schema())
    await old.insert("books", {"title": "Dune"}, 1)
    new = _process(backend, clock, "new")
    assert [r.id for r in await new.find("books")] == [1]  # reads need no lease
    await old.insert("books", {"title": "Emma"}, 1)  # written after the newcomer read
    await old.close()  # SIGTERM: release
    record = await new.insert("books", {"title": "Walden"}, 1)
    assert record.id == 3
    assert [r.values["title"] for r in await new.find("books")] == ["Dune", "Emma", "Walden"]
    assert catalog_claims_are_only(backend, new, "new")


def catalog_claims_are_only(backend: MemoryBackend, store: GuildStore, owner: str) -> bool:
    """The new holder cleaned up: the only claim left is its own."""
    assert store.catalog_id is not None
    return [terms.owner for _, terms in _claims(backend, store.catalog_id)] == [owner]


async def test_newcomer_waits_out_a_crashed_holder(world: tuple[MemoryBackend, Clock]) -> None:
    """After a crash (no release) the newcomer waits until the claim runs out, then writes; ids stay unique."""
    backend, clock = world
    crashed = _process(backend, clock, "crashed")
    await crashed.create_table(books_schema())
    await crashed.insert("books", {"title": "Dune"}, 1)
    start = clock.now
    new = _process(backend, clock, "new")
    record = await new.insert("books", {"title": "Emma"}, 1)
    assert record.id == 2
    assert LEASE_SECONDS - 5 <= clock.now - start <= LEASE_SECONDS + 10
    assert catalog_claims_are_only(backend, new, "new")


async def test_holder_still_writing_makes_newcomer_give_up_clearly(world: tuple[MemoryBackend, Clock]) -> None:
    """While the old process keeps its claim live, the newcomer's write fails with a clear message, unwritten."""
    backend, clock = world
    old = _process(backend, clock, "old")
    await old.create_table(books_schema())
    await old.insert("books", {"title": "Dune"}, 1)
    assert old.lease is not None and old.lease.claim_id is not None and old.catalog_id is not None
    await backend.edit(old.catalog_id, old.lease.claim_id, LeaseTerms("old", clock.now + 3600).encode())
    new = _process(backend, clock, "new", wait_limit=30)
    with pytest.raises(StorageBusy, match="Another copy of the bot is still writing"):
        await new.insert("books", {"title": "Emma"}, 1)
    assert [r.id for r in await old.find("books")] == [1]


async def test_holding_the_lease_costs_nothing_until_renewal(world: tuple[MemoryBackend, Clock]) -> None:
    """Writes under a fresh claim add no request; one edit of our own claim renews it when half has run out."""
    backend, clock = world
    store = _process(backend, clock, "only")
    await store.create_table(books_schema())
    before = len(backend.calls)
    await store.insert("books", {"title": "Dune"}, 1)
    assert backend.calls[before:] == ["send"]
    clock.now += LEASE_SECONDS / 2 + 1
    before = len(backend.calls)
    await store.insert("books", {"title": "Emma"}, 1)
    assert backend.calls[before:] == ["edit", "send"]


async def test_two_newcomers_at_once_never_both_write(world: tuple[MemoryBackend, Clock]) -> None:
    """Two processes starting together each post a claim; the older claim writes, the other waits and gives up."""
    backend, clock = world
    first = _process(backend, clock, "first")
    await first.create_table(books_schema())
    await first.close()
    a, b = _process(backend, clock, "a", wait_limit=30), _process(backend, clock, "b", wait_limit=30)
    await a.open()
    await b.open()
    outcomes = await asyncio.gather(
        a.insert("books", {"title": "from a"}, 1), b.insert("books", {"title": "from b"}, 1), return_exceptions=True
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["Record", "StorageBusy"]
    assert [a.lease is not None and a.lease.held, b.lease is not None and b.lease.held].count(True) == 1


async def test_a_leftover_claim_never_makes_two_holders(world: tuple[MemoryBackend, Clock]) -> None:
    """The issue's case: a crashed newcomer's claim left behind, then two processes; exactly one writes."""
    backend, clock = world
    first = _process(backend, clock, "first")
    await first.create_table(books_schema())
    await first.close()
    assert first.catalog_id is not None
    leftover = backend._snowflake()
    backend.channels[first.catalog_id].messages[leftover] = StoredMessage(
        leftover, backend.me_id, LeaseTerms("crashed-newcomer", clock.now - 100).encode()
    )
    a, b = _process(backend, clock, "a", wait_limit=20), _process(backend, clock, "b", wait_limit=20)
    outcomes = await asyncio.gather(
        a.insert("books", {"title": "from a"}, 1), b.insert("books", {"title": "from b"}, 1), return_exceptions=True
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["Record", "StorageBusy"]
    assert [s.lease.held for s in (a, b) if s.lease is not None].count(True) == 1
    assert "crashed-newcomer" not in [terms.owner for _, terms in _claims(backend, first.catalog_id)]


class SlowLink(MemoryBackend):
    """A backend where one owner's claim posts take ``delay`` seconds of the shared clock to reach Discord."""

    def __init__(self, clock: Clock, slow_owner: str, delay: float) -> None:
        super().__init__()
        self.clock, self.slow_owner, self.delay = clock, slow_owner, delay

    async def send(self, channel_id: int, text: str) -> int:
        terms = LeaseTerms.decode(text)
        if terms is not None and terms.owner == self.slow_owner:
            await self.clock.sleep(self.delay)
            await asyncio.sleep(0.01)  # the fast contender goes first meanwhile
        return await super().send(channel_id, text)


async def test_a_slow_contender_loses() -> None:
    """A contender whose claim reaches Discord late queues behind the one that posted first, however it started."""
    clock = Clock()
    backend = SlowLink(clock, "slow", delay=5)
    setup = GuildStore(backend)
    await setup.create_table(books_schema())
    slow, fast = _process(backend, clock, "slow", wait_limit=20), _process(backend, clock, "fast", wait_limit=20)
    slow_write = asyncio.create_task(slow.insert("books", {"title": "slow"}, 1))
    await asyncio.sleep(0)  # the slow contender starts first
    assert (await fast.insert("books", {"title": "fast"}, 1)).id == 1
    with pytest.raises(StorageBusy):
        await slow_write
    assert fast.lease is not None and fast.lease.held and slow.lease is not None and not slow.lease.held


class LaggingHistory(MemoryBackend):
    """History shows a new message only ``lag`` seconds of the shared clock after Discord stored it.

    Discord does not promise when a message shows in the channel's history. Edits
    show at once. At every call it checks that at most one process holds the lease.
    """

    def __init__(self, clock: Clock, lag: float) -> None:
        super().__init__()
        self.clock, self.lag = clock, lag
        self.shown_at: dict[int, float] = {}
        self.processes: list[GuildStore] = []

    def check(self) -> None:
        holders = [store for store in self.processes if store.lease is not None and store.lease.held]
        assert len(holders) <= 1, "two holders at once"

    async def send(self, channel_id: int, text: str) -> int:
        self.check()
        message_id = await super().send(channel_id, text)
        self.shown_at[message_id] = self.clock.now + self.lag
        return message_id

    async def history(self, channel_id: int):  # type: ignore[override]
        self.check()
        async for message in super().history(channel_id):
            if self.shown_at.get(message.id, 0.0) <= self.clock.now:
                yield message


async def _lagging_world(lag: float) -> tuple[LaggingHistory, Clock]:
    """A `books` table made before the lag starts, its writer gone (released)."""
    clock = Clock()
    backend = LaggingHistory(clock, 0.0)
    first = GuildStore(backend)
    await first.create_table(books_schema())
    backend.lag = lag
    return backend, clock


@pytest.mark.parametrize("lag", [3.0, 10.0])
async def test_two_contenders_under_a_lagging_history_never_both_hold(lag: float) -> None:
    """History shows claims seconds late (SETTLE is 1 s): one contender writes, the other waits, never both.

    Was: a contender that did not see its own claim 1 s after posting took it for deleted and posted
    again, for ever.
    """
    backend, clock = await _lagging_world(lag)
    a, b = _process(backend, clock, "a", wait_limit=40), _process(backend, clock, "b", wait_limit=40)
    backend.processes += [a, b]
    outcomes = await asyncio.wait_for(
        asyncio.gather(
            a.insert("books", {"title": "from a"}, 1), b.insert("books", {"title": "from b"}, 1), return_exceptions=True
        ),
        10,
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["Record", "StorageBusy"]
    assert [s.lease.held for s in (a, b) if s.lease is not None].count(True) == 1
    holder = a if a.lease is not None and a.lease.held else b
    assert holder.lease is not None and lag < holder.lease.lag <= lag + 2  # the lag it observed, plus SETTLE


async def test_a_successor_under_a_lagging_history_reads_the_last_write() -> None:
    """The previous holder's last record shows 3 s late: the successor waits for it, and never gives its id again."""
    backend, clock = await _lagging_world(3.0)
    old = _process(backend, clock, "old")
    backend.processes.append(old)
    assert (await asyncio.wait_for(old.insert("books", {"title": "Dune"}, 1), 10)).id == 1
    await old.close()
    new = _process(backend, clock, "new")
    backend.processes.append(new)
    assert (await asyncio.wait_for(new.insert("books", {"title": "Emma"}, 1), 10)).id == 2
    assert [r.values["title"] for r in await new.find("books")] == ["Dune", "Emma"]


# ---------------------------------------------------------------- adversarial schedules


class Adversary(MemoryBackend):
    """Every call waits a random number of loop turns, and now and then jumps the clock, before and after.

    After every step it checks the invariant: at most one running process believes it holds the lease.
    The clock jumps (a slow link, a stalled process) anywhere but inside a write's data call, which the
    gate bounds by the time left on the claim (the protocol's assumption 3).
    """

    def __init__(self, rng: random.Random, clock: Clock, lag: float = 0.0) -> None:
        super().__init__()
        self.rng, self.clock, self.lag = rng, clock, lag
        self.shown_at: dict[int, float] = {}  # when history first shows a message (``lag`` after it was stored)
        self.processes: dict[str, GuildStore] = {}
        self.crashed: set[str] = set()
        self.most_holders = 0
        self.data_calls = 0

    async def _step(self) -> None:
        for _ in range(self.rng.randrange(4)):
            await asyncio.sleep(0)
        if not self.data_calls and self.rng.random() < 0.15:
            self.clock.now += self.rng.choice((0.5, 3.0, 20.0, 45.0))
        self.check()

    async def _call(self, operation: Callable[[], Awaitable[T]]) -> T:
        data = guard.current_path() == "gate"
        self.data_calls += data
        try:
            await self._step()
            result = await operation()
            await self._step()
            return result
        finally:
            self.data_calls -= data

    def check(self) -> None:
        holders = [
            owner
            for owner, store in self.processes.items()
            if owner not in self.crashed and store.lease is not None and store.lease.held
        ]
        self.most_holders = max(self.most_holders, len(holders))
        assert len(holders) <= 1, f"two holders at once: {holders}"

    async def send(self, channel_id: int, text: str) -> int:
        message_id = await self._call(functools.partial(self._send_lagging, channel_id, text))
        return message_id

    async def _send_lagging(self, channel_id: int, text: str) -> int:
        message_id = await MemoryBackend.send(self, channel_id, text)
        # Each message its own lag, ``lag`` and up to a second more (the contenders' SETTLE): messages stored
        # within a second of each other show in no particular order.
        self.shown_at[message_id] = self.clock.now + (self.lag and self.lag + self.rng.uniform(0, 1.0))
        return message_id

    async def edit(self, channel_id: int, message_id: int, text: str) -> None:
        await self._call(functools.partial(MemoryBackend.edit, self, channel_id, message_id, text))

    async def delete(self, channel_id: int, message_id: int) -> None:
        await self._call(functools.partial(MemoryBackend.delete, self, channel_id, message_id))

    async def history(self, channel_id: int):  # type: ignore[override]
        await self._step()
        async for message in super().history(channel_id):
            if self.shown_at.get(message.id, 0.0) <= self.clock.now:
                yield message
        await self._step()


async def _run_schedule(seed: int, lag: float = 0.0) -> tuple[int, list[int]]:
    """Four processes write, crash, release and meet hand deletions; returns the most holders seen and the ids."""
    rng = random.Random(seed)
    clock = Clock()
    backend = Adversary(rng, clock)
    setup = GuildStore(backend)
    await setup.create_table(books_schema("title:text"))
    backend.lag = lag  # the table is there before the contenders start: only their own messages lag
    if rng.random() < 0.5:  # a leftover claim from a crash long ago
        assert setup.catalog_id is not None
        await backend.send(setup.catalog_id, LeaseTerms("leftover", clock.now - rng.choice((1, 100))).encode())
    ids: list[int] = []

    async def process(name: str) -> None:
        store = _process(backend, clock, name, wait_limit=rng.choice((5.0, 40.0, 90.0)))
        store.lease.settle = 1.0 if lag else rng.choice((0.0, 1.0))  # type: ignore[union-attr]
        backend.processes[name] = store
        for _ in range(rng.randrange(2, 6)):
            action = rng.random()
            try:
                if action < 0.7:
                    ids.append((await store.insert("books", {"title": f"{name}-{len(ids)}"}, 1)).id)
                elif action < 0.8:
                    await store.close()
                    return
                elif action < 0.9:
                    backend.crashed.add(name)  # stops for good, claim left behind
                    return
                elif store.lease is not None and store.lease.claim_id is not None and store.catalog_id:
                    # An admin deletes the claim by hand; the gateway tells the owner at once (the known
                    # limit of lease.py: a slower event leaves a gap), so no step runs in between.
                    claim_id, was_held = store.lease.claim_id, store.lease.held
                    await MemoryBackend.delete(backend, store.catalog_id, claim_id)
                    store.message_deleted(store.catalog_id, claim_id)
                    if was_held:  # the tombstone the gateway handler spawns, landing at once too
                        await MemoryBackend.send(
                            backend, store.catalog_id, LeaseTerms(name, clock.now - SKEW, True).encode()
                        )
            except (StorageBusy, LeaseLost):
                pass  # honest refusals: nothing was written

    await asyncio.gather(*(process(f"p{n}") for n in range(4)))
    backend.check()
    return backend.most_holders, ids


@pytest.mark.parametrize("seed", range(300))
async def test_random_schedules_never_show_two_holders(seed: int) -> None:
    """Seeded adversarial schedules: at most one holder after every step, and no id is ever given twice."""
    most, ids = await _run_schedule(seed)
    assert most <= 1
    assert len(ids) == len(set(ids)), f"an id was given twice: {sorted(ids)}"


@pytest.mark.parametrize("seed", range(200))
async def test_random_schedules_with_a_lagging_history_never_show_two_holders(seed: int) -> None:
    """As above, but history shows each new message 5 to 6 s after it was stored (SETTLE is 1 s)."""
    most, ids = await asyncio.wait_for(_run_schedule(seed, lag=5.0), 10)
    assert most <= 1
    assert len(ids) == len(set(ids)), f"an id was given twice: {sorted(ids)}"


async def test_random_schedules_do_reach_a_holder() -> None:
    """The schedules are not vacuous: across seeds, processes do take the lease and write."""
    results = [await _run_schedule(seed) for seed in range(20)]
    assert sum(most for most, _ in results) >= 15
    assert sum(len(ids) for _, ids in results) >= 20


def test_release_is_dead_at_once_on_every_clock() -> None:
    """A released claim's until lies SKEW in the past, so a reader counts it dead at once and knows when it ended."""
    released = LeaseTerms("old", 100.0 - SKEW)
    claim = Claim(1, released)
    assert not claim.live(100.0) and claim.ends == 100.0


async def test_start_up_takes_a_free_lease_and_never_waits_for_a_held_one(world: tuple[MemoryBackend, Clock]) -> None:
    """At start-up, behind a live holder it gives up at once; once the lease is free, it takes it for writes."""
    backend, clock = world
    old = _process(backend, clock, "old")
    await old.create_table(books_schema())
    new = _process(backend, clock, "new")
    started = clock.now
    await new.gate.prepare()  # the old process still holds: no wait (the first write would queue as before)
    assert clock.now - started <= 1.0  # the settle step of a first listing, never the holder's 60 s
    assert new.lease is not None and not new.lease.held
    await old.insert("books", {"title": "Dune"}, 1)  # the old process keeps writing meanwhile
    await old.close()
    await new.gate.prepare()
    assert new.lease.held
    await new.load("books")
    calls = len(backend.calls)
    assert (await new.insert("books", {"title": "Emma"}, 1)).id == 2
    assert backend.calls[calls:] == ["send"]  # the insert alone: the lease was taken before it
    assert catalog_claims_are_only(backend, new, "new")


async def test_start_up_in_a_server_without_storage_makes_nothing(world: tuple[MemoryBackend, Clock]) -> None:
    """No storage category: ``prepare`` sends no request and lays nothing out."""
    backend, clock = world
    await _process(backend, clock, "new").gate.prepare()
    assert backend.calls == [] and backend.channels == {}
