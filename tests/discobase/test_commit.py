"""The one commit path, unit by unit: which request a draft becomes, and what applying it leaves in memory.

No backend here: a ``StoredTable`` is filled as a load would fill it, a draft is
planned, and the request is "stored" by applying it with a message id, as
``Committer.commit`` does once Discord answered.
"""

import orjson
import pytest

from discobase import Record, StoredTable, TableSchema, UniqueViolation, parse_columns
from discobase.cache.draft import Draft
from discobase.model.records import decode_message

SCHEMA = TableSchema(name="books", columns=parse_columns("title:text unique, year:int optional"))


def table_of(*records: Record, batches: frozenset[int] = frozenset(), next_id: int = 0) -> StoredTable:
    table = StoredTable(SCHEMA, channel_id=1, catalog_message_id=1)
    highest = max((record.id for record in records), default=0)
    loose = {record.message_id for record in records}
    table.fill(list(records), next_id or highest + 1, set(batches), set(), loose=loose)
    return table


def book(record_id: int, title: str, message_id: int, year: int | None = None) -> Record:
    return Record(record_id, {"title": title, "year": year}, 7, message_id)


def test_an_insert_alone_is_one_new_record_message() -> None:
    table = table_of(book(1, "Dune", 100))
    draft = Draft(table)
    assert draft.insert({"title": "Emma", "year": None}, 9) == 2
    request = table.plan(draft)
    assert request is not None and request.kind == "send" and not request.batch
    table.apply(draft, request, 200)
    assert table.get(2) == Record(2, {"title": "Emma", "year": None}, 9, 200)
    assert table.next_id == 3


def test_an_update_of_a_single_record_message_edits_it_in_place() -> None:
    table = table_of(book(1, "Dune", 100), book(2, "Emma", 101))
    draft = Draft(table)
    draft.update(1, {"year": 1965})
    request = table.plan(draft)
    assert request is not None and (request.kind, request.message_id) == ("edit", 100)
    table.apply(draft, request)
    assert table.get(1) == book(1, "Dune", 100, 1965)


def test_an_update_of_a_batched_record_is_a_newer_message_that_keeps_its_creation() -> None:
    table = table_of(book(1, "Dune", 100), book(2, "Emma", 100), batches=frozenset({100}))
    draft = Draft(table)
    draft.update(1, {"year": 1965})
    request = table.plan(draft)
    assert request is not None and request.kind == "send"
    assert orjson.loads(request.text)["c"] == 100
    table.apply(draft, request, 300)
    assert table.get(1) == Record(1, {"title": "Dune", "year": 1965}, 7, 300, 100)


@pytest.mark.parametrize(
    ("batches", "record_id", "kind"),
    [
        (frozenset(), 1, "delete"),  # an older single record: its message goes
        (frozenset(), 2, "edit"),  # the newest id: its message becomes a marker (ids are never reused)
        (frozenset({100}), 1, "send"),  # in a batch: a newer marker
    ],
)
def test_a_delete_alone_takes_the_request_the_ledger_says(batches: frozenset[int], record_id: int, kind: str) -> None:
    records = (book(1, "Dune", 100), book(2, "Emma", 100 if batches else 101))
    table = table_of(*records, batches=batches)
    draft = Draft(table)
    draft.delete(record_id)
    request = table.plan(draft)
    assert request is not None and request.kind == kind
    table.apply(draft, request, 300)
    assert table.find(record_id) is None
    assert table.next_id == 3


def test_several_writes_are_one_batch_with_each_id_once() -> None:
    table = table_of(book(1, "Dune", 100))
    draft = Draft(table)
    new = draft.insert({"title": "Emma", "year": None}, 9)
    draft.update(new, {"year": 1815})
    draft.delete(1)
    request = table.plan(draft)
    assert request is not None and request.batch
    decoded = decode_message(request.text)
    assert [(stored.id, stored.gone) for stored in decoded.records] == [(2, False), (1, True)]
    table.apply(draft, request, 300)
    assert [record.id for record in table] == [2]
    assert table.decided_by(300) == ([2], [1])


