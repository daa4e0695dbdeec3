"""The grammars members type: column specs, values, where and sort, with good and bad input."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from discobase import (
    BadValue,
    ColumnType,
    Condition,
    GrammarError,
    Query,
    SchemaError,
    TableSchema,
    UnknownColumn,
    parse_columns,
    parse_query,
    parse_values,
    parse_where,
    value_problems,
)
from discobase.model.columns import as_typed
from discobase.model.query import And, Not, Or

SCHEMA = TableSchema(
    name="books",
    columns=parse_columns(
        "title:text unique, author:text, year:int optional, read:bool default=false, owner:user optional, "
        'price:float optional, added:date optional, tag:text default="a, b"'
    ),
)


def test_columns_spec_example_from_spec() -> None:
    """The SPEC's example parses into five columns with their flags."""
    columns = parse_columns("title:text unique, author:text, year:int optional, read:bool default=false, owner:user")
    assert [c.spec() for c in columns] == [
        "title:text unique",
        "author:text",
        "year:int optional",
        "read:bool default=false",
        "owner:user",
    ]
    assert [c.required for c in columns] == [True, True, False, False, True]


def test_columns_quoted_default_keeps_commas_and_spaces() -> None:
    """A quoted default holds commas, quotes and outer spaces exactly."""
    (column,) = parse_columns(r'motto:text default=" one, \"two\" "')
    assert column.default == ' one, "two" '
    assert parse_columns(column.spec())[0] == column


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "at least one column"),
        ("title", "`title` is not a column spec"),
        ("title:txt", "Did you mean `text`"),
        ("Title:text", "not a valid column name"),
        ("id:int", "reserved"),
        ("title:text uniqe", "Did you mean `unique`"),
        ("year:int default=soon", "is not a whole number"),
        ("year:int default=", "needs a value"),
        ('title:text default="open', "never closed"),
        ("a:text, a:int", "given twice"),
        ("t:text unique default=x", "cannot be unique and have a default"),
        (", ".join(f"c{n}:int" for n in range(26)), "at most 25 columns"),
        ("x" * 33 + ":text", "at most 32 characters"),
    ],
)
def test_columns_bad_input_names_the_problem(text: str, message: str) -> None:
    """Each bad column spec gets a message that names the input and the fix."""
    with pytest.raises((GrammarError, SchemaError, BadValue), match=message):
        TableSchema(name="t", columns=parse_columns(text))


def test_values_pairs_and_quoting() -> None:
    """Pairs split at commas followed by a column name; quotes keep commas and quotes."""
    assert parse_values('title="Hello, \\"world\\"", year=1999') == {"title": 'Hello, "world"', "year": "1999"}
    assert parse_values("title=War and Peace, tag=a, b") == {"title": "War and Peace", "tag": "a, b"}
    assert parse_values('title="  padded  "') == {"title": "  padded  "}


def test_values_json_object() -> None:
    """A JSON object is taken as it is."""
    assert parse_values('{"title": "Dune", "year": 1965}') == {"title": "Dune", "year": 1965}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "No values given"),
        ("title", "not a `column=value` pair"),
        ("title=a, title=b", "given twice"),
        ('{"title": ', "not valid JSON"),
        ("[1, 2]", "not a `column=value` pair"),
        ('title="open', "never closed"),
        ('title="a"b"', "quote inside"),
        ('{"a": ' * 2000 + "1" + "}" * 2000, "not valid JSON"),
    ],
)
def test_values_bad_input(text: str, message: str) -> None:
    """Bad values text is refused with a message that says how to write it."""
    with pytest.raises(GrammarError, match=message):
        parse_values(text)


def test_values_convert_by_column_type() -> None:
    """Every type's input forms convert; unknown columns are refused."""
    record = SCHEMA.validate_new(
        parse_values(
            "title=Dune, author=Herbert, year=1965, read=yes, owner=<@!123456789012345678>, price=9.5, added=2024-05-31"
        )
    )
    assert record == {
        "title": "Dune",
        "author": "Herbert",
        "year": 1965,
        "read": True,
        "owner": 123456789012345678,
        "price": 9.5,
        "added": date(2024, 5, 31),
        "tag": "a, b",
    }
    with pytest.raises(UnknownColumn, match="Did you mean `author`"):
        SCHEMA.validate_new({"title": "x", "autor": "y"})


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("year", "1965.5", "not a whole number"),
        ("read", "maybe", "true, false, yes, no"),
        ("owner", "@bob", "user mention or a user id"),
        ("price", "cheap", "not a number"),
        ("price", "nan", "not a finite number"),
        ("added", "31/05/2024", "ISO 8601"),
    ],
)
def test_values_bad_type_names_column_and_format(column: str, value: str, message: str) -> None:
    """A value of the wrong type names its column, the input and the expected format."""
    with pytest.raises(BadValue, match=f'Column `{column}`: "{value}".*{message}'):
        SCHEMA.validate_new({"title": "x", "author": "y", column: value})


