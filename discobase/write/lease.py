"""One writer per guild: a lease that Discord's order of messages decides.

Each guild is served by one process, but during a rolling deploy the old and
the new process overlap. Two writers would each give ids and check unique
columns against their own cache, so before writing a process must hold the
guild's lease. Discord has no compare-and-swap, so the lease is the lock recipe
of ZooKeeper and etcd (sequential nodes, the lowest live one holds), with
Discord's message ids as the sequence:

- **Claims.** A process that wants to write posts its own claim in the catalog
  channel, ``{"v": 1, "kind": "lease", "owner": <token>, "until": <unix time>}``.
  Discord gives it a snowflake id; ids in a channel are totally ordered.
- **Live.** A claim is live while its message exists and ``until + SKEW`` is
  still ahead of the reader's clock. A dead claim never lives again: its owner
  never renews it (it posts a new claim, which queues behind the others), so
  anybody may delete it.
- **Holding.** A process holds the lease once a listing of the channel, made
  ``SETTLE`` seconds after a listing first showed its own claim, shows every
  older claim dead. Until its claim shows, it lists again (Discord's history
  may show a new message late); the time from sending the claim to seeing it,
  plus ``SETTLE``, is its ``lag``, the bound it then assumes on any message's
  delay (a claim that took over ``MAX_LAG`` is posted anew). From then on it
  holds until its own claim dies, ``SKEW + lag`` before ``until``; it never
  looks at the others again, and nobody edits another's claim.
- **Taking over.** A holder that follows another waits until ``lag`` after the
  previous claim ended before it reads, so the previous holder's last writes
  show in history; tables read before then are read again.
- **Renewal and release.** The holder edits its own claim to ``until = now +
  LEASE_SECONDS`` when less than ``RENEW_BELOW`` seconds are left, so an active
  guild pays one request per half minute. A renewal counts only if its answer
  came back before ``until - SKEW - lag``; a late or lost answer (the edit may have
  landed after others saw the claim dead) abandons the claim. Release (clean
  shutdown) edits ``until`` to the release time: the last moment the holder
  could have written (it writes ``until = now - SKEW``, so the claim is dead at
  once and ends then), which the next holder compares with the time of its own
  reads to know whether its caches are stale. The new holder deletes the dead
  claims older than its own.

Liveness is judged by the clock as it read *before* the listing was asked
for: a listing that arrives late shows the claims as they were at some moment
after that reading, and a claim dead then is dead for good.

Why two processes cannot both hold it. Say P and Q both hold, P's claim older.
Q holds, so Q's listing showed P's claim dead or did not show it. Not shown:
impossible, since P's claim is older than Q's, Q's showed in an earlier
listing, and Q's deciding listing came ``SETTLE`` seconds after that one
(assumption 1). Shown dead: deleted (by hand; then P learns
it from the gateway and stops), released (then P stopped holding before it
wrote the release), or expired on Q's clock, ``now_Q > until_P + SKEW``. P holds
only while ``now_P < until_P - SKEW - lag_P`` and renews only with an answer back
before that, so with clocks ``SKEW`` apart at most (assumption 2) P's last
renewal landed, and showed in history (assumption 1), and P's belief ended
before Q saw the claim dead. Q's decision came after
P's; the same reasoning with the roles swapped rules out the other order.

This is invariant I6 of store.py. Assumptions: (1) the history lags by about
as much for every message of the guild: a message (or an edit) shows in a
channel's history at most ``SETTLE`` seconds later than one stored at the same
moment or after it; so a message older than one a listing shows is in every
listing made ``SETTLE`` seconds later, and no message takes longer to show than
our own claim did plus ``SETTLE`` (the lease measures that lag, up to
``MAX_LAG``, instead of assuming a fixed delay; tests/discobase/test_lease.py
runs it on a history 3 and 10 s late); (2) the processes' clocks agree within ``SKEW`` seconds (hosts keep
NTP time; discord.py's ``utcnow``); (3) a write's request is applied by Discord
before the claim's ``until``. Our side bounds only our wait: the write gate
gives a call a deadline that stops ``SKEW + lag`` seconds before ``until`` (retry.py
ends the wait with a time-out), but a request already sent may still be
applied by Discord after that (I7 in store.py). Such a write is never
acknowledged (its outcome is unknown, so the table is read again), and a
successor reads everything after taking over; what (3) cannot rule out is a
request held inside Discord for longer than the margin, landing after the
successor's reads.

Known limit: a holder that is paused (a frozen container, a stalled event loop)
for longer than the time left on its claim, after its check and before its
request reaches Discord, can write after its claim died. The margin bounds
that: a write starts only with ``RENEW_BELOW`` (30 s) left, less the call's own
deadline, so such a pause must last about half a minute. Likewise, a claim
deleted by hand stops its holder only when the gateway's delete event arrives,
and the holder's tombstone (a dead claim that records when it stopped, so the
next holder knows to read everything again) lands a moment later: a successor
taking over in between may miss the last writes.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import discord
import orjson

from ..backend import Backend
from ..errors import DiscobaseError, MessageMissing, StorageBusy
from . import guard

__all__ = ["LEASE_SECONDS", "Claim", "Lease", "LeaseLost", "LeaseTerms", "new_owner_token"]

log = logging.getLogger(__name__)

LEASE_SECONDS = 60.0
RENEW_BELOW = 30.0
SKEW = 2.0
SETTLE = 1.0
POLL = 5.0
MAX_LAG = 15.0
"""The most seconds a claim may take to show in history (plus ``SETTLE``) and still serve: a quarter of the lease."""


def _utc_seconds() -> float:
    """Wall-clock time, shared by every process (discord.py's clock, which test harnesses can drive)."""
    return discord.utils.utcnow().timestamp()


def new_owner_token() -> str:
    """A token naming this process as a lease owner."""
    return secrets.token_hex(8)


class LeaseLost(DiscobaseError):
    """The write lease was lost before a write could be sent; nothing was written."""

    def __init__(self) -> None:
        super().__init__(
            "Another copy of the bot took over writing to this server just now. Nothing was changed; try again."
        )


@dataclass(frozen=True, slots=True)
class LeaseTerms:
    """A claim as written: who owns it, until when it is live."""

    owner: str
    until: float
    tombstone: bool = False

    def encode(self) -> str:
        """The claim message's text."""
        payload: dict[str, object] = {"v": 1, "kind": "lease", "owner": self.owner, "until": self.until}
        if self.tombstone:
            payload["tomb"] = True
        return orjson.dumps(payload).decode()

    @staticmethod
    def decode(text: str) -> LeaseTerms | None:
        """Read a claim message; None when the text is not one."""
        try:
            payload = orjson.loads(text)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(payload, dict) or payload.get("kind") != "lease" or payload.get("v") != 1:
            return None
        owner, until = payload.get("owner"), payload.get("until")
        if not isinstance(owner, str) or not isinstance(until, int | float):
            return None
        return LeaseTerms(owner, float(until), payload.get("tomb") is True)


@dataclass(frozen=True, slots=True)
class Claim:
    """A claim message as listed: its id (its place in the queue) and its terms."""

    id: int
    terms: LeaseTerms

    @property
    def ends(self) -> float:
        """When the claim is dead on every clock: its owner's last write landed before then."""
        return self.terms.until + SKEW

    def live(self, now: float) -> bool:
        """Whether a reader whose clock says ``now`` must still count this claim."""
        return self.ends > now


class Lease:
    """Our claim to write in one guild (see the module docstring for the protocol)."""

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
        self.claim_id: int | None = None
        self.until = 0.0
        self.lag = 0.0  # how late our claim showed in history, plus ``settle``: the bound on any message's lag
        self._posted_at = 0.0  # our clock before the claim was sent
        self._shown: int | None = None  # the claim a listing has shown (so the next, ``settle`` later, decides)
        self._holding = False
        self._held_with: int | None = (
            None  # a claim we held the lease with is never deleted by us: it says when we stopped
        )
        self._lock = asyncio.Lock()

    @staticmethod
    def is_claim(text: str) -> bool:
        """Whether a catalog message is a claim (so the catalog skips it)."""
        return LeaseTerms.decode(text) is not None

    @property
    def held(self) -> bool:
        """Whether this process holds the lease now, with its claim live on every clock."""
        return self._holding and self.until - self._margin > self.clock()

    @property
    def _margin(self) -> float:
        """How long before ``until`` our belief ends: the clocks' skew, and the history's lag for our renewals."""
        return SKEW + self.lag

    def seconds_left(self) -> float:
        """How long a write started now may take and still land while the claim is live (0 when not held)."""
        return max(0.0, self.until - self._margin - self.clock()) if self._holding else 0.0

    async def hold(self, catalog_id: int, *, wait: bool = True) -> float | None:
        """Make sure this process holds the lease with at least ``RENEW_BELOW`` seconds left.

        Returns None when it held the lease already, or took it with no other
        holder before it; else the last moment the previous holder could have
        written (a cache read before then may miss its writes). Waits while
        another process holds it, up to ``wait_limit`` seconds (not at all
        without ``wait``: the claim stays queued for the next call), then
        raises ``StorageBusy``.
        """
        async with self._lock:
            if self.held and self.until - self.clock() > RENEW_BELOW:
                return None
            if self.held and await self._renew(catalog_id):
                return None
            return await self._acquire(catalog_id, self.wait_limit if wait else 0.0)

    async def ensure(self, catalog_id: int) -> float:
        """Just before a write's Discord call: renew if due, never wait; the seconds the call may take.

        Raises ``LeaseLost`` when the lease is no longer held: taking it again
        would mean reading everything again, which a write holding a table's
        lock must not do.
        """
        async with self._lock:
            if self.held and self.until - self.clock() <= RENEW_BELOW:
                await self._renew(catalog_id)
            if not self.held:
                raise LeaseLost()
            return self.seconds_left()

    async def _acquire(self, catalog_id: int, patience: float) -> float | None:
        loop = asyncio.get_running_loop()
        # Bounded by both clocks: the wall clock can stand still (a test harness), the loop's is not shared.
        deadline, loop_deadline = self.clock() + patience, loop.time() + patience
        self._holding = False
        while True:
            if self.claim_id is None or self.until + SKEW <= self.clock():
                await self._post(catalog_id)
            now = self.clock()  # before the listing: what it shows was true at some moment after this
            claims = await self._claims(catalog_id)
            left = min(deadline - self.clock(), loop_deadline - loop.time())
            if not any(claim.id == self.claim_id for claim in claims):
                if self._shown == self.claim_id:
                    self.claim_id = None  # shown before, gone now: deleted by hand (or as dead): queue again
                    continue
                if left <= 0:
                    raise StorageBusy(POLL)
                await self.sleep(max(0.1, min(POLL, self.settle, left)))  # not shown yet: the history lags
                continue
            if self._shown != self.claim_id:
                if not await self._first_shown(catalog_id, left):
                    continue
                if self.settle > 0:
                    await self.sleep(self.settle)  # the next listing decides: every older claim shows by then
                    continue
            older = [claim for claim in claims if claim.id < (self.claim_id or 0)]
            blocking = [claim for claim in older if claim.live(now) and claim.terms.owner != self.owner]
            if not blocking:
                return await self._take(catalog_id, older, claims)
            wait = max(claim.ends for claim in blocking) - now
            if left <= 0:
                raise StorageBusy(wait)
            log.info("another process holds this guild's write lease for %.0f s more; waiting", wait)
            await self.sleep(max(0.1, min(POLL, wait, left)))
            if self.claim_id is not None and self.until - self.clock() <= RENEW_BELOW:
                await self._renew(catalog_id)  # keep our place in the queue

    async def _first_shown(self, catalog_id: int, left: float) -> bool:
        """A listing shows our claim for the first time: measure the lag; False (claim dropped) if it is too long."""
        self._shown = self.claim_id
        self.lag = self.clock() - self._posted_at + self.settle
        if self.lag <= MAX_LAG:
            return True
        log.warning("our write-lease claim took %.0f s to show in the channel's history: queueing again", self.lag)
        if left <= 0:
            raise StorageBusy(POLL)
        self.until = 0.0  # dead to us: the next round posts anew (and deletes this one)
        return False

    async def _take(self, catalog_id: int, older: list[Claim], claims: list[Claim]) -> float | None:
        """Every older claim is dead: hold the lease, clean the dead claims, report the previous holder's end."""
        self._holding = True
        self._held_with = self.claim_id
        if self.until - self.clock() <= RENEW_BELOW and not await self._renew(catalog_id):
            return await self._acquire(catalog_id, self.wait_limit)
        others = [claim for claim in older if claim.terms.owner != self.owner] + [
            claim for claim in claims if claim.terms.tombstone and claim.terms.owner != self.owner
        ]
        with guard.path("lease"):
            for claim in older:
                await self.backend.delete(catalog_id, claim.id)  # dead claims never live again
        previous = max((claim.ends for claim in others), default=None)
        if previous is not None:
            # The previous holder's last writes landed before its claim ended; they show in history ``lag`` later.
            previous += self.lag
            if (wait := previous - self.clock()) > 0:
                await self.sleep(wait)
        log.info(
            "write lease taken%s",
            f" (previous holder's claim ended {self.clock() - previous:.0f} s ago)" if previous is not None else "",
        )
        return previous

    async def _post(self, catalog_id: int) -> None:
        stale = self.claim_id
        self._posted_at = until = self.clock()
        until += LEASE_SECONDS
        with guard.path("lease"):
            self.claim_id = await self.backend.send(catalog_id, LeaseTerms(self.owner, until).encode())
        self.until = until
        if stale is not None and stale != self._held_with:
            with guard.path("lease"):
                await self.backend.delete(catalog_id, stale)  # our own dead claim, a place in the queue only

    async def _renew(self, catalog_id: int) -> bool:
        """Extend our claim; False (the claim abandoned) when the answer came too late to count."""
        assert self.claim_id is not None, "only a posted claim is renewed"
        started, ends = self.clock(), self.until
        until = started + LEASE_SECONDS
        try:
            with guard.path("lease"):
                await self.backend.edit(catalog_id, self.claim_id, LeaseTerms(self.owner, until).encode())
        except MessageMissing:
            log.warning("our write-lease claim was deleted by hand: queueing again")
            self._abandon()
            return False
        except DiscobaseError:
            if self.clock() < ends - self._margin:
                return self.held  # the claim still runs: later writes try the renewal again
            self._abandon()
            raise
        if self.clock() >= ends - self._margin:
            log.warning("write-lease renewal answered too late to count: queueing again")
            self._abandon()
            return False
        self.until = until
        return True

    def _abandon(self) -> None:
        """Stop counting on our claim; the next ``hold`` posts a new one (and deletes the old, if it is still there)."""
        self._holding = False
        self.until = 0.0

    async def _claims(self, catalog_id: int) -> list[Claim]:
        """Every claim in the catalog channel, oldest first."""
        claims = []
        async for message in self.backend.history(catalog_id):
            if message.author_id != self.backend.me_id:
                continue
            terms = LeaseTerms.decode(message.text)
            if terms is not None:
                claims.append(Claim(message.id, terms))
        return sorted(claims, key=lambda claim: claim.id)

    def claim_deleted(self, message_id: int) -> bool:
        """The gateway says a catalog message was deleted; if it was our claim, we hold nothing any more.

        True if we held the lease with it: then ``tombstone()`` must follow at once.
        """
        if message_id != self.claim_id:
            return False
        log.warning("our write-lease claim was deleted by hand: writes wait for the lease again")
        held = self.held
        self.claim_id = None
        self._abandon()
        return held

    async def tombstone(self, catalog_id: int) -> None:
        """Stand in for our claim deleted by hand: a claim dead at once, ending now.

        A successor that finds no claim of ours would not know that our writes
        may be newer than its cache; a tombstone, of any age, tells it.
        """
        with guard.path("lease"):
            await self.backend.send(catalog_id, LeaseTerms(self.owner, self.clock() - SKEW, tombstone=True).encode())

    def forget(self) -> None:
        """Drop what is known of our claim: the catalog channel that held it is gone."""
        self.claim_id = None
        self._abandon()

    async def release(self, catalog_id: int) -> None:
        """Give the lease up (at shutdown), so a newcomer need not wait for the claim to run out."""
        async with self._lock:
            if self.claim_id is None:
                return
            was_holding = self.held
            self._abandon()
            claim_id, self.claim_id = self.claim_id, None
            if claim_id == self._held_with and not was_holding:
                return  # it ran out: its ``until`` already says when we stopped writing
            if not was_holding:
                with guard.path("lease"):
                    await self.backend.delete(catalog_id, claim_id)  # a place in the queue, never used to write
                return
            try:
                # Dead at once on every clock, ending now: the next holder learns when our last write landed.
                released = LeaseTerms(self.owner, self.clock() - SKEW).encode()
                with guard.path("lease"):
                    await self.backend.edit(catalog_id, claim_id, released)
            except MessageMissing:
                return  # deleted by hand: there is nothing left to release
            log.info("write lease released")
