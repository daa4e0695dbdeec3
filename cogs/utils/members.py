"""Members named in ``user`` values: ``owner=ada`` or ``owner=@ada`` picks the member of this server called so.

A user column stores an id, but nobody knows ids by heart (in the playground
there is no way to find one). A value that is not a mention or an id is looked
up among the server's members by username, server nickname and display name,
ignoring case; exactly one member must fit. The lookup asks Discord (a member
search by name prefix, which needs no privileged intent), so it costs nothing
when values are mentions or ids.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import discord

import discobase
from discobase.model.columns import as_typed

from .errors import Refused
from .formatting import code, cut, escape

__all__ = ["Picked", "UnknownMember", "resolve_users"]

_ID_OR_MENTION = re.compile(r"\s*(?:<@!?\d+>|\d+)\s*")
SEARCH_LIMIT = 100
SEARCH_SECONDS = 5.0
SHOWN = 5


class UnknownMember(Refused):
    """A name in a user column that fits no member, or several: the text lists who was meant to choose from."""


@dataclass
class Picked:
    """The values with names replaced by member ids, the members picked (to be said), and the names that failed."""

    values: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    problems: dict[str, UnknownMember] = field(default_factory=dict)

    def note(self) -> str:
        """`` (`owner` ada is <@1…>)``: which member each name was taken as, or nothing."""
        return f" ({'; '.join(self.notes)})" if self.notes else ""


def _names(member: discord.Member) -> set[str]:
    return {name.casefold() for name in (member.name, member.global_name, member.nick, member.display_name) if name}


def _listed(members: list[discord.Member]) -> str:
    shown = ", ".join(f"{member.mention} ({escape(member.name)})" for member in members[:SHOWN])
    return shown + (", \u2026" if len(members) > SHOWN else "")


async def _member(guild: discord.Guild, column: str, typed: str) -> discord.Member:
    name = typed.strip().removeprefix("@").strip()
    what = f"Column {code(column)}: {escape(cut(as_typed(typed.strip()), 80))}"  # quoted, as a bad value is
    try:
        found = await asyncio.wait_for(guild.query_members(name[:100], limit=SEARCH_LIMIT), SEARCH_SECONDS)
    except (TimeoutError, discord.HTTPException, ValueError):
        found = []
    exact = [member for member in found if name.casefold() in _names(member)]
    if len(exact) == 1:
        return exact[0]
    if exact:
        raise UnknownMember(
            f"{what} fits {len(exact)} members: {_listed(exact)}. Mention the one you mean (type @ and pick), "
            "or give their id."
        )
    near = f" Names that start so: {_listed(found)}." if found else ""
    raise UnknownMember(
        f"{what} is no member of this server.{near} Give a member's name, a mention (type @ and pick) or an id."
    )


async def resolve_users(
    interaction: discord.Interaction, schema: discobase.TableSchema, values: Mapping[str, Any]
) -> Picked:
    """Replace member names in the user columns of ``values`` by ids; the engine converts the rest as usual."""
    picked = Picked(dict(values))
    guild = interaction.guild
    users = {column.name for column in schema.columns if column.type is discobase.ColumnType.USER}
    for name, raw in values.items():
        if name not in users or not isinstance(raw, str) or not raw.strip() or _ID_OR_MENTION.fullmatch(raw):
            continue
        if guild is None:
            continue
        try:
            member = await _member(guild, name, raw)
        except UnknownMember as problem:
            picked.problems[name] = problem
            continue
        picked.values[name] = member.id
        typed = raw.strip().removeprefix("@").strip()
        if typed.casefold() != member.display_name.casefold():  # the mention shows that name: no need to say it
            picked.notes.append(f"{code(name)} {escape(cut(raw.strip(), 40))} is {member.mention}")
    return picked
