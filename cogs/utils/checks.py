"""Who may do what (SPEC): checked when a command runs, so the commands stay visible and a refusal can explain."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import discord
from discord import app_commands

import discobase

from .errors import NotAllowed

__all__ = ["check_may_change", "manage_server"]

T = TypeVar("T")


def manage_server() -> Callable[[T], T]:
    """Only members with Manage Server (``/table create``, ``add-column``, ``drop``).

    Not ``default_member_permissions``: that applies to a whole group, and would
    hide ``/table list`` and ``describe`` from everyone else.
    """

    def predicate(interaction: discord.Interaction) -> bool:
        if interaction.permissions.manage_guild:
            return True
        command = f"`/{interaction.command.qualified_name}`" if interaction.command else "this command"
        raise NotAllowed(f"Only members with the **Manage Server** permission can use {command}.")

    return app_commands.check(predicate)


def check_may_change(interaction: discord.Interaction, record: discobase.Record, verb: str) -> None:
    """A record is changed or deleted by its creator, or by members with Manage Messages."""
    # Server-wide, not this channel's: Manage Messages in one channel must not open every table's records.
    user = interaction.user
    manage_messages = isinstance(user, discord.Member) and user.guild_permissions.manage_messages
    if record.creator_id != interaction.user.id and not manage_messages:
        raise NotAllowed(
            f"Only the member who created record {record.id} (<@{record.creator_id}>) or members with the "
            f"**Manage Messages** permission can {verb} it."
        )