def test_a_draft_checks_unique_values_against_the_table_and_itself() -> None:
    table = table_of(book(1, "Dune", 100))
    draft = Draft(table)
    with pytest.raises(UniqueViolation):
        draft.insert({"title": "Dune", "year": None}, 9)
    draft.update(1, {"title": "Dune II"})
    assert draft.insert({"title": "Dune", "year": None}, 9) == 2  # freed by the update before it


def test_a_packed_update_of_a_record_deleted_by_hand_in_flight_decides_the_record() -> None:
    """D1: the batch is newer than the hand deletion, so the record lives, updated, and no marker is owed."""
    table = table_of(book(1, "Dune", 100), book(2, "Emma", 101), book(3, "Kim", 102))
    draft = Draft(table)
    draft.update(1, {"year": 1965})
    draft.update(2, {"year": 1815})
    request = table.plan(draft)
    assert request is not None and request.batch
    owed = table.apply(Draft(table, deleted_by_hand=100), None)  # the gateway's delete event, mid-flight
    assert owed == [] and table.find(1) is None
    assert table.apply(draft, request, 300) == []
    assert table.get(1) == Record(1, {"title": "Dune", "year": 1965}, 7, 300, 100)
    assert table.get(2).values["year"] == 1815
    assert table.owed_markers() == []


def test_a_hand_deleted_newest_record_owes_a_marker_that_a_newer_batch_settles() -> None:
    table = table_of(book(1, "Dune", 100), book(2, "Emma", 101))
    draft = Draft(table)
    draft.update(2, {"year": 1815})
    draft.update(1, {"year": 1965})
    request = table.plan(draft)
    assert table.apply(Draft(table, deleted_by_hand=101), None) == [2]  # the newest id: a marker is owed
    assert request is not None
    table.apply(draft, request, 300)
    assert table.owed_markers() == []  # the batch names id 2 now: it decides, no marker may delete it
    assert table.get(2).values["year"] == 1815


def test_an_edit_that_lands_on_a_message_deleted_by_hand_does_not_bring_the_record_back() -> None:
    table = table_of(book(1, "Dune", 100), book(2, "Emma", 101))
    draft = Draft(table)
    draft.update(1, {"year": 1965})
    request = table.plan(draft)
    assert request is not None and request.kind == "edit"
    table.apply(Draft(table, deleted_by_hand=100), None)
    table.apply(draft, request)
    assert table.find(1) is None


def test_owed_markers_are_one_draft_of_gone_ids() -> None:
    table = table_of(book(1, "Dune", 100), book(2, "Emma", 100), batches=frozenset({100}))
    assert table.apply(Draft(table, deleted_by_hand=100), None) == [2]
    draft = Draft(table)
    for record_id in table.owed_markers():
        draft.set(record_id, None)
    request = table.plan(draft)
    assert request is not None and request.kind == "send" and orjson.loads(request.text)["gone"] is True
    table.apply(draft, request, 300)
    assert table.owed_markers() == []
    assert table.decided_by(300) == ([], [2])


def test_a_sweep_is_one_bulk_delete_that_forgets_the_messages() -> None:
    table = table_of(book(1, "Dune", 100))
    fold = Draft(table, batch=True)
    fold.set(1, table.get(1).values)
    request = table.plan(fold)
    assert request is not None
    table.apply(fold, request, 300)
    assert table.decided_by(100) == ([], [])
    sweep = Draft(table)
    sweep.sweep = [100]
    request = table.plan(sweep)
    assert request is not None and (request.kind, request.message_ids) == ("delete_many", (100,))
    table.apply(sweep, request)
    assert table.loose_messages() == [300]
    assert table.get(1).created_message_id == 100


def test_a_fold_in_flight_does_not_bring_back_a_record_deleted_by_hand() -> None:
    """Compaction's batch copies what the table held; the admin's deletion, seen meanwhile, stands: a marker is owed."""
    table = table_of(book(1, "Dune", 100), book(2, "Emma", 101), book(3, "Kim", 102))
    fold = Draft(table, batch=True, copy=True)
    for record_id in (1, 2):
        fold.set(record_id, table.get(record_id).values)
    request = table.plan(fold)
    table.apply(Draft(table, deleted_by_hand=100), None)
    assert request is not None
    assert table.apply(fold, request, 300) == [1]
    assert table.find(1) is None and table.get(2).message_id == 300
    assert table.owed_markers() == [1]
