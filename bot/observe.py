"""What the bot tells its operator: one log line per command, and the rate-limit waits it met.

A command's line is key=value pairs, easy to grep and to parse:
``command guild=… command="record insert" table=books outcome=ok duration_ms=12 requests=1``,
where ``requests`` counts the storage requests it made (interaction responses are not counted).
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

import discord

from discobase.metrics import start_counting

__all__ = ["RateLimitWatch", "begin_command", "log_command"]

log = logging.getLogger("bot.commands")

_STARTED = "discobase.started"
_REQUESTS = "discobase.requests"


def begin_command(interaction: discord.Interaction) -> None:
    """Start the clock and the request counter of a command (call it in the context that runs it)."""
    interaction.extras[_STARTED] = time.monotonic()
    interaction.extras[_REQUESTS] = start_counting()


def log_command(interaction: discord.Interaction, outcome: str) -> None:
    """Write the command's one log line."""
    started = interaction.extras.get(_STARTED)
    requests = interaction.extras.get(_REQUESTS, [0])
    duration_ms = round((time.monotonic() - started) * 1000) if started is not None else -1
    command = interaction.command.qualified_name if interaction.command else "?"
    table = getattr(interaction.namespace, "table", None)
    log.info(
        "command guild=%s command=%r table=%s outcome=%s duration_ms=%d requests=%d",
        interaction.guild_id,
        command,
        table if isinstance(table, str) else "-",
        outcome,
        duration_ms,
        requests[0],
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