def test_where_joins_with_comma_and_and() -> None:
    """Conditions join with `,` or `and`; values convert by column type."""
    assert parse_where("year >= 1990 and read = true, title ~ dune", SCHEMA) == (
        Condition("year", ">=", 1990),
        Condition("read", "=", True),
        Condition("title", "~", "dune"),
    )
    assert parse_where('title = "War and Peace"', SCHEMA) == (Condition("title", "=", "War and Peace"),)
    assert parse_where("title = War and Peace", SCHEMA) == (Condition("title", "=", "War and Peace"),)
    assert parse_where("id != 3", SCHEMA) == (Condition("id", "!=", 3),)


def test_where_and_binds_tighter_than_or() -> None:
    """`a and b or c` is `(a and b) or c`; parentheses, `in`, `not` and `==` build the same plain values."""
    year, read = Condition("year", ">", 1990), Condition("read", "=", True)
    title = Condition("title", "=", "Dune")
    assert parse_where("year > 1990 and read = yes or title == Dune", SCHEMA) == (Or((And((year, read)), title)),)
    assert parse_where("year > 1990 and (read = yes or title = Dune)", SCHEMA) == (year, Or((read, title)))
    assert parse_where("not year > 1990, title in (Dune, Emma)", SCHEMA) == (
        Not(year),
        Or((title, Condition("title", "=", "Emma"))),
    )
    assert parse_where("title not in (Dune)", SCHEMA) == (Not(Or((title,))),)
    first = parse_query(SCHEMA, where="read = yes or (year > 1990)")
    assert first == parse_query(SCHEMA, where="(read=yes) or year>1990") and hash(first) == hash(
        parse_query(SCHEMA, where="(read=yes) or year>1990")
    )
    assert first.index_lookups() == [] and parse_query(SCHEMA, where="title = Dune").index_lookups() == [title]


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("year", GrammarError, "not a condition"),
        ("(year > 3", GrammarError, "never closed"),
        ("(year > 3) title = x", GrammarError, "Expected `and`, `or` or `,`"),
        ("year in ()", GrammarError, "lists no value"),
        ("year ~= 3", GrammarError, "compares text, ignoring case"),
        ("(" * 30 + "year > 3", GrammarError, "nests deeper"),
        ("yeer > 3", UnknownColumn, "Did you mean `year`"),
        ("year ~ 19", GrammarError, "`~` finds text inside text"),
        ("year > soon", BadValue, "not a whole number"),
        ("id = seven", GrammarError, "an id is a whole number"),
        ("id ~ 7", GrammarError, "`id` is a number"),
        ('title = "x', GrammarError, "never closed"),
    ],
)
def test_where_bad_input(text: str, error: type[Exception], message: str) -> None:
    """Bad where text is refused with a clear message."""
    with pytest.raises(error, match=message):
        parse_where(text, SCHEMA)


def test_query_sort_and_limit() -> None:
    """Sort takes a column or -column; limit is 1 to 1000."""
    assert parse_query(SCHEMA, sort="-year", limit=5) == Query((), "year", True, 5)
    assert parse_query(SCHEMA) == Query()
    with pytest.raises(UnknownColumn):
        parse_query(SCHEMA, sort="-yeer")
    for limit in (0, 1001):
        with pytest.raises(GrammarError, match="from 1 to 1000"):
            parse_query(SCHEMA, limit=limit)


def test_queries_are_plain_values() -> None:
    """Equal queries compare and hash equal, so they can key a cache."""
    first = parse_query(SCHEMA, where="year > 1990", sort="title")
    second = parse_query(SCHEMA, where="year>1990", sort=" title ")
    assert first == second and hash(first) == hash(second)


