"""Autocomplete from the guild's real tables, columns and records.

Only what the member may see is offered (``cogs/access.py``): tables they may
neither read nor write, and records of tables they may not read (but their
own), never show. Discord wants an answer within 3 seconds and at most 25 choices. A suggestion
that cannot be computed quickly (an unknown table, a cold table still loading)
is simply left out: autocomplete never shows an error, the command does.

Every wait of one autocomplete shares one budget (``ANSWER_WITHIN``, counted
from when Discord made it, as its 3 s are), so a cold store whose catalog and table both
load still answers in time, with what it has; the loads go on for the command.
"""

from __future__ import annotations

import asyncio
import difflib
import heapq
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

import discord
from discord import app_commands

import discobase
from discobase.model.columns import quote

from ..access import may_see_record, visible_names
from .context import store_of
from .embeds import record_line
from .formatting import cut
from .replies import made_at

__all__ = [
    "MAX_CHOICES",
    "by_columns",
    "column_list",
    "column_names",
    "column_types",
    "of_columns",
    "rank",
    "record_ids",
    "sort_keys",
    "table_names",
    "trashed_ids",
    "unique_columns",
    "value_columns",
    "view_names",
    "where_columns",
]

MAX_CHOICES = 25
CHOICE_LIMIT = 100
ANSWER_WITHIN = 2.0
"""Seconds one autocomplete may wait for loads in all, from when Discord made it: its answer leaves within 2.5 s
(Discord allows 3), whatever the store's state; the loads go on in the background for the command."""

T = TypeVar("T")

_LAST_ITEM = re.compile(r"^(?P<head>.*(?:,|\s+and\s+))?(?P<tail>[^,]*)$", re.IGNORECASE | re.DOTALL)
_LAST_CONDITION = re.compile(
    r"^(?P<head>.*(?:,|\s+and\s+|\s+or\s+|\(|\bnot\s+))?(?P<tail>[^,(]*)$", re.IGNORECASE | re.DOTALL
)
_PARTIAL_NAME = re.compile(r"\s*[A-Za-z_][A-Za-z0-9_]*\s*|\s*")
_PAIR_VALUE = re.compile(r"\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*=(?P<value>[^\"]*)")
_CONDITION_VALUE = re.compile(r"\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?:!=|==|~=|=|~)\s*(?P<value>[^\"]*)")


def rank(current: str, names: Iterable[str]) -> list[str]:
    """Names starting with what was typed first, then those containing it, then similar ones; at most 25."""
    pool = list(dict.fromkeys(names))
    typed = current.strip().lower()
    if not typed:
        return pool[:MAX_CHOICES]
    prefix = [name for name in pool if name.lower().startswith(typed)]
    inside = [name for name in pool if typed in name.lower() and name not in prefix]
    rest = [name for name in pool if name not in prefix and name not in inside]
    similar = difflib.get_close_matches(typed, rest, n=MAX_CHOICES, cutoff=0.5)
    return (prefix + inside + similar)[:MAX_CHOICES]


def _choices(values: Iterable[str]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=value, value=value) for value in values if 0 < len(value) <= CHOICE_LIMIT]


def _left(interaction: discord.Interaction) -> float:
    """Seconds this autocomplete may still wait (its budget, from when Discord made it, is shared by every wait)."""
    return max(0.0, made_at(interaction) + ANSWER_WITHIN - asyncio.get_running_loop().time())


async def _within_budget(interaction: discord.Interaction, work: Awaitable[T]) -> T:
    """``work``'s result if it ends within the budget left (else ``TimeoutError``); it goes on either way.

    A time-out around a shield rather than ``wait_for``: a simulated Discord
    (SimCord) sees through a shield to the load it waits on, so it can move its
    clock past a slow load; ``wait_for``'s bare future hides it.
    """
    task = asyncio.ensure_future(work)
    async with asyncio.timeout(_left(interaction)):
        return await asyncio.shield(task)


