"""One writer per guild: a lease message in the catalog channel.

Each guild is served by one process, but during a rolling deploy the old and
the new process overlap. Two writers would each assign ids and check unique
columns against their own cache, so the newcomer waits: before writing, a
process must hold the guild's lease, ``{"v": 1, "kind": "lease", "owner": <token>,
"until": <unix time>}``, one message in the catalog channel.

- Holding it costs nothing; it is renewed (one edit) when a write finds less
  than ``RENEW_BELOW`` seconds left, so an active guild costs one request per
  half minute at most.
- Taking it over (it is someone else's and expired or released): read it, write
  it, wait ``SETTLE`` seconds, read it again; the last writer wins, so two
  newcomers racing cannot both believe they hold it. Then the caches are
  dropped: the previous holder may have written since they were loaded.
- A clean shutdown releases it (``until`` becomes the release time), so the
  newcomer goes on at once; after a crash it waits for the lease to run out
  (``LEASE_SECONDS``). The previous holder's ``until`` is the last moment it
  could have written: caches read before then are stale.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import discord
import orjson

from .backend import Backend, StoredMessage
from .errors import MessageMissing, StorageBusy

__all__ = ["LEASE_SECONDS", "Lease", "LeaseTerms", "new_owner_token"]

log = logging.getLogger(__name__)

LEASE_SECONDS = 60.0
RENEW_BELOW = 30.0
SETTLE = 1.0
POLL = 5.0


def _utc_seconds() -> float:
    """Wall-clock time, shared by every process (discord.py's clock, which test harnesses can drive)."""
    return discord.utils.utcnow().timestamp()


def new_owner_token() -> str:
    """A token naming this process as a lease owner."""
    return secrets.token_hex(8)


@dataclass(frozen=True, slots=True)
class LeaseTerms:
    """A lease as written: who holds it, until when."""

    owner: str
    until: float

    def encode(self) -> str:
        """The lease message's text."""
        return orjson.dumps({"v": 1, "kind": "lease", "owner": self.owner, "until": self.until}).decode()

    @staticmethod
    def decode(text: str) -> LeaseTerms | None:
        """Read a lease message; None when the text is not one."""
        try:
            payload = orjson.loads(text)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(payload, dict) or payload.get("kind") != "lease" or payload.get("v") != 1:
            return None
        owner, until = payload.get("owner"), payload.get("until")
        if not isinstance(owner, str) or not isinstance(until, int | float):
            return None
        return LeaseTerms(owner, float(until))


class Lease:
    """A process's claim to write in one guild."""

    def __init__(
        self,
        backend: Backend,
        owner: str,
        *,
        clock: Callable[[], float] = _utc_seconds,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        settle: float | None = None,
        wait_limit: float = LEASE_SECONDS + 15,
    ) -> None:
        self.backend = backend
        self.owner = owner
        self.clock = clock
        self.sleep = sleep
        self.settle = SETTLE if settle is None else settle  # read now, so tests can set SETTLE to 0
        self.wait_limit = wait_limit
        self.message_id: int | None = None
        self.terms: LeaseTerms | None = None
        self._lock = asyncio.Lock()

    def found(self, message: StoredMessage) -> bool:
        """Take note of a lease message met while reading the catalog (newest first); True if it is one."""
        terms = LeaseTerms.decode(message.text)
        if terms is None:
            return False
        if self.message_id is None:
            self.message_id, self.terms = message.id, terms
        return True

    @property
    def held(self) -> bool:
        """Whether this process holds the lease now, with time to spare."""
        return self.terms is not None and self.terms.owner == self.owner and self.terms.until > self.clock()

    async def hold(self, catalog_id: int) -> LeaseTerms | None:
        """Make sure this process holds the lease; returns the previous holder's terms when it was another's.

        Waits while another process holds it, up to ``wait_limit`` seconds, then
        raises ``StorageBusy``.
        """
        async with self._lock:
            if self.held and self.terms is not None and self.terms.until - self.clock() > RENEW_BELOW:
                return None
            if self.held:
                try:
                    await self._write(catalog_id)  # renewal: nobody takes an unexpired lease, so no check needed
                    return None
                except MessageMissing:
                    self.forget()  # the lease message was deleted by hand: agree on a new one
            return await self._take(catalog_id)

    async def _take(self, catalog_id: int) -> LeaseTerms | None:
        loop = asyncio.get_running_loop()
        # Bounded by both clocks: the wall clock can stand still (a test harness), the loop's is not shared.
        deadline, loop_deadline = self.clock() + self.wait_limit, loop.time() + self.wait_limit
        while True:
            if self.message_id is None:
                await self._agree_on_message(catalog_id)
            current = await self._read(catalog_id)
            if self.message_id is None:
                continue  # the lease message vanished (deleted by hand): agree on one again
            now = self.clock()
            if current is None or current.owner == self.owner or current.until <= now:
                try:
                    await self._write(catalog_id)
                except MessageMissing:
                    self.forget()
                    continue
                await self.sleep(self.settle)
                confirmed = await self._read(catalog_id)
                if confirmed is not None and confirmed.owner == self.owner:
                    previous = current if current is not None and current.owner != self.owner else None
                    log.info("write lease taken (previous holder: %s)", previous.owner if previous else "none")
                    return previous
                continue  # another newcomer wrote after us: it holds the lease now
            left = min(deadline - now, loop_deadline - loop.time())
            if left <= 0:
                raise StorageBusy(current.until - now)
            log.info("another process holds this guild's lease for %.0f s more; waiting", current.until - now)
            await self.sleep(max(0.1, min(POLL, current.until - now, left)))

    async def _agree_on_message(self, catalog_id: int) -> None:
        """Settle on one lease message with any other newcomer: the oldest the bot wrote in the catalog.

        Where there is none, post a released one first; if another process posted
        one at the same time, both see the same oldest and the other copy is deleted.
        """
        oldest = await self._oldest_lease(catalog_id)
        if oldest is None:
            mine = await self.backend.send(catalog_id, LeaseTerms(self.owner, 0.0).encode())
            oldest = await self._oldest_lease(catalog_id) or mine
            if oldest != mine:
                await self.backend.delete(catalog_id, mine)
        self.message_id = oldest

    async def _oldest_lease(self, catalog_id: int) -> int | None:
        oldest = None
        async for message in self.backend.history(catalog_id):
            if message.author_id == self.backend.me_id and LeaseTerms.decode(message.text) is not None:
                oldest = message.id  # newest first: the last one seen is the oldest
        return oldest

    async def _read(self, catalog_id: int) -> LeaseTerms | None:
        if self.message_id is None:
            return None
        message = await self.backend.fetch(catalog_id, self.message_id)
        if message is None:
            self.message_id = None
            return None
        return LeaseTerms.decode(message.text)

    async def _write(self, catalog_id: int, until: float | None = None) -> None:
        assert self.message_id is not None, "the lease message is agreed on before it is written"
        terms = LeaseTerms(self.owner, self.clock() + LEASE_SECONDS if until is None else until)
        await self.backend.edit(catalog_id, self.message_id, terms.encode())
        self.terms = terms

    def forget(self) -> None:
        """Drop what is known of the lease message: the catalog channel that held it is gone."""
        self.message_id, self.terms = None, None

    async def release(self, catalog_id: int) -> None:
        """Give the lease up (at shutdown), so a newcomer need not wait for it to run out."""
        async with self._lock:
            if self.held:
                try:
                    await self._write(catalog_id, until=self.clock())
                except MessageMissing:
                    self.forget()  # deleted by hand: there is nothing left to release
