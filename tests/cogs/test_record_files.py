"""/record export and /record import: files out, files in, all rows or none, with a progress message."""

from __future__ import annotations

import csv
import io
import itertools
import sys
import zipfile

import discord
import orjson
import pytest

import discobase
from cogs.record._files import read_rows
from cogs.utils.errors import Refused
from discobase.write.imports import parts, stored_size

from .conftest import BOOKS_COLUMNS
from .helpers import refusal, reply

HEADER = "title,author,year,read\n"


def _csv(rows: int, start: int = 1) -> bytes:
    return (
        HEADER
        + "".join(
            f"Book {n},Author {n % 7},{1900 + n},{'yes' if n % 2 else 'no'}\n" for n in range(start, start + rows)
        )
    ).encode()


async def _download(message) -> tuple[str, bytes]:
    attachment = message.attachments[0]
    return attachment.filename, await attachment.read()


async def test_export_csv_attaches_every_record(member, channel, books):
    """CSV export attaches a file with a header row (id first) and one line per record."""
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert, year=1965")
    await member.slash(channel, "record insert", table="books", values='title="Emma, again", author=Austen')
    message = reply(await member.slash(channel, "record export", table="books", format="csv"))
    assert not message.ephemeral
    assert message.content == "`books`: 2 records as CSV."
    name, data = await _download(message)
    assert name == "books.csv"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [
        ["id", "title", "author", "year", "read"],
        ["1", "Dune", "Herbert", "1965", "false"],
        ["2", "Emma, again", "Austen", "", "false"],
    ]


async def test_export_csv_neutralises_formulas(member, channel, books):
    """Text that a spreadsheet would run as a formula gets a leading quote."""
    await member.slash(channel, "record insert", table="books", values='title="=HYPERLINK(1)", author=@admin')
    _, data = await _download(reply(await member.slash(channel, "record export", table="books", format="csv")))
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1][1:3] == ["'=HYPERLINK(1)", "'@admin"]


async def test_export_json_attaches_an_array(member, channel, books):
    """JSON export attaches an array of objects, id first, an empty optional value as null."""
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert")
    message = reply(await member.slash(channel, "record export", table="books", format="json"))
    name, data = await _download(message)
    assert name == "books.json"
    assert orjson.loads(data) == [{"id": 1, "title": "Dune", "author": "Herbert", "year": None, "read": False}]


async def test_exports_keep_discord_ids_exact_for_spreadsheets_and_javascript(admin, member, channel):
    """User ids are strings in JSON (JavaScript keeps 19 digits exact) and mentions in CSV (no 1.45607E+18)."""
    await admin.slash(channel, "table create", name="loans", columns="what:text, owner:user")
    await member.slash(channel, "record insert", table="loans", values=f"what=Dune, owner={member.id}")
    _, data = await _download(reply(await member.slash(channel, "record export", table="loans", format="json")))
    assert b'"owner": "%d"' % member.id in data
    assert orjson.loads(data) == [{"id": 1, "what": "Dune", "owner": str(member.id)}]
    _, data = await _download(reply(await member.slash(channel, "record export", table="loans", format="csv")))
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1] == ["1", "Dune", f"<@{member.id}>"]


async def test_export_of_an_unknown_table_is_refused(simcord_env, member, channel, books):
    """Exporting a table that does not exist suggests the closest one."""
    result = await member.slash(channel, "record export", table="book", format="csv")
    assert "Did you mean `books`?" in refusal(simcord_env, result, discobase.UnknownTable)


async def test_a_quick_import_says_under_a_second(member, channel, books, moderator):
    """An import faster than a second says so, not "in 0 s"."""
    result = await moderator.slash(channel, "record import", table="books", file=("books.csv", _csv(4)))
    assert reply(result).content == "Imported 4 records into `books` (ids 1 to 4) in under a second."


