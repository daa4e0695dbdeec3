"""Records kept compact: one tuple a record, values by position, batches parsed a line at a time.

Loading must read every batch form ever written (one line, as earlier versions
wrote it, and a line per item), share repeated values, and keep what a
record says the same whatever its form in memory.
"""

import asyncio
import copy
import gc
import pickle
import random

import orjson
import pytest

from discobase import GuildStore, MemoryBackend, Record, RecordNotFound, TableSchema, parse_columns, parse_query
from discobase.cache.ledger import MessageLedger
from discobase.model.records import decode_message, encode_batch, layout_of, read_message

COLUMNS = "title:text unique, author:text, year:int optional"


def test_a_record_reads_as_its_values_by_column() -> None:
    record = Record(3, {"title": "Dune", "author": "Herbert", "year": None}, 7, 100, 90)
    assert (record.id, record.creator_id, record.message_id, record.created_message_id) == (3, 7, 100, 90)
    assert record.values == {"title": "Dune", "author": "Herbert", "year": None}
    assert record.get("author") == "Herbert" and record.get("nothing") is None
    assert record == Record(3, {"title": "Dune", "author": "Herbert", "year": None}, 7, 100, 90)
    assert record != Record(3, {"title": "Dune", "author": "Herbert", "year": 1965}, 7, 100, 90)
    assert copy.deepcopy(record) == record and pickle.loads(pickle.dumps(record)) == record
    assert "values={'title': 'Dune'" in repr(record)
    same_in_other_order = Record(3, {"year": None, "author": "Herbert", "title": "Dune"}, 7, 100, 90)
    assert record == same_in_other_order
    assert Record(1, {"a": 1}, 7, 100) != Record(1, {"b": 1}, 7, 100)  # same items, other columns
    assert record != (3, 7, 100, "Dune", "Herbert", None, 90)


def test_a_record_moved_to_another_layout_keeps_its_values() -> None:
    record = Record(1, {"year": 1965, "title": "Dune"}, 7, 100)
    moved = record.in_layout(layout_of(["title", "author", "year"]))
    assert moved.values == {"title": "Dune", "author": None, "year": 1965}
    assert moved.in_layout(moved.layout) is moved


def test_a_batch_is_written_a_line_per_item_and_read_back_item_by_item() -> None:
    items = [(1, 7, {"title": "a"}), (2, 7, {"title": "b"}, 50), (3,)]
    text = encode_batch(items, "key", 2, {"h": {"1": [[1, None]]}})
    assert orjson.loads(text)["batch"] == [list(item) for item in items]  # still one JSON text
    assert len(text.splitlines()) == 5
    head, read = read_message(text)
    assert (head.is_batch, head.import_key, head.part) == (True, "key", 2)
    assert orjson.loads(head.extra or "") == {"h": {"1": [[1, None]]}}
    assert list(read) == [list(item) for item in items]


def test_a_batch_line_that_does_not_parse_is_skipped_and_the_rest_read() -> None:
    text = encode_batch([(1, 7, {"title": "a"}), (2, 7, {"title": "b"}), (3, 7, {"title": "c"})])
    lines = text.split("\n")
    lines[2] = lines[2][:5]  # item 2 cut short
    assert [stored.id for stored in decode_message("\n".join(lines)).records] == [1, 3]


async def _load_text(text: str) -> GuildStore:
    backend = MemoryBackend()
    writer = GuildStore(backend)
    await writer.create_table(TableSchema(name="books", columns=parse_columns(COLUMNS)))
    table = await writer.tables.loaded("books")
    await backend.send(table.channel_id, text)
    store = GuildStore(backend)
    await store.open()
    return store


async def test_a_batch_written_in_one_line_by_an_older_version_still_loads() -> None:
    dune = {"title": "Dune", "author": "Herbert", "year": 1965}
    old = orjson.dumps({"v": 1, "batch": [[1, 7, dune], [2, 7, {"title": "Emma"}], [3]]}).decode()
    assert "\n" not in old
    store = await _load_text(old)
    found = await store.find("books")
    assert [(r.id, r.values) for r in found] == [
        (1, {"title": "Dune", "author": "Herbert", "year": 1965}),
        (2, {"title": "Emma", "author": None, "year": None}),
    ]
    assert (await store.tables.loaded("books")).next_id == 4
    for not_an_id in ("1", None, 1.5, 10**30):
        with pytest.raises(RecordNotFound):
            await store.get("books", not_an_id)  # type: ignore[arg-type]