@pytest.mark.parametrize("column_type", list(ColumnType))
def test_every_type_has_a_hint(column_type: ColumnType) -> None:
    """Every type says what input it takes (placeholders and errors show it)."""
    assert column_type.hint


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('path="C:\\Users\\ann, home"', {"path": "C:\\Users\\ann, home"}),
        ('q="say \\"hi\\""', {"q": 'say "hi"'}),
        ('end="ends in \\\\"', {"end": "ends in \\"}),
        ('bio=""', {"bio": ""}),
        ("bio=", {"bio": None}),
        ("bio=  , year=1", {"bio": None, "year": "1"}),
        ('bio="  "', {"bio": "  "}),
    ],
)
def test_values_keep_backslashes_and_tell_the_empty_text_from_nothing(text, expected):
    """Only \\" and \\\\ are escapes inside quotes; "" is the empty text, nothing is no value (None)."""
    assert parse_values(text) == expected


def test_a_quote_escaped_at_the_end_leaves_the_value_open():
    """`"abc\\"` ends in an escaped quote, so the value is never closed: said, not guessed."""
    with pytest.raises(GrammarError, match="never closed|no closing double quote"):
        parse_values('a="abc\\"')


@given(st.text())
def test_every_text_shown_as_typed_reads_back_exactly(text):
    """as_typed(text) typed back as a value, or in where, gives the same text: messages can be copied."""
    assert parse_values(f"title={as_typed(text)}") == {"title": text}
    assert parse_where(f"author = {as_typed(text)}", SCHEMA) == (Condition("author", "=", text),)


def test_where_tells_the_empty_text_from_no_value():
    """`author = ""` compares with the empty text; `year =` with nothing."""
    assert parse_where('author = ""', SCHEMA) == (Condition("author", "=", ""),)
    assert parse_where("author =", SCHEMA) == (Condition("author", "=", None),)


def test_a_text_column_may_default_to_the_empty_text():
    """`default=""` is a default (the empty text); `default=` with nothing is refused."""
    (column,) = parse_columns('note:text default=""')
    assert column.default == "" and not column.required
    assert column.spec() == 'note:text default=""'
    with pytest.raises(GrammarError, match="needs a value"):
        parse_columns("note:text default=")


def test_value_problems_names_every_problem_of_a_record() -> None:
    """Unknown columns first, then each bad or missing column in order, with the engine's own messages."""
    problems = value_problems(SCHEMA, {"titel": "x", "year": "soon", "read": "maybe"})
    assert [(type(p).__name__, getattr(p, "column", None)) for p in problems] == [
        ("UnknownColumn", "titel"),
        ("BadValue", "title"),
        ("BadValue", "author"),
        ("BadValue", "year"),
        ("BadValue", "read"),
    ]
    with pytest.raises(BadValue) as first:
        SCHEMA.validate_new({"title": "x", "author": "y", "year": "soon"})
    assert [str(p) for p in value_problems(SCHEMA, {"title": "x", "author": "y", "year": "soon"})] == [str(first.value)]
    assert value_problems(SCHEMA, {"title": "x", "author": "y"}) == []


@pytest.mark.parametrize(
    ("spec", "default", "unique", "optional"),
    [
        ("s:choice(to read|done) default=to read", "to read", False, False),
        ("s:text default=to read optional", "to read", False, True),
        ("s:text unique default=a b c", "a b c", True, False),
        ('s:text default="x optional" unique', "x optional", True, False),
        ("s:int default=7", 7, False, False),
    ],
)
def test_a_default_runs_to_the_end_of_its_spec(spec, default, unique, optional):
    """`default=` takes the words up to the next comma, as a value does; `unique`/`optional` after it stay flags."""
    column = parse_columns(spec)[0]
    assert (column.default_value, column.unique, column.optional) == (default, unique, optional)


def test_every_bad_spec_is_named_at_once():
    """Two bad specs: one error naming both, in order."""
    with pytest.raises(GrammarError) as refused:
        parse_columns("a:txt, b:int, c:int sorted")
    assert str(refused.value).splitlines()[1:] == [
        "- Column `a`: `txt` is not a type. Did you mean `text`? Types: "
        "text, int, float, bool, date, datetime, user, channel, role, url, choice.",
        "- Column `c`: `sorted` is not a flag. Flags: unique, optional, default=VALUE.",
    ]
