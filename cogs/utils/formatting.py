"""Showing stored values in Discord: shortened, and unable to ping or to break the layout.

Values are data members typed; shown raw, ``**`` or a backtick would restyle a
reply and ``@everyone`` would read as a ping. Every value shown goes through
``show``. Mentions of user, channel and role columns stay mentions (they render
as names), and ``answer`` sends every message with pings disabled. Datetimes
are Discord timestamps (``<t:…:f>``), which every member reads in their own
time zone; dates keep their hyphens unbreakable, so a narrow field never splits one.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import discord

import discobase
from discobase.model.columns import Value

__all__ = [
    "ELLIPSIS",
    "bar",
    "code",
    "cut",
    "duration",
    "escape",
    "escape_cut",
    "number",
    "plural",
    "role_text",
    "show",
]

ELLIPSIS = "\u2026"
EMPTY = "\u2014"
NO_BREAK_HYPHEN = "\u2011"
_MENTION_TYPES = (discobase.ColumnType.USER, discobase.ColumnType.CHANNEL, discobase.ColumnType.ROLE)
_UNCUTTABLE = re.compile(r"<(?:@[!&]?\d+|#\d+|t:-?\d+(?::[tTdDfFR])?|a?:\w+:\d+)>|https?://\S+")
"""What Discord renders as one thing: a mention, a timestamp, a custom emoji, a link."""


def cut(text: str, limit: int) -> str:
    """``text``, or its first characters and an ellipsis when longer than ``limit``.

    A mention, a timestamp or a link is never cut in half (``<@14560…`` renders
    as noise, half a link leads nowhere): the cut falls before it instead.
    """
    if len(text) <= limit:
        return text
    end = max(limit - 1, 0)
    for whole in _UNCUTTABLE.finditer(text):
        if whole.start() >= end:
            break
        if end < whole.end():
            end = whole.start()
            break
    return text[:end] + ELLIPSIS


def escape(text: str) -> str:
    """Text shown as typed: no markdown, no mention."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def role_text(role_id: int | None) -> str:
    """A role of an access rule: its mention (shown as its name, never a ping), or "everyone" for None."""
    return "everyone" if role_id is None else f"<@&{role_id}>"


def code(text: str) -> str:
    """Inline code that no backtick in ``text`` can close early (for names and member input)."""
    return "`" + text.replace("`", "\u02cb") + "`"


def show(column_type: discobase.ColumnType, value: Value, limit: int = 100, *, rich: bool = True) -> str:
    """A value as a member would type it, escaped, and at most ``limit`` characters with its escapes.

    No value shows as a dash; the empty text as ``""``, as it is typed. ``rich=False`` is for text Discord
    shows as typed (autocomplete choices): dates and times stay ISO 8601 there.
    """
    if value is None:
        return EMPTY
    if value == "":
        return '""'
    if rich and isinstance(value, datetime):
        return f"<t:{int(value.timestamp())}:f>"  # Discord shows it in each member's own time zone
    if rich and isinstance(value, date):
        return value.isoformat().replace("-", NO_BREAK_HYPHEN)  # never wrapped in the middle
    shown = column_type.display(value)
    if column_type in _MENTION_TYPES:
        return shown  # one mention, at most 25 characters: whole, or it shows as digits
    return escape_cut(shown.replace("\n", " "), limit)


def escape_cut(text: str, limit: int) -> str:
    r"""``escape(text)`` in at most ``limit`` characters: cut before escaping, in proportion to what escapes add.

    Escaping can double a text (``**`` becomes ``\\*\\*``) and a mention grows too,
    so a value cut to Discord's 1,024 characters of a field could still overflow it.
    """
    keep = limit
    while True:
        escaped = escape(cut(text, keep))
        if len(escaped) <= limit or keep <= 1:
            return escaped
        keep = min(keep - 1, keep * limit // len(escaped))


def plural(count: int, word: str) -> str:
    """``1 record``, ``2 records``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def number(value: float, *, average: bool = False) -> str:
    """A number for people: ``12,400``, ``1965``, ``1234.5``; ints as ints; averages to 1 to 3 decimals.

    Thousands are separated from 10,000 up, so a year or a four-digit count reads as people write it.
    """
    if isinstance(value, int) or (not average and float(value).is_integer() and abs(value) < 1e15):
        whole = int(value)
        return f"{whole:,}" if abs(whole) >= 10_000 else str(whole)
    places = 1 if average and abs(value) >= 100 else 2
    if average and abs(value) < 1:
        places = 3
    text = f"{value:,.{places}f}" if abs(value) >= 10_000 else f"{value:.{places}f}"
    text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def bar(done: int, total: int, width: int = 20) -> str:
    """A progress bar of block characters."""
    filled = width if total <= 0 else round(width * done / total)
    return "\u2588" * filled + "\u2591" * (width - filled)


def duration(seconds: float) -> str:
    """``45 s``, ``3 min 20 s``, ``1 h 5 min``."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"
