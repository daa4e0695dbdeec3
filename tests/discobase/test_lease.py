"""One writer per guild: two processes (two stores over the same storage) overlapping, as in a rolling deploy."""

from __future__ import annotations

import asyncio

import pytest

from discobase import GuildStore, MemoryBackend, StorageBusy
from discobase.lease import LEASE_SECONDS, Lease, LeaseTerms

from .conftest import books_schema


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


async def test_newcomer_waits_out_a_crashed_holder(world: tuple[MemoryBackend, Clock]) -> None:
    """After a crash (no release) the newcomer waits until the lease runs out, then writes; ids stay unique."""
    backend, clock = world
    crashed = _process(backend, clock, "crashed")
    await crashed.create_table(books_schema())
    await crashed.insert("books", {"title": "Dune"}, 1)
    start = clock.now
    new = _process(backend, clock, "new")
    record = await new.insert("books", {"title": "Emma"}, 1)
    assert record.id == 2
    assert LEASE_SECONDS - 5 <= clock.now - start <= LEASE_SECONDS + 10


async def test_holder_still_writing_makes_newcomer_give_up_clearly(world: tuple[MemoryBackend, Clock]) -> None:
    """While the old process keeps its lease, the newcomer's write fails with a clear message and writes nothing."""
    backend, clock = world
    old = _process(backend, clock, "old")
    await old.create_table(books_schema())
    await old.insert("books", {"title": "Dune"}, 1)
    lease = old.lease
    assert lease is not None and lease.message_id is not None and old.catalog_id is not None
    await backend.edit(old.catalog_id, lease.message_id, LeaseTerms("old", clock.now + 3600).encode())
    new = _process(backend, clock, "new", wait_limit=30)
    with pytest.raises(StorageBusy, match="Another copy of the bot is still writing"):
        await new.insert("books", {"title": "Emma"}, 1)
    assert [r.id for r in await old.find("books")] == [1]


async def test_holding_the_lease_costs_nothing_until_renewal(world: tuple[MemoryBackend, Clock]) -> None:
    """Writes under a fresh lease add no request; one edit renews it when half has run out."""
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


async def test_two_newcomers_on_a_fresh_guild_never_both_hold_the_lease(world: tuple[MemoryBackend, Clock]) -> None:
    """With no lease message yet, two processes starting together agree on one message; only one may write."""
    backend, clock = world
    first = _process(backend, clock, "first")
    await first.create_table(books_schema())
    assert first.lease is not None and first.catalog_id is not None
    await backend.delete(first.catalog_id, first.lease.message_id or 0)  # as if no lease had ever been written
    a, b = _process(backend, clock, "a", wait_limit=30), _process(backend, clock, "b", wait_limit=30)
    await a.open()
    await b.open()
    outcomes = await asyncio.gather(
        a.insert("books", {"title": "from a"}, 1), b.insert("books", {"title": "from b"}, 1), return_exceptions=True
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["Record", "StorageBusy"]
    leases = [m for m in backend.channels[a.catalog_id].messages.values() if LeaseTerms.decode(m.text)]
    assert len(leases) == 1
