"""Who may read and write which table (SPEC "Access"): every command, button and autocomplete asks here.

A table's catalog entry names a role that may read it and one that may write
it (``discobase.Access``; None is @everyone). The rules, in order:

- **Manage Server** may always read and write every table;
- **read** (find, get, count, export, describe, ``/record tables``, autocomplete
  of records): members with the read role;
- **write** (insert; update and delete of one's own records): members with the
  write role. A table a member may write but not read still shows in
  ``/record tables`` and the insert's autocomplete (so an "applications" table
  can take everyone's entries and show them to staff only); find, get and
  count show such a member their own records, and nothing of others'
  (``own_only``, ``seen_found``);
- **Manage Messages** may change others' records, in tables it may read;
- **import** is a bulk write: write access and Manage Messages.
- a **unique** value already taken names the record that holds it only to a
  member who may see that record: one who may only write is told another
  record has it, not which (``unseen_holders_hidden``).

A member who may neither read nor write a table is told it does not exist,
in the very words used for a table that does not exist, with names suggested
only from the tables they may see: nothing leaks its name or size. Answers
about a table with a read role are private (ephemeral), so a member who may
read it does not show its records to the channel.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

import discord

import discobase
from discobase.model.columns import Value

from .utils.context import store_of
from .utils.errors import NotAllowed, Refused
from .utils.formatting import code, role_text, show
from .utils.replies import timely

__all__ = [
    "changeable_record",
    "check_may_change",
    "check_may_change_all",
    "check_may_import",
    "is_secret",
    "may_read",
    "may_see_record",
    "may_write",
    "open_readable",
    "open_seen",
    "open_writable",
    "own_only",
    "readable",
    "seen_found",
    "seen_record",
    "unseen_holders_hidden",
    "unseen_row_holders_hidden",
    "visible_names",
    "writable",
]


def _manages_server(user: discord.abc.User) -> bool:
    return isinstance(user, discord.Member) and user.guild_permissions.manage_guild


def _hasrole_text(user: discord.abc.User, role_id: int | None) -> bool:
    """Whether the member has the role; None and the guild's own id (@everyone) are everyone."""
    if role_id is None:
        return True
    if not isinstance(user, discord.Member):
        return False
    return role_id == user.guild.id or any(role.id == role_id for role in user.roles)


def may_read(user: discord.abc.User, access: discobase.Access) -> bool:
    """Whether the member may read the table's records."""
    return _manages_server(user) or _hasrole_text(user, access.read_role_id)


def may_write(user: discord.abc.User, access: discobase.Access) -> bool:
    """Whether the member may insert records, and change or delete their own."""
    return _manages_server(user) or _hasrole_text(user, access.write_role_id)


def is_secret(access: discobase.Access) -> bool:
    """Whether only some members may read the table: then every answer about it is private."""
    return access.read_role_id is not None


def own_only(user: discord.abc.User, access: discobase.Access) -> bool:
    """Whether the member may write the table but not read it: they see the records they created, nothing else."""
    return may_write(user, access) and not may_read(user, access)


async def seen_found(
    user: discord.abc.User, store: discobase.GuildStore, table: str, query: discobase.Query | None = None
) -> discobase.Found:
    """What a find shows the member: every match to a reader; to one who may only write, their own matches."""
    if not own_only(user, store.access(table)):
        return await store.find(table, query)
    everything = await store.find(table, query.without_limit() if query else None)
    mine = [record for record in everything if record.creator_id == user.id]
    limit = query.limit if query else None
    return discobase.Found(mine[:limit] if limit else mine, matched=len(mine))


def visible_names(user: discord.abc.User, store: discobase.GuildStore, *, reading: bool = False) -> list[str]:
    """The tables the member may see (read or write; only read with ``reading``), sorted. The store must be open."""
    names = []
    for name in store.table_names():
        access = store.access(name)
        if may_read(user, access) or (not reading and may_write(user, access)):
            names.append(name)
    return names


