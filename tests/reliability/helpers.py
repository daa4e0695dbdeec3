"""Helpers of the reliability campaign: how a clean answer looks, and commands sent at the same moment."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import discord
import simcord
from simcord import InteractionResult
from simcord import interactions as simcord_interactions
from simcord.actors import _resolve_visible_command
from simcord.enums import AppCommandType, InteractionType

import discobase
from cogs.utils.errors import APOLOGY, NotAllowed, Refused
from tests.cogs.helpers import reply

EXPECTED = (discobase.DiscobaseError, Refused, NotAllowed)


async def cleanly(env: simcord.Env, action: Awaitable[InteractionResult]) -> simcord.ResponseMessage:
    """Run a member's action; it got an answer: a success, or an ephemeral expected error (never the apology)."""
    cursor = env.error_cursor
    result = await action
    errors = [getattr(error, "original", None) or error.__cause__ or error for error in env.errors_since(cursor)]
    env.errors  # noqa: B018 (acknowledges them: they were checked here)
    unexpected = [error for error in errors if not isinstance(error, EXPECTED)]
    assert not unexpected, f"unexpected errors: {unexpected!r}"
    message = reply(result)
    assert message.content != APOLOGY
    if errors:
        assert message.ephemeral, f"an error answered publicly: {message.content!r}"
        assert message.content.strip()
    return message


def no_pings(env: simcord.Env, message: simcord.ResponseMessage | discord.Message) -> None:
    """The message pings nobody, whatever its text holds: as SimCord resolved it, and by its mention policy."""
    stored = env.backend.get_message(
        message.channel.id if isinstance(message, discord.Message) else message.channel_id, message.id
    )
    assert not stored.mention_everyone, "pinged @everyone"
    assert stored.ping_user_ids == [], f"pinged users {stored.ping_user_ids}"
    assert stored.ping_role_ids == [], f"pinged roles {stored.ping_role_ids}"
    policy = stored.allowed_mentions
    assert not policy.everyone and policy.users == frozenset() and policy.roles == frozenset(), policy


async def burst(
    env: simcord.Env, calls: list[tuple[simcord.MemberActor, simcord.ChannelHandle, str, dict[str, Any]]]
) -> list[InteractionResult]:
    """Send several slash commands at the same moment, as Discord does when members act together.

    ``member.slash`` settles after each command, and SimCord refuses overlapping
    actor operations, so this builds each interaction as ``slash`` does
    (SimCord's own helpers), emits them all, and only then lets the bot run.
    The bot handles them concurrently, exactly as it would on Discord.
    """
    records = []
    for actor, channel, name, options in calls:
        parts = name.split()
        root = _resolve_visible_command(actor, channel.id, parts[0], AppCommandType.CHAT_INPUT)
        leaf, nesting = simcord_interactions.walk_to_subcommand(root, parts[1:])
        leaf_options, resolved = simcord_interactions.build_options(actor, name, leaf, options, channel_id=channel.id)
        data: dict[str, Any] = {
            "id": root["id"],
            "name": root["name"],
            "type": root.get("type", AppCommandType.CHAT_INPUT),
            "options": simcord_interactions.nest_options(root, nesting, leaf_options),
        }
        if resolved:
            data["resolved"] = resolved
        record, payload = simcord_interactions.base_payload(
            env.backend,
            type=InteractionType.APPLICATION_COMMAND,
            channel_id=channel.id,
            guild_id=actor.guild.id,
            user_id=actor.id,
            data=data,
        )
        records.append(record)
        env.backend.emit("INTERACTION_CREATE", payload)
    await env.settle()
    return [InteractionResult(env, record) for record in records]
