"""Every column type round-trips through a message and back, on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from discobase import TableSchema, parse_columns

from .conftest import Harness

ALL_TYPES = "t:text, i:int, f:float, b:bool, d:date, dt:datetime, u:user, c:channel, r:role, w:url, o:int optional"


async def test_every_type_round_trips_through_a_message(harness: Harness) -> None:
    """Values of every type come back equal and of the same type after a restart."""
    store = harness.store
    await store.create_table(TableSchema(name="kinds", columns=parse_columns(ALL_TYPES)))
    given = {
        "t": 'text with "quotes", commas, émoji 🎲 and\nnewlines',
        "i": "-42",
        "f": "3.25",
        "b": "no",
        "d": "2024-02-29",
        "dt": "2024-05-31T14:30:00+02:00",
        "u": "<@123456789012345678>",
        "c": "<#223456789012345678>",
        "r": "<@&323456789012345678>",
        "w": "https://example.com/a?b=c",
    }
    expected = {
        "t": given["t"],
        "i": -42,
        "f": 3.25,
        "b": False,
        "d": date(2024, 2, 29),
        "dt": datetime(2024, 5, 31, 12, 30, tzinfo=UTC),
        "u": 123456789012345678,
        "c": 223456789012345678,
        "r": 323456789012345678,
        "w": "https://example.com/a?b=c",
        "o": None,
    }
    assert (await store.insert("kinds", given, 1)).values == expected
    restarted = await harness.restart()
    record = await restarted.get("kinds", 1)
    assert record.values == expected
    assert {k: type(v) for k, v in record.values.items()} == {k: type(v) for k, v in expected.items()}


def test_datetime_without_zone_is_utc() -> None:
    """A date-time without an offset is taken as UTC; one with an offset is converted to UTC."""
    (column,) = parse_columns("at:datetime")
    assert column.convert("2024-01-01T10:00") == datetime(2024, 1, 1, 10, tzinfo=UTC)
    assert column.convert(datetime(2024, 1, 1, 10, tzinfo=timezone(timedelta(hours=-5)))) == datetime(
        2024, 1, 1, 15, tzinfo=UTC
    )


@pytest.mark.parametrize("bad", ["ftp://example.com", "example.com", "https://", "javascript:alert(1)"])
def test_url_must_be_http(bad: str) -> None:
    """Only http(s) links are URLs."""
    (column,) = parse_columns("link:url")
    with pytest.raises(ValueError, match="http"):
        column.convert(bad)