def _seen(interaction: discord.Interaction, store: discobase.GuildStore, table: str) -> discobase.Access:
    """The rules of a table the member may read or write; else ``UnknownTable``, suggesting only visible names."""
    if table in store.table_names():
        access = store.access(table)
        if may_read(interaction.user, access) or may_write(interaction.user, access):
            return access
    raise discobase.UnknownTable(table, visible_names(interaction.user, store))


def readable(interaction: discord.Interaction, store: discobase.GuildStore, table: str) -> discobase.Access:
    """The rules of a table the member may read; else as if it did not exist, or, if they may write it, why not."""
    access = _seen(interaction, store, table)
    if not may_read(interaction.user, access):
        raise NotAllowed(
            f"You may add records to `{table}`, but only members with the {role_text(access.read_role_id)} role "
            f"can read them. `/record find table:{table}` shows your own."
        )
    return access


def writable(interaction: discord.Interaction, store: discobase.GuildStore, table: str) -> discobase.Access:
    """The rules of a table the member may write; else as if it did not exist, or, if they may read it, why not."""
    access = _seen(interaction, store, table)
    if not may_write(interaction.user, access):
        raise NotAllowed(
            f"Only members with the {role_text(access.write_role_id)} role can add or change records of `{table}`."
        )
    return access


async def _opened(interaction: discord.Interaction, ephemeral: bool) -> discobase.GuildStore:
    store = store_of(interaction)
    await timely(interaction, store.open(), ephemeral=ephemeral)
    return store


async def open_readable(
    interaction: discord.Interaction, table: str, *, ephemeral: bool = False
) -> tuple[discobase.GuildStore, discobase.Access]:
    """The guild's store, open, and the rules of a table the member may read (see ``readable``)."""
    store = await _opened(interaction, ephemeral)
    return store, readable(interaction, store, table)


async def open_seen(
    interaction: discord.Interaction, table: str, *, ephemeral: bool = False
) -> tuple[discobase.GuildStore, discobase.Access]:
    """The guild's store, open, and the rules of a table the member may read or write (else ``UnknownTable``)."""
    store = await _opened(interaction, ephemeral)
    return store, _seen(interaction, store, table)


async def open_writable(
    interaction: discord.Interaction, table: str, *, ephemeral: bool = False
) -> tuple[discobase.GuildStore, discobase.Access]:
    """The guild's store, open, and the rules of a table the member may write (see ``writable``)."""
    store = await _opened(interaction, ephemeral)
    return store, writable(interaction, store, table)


def may_see_record(user: discord.abc.User, access: discobase.Access, record: discobase.Record) -> bool:
    """Readers see every record; a member who may only write sees the records they created."""
    return may_read(user, access) or (record.creator_id == user.id and may_write(user, access))


async def seen_record(
    interaction: discord.Interaction,
    store: discobase.GuildStore,
    access: discobase.Access,
    table: str,
    record_id: int,
    *,
    ephemeral: bool = False,
) -> discobase.Record:
    """The record, if the member may see it; one they may not see is answered as a record that does not exist.

    So a member who may only write a table learns nothing of others' records: not that an id is used, nor who made it.
    """
    record = await timely(interaction, store.get(table, record_id), ephemeral=ephemeral)
    if not may_see_record(interaction.user, access, record):
        raise discobase.RecordNotFound(table, record_id)
    return record


async def changeable_record(
    interaction: discord.Interaction, table: str, record_id: int, verb: str, *, ephemeral: bool = False
) -> tuple[discobase.GuildStore, discobase.Access, discobase.Record]:
    """The store, the table's rules and the record, now, if the member may ``verb`` it; else why not.

    A member who may not see the table is told it does not exist; one who may
    not see the record, that the record does not exist. Answers are private
    when ``ephemeral`` or when the table has a read role.
    """
    store, access = await open_seen(interaction, table, ephemeral=ephemeral)
    private = ephemeral or is_secret(access)
    record = await seen_record(interaction, store, access, table, record_id, ephemeral=private)
    check_may_change(interaction, access, record, verb)
    return store, access, record


