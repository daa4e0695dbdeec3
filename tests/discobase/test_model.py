"""Model-based test: random operations and restarts against the engine and a plain dictionary model."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from discobase import GuildStore, MemoryBackend, RecordNotFound, UniqueViolation

from .conftest import books_schema

TITLES = st.sampled_from(["Dune", "Emma", "Ulysses", "Beloved", "Walden"])
YEARS = st.one_of(st.none(), st.integers(1800, 2030))


class EngineMatchesModel(RuleBasedStateMachine):
    """After every step the engine holds exactly what a dictionary keyed by id holds."""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.backend = MemoryBackend()
        self.store = GuildStore(self.backend)
        self.model: dict[int, dict[str, Any]] = {}
        self.highest = 0

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    @initialize()
    def create(self) -> None:
        self.run(self.store.create_table(books_schema()))

    def _title_taken(self, title: str, but: int | None = None) -> bool:
        return any(values["title"] == title for record_id, values in self.model.items() if record_id != but)

    @rule(title=TITLES, year=YEARS)
    def insert(self, title: str, year: int | None) -> None:
        values = {"title": title, "year": year}
        if self._title_taken(title):
            try:
                self.run(self.store.insert("books", values, 1))
            except UniqueViolation:
                return
            raise AssertionError("duplicate unique value accepted")
        record = self.run(self.store.insert("books", values, 1))
        self.highest += 1
        assert record.id == self.highest
        self.model[record.id] = {**values, "read": False}

    @rule(rows=st.lists(st.tuples(TITLES, YEARS), min_size=2, max_size=4))
    def import_rows(self, rows: list[tuple[str, int | None]]) -> None:
        titles = [title for title, _ in rows]
        bad = len(set(titles)) < len(titles) or any(self._title_taken(title) for title in titles)
        try:
            result = self.run(self.store.insert_many("books", [{"title": t, "year": y} for t, y in rows], 1))
        except Exception:
            assert bad
            return
        assert not bad
        for record, (title, year) in zip(result.written, rows, strict=True):
            self.highest += 1
            assert record.id == self.highest
            self.model[record.id] = {"title": title, "year": year, "read": False}

    @rule(data=st.data(), title=TITLES, read=st.booleans())
    def update(self, data: st.DataObject, title: str, read: bool) -> None:
        if not self.model:
            return
        record_id = data.draw(st.sampled_from(sorted(self.model)))
        if self._title_taken(title, but=record_id):
            try:
                self.run(self.store.update("books", record_id, {"title": title}))
            except UniqueViolation:
                return
            raise AssertionError("update broke a unique column")
        self.run(self.store.update("books", record_id, {"title": title, "read": read}))
        self.model[record_id].update(title=title, read=read)

    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        if not self.model:
            return
        record_id = data.draw(st.sampled_from(sorted(self.model)))
        self.run(self.store.delete("books", record_id))
        del self.model[record_id]

    @rule(record_id=st.integers(1, 30))
    def get_missing_or_present(self, record_id: int) -> None:
        if record_id in self.model:
            assert self.run(self.store.get("books", record_id)).values == self.model[record_id]
        else:
            try:
                self.run(self.store.get("books", record_id))
            except RecordNotFound:
                return
            raise AssertionError("a deleted or never given id was found")

    @rule()
    def restart(self) -> None:
        self.store = GuildStore(self.backend)

    @invariant()
    def same_records(self) -> None:
        if self.store.is_open:
            found = self.run(self.store.find("books"))
            assert {r.id: r.values for r in found} == self.model

    def teardown(self) -> None:
        self.loop.close()


EngineMatchesModel.TestCase.settings = settings(
    max_examples=60, stateful_step_count=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestEngineMatchesModel = EngineMatchesModel.TestCase
