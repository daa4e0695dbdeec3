"""The one commit path: a draft becomes one Discord request, then the table's state (invariant I5 in store.py).

``commit(table, draft)``, under the table's lock (I4):

1. the table's ledger chooses the one request that stores the draft (a new
   message or batch, an edit in place, a delete, a bulk delete);
2. the request goes through the write gate: within the lease and its deadline
   (gate.py), a vanished channel marking the table damaged, an unknown outcome
   marking it stale;
3. once Discord has stored it, the table applies the draft: every entry is
   settled, whether or not the table still held its record (a hand deletion
   during the request: the request is newer, so it decides, I2). If applying
   fails, the table is marked stale and read again: it never stays half applied.

An edit whose message was deleted by hand unseen is that hand deletion: the
table forgets the message, owed markers are written, and an update is refused
as ``RecordNotFound`` (a delete is done: the record is gone).

Every change of records is a draft, and every draft that needs a request is
stored here; the write features (record_writes.py, group_commit.py,
bulk_changes.py, imports, schema_changes.py, compaction.py) only build drafts.
A hand deletion (events.py) is a draft too, applied by the table as it is:
Discord has it already.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from ..backend import Backend
from ..cache.draft import Draft
from ..cache.ledger import Request
from ..cache.stored_table import StoredTable
from ..errors import DiscobaseError, MessageMissing, RecordNotFound
from .gate import WriteGate

__all__ = ["Committer"]

log = logging.getLogger(__name__)


class Committer:
    """Commits drafts to one guild's tables, and pays the ``gone`` markers they owe."""

    def __init__(self, backend: Backend, gate: WriteGate) -> None:
        self.backend = backend
        self.gate = gate

    @asynccontextmanager
    async def locked(self, table: StoredTable) -> AsyncIterator[StoredTable]:
        """The table loaded, locked and live, its owed markers paid: ready for drafts to commit."""
        async with self.gate.table(table):
            await self.pay_owed(table)
            yield table

    async def commit(self, table: StoredTable, draft: Draft) -> int:
        """Store the draft with one request and apply it to the table; the new message's id (0 if none was sent)."""
        request = table.plan(draft)
        if request is None:
            table.apply(draft, None)
            return 0
        try:
            message_id = await self.gate.call(functools.partial(self._send, table.channel_id, request), table)
        except MessageMissing:  # the edit's message was deleted by hand while we did not see it
            table.apply(Draft(table, deleted_by_hand=request.message_id), None)
            await self._pay_owed_or_leave(table)
            if any(values is not None for values in draft.states.values()):
                raise RecordNotFound(table.name, next(iter(draft.states))) from None
            return 0
        except asyncio.CancelledError:  # Discord may have stored it: read the table again before trusting it
            table.mark_stale()
            raise
        try:
            owed = table.apply(draft, request, message_id)
        except BaseException:
            table.mark_stale()
            raise
        if owed:  # a record deleted by hand during the request must stay deleted: its marker now
            await self._pay_owed_or_leave(table)
        return message_id

    async def pay_owed(self, table: StoredTable) -> None:
        """Under the table's lock: write the ``gone`` markers the table owes, in one message.

        A table unloaded meanwhile (the cache budget) is read first: the markers
        are owed in memory only, and a draft reads the table it changes.
        """
        owed = table.owed_markers()
        if owed:
            await self.gate.tables.reload_if_needed(table)
            draft = Draft(table)
            for record_id in owed:
                draft.set(record_id, None)
            await self.commit(table, draft)

    async def _pay_owed_or_leave(self, table: StoredTable) -> None:
        """Pay owed markers after a stored request; a failure leaves them owed (the next write pays them)."""
        try:
            await self.pay_owed(table)
        except DiscobaseError as error:
            log.warning("gone markers of %s still owed: %s", table.name, error)

    async def settle(self, name: str) -> None:
        """Write what the table owes now (a background write after a hand deletion); a failure leaves it owed."""
        async with self.locked(await self.gate.tables.table(name)):
            pass

    async def _send(self, channel_id: int, request: Request) -> int:
        if request.kind == "send":
            return await self.backend.send(channel_id, request.text)
        if request.kind == "edit":
            await self.backend.edit(channel_id, request.message_id, request.text)
        elif request.kind == "delete":
            await self.backend.delete(channel_id, request.message_id)
        else:
            await self.backend.delete_many(channel_id, list(request.message_ids))
        return 0
