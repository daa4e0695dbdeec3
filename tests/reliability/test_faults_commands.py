"""REST failures under the real commands: passing ones retried unseen, lasting ones answered, 403 never repeated.

The engine-level cases are in tests/discobase/test_faults.py; here each write
command meets Discord failing on the very request it makes, through SimCord's
``inject_error``, and the member's answer and the stored state are checked.
"""

from __future__ import annotations

import fnmatch

import discord
import orjson
import pytest

import discobase
from discobase import retry
from tests.cogs.helpers import refusal, reply

from .helpers import cleanly

ROWS = orjson.dumps([{"title": f"Row {n}", "author": "imp"} for n in range(3)])

# command, its options, the request it makes, and what is stored once it worked
COMMANDS = {
    "insert": ("record insert", {"table": "books", "values": "title=New, author=X"}, "POST", "/channels/*/messages"),
    "update": ("record update", {"table": "books", "id": 1, "set": "year=1999"}, "PATCH", "/channels/*/messages/*"),
    "delete": ("record delete", {"table": "books", "id": 1}, "PATCH", "/channels/*/messages/*"),  # into its trash
    "import": ("record import", {"table": "books", "file": ("r.json", ROWS)}, "POST", "/channels/*/messages"),
    "create": ("table create", {"name": "authors", "columns": "name:text"}, "POST", "/guilds/*/channels"),
    "create-entry": ("table create", {"name": "authors", "columns": "name:text"}, "POST", "/channels/*/messages"),
    "add-column": (
        "table add-column",
        {"table": "books", "column": "pages:int optional"},
        "PATCH",
        "/channels/*/messages/*",
    ),
}


@pytest.fixture
async def two(simcord_env, member, channel, books, monkeypatch):
    """Records 1 and 2 of `books` (deleting 1 edits its message into its trash marker), and retries without waiting."""
    monkeypatch.setattr(retry, "DELAYS", (0.0,) * len(retry.DELAYS))
    for title in ("Dune", "Emma"):
        await member.slash(channel, "record insert", table="books", values=f"title={title}, author=X")


async def state(store) -> dict[str, object]:
    """What a command may have changed: the tables, and the records of `books`."""
    return {
        "tables": store.table_names(),
        "columns": store.schema("books").column_names,
        "books": {r.id: r.values for r in await store.find("books")},
    }


def requests(env, method: str, pattern: str) -> int:
    return sum(1 for r in env.http_requests if r.method == method and fnmatch.fnmatch(r.path, pattern))


@pytest.mark.parametrize("status", [500, 502])
@pytest.mark.parametrize("name", list(COMMANDS))
async def test_a_passing_failure_is_retried_and_written_once(
    simcord_env, admin, member, channel, store, two, name, status
):
    """Two failures, then success: the member sees an ordinary success, and the write is stored exactly once."""
    command, options, method, path = COMMANDS[name]
    actor = admin if name in ("create", "create-entry", "add-column", "import") else member
    before = await state(store)
    simcord_env.inject_error(method, path, status=status, times=2)
    sent = len(simcord_env.http_requests)
    message = await cleanly(simcord_env, actor.slash(channel, command, **options))
    assert not message.ephemeral
    tries = [r for r in simcord_env.http_requests[sent:] if r.method == method and fnmatch.fnmatch(r.path, path)]
    assert len(tries) == 3
    if method == "POST" and name not in (
        "create",
        "create-entry",
    ):  # one nonce for the three tries, enforced: Discord stores it once
        assert len({(r.json or {}).get("nonce") for r in tries}) == 1
        assert all((r.json or {}).get("enforce_nonce") is True for r in tries)
    after = await state(store)
    if name == "insert":
        assert list(after["books"]) == [1, 2, 3]
    elif name == "update":
        assert after["books"][1]["year"] == 1999
    elif name == "delete":
        assert list(after["books"]) == [2]
    elif name == "import":
        assert list(after["books"]) == [1, 2, 3, 4, 5] and message.content.startswith("Imported 3 records")
    elif name == "add-column":
        assert "pages" in store.schema("books").column_names
        return
    else:
        assert after["tables"] == ["authors", "books"]
        assert sum(1 for channel in simcord_env.guild.channels.values() if channel.name == "authors") == 1
    assert after != before