async def test_import_of_300_rows_writes_them_all_with_progress(
    simcord_env, member, channel, books, store, batch_budget, moderator
):
    """300 rows are all stored; one progress message advances (done/total, bar, ETA) and ends with a summary."""
    rows = read_rows("books.csv", _csv(300))
    cuts = parts(rows, batch_budget(100 * max(map(stored_size, rows))))  # about 100 rows a batch
    assert len(cuts) == 3
    cog = simcord_env.bot.get_cog("RecordCog")
    cog.clock = itertools.count(0.0, 1.5).__next__  # each look at the clock: 1.5 s later
    result = await moderator.slash(channel, "record import", table="books", file=("books.csv", _csv(300)))
    edits = [
        entry.json["content"]
        for entry in simcord_env.http_requests
        if entry.method == "PATCH" and entry.path.endswith("/messages/@original")
    ]
    assert edits[0].startswith(f"Importing into `books`: {cuts[0].stop}/300\n`")
    assert "left" in edits[0]
    assert edits[-1].startswith("Imported 300 records into `books` (ids 1 to 300) in ")
    assert len(edits) == 3  # two batches (each at least 2 s after the last), then the summary
    assert reply(result).content == edits[-1]
    assert not reply(result).ephemeral
    assert await store.count("books") == 300
    assert (await store.get("books", 300)).values == {
        "title": "Book 300",
        "author": "Author 6",
        "year": 2200,
        "read": False,
    }


async def test_progress_is_not_edited_more_than_every_two_seconds(
    simcord_env, member, channel, books, batch_budget, moderator
):
    """When batches land faster than every 2 s, the progress message is edited only once, at the end."""
    rows = read_rows("books.csv", _csv(100))
    assert len(parts(rows, batch_budget(10 * max(map(stored_size, rows))))) >= 10
    simcord_env.bot.get_cog("RecordCog").clock = itertools.count(0.0, 0.1).__next__
    await moderator.slash(channel, "record import", table="books", file=("books.csv", _csv(100)))
    edits = [
        entry.json["content"]
        for entry in simcord_env.http_requests
        if entry.method == "PATCH" and entry.path.startswith("/webhooks/")  # replies, not storage edits
    ]
    assert len(edits) == 1
    assert edits[0].startswith("Imported 100 records into `books` (ids 1 to 100)")


async def test_import_with_one_bad_row_writes_nothing(simcord_env, member, channel, books, store, moderator):
    """One bad row: nothing is written, and the reply lists the row, the column and the reason."""
    data = _csv(5) + b"Book 6,Author,nineteen,yes\n" + _csv(3, start=7)[len(HEADER) :]
    result = await moderator.slash(channel, "record import", table="books", file=("books.csv", data))
    message = reply(result)
    assert message.ephemeral
    lines = message.content.splitlines()
    assert lines[0] == "Nothing was imported: 1 problem in 1 row of 9. Fix them and try again."
    assert lines[1].startswith("Row 6 (line 7), column `year`: ")
    assert "whole number" in lines[1]
    assert await store.count("books") == 0


async def test_import_finds_duplicates_within_the_file_and_the_table(member, channel, books, store, moderator):
    """A unique value repeated in the file, or already in the table, is listed."""
    await member.slash(channel, "record insert", table="books", values="title=Book 1, author=X")
    data = HEADER.encode() + b"Book 1,A,,\nBook 2,A,,\nBook 2,A,,\n"
    message = reply(await moderator.slash(channel, "record import", table="books", file=("books.csv", data)))
    lines = message.content.splitlines()
    assert lines[1].startswith("Row 1 (line 2), column `title`: ") and "already in record 1" in lines[1]
    assert lines[2].startswith("Row 3 (line 4), column `title`: ") and "also in row 2" in lines[2]
    assert await store.count("books") == 1


