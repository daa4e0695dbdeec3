"""Batches sized by bytes: a big batch is one request, its records change one small message at a time,
compaction folds what is loose around it without rewriting it, and stored files are compressed."""

from __future__ import annotations

import gzip
import io
import random
import string

import discord
import orjson
import pytest

from discobase import GuildStore, MemoryBackend, RecordNotFound
from discobase.backend.base import compress_file
from discobase.backend.discord_backend import ATTACHMENT_NAME
from discobase.model.records import encode_batch
from discobase.write.imports import batch_bytes, import_cuts

from .conftest import Harness, SimcordHarness, books_schema
from .test_compaction import quick


def _rows(count: int) -> list[dict[str, object]]:
    return [{"title": f"book {n}", "year": 1900 + n % 120} for n in range(count)]


def _messages(harness: Harness, store: GuildStore) -> dict[int, str]:
    """The table channel's messages by id, as stored (memory backend)."""
    channel = harness.backend.channels[store.tables.entry("books").channel_id]  # type: ignore[attr-defined]
    return {message_id: message.text for message_id, message in channel.messages.items()}


async def test_a_record_updated_and_deleted_inside_a_100_000_row_batch_survives_a_restart(harness: Harness) -> None:
    """100,000 rows are one request; an update and a delete inside it cost one small request each; a restart agrees."""
    store = harness.store
    await store.create_table(books_schema())
    start = harness.requests()
    await store.insert_many("books", _rows(100_000), 7)
    assert harness.requests() - start == 1
    start = harness.requests()
    await store.update("books", 50_000, {"year": "2024"})
    await store.delete("books", 60_000)
    assert harness.requests() - start == 2
    restarted = await harness.restart()
    assert await restarted.count("books") == 99_999
    assert (await restarted.get("books", 50_000)).values == {"title": "book 49999", "year": 2024, "read": False}
    with pytest.raises(RecordNotFound):
        await restarted.get("books", 60_000)
    assert (await restarted.get("books", 99_999)).values["title"] == "book 99998"
    assert (await restarted.insert("books", {"title": "new"}, 1)).id == 100_001  # no id given twice


async def test_compaction_folds_loose_messages_beside_big_batches_and_never_rewrites_them(harness: Harness) -> None:
    """Two 5,000-row batches, 150 singles and 3 updates inside a batch: the fold takes the small messages only."""
    if isinstance(harness, SimcordHarness):
        pytest.skip("reads the stored messages of the memory backend")
    store = quick(harness.store)
    await store.create_table(books_schema())
    await store.insert_many("books", _rows(5_000), 7)
    await store.insert_many("books", [{"title": f"more {n}"} for n in range(5_000)], 7)
    big = set(_messages(harness, store))
    for n in range(150):
        await store.insert("books", {"title": f"single {n}", "year": n}, 1)
    for record_id in (10, 20, 6_000):
        await store.update("books", record_id, {"year": "1"})
    want = {r.id: r.values for r in await store.find("books")}
    result = await store.compact("books")
    assert result.batches == 1 and result.deleted == 153
    after = _messages(harness, store)
    assert big <= set(after)  # both big batches are untouched: never rewritten to drop a shadowed row
    (fold,) = set(after) - big
    assert len(orjson.loads(after[fold])["batch"]) == 153
    restarted = await harness.restart()
    assert {r.id: r.values for r in await restarted.find("books")} == want


async def test_stored_files_are_compressed_and_plain_ones_still_read(harness: Harness) -> None:
    """A batch's file is gzip on Discord (7 times smaller); a plain ``data.json`` from an older version still loads."""
    if not isinstance(harness, SimcordHarness):
        pytest.skip("Discord's attachments")
    store = harness.store
    await store.create_table(books_schema())
    await store.insert_many("books", _rows(1_000), 7)
    channel = harness._channel("books")
    (message,) = channel.history()
    (attachment,) = message.attachments
    assert attachment.filename == ATTACHMENT_NAME
    bot_channel = harness.client.get_channel(channel.id)
    assert isinstance(bot_channel, discord.TextChannel)
    packed = await (await bot_channel.fetch_message(message.id)).attachments[0].read()
    text = gzip.decompress(packed)
    assert len(orjson.loads(text)["batch"]) == 1_000 and len(packed) * 4 < len(text)
    legacy = encode_batch([[1_001, 7, store.schema("books").encode({"title": "legacy"})]])
    await bot_channel.send(file=discord.File(io.BytesIO(legacy.encode()), filename="data.json"))  # as 0.2 wrote it
    restarted = await harness.restart()
    assert (await restarted.get("books", 1_001)).values["title"] == "legacy"


async def test_an_import_batch_holds_more_text_than_the_limit_when_it_compresses_and_stays_within_it() -> None:
    """Files are compressed: an import batch may hold twice the plain budget of text, never more than the limit sent."""
    limit = 200_000
    backend = MemoryBackend(upload_limit=limit)
    store = GuildStore(backend)
    await store.create_table(books_schema())
    rows = _rows(3_800)  # about 210 KB of text: over the limit, a sixth of it compressed
    assert import_cuts(rows, limit) == [range(3_800)]
    await store.insert_many("books", rows, 7)
    texts = [message.text for message in backend.channels[store.tables.entry("books").channel_id].messages.values()]
    assert len(texts) == 1 and len(texts[0]) > limit
    assert all(len(compress_file(text)) <= limit for text in texts)


def test_rows_that_compress_less_than_the_first_ones_are_cut_at_the_plain_budget() -> None:
    """A sample could not tell: each stretched part is compressed, and one that shrinks too little is cut again."""
    limit = 1_000_000
    noise = random.Random(5)
    smooth = [{"title": f"book {n}", "year": 1900 + n % 120} for n in range(12_000)]
    rough = [{"title": "".join(noise.choices(string.printable, k=500))} for _ in range(4_000)]
    rows = smooth + rough
    cuts = import_cuts(rows, limit)
    assert [index for cut in cuts for index in cut] == list(range(len(rows)))  # every row once, in order
    for cut in cuts:
        text = encode_batch([[n, 7, rows[n]] for n in cut])
        assert len(compress_file(text)) <= limit
        if cut.start >= 12_000:
            assert sum(len(orjson.dumps(rows[n])) for n in cut) <= batch_bytes(limit)  # not stretched
    assert import_cuts([], limit) == []