async def _store(interaction: discord.Interaction) -> discobase.GuildStore | None:
    try:
        store = store_of(interaction)
        await _within_budget(interaction, store.open())
    except (discobase.DiscobaseError, app_commands.AppCommandError, TimeoutError):
        return None
    return store


async def _chosen(interaction: discord.Interaction) -> tuple[discobase.GuildStore, discobase.TableSchema] | None:
    """The store and the schema of the table already chosen in this command's ``table`` option, if it may see it."""
    table = getattr(interaction.namespace, "table", None)
    store = await _store(interaction) if isinstance(table, str) else None
    if store is None or not isinstance(table, str):
        return None
    name = table.strip().lower()
    if name not in visible_names(interaction.user, store):
        return None
    return store, store.schema(name)


async def _schema(interaction: discord.Interaction) -> discobase.TableSchema | None:
    chosen = await _chosen(interaction)
    return chosen[1] if chosen else None


async def _readable_schema(interaction: discord.Interaction) -> discobase.TableSchema | None:
    """The chosen table's schema if the member may read it: a view of a table they may not read does not exist."""
    chosen = await _chosen(interaction)
    if chosen is None or chosen[1].name not in visible_names(interaction.user, chosen[0], reading=True):
        return None
    return chosen[1]


async def table_names(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """The tables the member may see (read or write), ranked against what was typed."""
    store = await _store(interaction)
    return _choices(rank(current, visible_names(interaction.user, store))) if store else []


async def column_names(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """The columns of the table chosen in the ``table`` option."""
    schema = await _schema(interaction)
    return _choices(rank(current, schema.column_names)) if schema else []


async def unique_columns(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """The unique columns of the chosen table: the keys an upsert can find records by."""
    schema = await _schema(interaction)
    return _choices(rank(current, schema.unique_columns)) if schema else []


async def column_types(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """The column types, a choice column with its example list; what was typed stays offered as it is."""
    types = [t.value for t in discobase.ColumnType if t is not discobase.ColumnType.CHOICE] + ["choice(a|b|c)"]
    typed = current.strip()
    offered = rank(typed, types)
    return _choices([typed, *offered] if typed and typed not in offered and "(" in typed else offered)


async def sort_keys(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Every column (and ``id``), ascending and descending (``-year``)."""
    schema = await _schema(interaction)
    if schema is None:
        return []
    names = ["id", *schema.column_names]
    keys = [f"-{name}" for name in names] if current.strip().startswith("-") else names + [f"-{n}" for n in names]
    return _choices(rank(current.strip(), keys))


def _complete_last(current: str, names: list[str], suffix: str, last: re.Pattern[str] = _LAST_ITEM) -> list[str]:
    """Complete the column name being typed after the last separator, keeping what came before."""
    match = last.match(current)
    if match is None or not _PARTIAL_NAME.fullmatch(match["tail"]):
        return [current] if current.strip() else []
    head = match["head"] or ""
    if head and not head.endswith((" ", "(")):
        head += " "
    return [f"{head}{name}{suffix}" for name in rank(match["tail"], names)]


def _complete_choice(
    current: str, schema: discobase.TableSchema, last: re.Pattern[str], value: re.Pattern[str]
) -> list[str] | None:
    """The choices of a choice column whose value is being typed (``status=o`` -> ``status=open``); else None."""
    match = last.match(current)
    typed = value.fullmatch(match["tail"]) if match else None
    if match is None or typed is None:
        return None
    column = next((c for c in schema.columns if c.name == typed["name"]), None)
    if column is None or not column.choices:
        return None
    head = match["head"] or ""
    if head and not head.endswith((" ", "(")):
        head += " "
    start = head + match["tail"][: typed.start("value")].lstrip()
    return [start + (quote(c) if "," in c or c != c.strip() else c) for c in rank(typed["value"], column.choices)]


async def where_columns(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Column names for the condition being typed (``year >= 1990, au`` -> ``year >= 1990, author``), or choices."""
    schema = await _schema(interaction)
    if schema is None:
        return []
    choices = _complete_choice(current, schema, _LAST_CONDITION, _CONDITION_VALUE)
    if choices is not None:
        return _choices(choices)
    return _choices(_complete_last(current, ["id", *schema.column_names], " ", _LAST_CONDITION))


async def value_columns(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Column names for the pair being typed (``year=1999, ti`` -> ``year=1999, title=``), or choices."""
    schema = await _schema(interaction)
    if schema is None or current.lstrip().startswith("{"):
        return []
    choices = _complete_choice(current, schema, _LAST_ITEM, _PAIR_VALUE)
    if choices is not None:
        return _choices(choices)
    return _choices(_complete_last(current, schema.column_names, "="))


async def view_names(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """The views of the chosen table, each with its where, for a member who may read the table."""
    schema = await _readable_schema(interaction)
    if schema is None:
        return []
    wheres = {view.name: view.where for view in schema.views}
    return [
        app_commands.Choice(
            name=cut(f"{name} \u00b7 {wheres[name]}" if wheres[name] else name, CHOICE_LIMIT), value=name
        )
        for name in rank(current, wheres)
    ]


_DATE_TYPES = (discobase.ColumnType.DATE, discobase.ColumnType.DATETIME)
_NUMBER_TYPES = (discobase.ColumnType.INT, discobase.ColumnType.FLOAT)


async def by_columns(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Columns to group by, and for date and datetime columns their parts (``due:month``)."""
    schema = await _schema(interaction)
    if schema is None:
        return []
    keys: list[str] = []
    for column in schema.columns:
        keys.append(column.name)
        if column.type in _DATE_TYPES:
            keys += [f"{column.name}:{part}" for part in ("day", "week", "month", "year")]
    typed = current.strip().lower()
    if ":" not in typed:  # the parts come after their column, once the column is chosen
        keys = [key for key in keys if ":" not in key or key.startswith(f"{typed}:")]
    return _choices(rank(typed, keys))


async def of_columns(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Number columns to total (comma-separated), the number columns first."""
    schema = await _schema(interaction)
    if schema is None:
        return []
    numbers = [c.name for c in schema.columns if c.type in _NUMBER_TYPES]
    return _choices(_complete_last(current, numbers, "") if numbers else [])


async def column_list(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """The columns to show, comma-separated (``title, ye`` -> ``title, year``)."""
    schema = await _schema(interaction)
    return _choices(_complete_last(current, schema.column_names, "")) if schema else []


async def record_ids(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
    """Ids of the records the member may see starting with what was typed, newest first, each with its values."""
    return await _id_choices(interaction, current, lambda store, name: store.find(name))


async def trashed_ids(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
    """Ids in the table's trash that the member may see, as ``record_ids`` offers records (for a restore)."""

    async def trash(store: discobase.GuildStore, name: str) -> list[discobase.Record]:
        return [item.record for item in await store.trash(name)]

    return await _id_choices(interaction, current, trash)


async def _id_choices(
    interaction: discord.Interaction,
    current: str,
    fetch: Callable[[discobase.GuildStore, str], Awaitable[list[discobase.Record]]],
) -> list[app_commands.Choice[int]]:
    chosen = await _chosen(interaction)
    if chosen is None:
        return []
    store, schema = chosen
    access = store.access(schema.name)
    try:
        records = await _within_budget(interaction, fetch(store, schema.name))
    except (discobase.DiscobaseError, TimeoutError):
        return []
    typed = str(current).strip()
    offered = (r for r in records if str(r.id).startswith(typed) and may_see_record(interaction.user, access, r))
    newest = heapq.nlargest(MAX_CHOICES, offered, key=lambda r: r.id)
    return [
        app_commands.Choice(
            name=cut(f"{r.id} \u00b7 {record_line(schema, r, CHOICE_LIMIT, rich=False)}", CHOICE_LIMIT), value=r.id
        )
        for r in newest
    ]