async def test_import_lists_every_problem_of_a_row(member, channel, books, store, moderator):
    """A row with several bad cells gets a line for each, not only the first."""
    data = HEADER.encode() + b"Book 1,A,1990,yes\n,,soon,maybe\n"
    message = reply(await moderator.slash(channel, "record import", table="books", file=("books.csv", data)))
    lines = message.content.splitlines()
    assert lines[0] == "Nothing was imported: 4 problems in 1 row of 2. Fix them and try again."
    assert [line.split(":")[0] for line in lines[1:]] == [
        "Row 2 (line 3), column `title`",
        "Row 2 (line 3), column `author`",
        "Row 2 (line 3), column `year`",
        "Row 2 (line 3), column `read`",
    ]
    assert await store.count("books") == 0


async def test_json_rows_have_no_line_numbers(member, channel, books, moderator):
    """In a JSON array, row 2 is the second object: no spreadsheet line is claimed."""
    data = orjson.dumps([{"title": "A", "author": "B"}, {"title": "C", "author": "D", "year": "x"}])
    message = reply(await moderator.slash(channel, "record import", table="books", file=("books.json", data)))
    assert message.content.splitlines()[1].startswith("Row 2, column `year`: ")


async def test_import_headers_ignore_case_and_semicolons_are_read(member, channel, books, store, moderator):
    """`Title;Author;Year` (a spreadsheet saved with semicolons, capitalised headers) imports as it should."""
    data = b'Title;AUTHOR;Year\nDune;Frank Herbert;1965\n"Emma; or not";Austen;1815\n'
    message = reply(await moderator.slash(channel, "record import", table="books", file=("books.csv", data)))
    assert message.content.startswith("Imported 2 records into `books`")
    assert [r.values for r in await store.find("books")] == [
        {"title": "Dune", "author": "Frank Herbert", "year": 1965, "read": False},
        {"title": "Emma; or not", "author": "Austen", "year": 1815, "read": False},
    ]


async def test_import_refuses_an_unknown_column_once(simcord_env, member, channel, books, store, moderator):
    """A column the table lacks is refused for the whole file, with the closest name."""
    data = b"title,author,yeer\nDune,Herbert,1965\n"
    result = await moderator.slash(channel, "record import", table="books", file=("books.csv", data))
    assert "Did you mean `year`?" in refusal(simcord_env, result, discobase.UnknownColumn)


async def test_import_takes_a_json_array(member, channel, books, store, moderator):
    """A JSON array of objects imports like CSV; an exported id is ignored."""
    data = orjson.dumps(
        [{"id": 9, "title": "Dune", "author": "Herbert", "year": 1965}, {"title": "Emma", "author": "Austen"}]
    )
    message = reply(await moderator.slash(channel, "record import", table="books", file=("books.json", data)))
    assert message.content.startswith("Imported 2 records into `books` (ids 1 to 2)")
    assert (await store.get("books", 1)).values["year"] == 1965


async def test_import_takes_json_lines(member, channel, books, store, moderator):
    """One JSON object per line imports too."""
    data = b'{"title": "Dune", "author": "Herbert"}\n\n{"title": "Emma", "author": "Austen"}\n'
    await moderator.slash(channel, "record import", table="books", file=("books.jsonl", data))
    assert [r.values["title"] for r in await store.find("books")] == ["Dune", "Emma"]


async def test_import_refuses_a_file_that_is_not_data(simcord_env, member, channel, books, moderator):
    """A JSON file that is not an array or lines of objects is refused with what is expected."""
    result = await moderator.slash(channel, "record import", table="books", file=("books.json", b'"just a string"'))
    assert "one array of objects" in refusal(simcord_env, result, discobase.GrammarError)


async def test_import_refuses_an_empty_file(simcord_env, member, channel, books, moderator):
    """A file with a header and no rows is refused."""
    result = await moderator.slash(channel, "record import", table="books", file=("books.csv", HEADER.encode()))
    assert "holds no rows" in refusal(simcord_env, result, discobase.GrammarError)


