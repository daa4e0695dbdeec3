"""Views: saved finds, read again at each use, and what a find, count, export or summary asks once a view is in it.

A view keeps its where, sort and columns as typed (schema.py's ``View``). At
each use they are parsed against the table as it is now; a view a later
schema change left unreadable (a column dropped, a type altered) raises
``BrokenView`` with the fix, never a crash. A column rename rewrites the
views' text in the same catalog edit (``follow_rename``), so views follow
renames. An explicit ``where`` narrows the view's; an explicit ``sort`` or
``columns`` replaces the view's.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..errors import BadValue, BrokenView, GrammarError, UnknownColumn, shown
from .grammar import parse_query, parse_sort, where_column_spans
from .query import Query
from .schema import TableSchema, View

__all__ = ["Selection", "check_view", "follow_rename", "parse_column_list", "select", "views_using"]


@dataclass(frozen=True, slots=True)
class Selection:
    """What to read and show: the query, the columns to show (None: every column), and the where as shown."""

    query: Query
    columns: tuple[str, ...] | None
    where: str | None

    def showing(self, schema: TableSchema) -> TableSchema:
        """The schema as the records are shown: only the chosen columns, in their order (never stored)."""
        if self.columns is None:
            return schema
        return schema.model_copy(update={"columns": tuple(schema.column(name) for name in self.columns)})


def parse_column_list(text: str, schema: TableSchema) -> tuple[str, ...]:
    """Column names, comma-separated, each once (``id`` is always shown first, so it may be left out)."""
    names: list[str] = []
    for part in text.split(","):
        name = part.strip().lower()
        if not name or name == "id":
            continue
        schema.column(name)
        if name in names:
            raise GrammarError(f"`columns` names `{name}` twice. Name each column once.")
        names.append(name)
    if not names:
        raise GrammarError(
            f"`columns:` `{shown(text)}` names no column. Name some, comma-separated, like "
            f"`{', '.join(schema.column_names[:2])}`."
        )
    return tuple(names)


def check_view(schema: TableSchema, view: View) -> None:
    """Raise what is wrong with a view about to be saved: its where, sort or columns must read on this table."""
    parse_query(schema, view.where or None, view.sort or None)
    if view.columns:
        parse_column_list(",".join(view.columns), schema)


def _joined(first: str, second: str | None) -> str:
    """Two wheres as one text to show; each in parentheses when it holds an ``or``."""
    if not second or not second.strip():
        return first
    if not first:
        return second.strip()
    return " and ".join(f"({part})" if " or " in part.lower() else part for part in (first, second.strip()))


def select(
    schema: TableSchema,
    view: str | None = None,
    where: str | None = None,
    sort: str | None = None,
    limit: int | None = None,
    columns: str | None = None,
) -> Selection:
    """The query of a find over ``view`` (its where narrowed by ``where``; ``sort``, ``columns`` replace its own)."""
    explicit = parse_query(schema, where, sort, limit)
    shown_columns = parse_column_list(columns, schema) if columns and columns.strip() else None
    if not view or not view.strip():
        return Selection(explicit, shown_columns, where.strip() if where and where.strip() else None)
    saved = schema.view(view.strip().lower())
    try:
        base = parse_query(schema, saved.where or None, None if sort and sort.strip() else (saved.sort or None))
        if shown_columns is None and saved.columns:
            shown_columns = parse_column_list(",".join(saved.columns), schema)
    except (GrammarError, UnknownColumn, BadValue) as error:
        raise BrokenView(schema.name, saved.name, str(error)) from None
    query = dataclasses.replace(
        explicit,
        conditions=(*base.conditions, *explicit.conditions),
        sort=explicit.sort if sort and sort.strip() else base.sort,
        descending=explicit.descending if sort and sort.strip() else base.descending,
    )
    return Selection(query, shown_columns, _joined(saved.where, where) or None)


def follow_rename(before: TableSchema, after: TableSchema, old: str, new: str) -> TableSchema:
    """``after`` (``before`` with column ``old`` renamed ``new``) with its views rewritten to name ``new``.

    A view that no longer read before the rename (broken already) is kept as it was.
    """
    views = []
    for view in before.views:
        try:
            where = view.where
            for start, end in reversed(where_column_spans(where, before) if where else []):
                if where[start:end] == old:
                    where = where[:start] + new + where[end:]
            column, descending = parse_sort(view.sort, before) if view.sort else ("", False)
        except (GrammarError, UnknownColumn, BadValue):
            views.append(view)
            continue
        sort = ("-" if descending else "") + (new if column == old else column) if view.sort else ""
        columns = tuple(new if name == old else name for name in view.columns)
        views.append(view.model_copy(update={"where": where, "sort": sort, "columns": columns}))
    return after.model_copy(update={"views": tuple(views)})


def views_using(schema: TableSchema, column: str) -> list[str]:
    """The views whose where, sort or columns name ``column``: a drop of it leaves them to be saved again."""
    using = []
    for view in schema.views:
        try:
            spans = where_column_spans(view.where, schema) if view.where else []
        except (GrammarError, UnknownColumn, BadValue):
            spans = []
        named = {view.where[start:end] for start, end in spans} | set(view.columns) | {view.sort.lstrip("-").strip()}
        if column in named:
            using.append(view.name)
    return using
