"""Compaction: fold a table's many small messages into batch messages, then delete them.

A table grown by single inserts holds one message per record, and a cold load
reads them at 100 a request (10,000 records: 100 requests). In the background,
compaction rewrites them into batches of up to ``BATCH_ROWS`` records, so a cold
load reads about one message per 1,000 records. It works in steps, each one
write through the write gate under the table's lock (so a member's command
waits for at most one of them), with pauses between steps and none while
members are writing to the table:

- **fold**: the table's loose messages (single records, ``gone`` markers,
  untagged batches not yet full; ledger.py) that decide something are
  rewritten, oldest first, into one new batch: a draft of each id they
  decide, with its state from the cache (the record, or ``[id]``: gone),
  committed like any other (commit.py). The ledger then says the records live
  in the new batch; the folded messages decide nothing any more;
- **sweep**: a draft of up to 100 messages that decide nothing, committed as
  one bulk delete (messages 14 days old or older one by one, as Discord allows
  only young ones in bulk, see the Discord backend).

Why nothing is lost or brought back, whenever compaction stops (a crash, a
restart, an error):

1. The fold batch is built under the table's lock (I4 in store.py) from the
   cache, which holds what Discord decides (I1), so the batch says exactly what
   Discord's messages decide at that moment. It is the newest message naming
   those ids, so from then on it decides them the same way (I2). A write after
   it, made under the same lock, is newer still and decides over it: a fold
   never overwrites a later update or delete.
2. A message swept decides nothing: every id it names is decided by a newer
   message. Deleting it changes no decision, in any order, one or all of them,
   so a crash between the fold and the sweep, or in the middle of the sweep,
   leaves a table that reads exactly the same; the messages left are swept by
   a later run (a cold load finds them again: ``loose``, deciding nothing).
3. ``gone`` decisions are folded too, so a deleted record's older copies stay
   overridden and the highest id stays named (ids are never given twice).
4. A fold whose outcome is unknown marks the table stale, as any write: it is
   read again before the next use, with or without the batch, both correct.
5. A folded record is marked shadowed (an older copy of it may remain until
   swept): if its batch is deleted by hand, a ``gone`` marker is written for
   it, so the old copy cannot come back. Messages already deleted by hand are
   no error to a sweep.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass

import orjson

from ..cache.draft import Draft
from ..cache.stored_table import StoredTable
from ..errors import DiscobaseError, ShuttingDown
from .commit import Committer
from .gate import WriteGate
from .imports import BATCH_BYTES, BATCH_ROWS

__all__ = ["COMPACT_AT", "CompactionResult", "Compactor"]

log = logging.getLogger(__name__)

COMPACT_AT = 100
"""Loose messages in a table that start a compaction in the background."""
FULL = BATCH_ROWS * 9 // 10
"""A batch deciding this many ids is left as it is."""
SWEEP = 100
"""Messages one bulk delete takes (Discord: 2 to 100)."""


@dataclass
class CompactionResult:
    """What a compaction did: batches written and messages deleted."""

    batches: int = 0
    deleted: int = 0


class Compactor:
    """Compacts one guild's tables, one step at a time; at most one run per table.

    ``pause`` seconds pass after a sweep, five times that after a fold (a
    message create: at most one of the channel's 5 per 5 s), and a step waits
    until no member has written to the table for ``quiet`` seconds, so members
    get the rate limits first.
    """

    def __init__(
        self, gate: WriteGate, committer: Committer, threshold: int = COMPACT_AT, pause: float = 1.0, quiet: float = 2.0
    ) -> None:
        self.gate = gate
        self.committer = committer
        self.threshold = threshold
        self.pause = pause
        self.quiet = quiet
        self.total = CompactionResult()
        self._running: set[str] = set()
        self._futile: dict[str, int] = {}  # loose messages when a run last found nothing to do

    def consider(self, table: StoredTable) -> None:
        """After a write to the table: start compacting it in the background if it has many loose messages."""
        loose = table.loose_count() if table.loaded else 0
        if loose < self.threshold or self._futile.get(table.name) == loose:
            return
        if table.name in self._running or self.gate.closing:
            return
        if self.gate.lease is not None and not self.gate.lease.held:
            return  # only the process that writes compacts: a reader (a deploy's new process) must not take the lease
        self.gate.spawn(functools.partial(self._background, table.name))

    async def _background(self, name: str) -> None:
        try:
            await self._yield(name)
            await self.compact(name)
        except ShuttingDown:
            return  # the next process takes it up: nothing is half done (see above)
        except DiscobaseError as error:  # a later use starts it again
            log.warning("compaction of %s stopped: %s", name, error)

    async def compact(self, name: str) -> CompactionResult:
        """Fold and sweep the table until nothing is left to do (or the store closes)."""
        if name in self._running:
            return CompactionResult()
        self._running.add(name)
        done = CompactionResult()
        try:
            while not self.gate.closing and (step := await self._step(name, done)):
                await self._yield(name, 5 if step == "fold" else 1)
        finally:
            self._running.discard(name)
        if done.batches or done.deleted:
            log.info("table %s compacted: %d batches written, %d messages deleted", name, done.batches, done.deleted)
        return done

    async def _yield(self, name: str, pauses: int = 1) -> None:
        """Let the members' writes go first: pause, then wait until the table has been quiet a while."""
        loop = asyncio.get_running_loop()
        await self.gate.rest(self.pause * pauses)
        while not self.gate.closing and loop.time() - self.gate.last_write(name) < self.quiet:
            await self.gate.rest(self.quiet)

    async def _step(self, name: str, done: CompactionResult) -> str:
        """One write under the table's lock: ``"sweep"`` or ``"fold"``; ``""`` when there is nothing left to do."""
        async with self.committer.locked(await self.gate.tables.table(name)) as table:
            dead, folding = _plan(table)
            if len(dead) >= SWEEP or (dead and len(folding) < 2):
                await self._sweep(table, dead[:SWEEP])
                done.deleted += len(dead[:SWEEP])
                self.total.deleted += len(dead[:SWEEP])
                return "sweep"
            if len(folding) >= 2:
                await self._fold(table, folding)
                done.batches += 1
                self.total.batches += 1
                return "fold"
            self._futile[name] = table.loose_count()
            return ""

    async def _sweep(self, table: StoredTable, messages: list[int]) -> None:
        draft = Draft(table)
        draft.sweep = messages
        await self.committer.commit(table, draft)

    async def _fold(self, table: StoredTable, messages: list[int]) -> None:
        draft = Draft(table, batch=True, copy=True)
        for message_id in messages:
            live, gone = table.decided_by(message_id)
            for record_id in live:
                draft.set(record_id, table.get(record_id).values)
            for record_id in gone:
                draft.set(record_id, None)
        await self.committer.commit(table, draft)


def _plan(table: StoredTable) -> tuple[list[int], list[int]]:
    """The loose messages that decide nothing, and those to fold into one batch (oldest first, within its limits)."""
    dead: list[int] = []
    folding: list[int] = []
    ids = size = 0
    for message_id in table.loose_messages():
        live, gone = table.decided_by(message_id)
        count = len(live) + len(gone)
        if count == 0:
            dead.append(message_id)
            if len(dead) >= SWEEP:
                break  # a sweep comes first
            continue
        if count >= FULL or ids + count > BATCH_ROWS:
            continue
        weight = sum(len(orjson.dumps(table.schema.encode(table.get(i).values))) + 32 for i in live) + 12 * len(gone)
        if size + weight > BATCH_BYTES:
            continue
        folding.append(message_id)
        ids += count
        size += weight
    return dead, folding