def check_may_change(
    interaction: discord.Interaction, access: discobase.Access, record: discobase.Record, verb: str
) -> None:
    """A record is changed or deleted by its creator (with write access), or by Manage Messages (with read access)."""
    # Server-wide, not this channel's: Manage Messages in one channel must not open every table's records.
    user = interaction.user
    manage_messages = isinstance(user, discord.Member) and user.guild_permissions.manage_messages
    if record.creator_id == user.id and may_write(user, access):
        return
    if manage_messages and may_read(user, access):
        return
    if record.creator_id == user.id:
        raise NotAllowed(
            f"Only members with the {role_text(access.write_role_id)} role can {verb} records of this table now."
        )
    raise NotAllowed(
        f"Only the member who created record {record.id} (<@{record.creator_id}>) or members with the "
        f"**Manage Messages** permission can {verb} it."
    )


def check_may_change_all(
    interaction: discord.Interaction, access: discobase.Access, records: list[discobase.Record], verb: str
) -> None:
    """A bulk change: Manage Messages (with read access), or the creator, with write access, of every record."""
    user = interaction.user
    if isinstance(user, discord.Member) and user.guild_permissions.manage_messages and may_read(user, access):
        return
    others = sum(1 for record in records if record.creator_id != user.id)
    if not others and may_write(user, access):
        return
    if not others:
        raise NotAllowed(
            f"Only members with the {role_text(access.write_role_id)} role can {verb} records of this table now."
        )
    raise NotAllowed(
        f"{others} of the {len(records)} matching records were created by other members: only members with the "
        f"**Manage Messages** permission can {verb} others' records. Narrow the `where` to your own "
        f"(for example add `and id = …`), or ask a moderator."
    )


def check_may_import(interaction: discord.Interaction, table: str) -> None:
    """An import is a bulk write: besides write access, Manage Messages (or Manage Server)."""
    user = interaction.user
    if isinstance(user, discord.Member) and (
        user.guild_permissions.manage_messages or user.guild_permissions.manage_guild
    ):
        return
    raise NotAllowed(
        f"An import writes many records at once, so it needs the **Manage Messages** permission besides "
        f"write access to `{table}`. Ask a moderator to import the file, or add the rows with `/record insert`."
    )


async def _holder_seen(
    interaction: discord.Interaction, store: discobase.GuildStore, access: discobase.Access, table: str, holder: int
) -> bool:
    """Whether the member may see the record that holds a unique value (one gone meanwhile is not seen)."""
    try:
        record = await store.get(table, holder)
    except discobase.RecordNotFound:
        return False
    return may_see_record(interaction.user, access, record)


@asynccontextmanager
async def unseen_holders_hidden(
    interaction: discord.Interaction, store: discobase.GuildStore, access: discobase.Access, table: str
) -> AsyncIterator[None]:
    """Around a write: a unique value taken by a record the member may not see is refused without naming it.

    The engine's ``UniqueViolation`` names the record that holds the value,
    which a member who may write a private table but not read it must not
    learn; readers, and the creator of that record, still get the engine's words.
    """
    try:
        yield
    except discobase.UniqueViolation as error:
        if await _holder_seen(interaction, store, access, table, error.holder):
            raise
        value = show(store.schema(table).column(error.column).type, cast(Value, error.value), 100)
        raise Refused(
            f"{code(error.column)} must be unique, and another record already has {value}. Choose another value."
        ) from None


async def unseen_row_holders_hidden(
    interaction: discord.Interaction,
    store: discobase.GuildStore,
    access: discobase.Access,
    table: str,
    problems: list[discobase.RowProblem],
) -> list[discobase.RowProblem]:
    """An import's problems, a taken unique value saying "another record" where the member may not see its holder."""
    hidden = []
    for problem in problems:
        if problem.holder is not None and not await _holder_seen(interaction, store, access, table, problem.holder):
            problem = problem.holder_hidden()
        hidden.append(problem)
    return hidden
