"""What a member sees of the bot's answers; and a gateway that hands interactions over late."""

from __future__ import annotations

import asyncio

import discord
import pytest
import simcord
from simcord import InteractionResult, ResponseMessage

import bot.tree


def reply(result: InteractionResult) -> ResponseMessage:
    """The message the member sees last: the (edited) response, or else the last follow-up."""
    messages = ([result.response] if result.response is not None else []) + result.followups
    assert messages, f"the bot did not answer: {result!r}"
    return messages[-1]


def handled(env: simcord.Env) -> list[BaseException]:
    """The errors the bot handled since last asked, unwrapped from discord.py's wrappers (and acknowledged)."""
    return [getattr(error, "original", None) or error.__cause__ or error for error in env.errors]


def refusal(env: simcord.Env, result: InteractionResult, error: type[BaseException]) -> str:
    """The ephemeral text of a refused command; also checks (and acknowledges) the error the bot handled."""
    errors = handled(env)
    assert any(isinstance(seen, error) for seen in errors), f"expected {error.__name__}, the bot handled {errors!r}"
    message = reply(result)
    assert message.ephemeral, f"errors must be ephemeral: {message!r}"
    return message.content


def field_values(embed: discord.Embed) -> dict[str, str]:
    """An embed's fields by name."""
    return {field.name or "": field.value or "" for field in embed.fields}


async def not_offered(
    actor: simcord.MemberActor, place: simcord.ChannelHandle, command: str, /, **options: object
) -> None:
    """The command is not in the member's picker, and Discord would not let them run it."""
    assert command not in actor.available_commands(place)
    with pytest.raises(simcord.SetupError, match="default-member-permissions"):
        await actor.slash(place, command, **options)


def lag(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Every interaction reaches our code ``seconds`` (simulated) after Discord made it: a gateway backlog."""
    original = bot.tree.DiscobaseTree.interaction_check

    async def lagging(self: bot.tree.DiscobaseTree, interaction: discord.Interaction) -> bool:
        await asyncio.sleep(seconds)
        return await original(self, interaction)

    monkeypatch.setattr(bot.tree.DiscobaseTree, "interaction_check", lagging)
