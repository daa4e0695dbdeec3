"""Compaction: fold a table's many small messages into batch messages, then delete them.

A table grown by single inserts holds one message per record, and a cold load
reads them at 100 a request (10,000 records: 100 requests). In the background,
compaction rewrites them into batches (as many records as ``batch_bytes`` of the
upload limit holds), so a cold load reads one message per thousands of
records. A message deciding ``LEFT_ALONE`` ids or more is never folded: that
would rewrite a big batch whole to drop a few shadowed rows. It works in steps, each one
write through the write gate under the table's lock (so a member's command
waits for at most one of them), with pauses between steps and none while
members are writing to the table:

- **fold**: the table's loose messages (single records, ``gone`` markers,
  untagged batches not yet full; ledger.py) that decide something are
  rewritten, oldest first, into one new batch: a draft of each id they
  decide, with its state from the cache (the record, or ``[id]``: gone),
  committed like any other (commit.py). The ledger then says the records live
  in the new batch; the folded messages decide nothing any more;
- **sweep**: a draft of 2 to 100 messages that decide nothing, younger than
  14 days by their snowflake time, committed as one bulk delete;
- **old sweep**: Discord bulk-deletes only messages younger than 14 days, so
  older ones (and a lone young one) are deleted one request each, at most
  ``OLD_SWEEP`` a step: each step its own commit within its own deadline,
  followed by one pause per request. Many single deletes in one call would
  outlast its deadline and draw 429s, which count toward Discord's ban on
  invalid requests. Planning reads a message's age with ``PLAN_MARGIN`` more
  than the backend's margin, so a message planned young is still young when
  the bulk request is sent.

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
   so a crash between the fold and the sweep, in the middle of a sweep, or
   between the steps of old sweeps, leaves a table that reads exactly the
   same; the messages left are swept by a later run (a cold load finds them
   again: ``loose``, deciding nothing). Splitting the sweep by age changes
   which request deletes a message, never which messages may be deleted.
3. ``gone`` decisions are folded too, so a deleted record's older copies stay
   overridden and the highest id stays named (ids are never given twice).
   The batch carries the history and trash of every id it decides (I8),
   pruned to 30 days: what a swept message carried is repeated newer, and
   what is older than 30 days is dropped here.
4. A fold whose outcome is unknown marks the table stale, as any write: it is
   read again before the next use, with or without the batch, both correct.
5. A folded record is marked shadowed (an older copy of it may remain until
   swept): if its batch is deleted by hand, a ``gone`` marker is written for
   it, so the old copy cannot come back. Messages already deleted by hand are
   no error to a sweep.
"""

from __future__ import annotations

import asyncio
import datetime
import functools
import logging
from dataclasses import dataclass

from ..backend.base import BULK_DELETE_LIMIT, BULK_MARGIN, OLD_DELETES, bulk_deletable
from ..cache.draft import Draft
from ..cache.stored_table import StoredTable
from ..errors import DiscobaseError, ShuttingDown
from .commit import Committer
from .gate import WriteGate
from .imports import batch_bytes, stored_size

__all__ = ["COMPACT_AT", "CompactionResult", "Compactor"]

log = logging.getLogger(__name__)

COMPACT_AT = 100
"""Loose messages in a table that start a compaction in the background."""
LEFT_ALONE = 1000
"""A message deciding this many ids is never folded: its file already holds them, and a fold would rewrite it whole."""
GONE_WEIGHT = 12
"""Bytes a ``gone`` decision takes in a batch: ``[id]`` and a comma."""
SWEEP = BULK_DELETE_LIMIT
"""Messages one bulk delete takes (Discord: 2 to 100)."""
OLD_SWEEP = OLD_DELETES
"""Messages too old for a bulk delete that one step deletes, one request each."""
PLAN_MARGIN = BULK_MARGIN + datetime.timedelta(hours=1)
"""How much younger than 14 days a message planned into a bulk sweep must be: more than the backend's margin."""
PAUSES = {"fold": 5, "sweep": 1, "old sweep": OLD_SWEEP}
"""Pauses after each kind of step: one a request it sent (a fold: a message create, at most 5 per 5 s)."""


@dataclass
class CompactionResult:
    """What a compaction did: batches written and messages deleted."""

    batches: int = 0
    deleted: int = 0


class Compactor:
    """Compacts one guild's tables, one step at a time; at most one run per table.

    ``pause`` seconds pass after a sweep, five times that after a fold (a
    message create: at most one of the channel's 5 per 5 s) and once per message
    after an old sweep (a request each), and a step waits until no member has
    written to the table for ``quiet`` seconds, so members get the rate limits
    first.
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
                await self._yield(name, PAUSES[step])
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
        """One write under the table's lock: ``"sweep"``, ``"old sweep"`` or ``"fold"``; ``""`` when all is done."""
        async with self.committer.locked(await self.gate.tables.table(name)) as table:
            plan = _plan(table, batch_bytes(self.committer.backend.upload_limit))
            if len(plan.young) >= SWEEP or (len(plan.young) >= 2 and len(plan.folding) < 2):
                await self._sweep(table, plan.young[:SWEEP], done)
                return "sweep"
            if len(plan.folding) >= 2:
                await self._fold(table, plan.folding)
                done.batches += 1
                self.total.batches += 1
                return "fold"
            if plan.young or plan.old:  # a lone young one has no bulk delete to join: it goes with the old
                await self._sweep(table, (plan.young + plan.old)[:OLD_SWEEP], done)
                return "old sweep"
            self._futile[name] = table.loose_count()
            return ""

    async def _sweep(self, table: StoredTable, messages: list[int], done: CompactionResult) -> None:
        draft = Draft(table)
        draft.sweep = messages
        await self.committer.commit(table, draft)
        done.deleted += len(messages)
        self.total.deleted += len(messages)

    async def _fold(self, table: StoredTable, messages: list[int]) -> None:
        draft = Draft(table, batch=True, copy=True)
        for message_id in messages:
            live, gone = table.decided_by(message_id)
            for record_id in live:
                draft.set(record_id, table.get(record_id).values)
            for record_id in gone:
                draft.set(record_id, None)
        await self.committer.commit(table, draft)


@dataclass
class _Plan:
    """A compaction step's choices: dead messages by age (oldest first), and those to fold into one batch."""

    young: list[int]
    """Messages deciding nothing, young enough for a bulk delete (up to ``SWEEP``)."""
    old: list[int]
    """Messages deciding nothing, too old for one (up to ``OLD_SWEEP``)."""
    folding: list[int]


def _plan(table: StoredTable, budget: int) -> _Plan:
    """Loose messages deciding nothing, by age, and those to fold into one batch (oldest first, ``budget`` bytes)."""
    plan = _Plan([], [], [])
    size = 0
    for message_id in table.loose_messages():
        live, gone = table.decided_by(message_id)
        count = len(live) + len(gone)
        if count == 0:
            if bulk_deletable(message_id, PLAN_MARGIN):
                plan.young.append(message_id)
                if len(plan.young) >= SWEEP:
                    break  # a sweep comes first
            elif len(plan.old) < OLD_SWEEP:
                plan.old.append(message_id)
            continue
        if count >= LEFT_ALONE:
            continue
        weight = sum(stored_size(table.schema.encode(table.get(i).values)) for i in live) + GONE_WEIGHT * len(gone)
        weight += sum(table.history.weight(i) for i in (*live, *gone))  # what the batch carries of them (I8)
        if size + weight > budget:
            continue
        plan.folding.append(message_id)
        size += weight
    return plan
