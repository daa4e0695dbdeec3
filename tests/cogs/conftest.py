"""The cog tests share the fixtures of tests/conftest.py (the bot, a guild, members, a `books` table), and `tasks`."""

from __future__ import annotations

import pytest

from tests.conftest import BOOKS_COLUMNS

from .helpers import reply

__all__ = ["BOOKS_COLUMNS", "MID", "NB", "TASKS", "TASKS_COLUMNS"]

TASKS_COLUMNS = (
    "title:text unique, status:choice(open|doing|done), owner:user optional, hours:float optional, "
    "points:int optional, due:date optional"
)
NB = "\u2011"  # dates are shown with no-break hyphens
MID = "\u00b7"

# title, status, owner (0 admin, 1 member, 2 other member, None), hours, points, due
TASKS = [
    ("t1", "open", 0, 2.5, 3, "2026-01-05"),
    ("t2", "open", 1, 4.0, 5, "2026-01-12"),
    ("t3", "doing", 0, 1.5, 2, "2026-01-20"),
    ("t4", "done", 1, 8.0, 8, "2026-02-02"),
    ("t5", "done", 0, 3.0, 3, "2026-02-10"),
    ("t6", "open", None, None, 1, None),
    ("t7", "doing", 2, 6.0, 5, "2026-02-27"),
    ("t8", "open", 2, 2.0, 2, "2026-03-03"),
    ("t9", "open", 0, 0.5, 1, "2026-03-15"),
    ("t10", "done", 1, 5.0, 8, "2026-03-30"),
]


@pytest.fixture
async def tasks(admin, member, other_member, channel, store) -> str:
    """The `tasks` table with its ten known records."""
    result = await admin.slash(channel, "table create", name="tasks", columns=TASKS_COLUMNS)
    assert "Created table" in reply(result).content
    owners = [admin.id, member.id, other_member.id]
    rows = [
        {"title": t, "status": s, "owner": None if o is None else owners[o], "hours": h, "points": p, "due": d}
        for t, s, o, h, p, d in TASKS
    ]
    await store.insert_many("tasks", rows, admin.id)
    return "tasks"
