"""``/table access`` and ``/table audit``: who may read and write a table, and where changes are reported.

Both answer only the admin who asked (ephemeral); the rules and the audit channel
are kept in the catalog (discobase/catalog.py), so they hold after restarts.
"""

from __future__ import annotations

import discord

import discobase

from ..access import is_secret
from ..audit.report import audit
from ..utils.context import store_of
from ..utils.embeds import access_text
from ..utils.errors import Refused
from ..utils.formatting import code
from ..utils.replies import answer, timely

__all__ = ["set_access", "set_audit"]


def _role_id(role: discord.Role) -> int | None:
    """A role of an access rule: @everyone is no rule."""
    return None if role.is_default() else role.id


def _check_audit_channel(channel: discord.TextChannel, store: discobase.GuildStore) -> None:
    """Refuse a channel the audit cannot use: one of the storage channels, or one the bot cannot post in."""
    if channel.category_id is not None and channel.category_id in store.category_ids:
        raise Refused(f"{channel.mention} holds the database itself. Pick a channel outside the storage category.")
    if not channel.permissions_for(channel.guild.me).send_messages:
        raise Refused(
            f"I cannot post in {channel.mention}. Give my role **Send Messages** there, or pick another channel."
        )


async def set_access(
    interaction: discord.Interaction,
    table: str,
    read: discord.Role | None,
    write: discord.Role | None,
    reset: bool,
) -> None:
    """Show the table's rules, or set them: a role each for reading and writing, or everyone again."""
    store = store_of(interaction)
    await timely(interaction, store.open(), ephemeral=True)
    before = store.access(table)
    if reset and (read or write):
        raise Refused("Give `reset:True` alone (back to everyone), or the roles to set, not both.")
    if reset:
        rules = discobase.EVERYONE
    else:
        rules = discobase.Access(
            _role_id(read) if read else before.read_role_id, _role_id(write) if write else before.write_role_id
        )
    if rules == before:
        unchanged = "" if not (reset or read or write) else "They were already so: nothing changed. "
        await answer(
            interaction,
            f"{unchanged}{code(table)}: {access_text(before)}. Members with Manage Server may always do both.",
            ephemeral=True,
        )
        return
    await timely(interaction, store.set_access(table, rules), ephemeral=True)
    audit(interaction, table, f"access {access_text(before)} \u2192 {access_text(rules)}")
    await answer(
        interaction,
        f"{code(table)} is now {access_text(rules)}. Members with Manage Server may always do both; "
        "members with Manage Messages may change others' records where they may read."
        + (" Answers about this table are private from now on." if is_secret(rules) else ""),
        ephemeral=True,
    )


async def set_audit(interaction: discord.Interaction, channel: discord.TextChannel | None, off: bool) -> None:
    """Show where audit lines go, or set the channel, or stop them."""
    store = store_of(interaction)
    await timely(interaction, store.open(), ephemeral=True)
    current = store.settings().audit_channel_id
    if off and channel:
        raise Refused("Give a `channel` to audit in, or `off:True` to stop, not both.")
    if not off and channel is None:
        where = f"are posted in <#{current}>" if current else "are not posted anywhere"
        await answer(interaction, f"Audit lines {where}. Set a channel with `/table audit channel:`.", ephemeral=True)
        return
    if channel is not None:
        _check_audit_channel(channel, store)
    wanted = channel.id if channel else None
    if wanted == current:
        await answer(interaction, "Nothing changed: that is the audit setting already.", ephemeral=True)
        return
    await timely(interaction, store.set_settings(discobase.Settings(audit_channel_id=wanted)), ephemeral=True)
    if current is not None:  # the old channel's last line
        moved = f"moved to <#{wanted}>" if wanted else "stopped"
        audit(interaction, None, f"audit trail {moved}", channel_id=current)
    if wanted is None:
        await answer(interaction, "Audit lines are no longer posted.", ephemeral=True)
        return
    audit(interaction, None, "audit trail started here")
    await answer(
        interaction,
        f"From now on every change to records and tables gets a line in <#{wanted}>: who, which command, "
        "which table and what changed (for a table with a read role, which records and columns, never "
        "their values). Lines never ping anyone.",
        ephemeral=True,
    )
