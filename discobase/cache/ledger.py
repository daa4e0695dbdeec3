"""A table's message ledger: which message decides which id, and the one request that stores a draft.

The reading rule (invariant I2 in store.py): newest first, the first message
naming an id decides it, as a record or as gone. The ledger keeps, for the
messages the table's channel holds:

- the ids each message decides live (``Record.message_id`` points back) and
  gone (a marker, or ``[id]`` in a batch): one message decides an id;
- batch messages (several records: never edited for one of them);
- shadowed ids: an older message still names them, so deleting the deciding
  message alone would bring that copy back, and a ``gone`` marker is needed;
- owed ids: deleted records whose ``gone`` marker is still to be written
  (kept across reloads: the next write on the table pays them);
- loose messages, which compaction may fold and delete (all but the tagged
  parts of resumable imports), and the import parts written;
- messages deleted by hand while the table's request is in flight
  (``vanished``, emptied when the next request is planned: requests on a table
  go one at a time), so a request that lands on one of them is applied, then
  its deletion.

``plan`` chooses the request for a draft from that: a new message (a record,
a batch, a marker), an edit in place of a record's own message, a delete of
it (only when nothing is kept of it: a record deleted by a command keeps its
trash, so its message becomes its marker), or a bulk delete of messages that
decide nothing. Every message it writes carries the history and trash of the
ids it decides (I8 in store.py).
"""

from __future__ import annotations

import bisect
import operator
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from ..model.records import Record, encode_batch, encode_gone, encode_record
from .draft import Draft

__all__ = ["MessageLedger", "Request"]


@dataclass(frozen=True, slots=True)
class Request:
    """The one Discord request that stores a draft."""

    kind: Literal["send", "edit", "delete", "delete_many"]
    text: str = ""
    message_id: int = 0
    """The message an edit or a delete acts on."""
    message_ids: tuple[int, ...] = ()
    """The messages a bulk delete takes."""
    batch: bool = False


