"""A table's history and trash in memory, and what a draft's message must carry of them.

Like the record index, it changes only by loading (the messages read, each
keeping what it carries for the ids it decides) and by a committed draft
(``settle``), so it holds what the deciding messages carry (I1, I8 in
store.py). A cold load only keeps the messages' objects: they are sorted out
on first use (a read, or the first write), so a load costs little more with
history than without. Entries stay in their stored form until read.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import orjson

from ..model.history import KEEP_SECONDS, MAX_ENTRIES, Change, Entry, Trashed
from ..model.records import Extra, read_extra

__all__ = ["Carried", "TableHistory"]

_PAIR_BYTES = 72
"""A read message's (id, text) pair and its slot in the list, besides the text."""
_SLOT_BYTES = 100
"""An id's slot in the entries dict: the key and the dict's share of it."""
_SAMPLE = 50
_HEADER_BYTES = 64
"""At most what a change's header takes in a message's ``"hc"`` (its token, time, actor, command, undoes)."""


def _deep_size(item: object) -> int:
    """The bytes of a stored JSON item, its lists and dicts followed; shared singletons cost nothing."""
    if item is None or type(item) is bool:
        return 0
    size = sys.getsizeof(item)
    if isinstance(item, list):
        size += sum(map(_deep_size, item))
    elif isinstance(item, dict):
        size += sum(_deep_size(key) + _deep_size(value) for key, value in item.items())
    return size


@dataclass(slots=True)
class Carried:
    """What one draft's message carries: each id's kept entries (stored form), the trash of its gone ids, headers."""

    entries: dict[int, list[Any]] = field(default_factory=dict)
    trash: dict[int, list[Any]] = field(default_factory=dict)
    changes: dict[int, Change] = field(default_factory=dict)

    def extra(self, ids: Iterable[int] | None = None) -> Extra:
        """The JSON objects of the message (of the given ids only, if given); empty ones left out."""
        chosen = set(self.entries) | set(self.trash) if ids is None else set(ids)
        history = {i: self.entries[i] for i in chosen if i in self.entries}
        tokens = {entry[0] for items in history.values() for entry in items}
        extra: Extra = {}
        if history:
            runs = _runs(history)
            if len(runs) < len(history):
                extra["hr"] = {str(first): [last, history[first]] for first, last in runs if first < last}
            if lone := {str(first): history[first] for first, last in runs if first == last}:
                extra["h"] = lone
            extra["hc"] = {str(token): self.changes[token].stored() for token in tokens if token in self.changes}
        if trash := {str(i): self.trash[i] for i in chosen if i in self.trash}:
            extra["t"] = trash
        return extra


def _runs(history: Mapping[int, list[Any]]) -> list[tuple[int, int]]:
    """The ids as runs of consecutive ids with the same entries, ``(first, last)``: a lone id is ``(id, id)``.

    An import's records all have one entry, the import's: 100,000 of them are
    one run (``"hr"``) instead of 3 MB of ``"h"`` to send, keep and parse.
    """
    runs: list[tuple[int, int]] = []
    for record_id in sorted(history):
        if runs and runs[-1][1] == record_id - 1 and history[runs[-1][0]] == history[record_id]:
            runs[-1] = (runs[-1][0], record_id)
        else:
            runs.append((record_id, record_id))
    return runs


DecidedBy = Callable[[int], tuple[list[int], list[int]]]
"""The ids a message decides, live and gone (the message ledger's answer)."""


