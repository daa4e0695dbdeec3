"""The write gate: the one way a change reaches Discord, and the store's lifecycle.

Every write takes the same steps in the same order, here and nowhere else:

1. **gate**: counted while it runs, so ``close()`` can wait for it; refused once
   closing began;
2. **lease**: this process holds the guild's write lease (lease.py); if the
   lease was taken over from a process that wrote after our reads, everything
   is read again first;
3. **lock**: the table's lock (record writes) or the catalog's (table changes),
   so two writes never interleave; under it the write checks that the store is
   not closing, the table is still in the catalog and not damaged, and reads it
   again if it is stale. A record write waits for the lock in the table's
   queue (``join``): whoever gets the lock takes the whole queue and stores it
   with one call (group commit, group_commit.py); a write another one stored
   meanwhile finds itself settled and returns its outcome at once, even if the
   store began closing since (it is stored);
4. **checks**: the caller's (ids, unique columns), against the cache (and,
   for a packed write, the writes packed before it);
5. **one Discord call** through ``call()``: the lease still held with time to
   spare (renewed if due), the call bounded by that time (retry.py), a vanished
   channel marking the table damaged, an unknown outcome marking it stale;
6. **cache**: only then does the caller change the cache, so it never shows a
   write that Discord has not stored.

A stale table (a new gateway session, a lease taken over) is never unloaded
under a running write: the write that holds its lock finishes against it, and
the next one reads it again in step 3.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, Protocol, TypeVar

from ..backend import Backend
from ..cache.catalog_cache import Tables
from ..cache.stored_table import CachedTable
from ..errors import ChannelMissing, DiscordUnavailable, ShuttingDown, TableDamaged, UnknownTable
from ..model.records import encode_batch, encode_gone
from . import guard, retry
from .imports import BATCH_ROWS
from .lease import Lease

__all__ = ["WriteGate"]

log = logging.getLogger(__name__)
T = TypeVar("T")


class Queued(Protocol):
    """A write waiting in a table's queue: settled once some write's call stored it or it was refused."""

    settled: bool


W = TypeVar("W", bound=Queued)


class WriteGate:
    """Orders, bounds and counts every write of one guild's store."""

    def __init__(self, backend: Backend, tables: Tables, lease: Lease | None) -> None:
        self.backend = backend
        self.tables = tables
        self.lease = lease
        self.closing = False
        self.running = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopping = asyncio.Event()
        self._background: set[asyncio.Task[None]] = set()
        self._last_write: dict[str, float] = {}
        self._queues: weakref.WeakKeyDictionary[CachedTable, list[Any]] = weakref.WeakKeyDictionary()

    # ------------------------------------------------------------ the ways in

    @asynccontextmanager
    async def table(self, name: str) -> AsyncIterator[CachedTable]:
        """Steps 1 to 3 for a record write: yields the loaded, locked, live table."""
        with self._counted():
            await self._hold()
            table = await self.tables.loaded(name)
            async with table.lock:
                await self.check_live(table)
                await self.pay_markers(table)
                yield table

    async def join(self, name: str, write: W, store: Callable[[CachedTable, list[W]], Awaitable[None]]) -> None:
        """Steps 1 to 6 for a record write that may be packed with others: returns once ``write`` is settled.

        The write waits in the table's queue for the lock. Unless a write ahead
        of it stored it meanwhile, it takes the queue (itself first, then those
        that arrived while it waited, up to ``BATCH_ROWS``) and ``store`` settles every one of them.
        """
        with self._counted():
            self._last_write[name] = asyncio.get_running_loop().time()
            await self._hold()
            table = await self.tables.loaded(name)
            queue: list[W] = self._queues.setdefault(table, [])
            queue.append(write)
            try:
                async with table.lock:
                    if write.settled:
                        return
                    await self.check_live(table)
                    await self.pay_markers(table)
                    taken = queue[:BATCH_ROWS]  # a batch's limit; the rest wait for the next turn
                    del queue[: len(taken)]
                    await store(table, taken)
            finally:
                if write in queue:  # it never got to be stored (an error, or cancelled while waiting)
                    queue.remove(write)

    def last_write(self, name: str) -> float:
        """When (event loop time) a record write to the table last began: compaction lets members go first."""
        return self._last_write.get(name, float("-inf"))

    @asynccontextmanager
    async def catalog(self) -> AsyncIterator[Tables]:
        """Steps 1 to 3 for a change of tables: yields the open catalog, its lock held."""
        with self._counted():
            await self._hold()
            await self.tables.open()
            async with self.tables.lock:
                if self.closing:
                    raise ShuttingDown()
                yield self.tables

    async def call(self, request: Callable[[], Awaitable[T]], table: CachedTable | None = None) -> T:
        """Step 5: the write's Discord call, within the lease and its deadline."""
        seconds = retry.CALL_BUDGET
        if self.lease is not None:
            seconds = await self.lease.ensure(self.tables.catalog())
        try:
            with guard.path("gate"), retry.deadline(seconds):
                async with asyncio.timeout(seconds):  # whatever the backend: never past the lease
                    return await request()
        except TimeoutError as error:
            if table is not None:
                table.mark_stale()
            raise DiscordUnavailable("store the change", error, unknown=True) from None
        except ChannelMissing:
            if table is None:
                raise
            table.mark_damaged()
            raise TableDamaged(table.name) from None
        except DiscordUnavailable as error:
            if error.unknown and table is not None:
                table.mark_stale()  # the write may have landed: read the table again before trusting it
            raise

    # ------------------------------------------------------------ the steps

    @contextmanager
    def _counted(self) -> Iterator[None]:
        if self.closing:
            raise ShuttingDown()
        self.running += 1
        self._idle.clear()
        try:
            yield
        finally:
            self.running -= 1
            if not self.running:
                self._idle.set()

    async def _hold(self) -> None:
        """Hold the guild's write lease; if its last holder could have written since our reads, read again."""
        await self.tables.open()
        if self.lease is None:
            return
        previous = await self.lease.hold(self.tables.catalog())
        if previous is None or previous < self.tables.opened_at:
            return
        log.warning("write lease taken over from a process that wrote after our reads: reading everything again")
        self.tables.invalidate()
        await self.tables.open()

    async def check_live(self, table: CachedTable) -> None:
        """Under the table's lock: refuse a write whose table was dropped or damaged, or the store closed, meanwhile.

        So at shutdown only the write holding each table's lock finishes; the queued ones stop at once.
        A table unloaded (cache budget) or stale while the write waited is read again here.
        """
        if self.closing:
            raise ShuttingDown()
        if not self.tables.holds(table):
            raise UnknownTable(table.name, self.tables.names())
        if table.damaged:
            raise TableDamaged(table.name)
        await self.tables.reload_if_needed(table)

    async def pay_markers(self, table: CachedTable) -> None:
        """Under the table's lock: write the ``gone`` markers it owes (``CachedTable.owe_marker``), in one message."""
        owed = table.owed_markers()
        if not owed:
            return
        text = encode_gone(owed[0]) if len(owed) == 1 else encode_batch([(record_id,) for record_id in owed])
        message_id = await self.call(functools.partial(self.backend.send, table.channel_id, text), table)
        table.note_message(message_id, owed)
        for record_id in owed:
            table.marker_written(record_id)

    async def settle(self, name: str) -> None:
        """Write what the table owes now (a background write after a hand deletion); a failure leaves it owed."""
        async with self.table(name):
            pass

    # ------------------------------------------------------------ background writes and the lifecycle

    def spawn(self, write: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run a write that nobody waits for (from a gateway event); a failure is logged."""
        task = asyncio.ensure_future(write())
        self._background.add(task)
        task.add_done_callback(self._background_done)

    def _background_done(self, task: asyncio.Task[None]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background storage write failed", exc_info=task.exception())

    async def drain(self) -> None:
        """Wait for the background writes (before a shutdown, or in tests)."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    async def rest(self, seconds: float) -> None:
        """Sleep in a background write (compaction's pauses), waking at once when the store begins closing."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def close(self, grace: float) -> bool:
        """Refuse new writes, wait for running ones, write owed markers; True if all is done (release the lease)."""
        self.closing = True
        self._stopping.set()
        try:
            await asyncio.wait_for(self._idle.wait(), grace)
            await asyncio.wait_for(self.drain(), 2.0)
        except TimeoutError:
            log.warning("%d writes still running after %.0f s", self.running, grace)
            return False
        owing = [table for table in self.tables.all() if table.owed_markers() and not table.damaged]
        for table in owing:
            async with table.lock:
                try:
                    await self.pay_markers(table)
                except Exception:  # a restart must still go on; the next process reads what is there
                    log.exception("could not write the deletion markers of %s before closing", table.name)
        return True
