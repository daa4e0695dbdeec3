"""Who may manage tables (SPEC): checked when a command runs, so the commands stay visible and a refusal can explain.

Who may read and write which table is ``cogs/access.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import discord
from discord import app_commands

from .errors import NotAllowed

__all__ = ["manage_server"]

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
