"""Who may manage tables (SPEC): all of ``/table`` is Manage Server's.

Discord hides the group from other members (``default_member_permissions``);
this check refuses, with the reason, anyone a server's own command settings
let see it anyway. Who may read and write which table is ``cogs/access.py``.
"""

from __future__ import annotations

import discord

from .errors import NotAllowed

__all__ = ["manage_server"]


def manage_server(interaction: discord.Interaction) -> bool:
    """True for a member with Manage Server; anyone else is refused, told which permission it takes."""
    if interaction.permissions.manage_guild:
        return True
    command = f"`/{interaction.command.qualified_name}`" if interaction.command else "this command"
    raise NotAllowed(f"Only members with the **Manage Server** permission can use {command}.")