class TableHistory:
    """Each id's entries (oldest first), the change headers they name, and the trash of deleted ids.

    ``read``: the texts the loaded messages carry, by message, kept until
    first use; ``decided_by`` then says which ids each message decides (asked
    before any change is applied, so it answers as loaded).
    """

    def __init__(self, read: list[tuple[int, str]] | None = None, decided_by: DecidedBy | None = None) -> None:
        self._entries: dict[int, list[Any]] = {}
        self._changes: dict[int, Change] = {}
        self._trash: dict[int, list[Any]] = {}
        self._read = read or []
        self._read_bytes = sum(sys.getsizeof(text) + _PAIR_BYTES for _, text in self._read)
        self._per_id = 0  # bytes an id's entries take once sorted out, measured on a sample then
        self._decided_by = decided_by

    def _sorted_out(self) -> None:
        """Keep what each loaded message carries for the ids it decides (older copies decide nothing); once."""
        read, decided_by = self._read, self._decided_by
        if not read or decided_by is None:
            return
        self._read, self._decided_by = [], None
        for message_id, text in read:
            extra = read_extra(text)
            live, gone = decided_by(message_id)
            decided = {*live, *gone}
            for token, header in extra.get("hc", {}).items():
                if (change := Change.read(token, header)) is not None:
                    self._changes.setdefault(change.token, change)
            for kind, store in (("h", self._entries), ("t", self._trash)):
                for key, item in extra.get(kind, {}).items():
                    if key.isdigit() and type(item) is list and (record_id := int(key)) in decided:
                        store[record_id] = item
            for key, run in extra.get("hr", {}).items():
                if key.isdigit() and type(run) is list and len(run) == 2 and type(run[0]) is int:
                    last, items = run
                    if type(items) is list:  # one list for the whole run: entries are replaced, never changed
                        self._entries.update(dict.fromkeys(decided.intersection(range(int(key), last + 1)), items))

    # ------------------------------------------------------------ the writer after loading: commit

    def settle(self, states: Mapping[int, object], carried: Carried) -> None:
        """A draft's request is stored: its ids have what the message carried."""
        self._sorted_out()
        self._per_id = 0  # entries grew or shrank: measured again when next asked
        self._changes.update(carried.changes)
        for record_id in states:
            for store, new in ((self._entries, carried.entries), (self._trash, carried.trash)):
                if record_id in new:
                    store[record_id] = new[record_id]
                else:
                    store.pop(record_id, None)

    def forget(self, record_ids: Iterable[int]) -> None:
        """The message carrying them was deleted by hand: nothing on Discord says this any more."""
        self._sorted_out()
        for record_id in record_ids:
            self._entries.pop(record_id, None)
            self._trash.pop(record_id, None)

    # ------------------------------------------------------------ what a draft carries

    def carry(
        self,
        states: Mapping[int, object],
        notes: Mapping[int, list[Entry]],
        changes: Mapping[int, Change],
        trash: Mapping[int, Trashed],
        now: int,
    ) -> Carried:
        """What a message deciding these ids carries: their history of the last 30 days and the gone ones' trash.

        An id keeps its earlier entries and gains the draft's (``notes``);
        entries older than 30 days are dropped, and with them the trash of a
        record deleted that long ago (its newest entry is its deletion).
        """
        self._sorted_out()
        carried = Carried(changes=dict(changes))
        cutoff = now - KEEP_SECONDS
        for record_id, values in states.items():
            items = [*self._entries.get(record_id, ()), *(entry.stored() for entry in notes.get(record_id, ()))]
            kept = [item for item in items if (change := self._header(item, changes)) and change.at >= cutoff]
            if not kept:
                continue
            kept = kept[-MAX_ENTRIES:]
            carried.entries[record_id] = kept
            for item in kept:
                carried.changes[item[0]] = self._header(item, changes)  # type: ignore[assignment]
            if values is None:
                deleted = trash.get(record_id)
                stored = deleted.stored() if deleted is not None else self._trash.get(record_id)
                if stored is not None:
                    carried.trash[record_id] = stored
        return carried

    def _header(self, item: Any, changes: Mapping[int, Change]) -> Change | None:
        if type(item) is not list or not item:
            return None
        return changes.get(item[0]) or self._changes.get(item[0])

    # ------------------------------------------------------------ reads

    def entries(self, record_id: int) -> list[tuple[Change, Entry]]:
        """The record's changes, oldest first, each with its header (those we cannot read are left out)."""
        self._sorted_out()
        found = []
        for item in self._entries.get(record_id, ()):
            entry = Entry.read(item)
            change = self._changes.get(entry.token) if entry is not None else None
            if entry is not None and change is not None:
                found.append((change, entry))
        return found

    def trashed(self, record_id: int) -> Trashed | None:
        """The deleted record as its marker keeps it, if it does."""
        self._sorted_out()
        item = self._trash.get(record_id)
        return Trashed.read(item) if item is not None else None

    def weight(self, record_id: int) -> int:
        """About the bytes the id's history and trash add to a message (a fold plans its batch by bytes)."""
        self._sorted_out()
        entries, trash = self._entries.get(record_id), self._trash.get(record_id)
        weight = sum(len(orjson.dumps(item)) + 8 for item in (entries, trash) if item is not None)
        return weight + _HEADER_BYTES * len(entries or ())  # each entry's change header may be the message's own

    def memory_bytes(self) -> int:
        """About the bytes held (the cache budget counts them with the records): the texts until read, then entries."""
        if self._read:
            return self._read_bytes
        ids = len(self._entries) + len(self._trash)
        if ids and not self._per_id:
            sample = [*islice(self._entries.values(), _SAMPLE), *islice(self._trash.values(), _SAMPLE)]
            distinct = {id(item): item for item in sample}  # the ids of a run share one list of entries
            self._per_id = _SLOT_BYTES + sum(map(_deep_size, distinct.values())) // len(sample)
        return ids * self._per_id

    def trashed_ids(self) -> list[int]:
        """The ids whose deciding marker keeps the deleted record."""
        self._sorted_out()
        return list(self._trash)

    def changes(self) -> list[Change]:
        """Every change header known (the undo looks for a member's last one)."""
        self._sorted_out()
        return list(self._changes.values())

    def touched_by(self, token: int) -> list[int]:
        """The ids whose history names this change (one scan)."""
        self._sorted_out()
        return sorted(
            record_id
            for record_id, items in self._entries.items()
            if any(type(item) is list and item and item[0] == token for item in items)
        )
