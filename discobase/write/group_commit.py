"""Group commit: record writes that queue on a table are stored together, in one request.

A table takes about one message a second (Discord: 5 creates or edits per 5 s
per channel), so fifty members inserting at once would wait 45 s for the last
one. Instead, a write that finds the table's lock taken joins the table's
queue. Whoever gets the lock next takes the whole queue and commits it as one
draft (commit.py): a lone write as it always was (one request, no added
delay), several in one batch message, in arrival order.

Members arriving spread out would each find the lock free and spend one of
the channel's five writes, then wait seconds for the window to reset. So once
Discord says part of the window is spent, the next commit waits, under the
lock, until the rest of the window is shared out evenly since the previous
commit (its seconds left over its writes left: about one a second), and
carries everything that queued meanwhile; nobody waits for a reset. A write
with the window untouched (a lone one) adds nothing.

Why each packed write keeps its own outcome:

- each is checked in turn against the draft: the table with the writes
  accepted before it applied. So its id follows theirs, its unique values are
  checked against the table and against them, an update or delete sees their
  changes; a write refused there gets its own error and is left out, changing
  nothing for the rest;
- the accepted ones share the one request. Only when Discord has stored it
  does the table take the draft, and each write gets its own record; if the
  request fails, or the task storing them is cancelled, each gets that
  failure (an unknown outcome marks the table stale), so acknowledged still
  means stored (I1 in store.py);
- the batch names each id once, with its state after the last write to it,
  and being the newest message naming those ids, it decides them (I2).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..backend.base import DEFAULT_UPLOAD_LIMIT
from ..cache.draft import Draft
from ..cache.stored_table import StoredTable
from ..errors import DiscordUnavailable
from ..model.columns import Value
from ..model.history import Change
from ..model.records import Record
from ..model.schema import TableSchema
from .commit import Committer
from .compaction import Compactor
from .gate import WriteGate, before_write_hook
from .imports import ITEM_OVERHEAD, batch_bytes, carried_size, check_size, stored_size
from .metrics import note_packed

__all__ = ["GroupCommit", "Pending", "store_packed"]


@dataclass(eq=False)
class Pending:
    """One record write waiting in a table's queue, and, once settled, its own outcome."""

    kind: Literal["insert", "update", "delete", "restore"]
    schema: TableSchema
    raw: Mapping[str, Any] = field(default_factory=dict)
    values: dict[str, Value] = field(default_factory=dict)
    record_id: int = 0
    creator_id: int = 0
    change: Change | None = None
    """The command's change, which the records' history gains (None: the write keeps no history)."""
    settled: bool = False
    hook: Callable[[], Awaitable[None]] | None = field(default_factory=before_write_hook)
    """The caller's ``before_writes`` hook, run again just before the write is stored (it may refuse it)."""
    packed: int = 1
    """How many writes shared its Discord call (1: it went alone, or wrote nothing)."""
    _result: Record | None = None
    _error: BaseException | None = None

    def take(self, draft: Draft, upload_limit: int = DEFAULT_UPLOAD_LIMIT) -> tuple[int, dict[str, Value]] | None:
        """Check the write against the draft and take it: its id and values (for a delete: as they were).

        None for an update that changes nothing (it writes nothing); the write's
        own error if it is refused, a record too large for one message included.
        Values validated against an older schema (a column changed meanwhile)
        are validated again.
        """
        schema = draft.schema
        if self.kind == "insert":
            values = self.values if schema is self.schema else schema.validate_new(self.raw)
            check_size(draft.table.name, draft.encode(draft.next_id, values), upload_limit)
            return draft.insert(values, self.creator_id, self.change), values
        if self.kind == "delete":
            return self.record_id, draft.delete(self.record_id, self.change)
        if self.kind == "restore":
            return self.record_id, draft.restore(self.record_id, self.change)
        changes = self.values if schema is self.schema else schema.validate_changes(self.raw)
        current = draft.current(self.record_id)
        if current is not None:
            data = draft.encode(self.record_id, {**current, **changes})
            check_size(draft.table.name, data, upload_limit, carried_size(draft.table, self.record_id))
        updated = draft.update(self.record_id, changes, self.change)
        return None if updated is None else (self.record_id, updated)

    def size(self, table: StoredTable) -> int:
        """About the bytes this write adds to a batch (what the queue fills a batch by), history carried included."""
        if self.kind == "insert":
            return stored_size(self.values)
        carried = carried_size(table, self.record_id) if table.loaded else 0
        if self.kind == "delete" and table.loaded and (current := table.find(self.record_id)) is not None:
            return ITEM_OVERHEAD + carried + stored_size(current.values)  # the values twice: its entry and its trash
        if self.kind in ("delete", "restore"):
            return ITEM_OVERHEAD + carried
        current = table.find(self.record_id) if table.loaded else None
        return stored_size({**(current.values if current else {}), **self.values}) + carried

    def succeed(self, record: Record, packed: int = 1) -> None:
        """Its write is stored (or needed no write): this is its record."""
        self._result, self.packed, self.settled = record, packed, True

    def fail(self, error: BaseException) -> None:
        """Its write was refused or could not be stored."""
        self._error, self.settled = error, True

    def outcome(self) -> Record:
        """The record, or the write's own error."""
        if self._error is not None:
            raise self._error
        assert self._result is not None, "a write left its queue unsettled"
        return self._result


