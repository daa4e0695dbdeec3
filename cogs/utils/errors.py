"""The one place that turns a failed command, button or form into what the member reads."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

import discobase

from .formatting import cut
from .replies import Unanswerable, answer

__all__ = ["NotAllowed", "Refused", "answer_error", "describe_error", "unwrap"]

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on my side and nothing was changed. Please try again in a moment."


class NotAllowed(app_commands.CheckFailure):
    """The member may not do this (a permission rule of the SPEC); the text says which one."""


class Refused(app_commands.AppCommandError):
    """A request the bot cannot carry out as asked (a file too big, say); the text says why and what to do."""


def _permission_names(permissions: list[str]) -> str:
    names = [name.replace("_", " ").replace("guild", "server").title() for name in permissions]
    return " and ".join(f"**{name}**" for name in names)


def unwrap(error: BaseException) -> BaseException:
    """The error that says what happened, not discord.py's wrapper around it."""
    if isinstance(error, app_commands.CommandInvokeError):
        return error.original
    if isinstance(error, app_commands.TransformerError) and error.__cause__ is not None:
        return error.__cause__
    return error


def describe_error(error: BaseException) -> str | None:
    """The answer for an expected error, or None for an unexpected one.

    In order:

    1. an engine error (``discobase.DiscobaseError``): its own text, which names the input and the fix;
    2. a refusal (``NotAllowed``: a permission rule; ``Refused``; ``NoPrivateMessage``): its text;
    3. a member missing a permission: which one;
    4. the bot missing a permission (a check, or Discord's 403): which ones it needs;
    5. any other failed check: its text.
    """
    if isinstance(error, discobase.DiscobaseError | NotAllowed | Refused | app_commands.NoPrivateMessage):
        return str(error)
    if isinstance(error, app_commands.MissingPermissions):
        return f"You need the {_permission_names(error.missing_permissions)} permission to do that."
    if isinstance(error, app_commands.BotMissingPermissions):
        return (
            f"I need the {_permission_names(error.missing_permissions)} permission here. "
            "Ask a server admin to grant it to my role."
        )
    if isinstance(error, discord.Forbidden):
        return (
            "Discord refused me: I lack a permission for this. I need Manage Channels, Manage Roles, View "
            "Channels, Send Messages, Read Message History, Manage Messages, Attach Files and Embed Links."
        )
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or "You cannot use this command here."
    return None


async def answer_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Answer a failure ephemerally (see ``describe_error``); an unexpected one gets an apology and a logged traceback.

    Used by the command tree's ``on_error`` and by every view and modal, so all
    failures read alike. Works whether or not the interaction was answered already.
    An ``Unanswerable`` interaction (too late, or another process answered it)
    is only logged: answering it again would be refused again.
    """
    cause = unwrap(error)
    if isinstance(cause, Unanswerable):
        log.warning("%s", cause)
        return
    text = describe_error(cause)
    if text is None:
        command = interaction.command.qualified_name if interaction.command else "a component"
        log.error("unexpected error in %s", command, exc_info=cause)
        text = APOLOGY
    try:
        await answer(interaction, cut(text, 2000), ephemeral=True)  # past 2,000 Discord would refuse it, silently
    except Unanswerable as refused:
        log.warning("could not tell the member about an error: %s", refused)
    except discord.HTTPException:
        log.warning("could not tell the member about an error (the interaction may have expired)", exc_info=True)
