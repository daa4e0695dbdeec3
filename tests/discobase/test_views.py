"""Views in the engine, on both backends: saved in the catalog entry, followed through renames, read at each use."""

from __future__ import annotations

import orjson
import pytest

from discobase import BrokenView, ColumnType, GuildStore, UnknownView, View, parse_columns, select
from discobase.model.catalog import decode_entry
from discobase.model.views import follow_rename, views_using

from .conftest import Harness, books_schema

OLD = View(name="old", where="year < 1900 or title ~ e", sort="-year", columns=("title", "year"))


async def test_a_view_is_one_catalog_edit_and_survives_a_restart(harness: Harness, store: GuildStore) -> None:
    """Saving costs one request; saving the same view again costs none; the view is read back after a restart."""
    start = harness.requests()
    await store.save_view("books", OLD)
    assert harness.requests() - start <= 2  # the catalog edit (and the write lease, on its first use)
    middle = harness.requests()
    await store.save_view("books", OLD)
    assert harness.requests() == middle
    restarted = await harness.restart()
    await restarted.open()
    assert restarted.schema("books").views == (OLD,)


async def test_views_follow_a_column_rename_in_the_same_edit(harness: Harness, store: GuildStore) -> None:
    """Renaming `year` rewrites the where, the sort and the columns of the views; values and text stay as typed."""
    await store.save_view("books", OLD)
    await store.save_view("books", View(name="year_in_title", where='title = "year < 1900"'))
    start = harness.requests()
    await store.rename_column("books", "year", "published")
    assert harness.requests() - start == 1
    restarted = await harness.restart()
    await restarted.open()
    views = restarted.schema("books").views
    assert views[0] == View(
        name="old", where="published < 1900 or title ~ e", sort="-published", columns=("title", "published")
    )
    assert views[1].where == 'title = "year < 1900"'  # a value that looks like the column is not a column


async def test_deleting_a_view(harness: Harness, store: GuildStore) -> None:
    """A deleted view is gone; deleting one that does not exist names the closest."""
    await store.save_view("books", OLD)
    await store.delete_view("books", "old")
    await store.save_view("books", View(name="new"))
    with pytest.raises(UnknownView, match="Did you mean `new`"):
        await store.delete_view("books", "newe")
    restarted = await harness.restart()
    await restarted.open()
    assert restarted.schema("books").view_names == ["new"]


async def test_a_dropped_column_breaks_the_view_not_the_table(store: GuildStore) -> None:
    """After a drop the view is kept but reported broken, with the fix; the table works as before."""
    await store.save_view("books", OLD)
    assert views_using(store.schema("books"), "year") == ["old"]
    await store.drop_column("books", "year")
    with pytest.raises(BrokenView, match="no longer fits the table: Table `books` has no column `year`"):
        select(store.schema("books"), "old")
    assert await store.count("books") == 0


async def test_a_view_an_alter_column_left_unreadable_is_reported(store: GuildStore) -> None:
    """A view on a value an alter-column took away (a choice no longer offered) is reported broken, with the fix."""
    await store.add_column("books", parse_columns("state:choice(new|lent|lost) optional")[0])
    await store.save_view("books", View(name="lent", where="state = lent"))
    await store.alter_column("books", "state", column_type=ColumnType.CHOICE, choices=("new", "lost"))
    with pytest.raises(BrokenView, match=r"not one of the choices: new, lost\. .*Save it again with"):
        select(store.schema("books"), "lent")


def test_an_old_reader_skips_views() -> None:
    """Views ride in the schema; an entry without them reads as no views, and they are left out when empty."""
    schema = books_schema()
    assert "views" not in orjson.loads(_entry(schema))["schema"]
    with_view = schema.with_view(OLD)
    decoded = decode_entry(_entry(with_view))
    assert decoded is not None and decoded.schema.views == (OLD,)


def test_follow_rename_keeps_a_broken_view() -> None:
    """A view that no longer read before a rename is kept as it was."""
    schema = books_schema().with_view(View(name="bad", where="pages > 3"))
    after = follow_rename(schema, schema.with_column_renamed("year", "published"), "year", "published")
    assert after.views == schema.views


def _entry(schema) -> str:
    from discobase.model.catalog import CatalogEntry, encode_entry

    return encode_entry(CatalogEntry(schema, 1))