async def store_packed(committer: Committer, table: StoredTable, writes: list[Pending]) -> None:
    """Under the table's lock: commit the writes as one draft, settling each (refused ones with their own error)."""
    draft = Draft(table)
    accepted: list[tuple[Pending, int, dict[str, Value]]] = []
    for write in writes:
        try:
            if write.hook is not None:
                await write.hook()
            taken = write.take(draft, committer.backend.upload_limit)
        except Exception as error:  # its own refusal (or fault), never its neighbours'
            write.fail(error)
            continue
        if taken is None:
            write.succeed(table.get(write.record_id))
        else:
            accepted.append((write, *taken))
    if not accepted:
        return
    try:
        message_id = await committer.commit(table, draft)
    except Exception as error:
        for write, _, _ in accepted:
            write.fail(error)
        return
    except BaseException as error:  # cancelled while Discord may have stored it (the commit marked the table stale)
        for write, _, _ in accepted:
            write.fail(DiscordUnavailable("store the change", error, unknown=True))
        raise
    packed = len(accepted)
    for write, record_id, values in accepted:
        write.succeed(_outcome(table, draft, write, record_id, values, message_id), packed)


def _outcome(
    table: StoredTable, draft: Draft, write: Pending, record_id: int, values: dict[str, Value], message_id: int
) -> Record:
    """The record one write of a committed draft leaves: as it was for a delete, else with these values."""
    old = draft.before[record_id]
    if write.kind == "delete" and old is not None:  # as it was when deleted: the draft's values, its old message
        return Record(record_id, values, old.creator_id, old.message_id, old.created_message_id)
    now = table.find(record_id) if table.loaded else None
    if now is not None:
        return Record(record_id, values, now.creator_id, now.message_id, now.created_message_id)
    held = message_id or (old.message_id if old is not None else 0)  # deleted since, or by a later write
    return Record(record_id, values, draft.creator(record_id), held, old.created_message_id if old else 0)


class GroupCommit:
    """The queues of one guild's tables: a write waits for the lock, and whoever gets it stores the queue."""

    def __init__(self, gate: WriteGate, committer: Committer, compactor: Compactor) -> None:
        self.gate = gate
        self.committer = committer
        self.compactor = compactor
        self.packed_writes = 0
        self.shared_requests = 0
        self._queues: weakref.WeakKeyDictionary[StoredTable, list[Pending]] = weakref.WeakKeyDictionary()
        self._committed_at: weakref.WeakKeyDictionary[StoredTable, float] = weakref.WeakKeyDictionary()

    def _batch(self, table: StoredTable, queue: list[Pending]) -> list[Pending]:
        """The writes at the head of the queue that fill one batch: the upload limit's bytes.

        At least one: a write too large alone is refused by its own check.
        """
        budget = batch_bytes(self.committer.backend.upload_limit)
        taken: list[Pending] = []
        for write in queue:
            budget -= write.size(table)
            if taken and budget < 0:
                break
            taken.append(write)
        return taken

    async def _pace(self, table: StoredTable) -> None:
        """Under the table's lock: with part of the channel's window spent, share the rest out since the last commit."""
        window = self.committer.backend.write_window(table.channel_id)
        last = self._committed_at.get(table)
        if window is None or last is None or window.remaining >= window.limit or window.resets_in <= 0:
            return
        spacing = window.resets_in / max(window.remaining, 1)
        if (wait := last + spacing - asyncio.get_running_loop().time()) > 0:
            await asyncio.sleep(wait)

    def waiting(self, table: StoredTable) -> int:
        """How many writes wait in the table's queue for its lock (status, tests)."""
        return len(self._queues.get(table, ()))

    async def submit(self, table: StoredTable, write: Pending) -> Record:
        """Queue the write on its table; once it, or a write ahead of it, stored it, its record (or its error).

        Unless a write ahead of it stored it meanwhile, it takes the queue
        (itself first, then those that arrived while it waited, as many as one
        batch holds: ``batch_bytes`` of the upload limit) and
        stores it. A write another one stored returns at once, even if the
        store began closing since (it is stored).
        """
        async with self.gate.admitted(table, queued=True):
            queue = self._queues.setdefault(table, [])
            queue.append(write)
            try:
                async with table.lock:
                    if not write.settled:
                        await self.gate.check_live(table)
                        await self.committer.pay_owed(table)
                        await self._pace(table)
                        taken = self._batch(table, queue)
                        del queue[: len(taken)]
                        await store_packed(self.committer, table, taken)
                        self._committed_at[table] = asyncio.get_running_loop().time()
                        self.packed_writes += sum(1 for each in taken if each.packed > 1)
                        self.shared_requests += any(each.packed > 1 for each in taken)
                        self.compactor.consider(table)
            finally:
                if write in queue:  # it never got to be stored (an error, or cancelled while waiting)
                    queue.remove(write)
        note_packed(write.packed)
        return write.outcome()