@pytest.mark.parametrize("file_format", ["csv", "json"])
async def test_export_then_import_round_trips(admin, member, channel, store, file_format, moderator):
    """What export writes, import reads back into a table of the same columns, value for value."""
    columns = f"{BOOKS_COLUMNS}, added:date optional, owner:user optional, score:float optional"
    for name in ("books", "copy"):
        await admin.slash(channel, "table create", name=name, columns=columns)
    await member.slash(
        channel, "record insert", table="books", values=f"title=-dash, author=@x, year=-5, owner={member.id}"
    )
    await member.slash(
        channel, "record insert", table="books", values='title="=1+1", author="a, b", added=2024-05-31, score=2.5'
    )
    await member.slash(channel, "record insert", table="books", values='title=\'+quoted, author="\\"q\\"", read=true')
    _, data = await _download(reply(await member.slash(channel, "record export", table="books", format=file_format)))
    message = reply(await moderator.slash(channel, "record import", table="copy", file=(f"books.{file_format}", data)))
    assert message.content.startswith("Imported 3 records")
    assert [r.values for r in await store.find("copy")] == [r.values for r in await store.find("books")]


async def test_export_too_big_even_in_parts_points_to_where(simcord_env, member, channel, books, monkeypatch):
    """Past what ten zipped files can carry, the export is refused with its size, the limit and `where`."""
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=Herbert")
    monkeypatch.setattr(discord.Guild, "filesize_limit", property(lambda guild: 10))
    result = await member.slash(channel, "record export", table="books", format="json")
    assert "Export part of it with `where`" in refusal(simcord_env, result, Refused)


async def _exported(result) -> list[tuple[str, bytes]]:
    """Every file of an export's messages, unzipped, in order."""
    files = []
    for message in [result.response, *result.followups]:
        for attachment in message.attachments:
            data = await attachment.read()
            if attachment.filename.endswith(".zip"):
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    (name,) = archive.namelist()
                    data = archive.read(name)
            files.append((attachment.filename, data))
    return files


@pytest.mark.parametrize(("limit", "in_parts"), [(40_000, False), (9_000, True)])
async def test_an_export_above_the_limit_comes_zipped_or_in_parts_that_each_open(
    member, moderator, channel, books, monkeypatch, limit, in_parts
):
    """2,000 records over a small limit: one zip, or several zipped CSVs each with its header; every record there."""
    await moderator.slash(channel, "record import", table="books", file=("books.csv", _csv(2000)))
    monkeypatch.setattr(discord.Guild, "filesize_limit", property(lambda guild: limit))
    result = await member.slash(channel, "record export", table="books", format="csv")
    files = await _exported(result)
    assert (len(files) > 1) == in_parts
    assert all(name.endswith(".csv.zip") for name, _ in files)
    for message in [result.response, *result.followups]:
        assert all(attachment.size <= limit for attachment in message.attachments)
    ids = []
    for _, data in files:
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
        ids += [int(row["id"]) for row in rows]
    assert ids == list(range(1, 2001))


async def test_import_of_a_too_big_file_is_refused(simcord_env, member, channel, books, monkeypatch, moderator):
    """A file over the import limit is refused before it is read."""
    # Each bot loads its cogs afresh (closing a bot unloads them): patch the module the running bot loaded.
    monkeypatch.setattr(sys.modules["cogs.record._cog"], "MAX_IMPORT_BYTES", 10)
    result = await moderator.slash(channel, "record import", table="books", file=("books.csv", _csv(5)))
    assert "Split it." in refusal(simcord_env, result, Refused)


async def test_an_import_of_20_000_rows_is_one_storage_message(simcord_env, member, channel, books, store, moderator):
    """Twice the old row limit: all stored in one batch message (sized by bytes), and the reply says so."""
    result = await moderator.slash(channel, "record import", table="books", file=("books.csv", _csv(20_000)))
    assert reply(result).content.startswith("Imported 20000 records into `books` (ids 1 to 20000)")
    assert await store.count("books") == 20_000
    table_channel = simcord_env.bot.get_channel(store.tables.entry("books").channel_id)
    assert len([message async for message in table_channel.history(limit=None)]) == 1
