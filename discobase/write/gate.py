"""The write gate: the lifecycle of one guild's writes and the lease under them; no encoding, no data.

Every write takes the same steps in the same order:

1. **gate**: counted while it runs, so ``close()`` can wait for it; refused once
   closing began; then the caller's ``before_writes`` hook, if any, runs (the
   bot acknowledges the member's interaction there, so a write starts only in
   the process that answers it; see replies.py);
2. **lease**: this process holds the guild's write lease (I6 in store.py,
   lease.py); if the lease was taken over from a process that wrote after our
   reads, everything is read again first;
3. **lock**: the table's lock (record writes) or the catalog's (table changes),
   so two writes on a table never interleave (I4); under it the write checks
   that the store is not closing, the table is still in the catalog and not
   damaged, and reads it again if it is stale;
4. **one Discord call** through ``call()``: the lease still held with time to
   spare (renewed if due), our wait bounded by that time (retry.py), a vanished
   channel marking the table damaged, an unknown outcome marking it stale. A
   time-out is an unknown outcome only if a request may have reached Discord
   (sending.py): one that discord.py still held for a rate limit, or that
   Discord refused, changed nothing.

What a record write stores, and how memory follows, is the commit's (commit.py).
A stale table (a new gateway session, a lease taken over) is never unloaded
under a running write: the write that holds its lock finishes against it, and
the next one reads it again in step 3.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, TypeVar

from discord.ext import tasks
from discord.utils import MISSING

from ..backend import Backend
from ..cache.catalog_cache import Tables
from ..cache.stored_table import StoredTable
from ..errors import ChannelMissing, DiscobaseError, DiscordUnavailable, ShuttingDown, TableDamaged, UnknownTable
from . import guard, retry, sending
from .lease import Lease

__all__ = ["WriteGate", "before_write_hook", "before_writes"]

log = logging.getLogger(__name__)
T = TypeVar("T")

_REST = "discobase: background pause"

_before_write: contextvars.ContextVar[Callable[[], Awaitable[None]] | None] = contextvars.ContextVar(
    "discobase_before_write", default=None
)


_lease_wait: contextvars.ContextVar[Callable[[bool], None] | None] = contextvars.ContextVar(
    "discobase_lease_wait", default=None
)


@contextmanager
def before_writes(
    hook: Callable[[], Awaitable[None]], *, lease_wait: Callable[[bool], None] | None = None
) -> Iterator[None]:
    """Writes started in this context (and tasks created in it) await ``hook`` when admitted, before anything else.

    If the hook raises, the write never starts: no lease, no queue, no request.
    The bot passes "acknowledge the interaction": Discord lets one process
    acknowledge it, so the process refused (40060) or too late (10062) never
    writes. The hook may run more than once (once per write): make it idempotent.
    ``lease_wait(True)`` is called when a write starts waiting for the lease
    (not held here: another process may hold it), ``lease_wait(False)`` when it
    stops; the bot lets a holder elsewhere answer first, as it may have the same
    interaction.
    """
    token = _before_write.set(hook)
    waits = _lease_wait.set(lease_wait)
    try:
        yield
    finally:
        _lease_wait.reset(waits)
        _before_write.reset(token)


async def _run_before_write() -> None:
    hook = _before_write.get()
    if hook is not None:
        await hook()


def before_write_hook() -> Callable[[], Awaitable[None]] | None:
    """The ``before_writes`` hook of the running write, to run again just before it is stored (group commit)."""
    return _before_write.get()


async def _pause() -> None:
    """The body of a rest's one-iteration loop: nothing; the loop's interval after it is the pause."""


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
        self._resting: set[tasks.Loop[Any]] = set()
        self._background: set[asyncio.Task[None]] = set()
        self._last_write: dict[str, float] = {}

    # ------------------------------------------------------------ the ways in

    @asynccontextmanager
    async def admitted(self, table: StoredTable, *, queued: bool = False) -> AsyncIterator[StoredTable]:
        """Steps 1 and 2 for a record write: the table loaded, the lock not taken yet.

        ``queued``: a member's write joining the table's queue (group commit), which compaction lets go first.
        """
        with self._counted():
            await _run_before_write()
            if queued:
                self._last_write[table.name] = asyncio.get_running_loop().time()
            await self._hold()
            await self.tables.ensure_loaded(table)
            yield table

    @asynccontextmanager
    async def table(self, table: StoredTable) -> AsyncIterator[StoredTable]:
        """Steps 1 to 3 for a record write: the table loaded, locked and live."""
        async with self.admitted(table), table.lock:
            await self.check_live(table)
            yield table

    async def prepare(self) -> None:
        """At start-up: if the guild holds storage, read its catalog and take the write lease ahead of any write.

        A deploy's first member then waits for neither (the lease: 3 requests
        and about a second). A guild without storage gets nothing: no channel
        is made until someone creates a table. The lease is taken only if no
        other process holds it: while an old process still serves (a deploy's
        overlap), the first write queues as it would have. Counted like a
        write: a shutdown waits for it, then releases what it took.
        """
        if self.closing or self.tables.category_name not in self.backend.categories().values():
            return
        with self._counted():
            try:
                await self.tables.open()
                await self._hold(wait=False)
            except DiscobaseError as error:  # another process holds it, Discord is down: the first write tries again
                log.info("write lease not taken at start-up: %s", error)

    def last_write(self, name: str) -> float:
        """When (event loop time) a queued record write to the table last began: compaction lets members go first."""
        return self._last_write.get(name, float("-inf"))

    @asynccontextmanager
    async def catalog(self) -> AsyncIterator[Tables]:
        """Steps 1 to 3 for a change of tables: yields the open catalog, its lock held."""
        with self._counted():
            await _run_before_write()
            await self.tables.open()
            await self._hold()
            async with self.tables.lock:
                if self.closing:
                    raise ShuttingDown()
                yield self.tables

    @asynccontextmanager
    async def catalog_entry(self, name: str, *, live: bool = False) -> AsyncIterator[StoredTable]:
        """Steps 1 to 3 for a change of one table's catalog entry: yields the table, the catalog's and its lock held.

        ``live``: the change reads the records too (add or alter a column), so
        the table must not be damaged, and is read again if stale.
        """
        async with self.catalog() as tables:
            table = tables.entry(name)
            async with table.lock:
                if live:
                    await self.check_live(table)
                yield table

    async def call(self, request: Callable[[], Awaitable[T]], table: StoredTable | None = None) -> T:
        """Step 4: the write's Discord call, within the lease and its deadline.

        The caller's ``before_writes`` hook runs again first: the write may have
        waited long (for the lease, the lock, a queue) since it was admitted.
        """
        await _run_before_write()
        seconds = retry.CALL_BUDGET
        if self.lease is not None:
            seconds = await self.lease.ensure(self.tables.catalog())
        try:
            with guard.path("gate"), retry.deadline(seconds), sending.watching() as watch:
                try:
                    async with asyncio.timeout(seconds):  # whatever the backend: never past the lease
                        return await request()
                except TimeoutError as error:
                    unknown = watch.may_have_reached()  # not if discord.py was still waiting to send, or was refused
                    if unknown and table is not None:
                        table.mark_stale()
                    raise DiscordUnavailable("store the change", error, unknown=unknown) from None
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

    async def _hold(self, *, wait: bool = True) -> None:
        """Hold the guild's write lease; if its last holder could have written since our reads, read again."""
        if self.lease is None:
            return
        note = _lease_wait.get() if not self.lease.held else None
        if note is not None:
            note(True)
        try:
            previous = await self.lease.hold(self.tables.catalog(), wait=wait)
        finally:
            if note is not None:
                note(False)
        if previous is None or previous < self.tables.opened_at:
            return
        log.warning("write lease taken over from a process that wrote after our reads: reading everything again")
        self.tables.invalidate()
        await self.tables.open()

    async def check_live(self, table: StoredTable) -> None:
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

    # ------------------------------------------------------------ background writes and the lifecycle

    def spawn(self, write: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run a write that nobody waits for (from a gateway event); a failure is logged."""
        quiet = contextvars.copy_context()  # not the spawning command's: its before_writes hook is not ours
        quiet.run(_before_write.set, None)
        quiet.run(_lease_wait.set, None)
        task = asyncio.get_running_loop().create_task(write(), context=quiet)
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
        """Sleep in a background write (compaction's pauses), waking at once when the store begins closing.

        The pause is a ``discord.ext.tasks`` loop's interval, the way discord.py
        bots wait in the background: a simulated Discord (SimCord) counts such a
        wait as parked and runs it when its clock is advanced, so a test settles
        while compaction waits; a task waiting on an event with a time-out (as
        this once did) keeps it from ever settling. ``close()`` cancels it.
        """
        if self.closing:
            return
        timer = tasks.Loop(
            _pause, seconds=seconds, hours=0, minutes=0, time=MISSING, count=1, reconnect=False, name=_REST
        )
        self._resting.add(timer)
        try:
            await timer.start()
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if not self.closing or current is None or current.cancelling():
                raise  # we were cancelled ourselves, not woken by close()
        finally:
            self._resting.discard(timer)

    async def close(self, grace: float) -> bool:
        """Refuse new writes and wait for running ones; True if all is done (then owed markers may be paid)."""
        self.closing = True
        for timer in list(self._resting):
            timer.cancel()  # wake the resting background writes: they see ``closing`` and stop
        try:
            await asyncio.wait_for(self._idle.wait(), grace)
            await asyncio.wait_for(self.drain(), 2.0)
        except TimeoutError:
            log.warning("%d writes still running after %.0f s", self.running, grace)
            return False
        return True
