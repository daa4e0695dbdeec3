"""The storage categories of a guild: ``discobase``, then ``discobase-2``, ``discobase-3``, … (no request).

A category holds at most 50 channels, so past the catalog and 49 tables the
tables spill into further categories. They are found by name in the gateway's
cache, so finding them again after a restart costs nothing; the catalog names
each table's channel by id, so a table may live in any of them.
"""

from __future__ import annotations

import re

from ..backend import Backend
from ..backend.base import CATEGORY_CHANNEL_LIMIT
from ..model.catalog import CATALOG_CHANNEL

__all__ = ["category_with_room", "next_category_name", "storage_categories"]


def _spills(backend: Backend, name: str) -> dict[int, int]:
    """The further storage categories by number (``discobase-2`` is 2).

    A category of that shape holding a catalog channel is another database's
    own (a database named ``discobase-2``): it is never taken for a spill.
    """
    pattern = re.compile(re.escape(name) + r"-([1-9][0-9]*)")
    found: dict[int, int] = {}
    for category_id, category in sorted(backend.categories().items()):
        if not (match := pattern.fullmatch(category)) or int(match[1]) < 2:
            continue
        if CATALOG_CHANNEL in backend.channels_in(category_id).values():
            continue
        found.setdefault(int(match[1]), category_id)  # two of one name: the older holds the tables
    return found


def storage_categories(backend: Backend, name: str, first_id: int | None) -> list[int]:
    """Every storage category, the first (with the catalog) first, then ``-2``, ``-3``, …; empty before open."""
    if first_id is None:
        return []
    return [first_id, *(category_id for _, category_id in sorted(_spills(backend, name).items()))]


def category_with_room(backend: Backend, name: str, first_id: int | None) -> int | None:
    """The first storage category with room for one more channel, or None when all are full."""
    return next(
        (c for c in storage_categories(backend, name, first_id) if backend.category_size(c) < CATEGORY_CHANNEL_LIMIT),
        None,
    )


def next_category_name(backend: Backend, name: str) -> str:
    """The storage category to make when all are full: the lowest free number from 2."""
    taken, number = _spills(backend, name), 2
    while number in taken:
        number += 1
    return f"{name}-{number}"