@pytest.mark.parametrize("name", list(COMMANDS))
async def test_a_lasting_failure_is_answered_and_changes_nothing(simcord_env, admin, member, channel, store, two, name):
    """Five failures in a row: a private answer that Discord kept failing and nothing changed; and nothing did."""
    command, options, method, path = COMMANDS[name]
    actor = admin if name in ("create", "create-entry", "add-column", "import") else member
    before = await state(store)
    simcord_env.inject_error(method, path, status=503, times=5)
    result = await actor.slash(channel, command, **options)
    if name == "import":  # the import answers in its progress message, which says how to go on
        text = reply(result).content
        assert "stopped: Discord kept failing" in text and "importing the same file again writes only the rest" in text
        simcord_env.errors  # noqa: B018
    else:
        text = refusal(simcord_env, result, discobase.DiscordUnavailable)
        assert "Discord kept failing" in text and "Nothing was changed" in text
    assert await state(store) == before
    assert not [c for c in simcord_env.guild.channels.values() if c.name == "authors"]  # no orphan channel
    if name == "import":
        again = await cleanly(simcord_env, actor.slash(channel, command, **options))
        assert again.content.startswith("Imported 3 records")


@pytest.mark.parametrize("name", list(COMMANDS))
async def test_missing_permission_is_named_and_not_retried(simcord_env, admin, member, channel, store, two, name):
    """Discord's 403 (an admin took a permission from the bot): one request, no retry, the permission named."""
    command, options, method, path = COMMANDS[name]
    actor = admin if name in ("create", "create-entry", "add-column", "import") else member
    before = await state(store)
    simcord_env.inject_error(method, path, status=403, code=50013, message="Missing Permissions", times=None)
    sent = requests(simcord_env, method, path)
    result = await actor.slash(channel, command, **options)
    assert requests(simcord_env, method, path) - sent == 1
    if name == "import":
        assert "I need the **Send Messages** permission" in reply(result).content
        simcord_env.errors  # noqa: B018
    else:
        text = refusal(simcord_env, result, discobase.MissingPermission)
        assert "I need the **" in text and "permission" in text
    assert await state(store) == before


async def test_unknown_channel_marks_the_table_damaged_without_retrying(simcord_env, member, channel, store, two):
    """A 404 Unknown Channel (a table channel deleted while the bot missed the event): damaged, named, not repeated."""
    simcord_env.inject_error(
        "POST", "/channels/*/messages", status=404, code=10003, message="Unknown Channel", times=None
    )
    sent = requests(simcord_env, "POST", "/channels/*/messages")
    result = await member.slash(channel, "record insert", table="books", values="title=New, author=X")
    assert requests(simcord_env, "POST", "/channels/*/messages") - sent == 1
    assert "`books` is damaged" in refusal(simcord_env, result, discobase.TableDamaged)
    listed = await cleanly(simcord_env, member.slash(channel, "record tables"))
    assert "`books` \u00b7 **damaged**" in listed.embeds[0].description


async def test_a_permission_a_channel_takes_away_is_named_in_the_answer(simcord_env, member, channel, store, two):
    """An admin denies the bot Send Messages in the table's channel: `/record insert` names that permission and
    that channel (not a guess), and nothing is stored."""
    from simcord.backend.models.channel import Overwrite
    from simcord.enums import OverwriteType

    backend = simcord_env.backend
    books = store.tables.entry("books").channel_id
    view = discord.Permissions(view_channel=True).value
    send = discord.Permissions(send_messages=True).value
    backend.set_overwrite(books, Overwrite(backend.bot_user.id, OverwriteType.MEMBER, view, send))
    await simcord_env.settle()
    before = await state(store)
    result = await member.slash(channel, "record insert", table="books", values="title=New, author=X")
    text = refusal(simcord_env, result, discobase.MissingPermission)
    assert "**Send Messages** permission in the channel `books`" in text and "allow **Send Messages**" in text
    assert await state(store) == before
