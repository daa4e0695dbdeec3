"""The pure helpers under the cogs: formatting, files in and out."""

from __future__ import annotations

import pytest

import discobase
from cogs.record._files import read_rows, to_csv, to_json, without_ids
from cogs.utils.formatting import bar, code, cut, duration, escape, show

SCHEMA = discobase.TableSchema(name="books", columns=discobase.parse_columns("title:text, year:int optional"))


def test_cut_keeps_short_text_and_ends_long_text_with_an_ellipsis():
    """Text over the limit is shortened to exactly the limit, ending in an ellipsis."""
    assert cut("short", 10) == "short"
    assert cut("x" * 20, 10) == "x" * 9 + "\u2026"


def test_escape_stops_markdown_and_mentions():
    """Markdown characters and @-mentions in member text are made inert."""
    assert escape("**hi** @here <@123456789012345678>") == "\\*\\*hi\\*\\* @\u200bhere <@\u200b123456789012345678>"


def test_code_cannot_be_closed_early():
    """A backtick inside member text cannot end the inline code around it."""
    assert code("a`b") == "`a\u02cbb`"


def test_show_keeps_mentions_of_user_columns_and_marks_empty_values():
    """A user column shows as a mention (rendered, never pinging); an empty value as a dash."""
    assert show(discobase.ColumnType.USER, 123456789012345678) == "<@123456789012345678>"
    assert show(discobase.ColumnType.TEXT, None) == "\u2014"


def test_bar_and_duration():
    """Progress bars fill in proportion; durations read as a person would say them."""
    assert bar(1, 4, width=8) == "\u2588\u2588\u2591\u2591\u2591\u2591\u2591\u2591"
    assert [duration(s) for s in (5, 200, 3900)] == ["5 s", "3 min 20 s", "1 h 5 min"]


def test_csv_formula_cells_round_trip():
    """A neutralised formula cell reads back as the text that was stored, quotes included."""
    records = [
        discobase.Record(n, {"title": title, "year": None}, 1, n)
        for n, title in enumerate(["=SUM(A1)", "'=x", "-", "plain"], 1)
    ]
    rows = read_rows("books.csv", to_csv(SCHEMA, records))
    assert [row["title"] for row in rows] == ["=SUM(A1)", "'=x", "-", "plain"]
    assert [row["year"] for row in rows] == [None, None, None, None]  # CSV: an empty cell is no value


def test_json_export_reads_back():
    """JSON export is an array that import reads as the same rows."""
    records = [discobase.Record(1, {"title": "Dune", "year": 1965}, 1, 1)]
    assert read_rows("x.json", to_json(SCHEMA, records)) == [{"id": 1, "title": "Dune", "year": 1965}]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("rows", b'[{"title": "a"}]'),
        ("rows", b'{"title": "a"}\n'),
        ("rows.ndjson", b'{"title": "a"}\n'),
        ("rows.txt", b"title\na\n"),
    ],
)
def test_file_kind_comes_from_the_extension_or_the_first_character(name, data):
    """Without a telling extension, `[` means a JSON array, `{` JSON lines, anything else CSV."""
    assert read_rows(name, data) == [{"title": "a"}]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe", "is not UTF-8 text"),
        (b"title\na,b\n", "more cells than the header"),
        (b"[1, 2]", "Row 1 is not a JSON object"),
        (b'{"title": "a"}\n{oops\n', "Row 2 is not valid JSON"),
    ],
)
def test_unreadable_files_are_explained(data, message):
    """A file that cannot be read as rows is refused with what is wrong and where."""
    with pytest.raises(discobase.GrammarError, match=message):
        read_rows("rows", data)


def test_ids_are_dropped_and_unknown_columns_refused_once():
    """An exported `id` is ignored; a column the table lacks is one error for the whole file."""
    assert without_ids(SCHEMA, [{"id": "3", "title": "a"}]) == [{"title": "a"}]
    with pytest.raises(discobase.UnknownColumn, match="`titel`. Did you mean `title`?"):
        without_ids(SCHEMA, [{"titel": "a"}, {"titel": "b"}])


async def test_no_view_outlives_the_interaction_token(simcord_env, admin, channel, books, monkeypatch):
    """A view asked for 15 minutes (the Fix-the-form view's) times out 30 s before the token does, never at 15:00."""
    import cogs.record._find
    import cogs.utils.views

    monkeypatch.setattr(cogs.record._find, "PAGES_TIMEOUT", 900.0)
    given: list[float] = []
    cut = cogs.utils.views.view_timeout

    def recorded(interaction, wanted):
        given.append(cut(interaction, wanted))
        return given[-1]

    monkeypatch.setattr(cogs.utils.views, "view_timeout", recorded)
    for number in range(cogs.record._find.PER_PAGE + 1):
        await admin.slash(channel, "record insert", table=books, values=f"title=T{number}, author=A")
    await admin.slash(channel, "record find", table=books)
    assert given and all(timeout <= 900 - 30 for timeout in given)


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("owner: <@145607444398080001> and more", 22, "owner: \u2026"),
        ("see https://example.com/a/b/c today", 20, "see \u2026"),
        ("at <t:1700000000:f> then", 10, "at \u2026"),
        ("<#12> <@&34> <@56>", 16, "<#12> <@&34> \u2026"),
        ("plain words to cut", 8, "plain w\u2026"),
    ],
)
def test_a_cut_never_splits_a_mention_a_timestamp_or_a_link(text, limit, expected):
    """Cut inside something Discord renders whole, the text ends before it."""
    assert cut(text, limit) == expected
