"""When Discord refuses the answer to a command that wrote: tell the member the truth another way.

A young write is stored first and answered after (replies.py), so Discord can
refuse the answer of a change it already holds: with 40060 when another process
acknowledged the interaction first (a deploy's overlap), with 10062 when the
answer came past 3 s. The member
would then believe nothing happened and run it again, storing it twice. So:

- **40060**: the interaction was acknowledged, so its token works: the answer
  goes as a follow-up, under whatever the other process said, and keeps its
  privacy. That is where the member is looking.
- **10062**: nobody acknowledged it, so its token is dead (Discord refuses
  follow-ups to it). The member sees "The application did not respond"; the
  answer goes in the channel they typed in, right under that, mentioning them
  (pinging only them). A private answer is not repeated in public: the note
  says only that the answer was lost and to check before running it again.

The answer goes without its buttons: a view's time-out edits the
interaction's original message, which here is another process's, or gone.
The audit channel (where set) is for staff, and a DM is often closed, so
neither is where a member looks first.
"""

from __future__ import annotations

import logging

import discord

from .formatting import cut

__all__ = ["tell_elsewhere"]

log = logging.getLogger(__name__)


def _what(interaction: discord.Interaction) -> str:
    if interaction.command is not None:
        return f"your `/{interaction.command.qualified_name}`"
    return "your form" if interaction.type is discord.InteractionType.modal_submit else "your button press"


async def tell_elsewhere(
    interaction: discord.Interaction,
    too_late: bool,
    content: str | None,
    *,
    embed: discord.Embed | None,
    file: discord.File | None,
    ephemeral: bool,
) -> bool:
    """Give the answer Discord refused by another way (see the module docstring); False if none worked."""
    if file is not None:
        file.reset()  # the refused request read it
    pings = discord.AllowedMentions(everyone=False, roles=False, users=[interaction.user], replied_user=False)
    try:
        if not too_late:
            await interaction.followup.send(
                content or discord.utils.MISSING,
                embed=embed or discord.utils.MISSING,
                file=file or discord.utils.MISSING,
                ephemeral=ephemeral,
                allowed_mentions=discord.AllowedMentions.none(),
            )
            return True
        channel = interaction.channel
        if not isinstance(channel, discord.abc.Messageable):
            return False
        lost = f"{interaction.user.mention} Discord refused my answer to {_what(interaction)}: it came too late."
        if ephemeral:
            await channel.send(
                f"{lost} The answer was private, so it is not shown here: check before running it again.",
                allowed_mentions=pings,
            )
            return True
        await channel.send(
            cut(f"{lost} Here it is:\n{content or ''}", 2000),
            embed=embed or discord.utils.MISSING,
            file=file or discord.utils.MISSING,
            allowed_mentions=pings,
        )
        return True
    except discord.HTTPException:
        log.warning("could not give interaction %s its refused answer another way", interaction.id, exc_info=True)
        return False