class MessageLedger:
    """Which of a table's messages decides which id (see the module docstring)."""

    def __init__(self) -> None:
        self._live_in: dict[int, _Holders] = {}
        self._gone_in: dict[int, set[int]] = {}
        self._gone_at: dict[int, int] = {}
        self._batches: set[int] = set()
        self._shadowed: set[int] = set()
        self._imports: dict[str, set[int]] = {}
        self._part_in: dict[int, tuple[str, int]] = {}  # the import part each tagged message holds
        self._loose: set[int] = set()
        self._owed: set[int] = set()
        self._vanished: set[int] = set()

    def reset(
        self,
        records: list[Record],
        batches: set[int],
        shadowed: set[int],
        imports: dict[str, set[int]],
        loose: set[int],
        gone_in: dict[int, set[int]],
        part_in: dict[int, tuple[str, int]],
    ) -> None:
        """Take the channel as loading read it (owed markers are kept: they are not on Discord yet)."""
        live_in: dict[int, list[int]] = {}
        for message_id, record_id in map(_MESSAGE_AND_ID, records):  # in id order: each message's ids come sorted
            live_in.setdefault(message_id, []).append(record_id)
        self._live_in = {message: _Holders(ids) for message, ids in live_in.items()}
        self._gone_in = {message: set(ids) for message, ids in gone_in.items()}
        self._gone_at = {record_id: message for message, ids in gone_in.items() for record_id in ids}
        self._batches, self._shadowed, self._imports, self._loose = batches, shadowed, imports, loose
        self._part_in = dict(part_in)
        self._vanished.clear()

    # ------------------------------------------------------------ reads

    def owed(self) -> list[int]:
        """The deleted records whose ``gone`` marker is still to be written."""
        return sorted(self._owed)

    def import_parts(self, key: str) -> frozenset[int]:
        """The parts of the tagged import ``key`` written so far."""
        return frozenset(self._imports.get(key, ()))

    def loose_messages(self) -> list[int]:
        """Messages compaction may fold and delete, oldest first."""
        return sorted(self._loose)

    def loose_count(self) -> int:
        """How many messages compaction may fold or delete (no sorting: asked after every write)."""
        return len(self._loose)

    def decided_by(self, message_id: int) -> tuple[list[int], list[int]]:
        """The ids this message decides: records it holds now, and deletions."""
        return list(self._live_in.get(message_id, ())), sorted(self._gone_in.get(message_id, ()))

    def needs_marker(self, record: Record, next_id: int) -> bool:
        """Whether deleting this record must leave a ``gone`` marker rather than just delete its message.

        The newest id must stay named (ids are never reused, I3); a record in a
        batch or with an older copy would come back (I2).
        """
        return record.id == next_id - 1 or record.message_id in self._batches or record.id in self._shadowed

    # ------------------------------------------------------------ the request

    def plan(self, draft: Draft, next_id: int) -> Request:
        """The one request that stores the draft, chosen by what decides its ids now."""
        self._vanished.clear()  # what was deleted by hand before this request is applied already
        if draft.sweep:
            return Request("delete_many", message_ids=tuple(draft.sweep))
        extra = draft.extra()  # the history and trash its ids carry (I8)
        if draft.batch or len(draft.states) != 1:
            key, part = draft.import_part or (None, 0)
            return Request("send", encode_batch(draft.items(), key, part, extra), batch=True)
        ((record_id, values),) = draft.states.items()
        record = draft.before[record_id]
        in_batch = record is not None and record.message_id in self._batches
        if values is None:
            if record is None:  # an owed marker
                return Request("send", encode_gone(record_id, extra))
            if not extra and not self.needs_marker(record, next_id):
                return Request("delete", message_id=record.message_id)
            if in_batch:
                return Request("send", encode_gone(record_id, extra))
            return Request("edit", encode_gone(record_id, extra), message_id=record.message_id)
        data = draft.encode(record_id, values)
        if record is None:
            created = draft.created.get(record_id, 0)
            return Request("send", encode_record(record_id, draft.creators[record_id], data, created, extra))
        if in_batch:  # rewriting a whole batch for one record would be slow: a newer message supersedes it
            created = record.created_message_id or record.message_id
            return Request("send", encode_record(record_id, record.creator_id, data, created, extra))
        text = encode_record(record_id, record.creator_id, data, record.created_message_id, extra)
        return Request("edit", text, message_id=record.message_id)

    # ------------------------------------------------------------ changes (the stored table's only)

    def decide_live(self, message_id: int, record_id: int, old: Record | None) -> None:
        """The message decides the id as a record now (it moved there from ``old``'s message, if that differs)."""
        if old is not None and old.message_id != message_id:
            self._release(old.message_id, record_id)
            self._shadowed.add(record_id)  # the older message still names it until compaction deletes it
        holders = self._live_in.get(message_id)
        if holders is None:
            holders = self._live_in[message_id] = _Holders()
        holders.add(record_id)
        self._ungone(record_id, keep=None)
        self._owed.discard(record_id)

    def decide_gone(self, message_id: int, record_id: int, old: Record | None) -> None:
        """The message decides the id as gone now (a marker, an item of a batch)."""
        if old is not None:
            self._release(old.message_id, record_id)
        self._ungone(record_id, keep=message_id)
        self._gone_in.setdefault(message_id, set()).add(record_id)
        self._gone_at[record_id] = message_id
        self._shadowed.discard(record_id)
        self._owed.discard(record_id)

    def deleted(self, record: Record) -> None:
        """The record's own message was deleted by the bot (nothing else names it: no marker needed)."""
        self.forget(record.message_id)
        self._shadowed.discard(record.id)

    def note_message(self, message_id: int, batch: bool, import_part: tuple[str, int] | None) -> None:
        """A message was written: a batch or not, a tagged import part (never loose) or loose."""
        if batch:
            self._batches.add(message_id)
        if import_part is not None:
            self._imports.setdefault(import_part[0], set()).add(import_part[1])
            self._part_in[message_id] = import_part
        else:
            self._loose.add(message_id)

    def forget(self, message_id: int) -> tuple[list[int], list[int]]:
        """A message is gone from the channel: the ids it decided, live and gone, which nothing decides now."""
        self._loose.discard(message_id)
        self._batches.discard(message_id)
        part = self._part_in.pop(message_id, None)
        if part is not None and part not in self._part_in.values():  # that part must be written again
            self._imports[part[0]].discard(part[1])
        live = list(self._live_in.pop(message_id, ()))
        gone = sorted(self._gone_in.pop(message_id, ()))
        for record_id in gone:
            self._gone_at.pop(record_id, None)
        return live, gone

    def owe(self, record_id: int) -> None:
        """A ``gone`` marker must be written for this id (its older copy must not come back; I2, I3)."""
        self._owed.add(record_id)
        self._shadowed.discard(record_id)

    def shadowed(self, record_id: int) -> bool:
        """Whether an older message still names the id."""
        return record_id in self._shadowed

    def vanish(self, message_id: int) -> None:
        """A message was deleted by hand: a request in flight that lands on it is undone after it is applied."""
        self._vanished.add(message_id)

    def vanished(self, message_id: int) -> bool:
        """Whether the message was deleted by hand since the table's current request was planned."""
        return message_id in self._vanished

    def _release(self, message_id: int, record_id: int) -> None:
        holders = self._live_in.get(message_id)
        if holders is not None:
            holders.release(record_id)
            if not len(holders):
                del self._live_in[message_id]

    def _ungone(self, record_id: int, keep: int | None) -> None:
        older = self._gone_at.pop(record_id, None)
        if older is not None and older != keep:
            self._gone_in[older].discard(record_id)
            if not self._gone_in[older]:
                del self._gone_in[older]


_MESSAGE_AND_ID = operator.itemgetter(2, 0)
"""A record's message and id (a C call: a load asks it of every record)."""


class _Holders:
    """The ids one message decides live, in order: a sorted array (8 bytes an id, where a set took 40 to 60).

    Ids released from it are set aside until they are half of it, then the
    array is rebuilt once: taking 200,000 ids out of a batch one by one (an
    update of all of them) would move the array each time.
    """

    __slots__ = ("_ids", "_released")

    def __init__(self, ids: Iterable[int] = ()) -> None:
        self._ids = array("q", ids)
        self._released: set[int] | None = None

    def __len__(self) -> int:
        return len(self._ids) - len(self._released or ())

    def __iter__(self) -> Iterator[int]:
        released = self._released
        return iter(self._ids) if not released else (i for i in self._ids if i not in released)

    def add(self, record_id: int) -> None:
        """The message decides this id (again)."""
        if self._released and record_id in self._released:
            self._released.discard(record_id)  # still in the array
            return
        ids = self._ids
        if not ids or ids[-1] < record_id:
            ids.append(record_id)
        elif not self._holds(record_id):
            bisect.insort(ids, record_id)

    def release(self, record_id: int) -> None:
        """The message no longer decides this id."""
        released = self._released
        if (released and record_id in released) or not self._holds(record_id):
            return
        if released is None:
            released = self._released = set()
        released.add(record_id)
        if 2 * len(released) > len(self._ids):
            self._ids = array("q", [i for i in self._ids if i not in released])
            self._released = None

    def _holds(self, record_id: int) -> bool:
        ids = self._ids
        at = bisect.bisect_left(ids, record_id)
        return at < len(ids) and ids[at] == record_id
