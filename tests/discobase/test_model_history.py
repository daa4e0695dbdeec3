"""Model-based test: random writes, deletes, restores, undos, compactions and restarts against a model with history.

The model keeps what the engine promises: the records, the trash (deleted
records, restorable under their ids), each record's changes (command, who),
and each member's changes, so an undo is predicted: the member's last change
not undone, refused if a later change (other than undone ones and undos)
touched its records, or if a unique value it brings back is taken.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from discobase import (
    BulkRejected,
    GuildStore,
    MemoryBackend,
    NothingToUndo,
    NotInTrash,
    UndoRefused,
    UniqueViolation,
)

from .conftest import books_schema
from .test_compaction import quick

TITLES = st.sampled_from(["Dune", "Emma", "Ulysses", "Beloved"])
ACTORS = st.sampled_from([1, 2])
Values = dict[str, Any]


@dataclass
class Change:
    """One command's change in the model: who, which command, and each record's state before it (None: none)."""

    actor: int
    command: str
    before: dict[int, Values | None] = field(default_factory=dict)
    undone: bool = False
    is_undo: bool = False


class HistoryMatchesModel(RuleBasedStateMachine):
    """After every step: the same records, trash and histories as the model."""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.backend = MemoryBackend()
        self.store = quick(GuildStore(self.backend))
        self.records: dict[int, Values] = {}
        self.trash: dict[int, Values] = {}
        self.history: dict[int, list[tuple[str, int]]] = {}
        self.changes: list[Change] = []
        self.touched: dict[int, list[int]] = {}  # record id -> indexes of the changes that touched it
        self.highest = 0

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    @initialize()
    def create(self) -> None:
        self.run(self.store.create_table(books_schema("title:text unique, year:int optional")))

    def _holder(self, title: str, but: int | None = None) -> int | None:
        return next((i for i, values in self.records.items() if values["title"] == title and i != but), None)

    def _record_change(self, change: Change) -> None:
        self.changes.append(change)
        for record_id in change.before:
            self.touched.setdefault(record_id, []).append(len(self.changes) - 1)
            self.history.setdefault(record_id, []).append((change.command, change.actor))

    # ------------------------------------------------------------ writes

    @rule(title=TITLES, year=st.none() | st.integers(1900, 2000), actor=ACTORS)
    def insert(self, title: str, year: int | None, actor: int) -> None:
        values = {"title": title, "year": year}
        if self._holder(title) is not None:
            try:
                self.run(self.store.insert("books", values, actor))
            except UniqueViolation:
                return
            raise AssertionError("duplicate unique value accepted")
        record = self.run(self.store.insert("books", values, actor))
        self.highest += 1
        assert record.id == self.highest
        self.records[record.id] = values
        self._record_change(Change(actor, "insert", {record.id: None}))

    @rule(titles=st.lists(TITLES, min_size=2, max_size=3, unique=True), actor=ACTORS)
    def import_rows(self, titles: list[str], actor: int) -> None:
        rows = [{"title": title} for title in titles]
        if any(self._holder(title) is not None for title in titles):
            return
        result = self.run(self.store.insert_many("books", rows, actor))
        before: dict[int, Values | None] = {}
        for record, title in zip(result.written, titles, strict=True):
            self.highest += 1
            assert record.id == self.highest
            self.records[record.id] = {"title": title, "year": None}
            before[record.id] = None
        self._record_change(Change(actor, "import", before))

    @rule(data=st.data(), year=st.integers(1900, 1905), actor=ACTORS)
    def update(self, data: st.DataObject, year: int, actor: int) -> None:
        if not self.records:
            return
        record_id = data.draw(st.sampled_from(sorted(self.records)))
        self.run(self.store.update("books", record_id, {"year": year}, actor=actor))
        if self.records[record_id]["year"] != year:
            self._record_change(Change(actor, "update", {record_id: dict(self.records[record_id])}))
            self.records[record_id] = {**self.records[record_id], "year": year}

    @rule(data=st.data(), actor=ACTORS)
    def delete(self, data: st.DataObject, actor: int) -> None:
        if not self.records:
            return
        record_id = data.draw(st.sampled_from(sorted(self.records)))
        self.run(self.store.delete("books", record_id, actor=actor))
        self._record_change(Change(actor, "delete", {record_id: dict(self.records[record_id])}))
        self.trash[record_id] = self.records.pop(record_id)

    @rule(data=st.data(), actor=ACTORS)
    def delete_many(self, data: st.DataObject, actor: int) -> None:
        if len(self.records) < 2:
            return
        ids = data.draw(st.lists(st.sampled_from(sorted(self.records)), min_size=2, max_size=3, unique=True))
        self.run(self.store.delete_many("books", ids, actor=actor))
        self._record_change(Change(actor, "bulk delete", {i: dict(self.records[i]) for i in ids}))
        for record_id in ids:
            self.trash[record_id] = self.records.pop(record_id)

    @rule(record_id=st.integers(1, 12), actor=ACTORS)
    def restore(self, record_id: int, actor: int) -> None:
        if record_id not in self.trash:
            try:
                self.run(self.store.restore("books", record_id, actor=actor))
            except NotInTrash:
                return
            raise AssertionError(f"restored {record_id}, which is not in the trash")
        if self._holder(self.trash[record_id]["title"]) is not None:
            try:
                self.run(self.store.restore("books", record_id, actor=actor))
            except UniqueViolation:
                return
            raise AssertionError("a restore broke a unique column")
        record = self.run(self.store.restore("books", record_id, actor=actor))
        assert record.values == self.trash[record_id]
        self.records[record_id] = self.trash.pop(record_id)
        self._record_change(Change(actor, "restore", {record_id: None}))

    @rule(actor=ACTORS)
    def undo(self, actor: int) -> None:
        mine = [i for i, c in enumerate(self.changes) if c.actor == actor and not c.is_undo and not c.undone]
        if not mine:
            try:
                self.run(self.store.undo("books", actor))
            except NothingToUndo:
                return
            raise AssertionError("undid a change the model does not have")
        index = mine[-1]
        change = self.changes[index]
        later = {
            record_id
            for record_id in change.before
            if any(
                i > index and not self.changes[i].undone and not self.changes[i].is_undo
                for i in self.touched[record_id]
            )
        }
        clash = any(
            before is not None and record_id not in self.records and self._holder(before["title"]) is not None
            for record_id, before in change.before.items()
        )
        if later or clash:
            try:
                self.run(self.store.undo("books", actor))
            except UndoRefused as refused:
                assert later and {record_id for record_id, _ in refused.changed} == later
                return
            except BulkRejected:
                assert clash and not later
                return
            raise AssertionError("an undo the model refuses was done")
        undone = self.run(self.store.undo("books", actor))
        assert undone.change.command == change.command
        after: dict[int, Values | None] = {}
        for record_id, before in change.before.items():
            after[record_id] = self.records.get(record_id)
            if before is None:
                self.trash[record_id] = self.records.pop(record_id)
            elif record_id in self.trash:
                self.records[record_id] = self.trash.pop(record_id)
            else:
                self.records[record_id] = dict(before)
        change.undone = True
        undo = Change(actor, "undo", after, is_undo=True)
        self._record_change(undo)

    # ------------------------------------------------------------ storage

    @rule()
    def compact(self) -> None:
        self.run(self.store.compact("books"))

    @rule()
    def restart(self) -> None:
        self.store = quick(GuildStore(self.backend))

    @invariant()
    def same_records_trash_and_history(self) -> None:
        if not self.store.is_open:
            return
        assert {r.id: r.values for r in self.run(self.store.find("books"))} == self.records
        assert {t.record.id: t.record.values for t in self.run(self.store.trash("books"))} == self.trash
        for record_id, expected in self.history.items():
            seen = [(entry.command, entry.actor) for entry in self.run(self.store.history("books", record_id))]
            assert seen == list(reversed(expected)), record_id

    def teardown(self) -> None:
        self.loop.close()


HistoryMatchesModel.TestCase.settings = settings(
    max_examples=150, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestHistoryMatchesModel = HistoryMatchesModel.TestCase
