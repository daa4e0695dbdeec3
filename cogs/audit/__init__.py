"""The audit trail: commands report their changes (``report``), the cog posts them (``_cog``, ``trail``)."""

from __future__ import annotations

from discord.ext import commands

from ._cog import AuditCog

__all__ = ["AuditCog", "setup"]


async def setup(bot: commands.Bot) -> None:
    """Load the audit trail."""
    await bot.add_cog(AuditCog(bot))
