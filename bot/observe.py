"""What the bot tells its operator: one log line per command, button press and form, and the rate-limit waits.

A line is key=value pairs, easy to grep and to parse:
``command guild=… command="record insert" table=books outcome=ok duration_ms=12 requests=1 packed=1``,
``button guild=… item='Confirm' table=books outcome=ok …``, ``form guild=… item='form' …``,
where ``requests`` counts the storage requests it made (interaction responses are not counted),
``packed`` how many writes shared the request that stored its write (group commit: a write
another command's request stored has ``requests=0 packed=50``; 0 when it wrote nothing)
and ``outcome`` is ``ok``, ``rejected`` (answered, nothing written: an import with bad rows,
a form with problems), ``refused`` (a button pressed by someone else) or ``error:<type>``.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

import discord

from cogs.utils.observed import outcome_of
from discobase.write.metrics import Counter, start_counting

__all__ = ["RateLimitWatch", "begin_command", "log_command", "log_component"]

log = logging.getLogger("bot.commands")

_STARTED = "discobase.started"
_REQUESTS = "discobase.requests"


def begin_command(interaction: discord.Interaction) -> None:
    """Start the clock and the request counter of a command (call it in the context that runs it)."""
    interaction.extras[_STARTED] = time.monotonic()
    interaction.extras[_REQUESTS] = start_counting()


def _measured(interaction: discord.Interaction) -> tuple[int, Counter]:
    started = interaction.extras.get(_STARTED)
    counter = interaction.extras.get(_REQUESTS, Counter())
    return (round((time.monotonic() - started) * 1000) if started is not None else -1), counter


def log_command(interaction: discord.Interaction, outcome: str) -> None:
    """Write the command's one log line; a command that answered "nothing was done" logs the outcome it marked."""
    duration_ms, counter = _measured(interaction)
    command = interaction.command.qualified_name if interaction.command else "?"
    table = getattr(interaction.namespace, "table", None)
    if command == "table create":  # the table it makes is its `name`
        table = getattr(interaction.namespace, "name", None)
    log.info(
        "command guild=%s command=%r table=%s outcome=%s duration_ms=%d requests=%d packed=%d",
        interaction.guild_id,
        command,
        table.strip().lower() if isinstance(table, str) else "-",
        outcome_of(interaction, outcome) if outcome == "ok" else outcome,
        duration_ms,
        counter.requests,
        counter.packed,
    )


def log_component(interaction: discord.Interaction, item: str, table: str | None) -> None:
    """Write the one log line of a button press or a form submission (``item``: the button's label, or "form")."""
    duration_ms, counter = _measured(interaction)
    kind = "form" if interaction.type is discord.InteractionType.modal_submit else "button"
    log.info(
        "%s guild=%s item=%r table=%s outcome=%s duration_ms=%d requests=%d",
        kind,
        interaction.guild_id,
        item,
        table or "-",
        outcome_of(interaction),
        duration_ms,
        counter.requests,
    )


@dataclass(frozen=True, slots=True)
class RateLimitWait:
    """One wait discord.py made because Discord said 429: when, how long, and its message."""

    at: float
    seconds: float
    detail: str


class RateLimitWatch(logging.Filter):
    """Remembers discord.py's rate-limit waits and logs them at INFO: they are Discord pacing us, not faults."""

    _WAIT = re.compile(r"rate limit.*?retrying in ([\d.]+) seconds", re.IGNORECASE | re.DOTALL)

    def __init__(self) -> None:
        super().__init__()
        self.last: RateLimitWait | None = None
        self.count = 0

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: D102
        match = self._WAIT.search(record.getMessage())
        if match is not None:
            self.count += 1
            self.last = RateLimitWait(time.time(), float(match.group(1)), record.getMessage())
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True
