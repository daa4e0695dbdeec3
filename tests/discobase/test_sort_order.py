"""The kept sort order of a column (index.py) answers as a full sort does, through every change.

A seeded random schedule of inserts, updates (values moving, emptied, tied)
and deletes runs against an index; after every step each sort with a limit is
compared with the same query sorted from scratch.
"""

import random

import pytest

from discobase import Query, Record
from discobase.cache import index as index_module
from discobase.cache.index import RecordIndex

LAYOUT = ("title", "year", "score")


def _record(record_id: int, rng: random.Random) -> Record:
    year = rng.choice([None, *range(1990, 1996)])  # few values: many ties
    score = rng.choice([None, rng.random()])
    return Record(record_id, {"title": f"t{rng.randrange(50)}", "year": year, "score": score}, 1, record_id)


def _expected(index: RecordIndex, query: Query) -> list[int]:
    return [record.id for record in query.order(list(index), index.layout)]


@pytest.mark.parametrize("followed", [3, 10**9])
@pytest.mark.parametrize("seed", range(8))
def test_a_kept_order_answers_as_a_full_sort_through_random_changes(
    seed: int, followed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Orders followed through every change, or dropped after 3 and built again by the next sort."""
    monkeypatch.setattr(index_module, "ORDER_FROM", 10)
    monkeypatch.setattr(index_module, "ORDER_CHANGES", followed)
    rng = random.Random(seed)
    index = RecordIndex("t", LAYOUT, [])
    index.load([_record(n, rng) for n in range(1, 61)])
    queries = [
        Query(sort=column, descending=descending, limit=limit)
        for column in LAYOUT
        for descending in (False, True)
        for limit in (1, 5, 40)
    ]
    for step in range(200):
        for query in queries:
            found = index.select(query)
            assert [record.id for record in found] == _expected(index, query), (step, query)
            assert found.matched == len(index)
        action = rng.random()
        ids = [record.id for record in index]
        if action < 0.3 or not ids:
            index.put(_record(index.next_id, rng))
        elif action < 0.8:
            index.put(_record(rng.choice(ids), rng))
        else:
            index.drop(rng.choice(ids))
    index.select(queries[0])
    assert index.order_bytes() > 0


def test_a_small_table_keeps_no_order(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(1)
    index = RecordIndex("t", LAYOUT, [])
    index.load([_record(n, rng) for n in range(1, 61)])
    index.select(Query(sort="year", limit=3))
    assert index.order_bytes() == 0