async def test_a_load_shares_repeated_values_and_answers_as_before() -> None:
    backend = MemoryBackend()
    writer = GuildStore(backend)
    await writer.create_table(TableSchema(name="books", columns=parse_columns(COLUMNS)))
    rows = [{"title": f"Book {n}", "author": f"Author {n % 3}", "year": str(1900 + n % 5)} for n in range(300)]
    await writer.insert_many("books", rows, 123456789012345678)
    store = GuildStore(backend)
    await store.open()
    table = await store.tables.loaded("books")
    records = list(table)
    assert len({id(r.get("author")) for r in records}) == 3  # one string for each author
    assert len({id(r.creator_id) for r in records}) == 1
    assert len({id(r.get("title")) for r in records}) == 300  # a unique column is never pooled
    query = parse_query(table.schema, where="year >= 1901 and year < 1903 and author = Author 1", sort="-year", limit=4)
    expected = sorted(
        (r for r in records if r.get("author") == "Author 1" and 1901 <= r.get("year") < 1903),  # type: ignore[operator]
        key=lambda r: (-r.get("year"), r.id),  # type: ignore[operator]
    )
    assert [r.id for r in await store.find("books", query)] == [r.id for r in expected[:4]]


async def test_the_cycle_collector_runs_again_after_loads_that_overlap_or_fail() -> None:
    backend = MemoryBackend()
    writer = GuildStore(backend)
    for name in ("a", "b", "gone"):
        await writer.create_table(TableSchema(name=name, columns=parse_columns(COLUMNS)))
        await writer.insert_many(name, [{"title": f"{name} {n}", "author": "x"} for n in range(50)], 1)
    await backend.delete_channel((await writer.tables.loaded("gone")).channel_id)
    store = GuildStore(backend)
    await store.open()
    assert gc.isenabled()
    results = await asyncio.gather(store.count("a"), store.count("b"), store.count("gone"), return_exceptions=True)
    assert results[:2] == [50, 50] and isinstance(results[2], Exception)
    assert gc.isenabled()
    gc.disable()  # an application that runs without it keeps it so
    try:
        await store.tables.loaded("a")
        (await store.tables.loaded("a")).unload()
        assert await store.count("a") == 50
        assert not gc.isenabled()
    finally:
        gc.enable()


async def test_an_import_carries_its_history_as_one_run_and_reads_back_whole_after_a_restart() -> None:
    backend = MemoryBackend()
    writer = GuildStore(backend)
    await writer.create_table(TableSchema(name="books", columns=parse_columns(COLUMNS)))
    await writer.insert_many("books", [{"title": f"Book {n}", "author": "x"} for n in range(500)], 42)
    await writer.update("books", 7, {"author": "y"}, actor=43)
    channel = (await writer.tables.loaded("books")).channel_id
    texts = [message.text for message in backend.channels[channel].messages.values()]
    batch = read_message(texts[0])[0]
    carried = orjson.loads(batch.extra or "")
    assert carried["hr"] == {"1": [500, carried["hr"]["1"][1]]} and "h" not in carried  # 500 ids, one entry
    store = GuildStore(backend)
    await store.open()
    inserted = await store.history("books", 300)
    assert [(entry.command, entry.actor) for entry in inserted] == [
        (entry.command, entry.actor) for entry in await writer.history("books", 300)
    ]
    assert len(inserted) == 1 and inserted[0].actor == 42
    assert [entry.actor for entry in await store.history("books", 7)] == [43, 42]
    await store.undo("books", 43)
    await store.undo("books", 42)  # the import, whole: every record of the run
    assert await store.count("books") == 0


def test_a_messages_ids_follow_moves_in_and_out_as_a_set_would() -> None:
    """The ledger keeps a message's ids as a sorted array with releases set aside: it answers as a set."""
    rng = random.Random(3)
    ledger = MessageLedger()
    ledger.reset([Record(n, {"title": "x"}, 1, 1000) for n in range(1, 2_001)], {1000}, set(), {}, set(), {}, {})
    model = set(range(1, 2_001))
    for _ in range(6_000):
        record_id = rng.randrange(1, 2_500)
        if rng.random() < 0.7:  # out of the batch: deleted by a newer marker
            held = Record(record_id, {"title": "x"}, 1, 1000) if record_id in model else None
            ledger.decide_gone(2000, record_id, held)
            model.discard(record_id)
        else:  # back into it (an edit of the message)
            ledger.decide_live(1000, record_id, None)
            model.add(record_id)
        assert ledger.decided_by(1000)[0] == sorted(model)
