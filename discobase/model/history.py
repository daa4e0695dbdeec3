"""What a record message carries besides the record: its history and, once deleted, its trash.

Every change of a record is one ``Change`` (a header: when, who, which
command, and a token that every record of one command shares, so a bulk change
or an import is one change) and, per record, one ``Entry``: the change's token
and the stored values the change replaced. The values a change brings are the
record's next state, so an entry needs only the old ones:

- an insert or a restore replaced nothing (``old`` is None);
- an update replaced the changed columns (``{storage key: old stored value}``);
- a delete replaced the whole record (``old`` is its stored values), and the
  record's ``Trashed`` (creator, values, first message) stays in the marker
  that deletes it, so a restore brings it back whole.

In a message they travel as three JSON objects keyed by id (a string, as JSON
wants): ``"h": {"7": [[token, old], ...]}`` (oldest first), ``"hc": {"<token>":
[at, actor, command, undoes]}`` and ``"t": {"7": [creator, data, created]}``.
Consecutive ids with the same entries (an import's) are one run in ``"hr":
{"<first id>": [last id, [[token, old], ...]]}``.
A reader that does not know them skips them (records.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord

__all__ = [
    "KEEP_SECONDS",
    "MAX_ENTRIES",
    "UNDO_SECONDS",
    "Change",
    "Entry",
    "Trashed",
    "now_seconds",
]

KEEP_SECONDS = 30 * 24 * 3600
"""History and trash are kept 30 days: compaction drops what is older, and reads no longer show it."""
UNDO_SECONDS = 3600
"""A member may undo their own last change for an hour."""
MAX_ENTRIES = 100
"""A record carries at most its last 100 changes (a message stays within the upload limit)."""

_last_token = 0


def now_seconds() -> int:
    """Now, in Unix seconds, by discord.py's clock (a simulated Discord sets it)."""
    return int(discord.utils.utcnow().timestamp())


@dataclass(frozen=True, slots=True)
class Change:
    """One command's change: ``token`` (shared by every record it changed), when, who, which command.

    ``undoes``: for an undo, the token of the change it reversed (a second undo
    skips both). ``actor`` 0 is the bot itself (the library).
    """

    token: int
    at: int
    actor: int
    command: str
    undoes: int = 0

    @classmethod
    def new(cls, actor: int, command: str, undoes: int = 0) -> Change:
        """A change made now; its token is unique in its table and grows with each change of the process.

        The time in seconds times 10,000, or one more than the last token if
        that is higher: short, as every entry repeats it, and in the order the
        changes were made (the undo takes the last one), where a counter
        wrapping at 10,000 once gave a later change of the same second a
        smaller token. Only one process writes a table at a time (the lease).
        """
        global _last_token
        at = now_seconds()
        _last_token = max(at * 10_000, _last_token + 1)
        return cls(_last_token, at, actor, command, undoes)

    def stored(self) -> list[Any]:
        """The header as a message carries it."""
        return [self.at, self.actor, self.command, self.undoes]

    @classmethod
    def read(cls, token: str, header: Any) -> Change | None:
        """A header read back, or None if it is not one we wrote."""
        if type(header) is not list or len(header) != 4 or not token.isdigit():
            return None
        at, actor, command, undoes = header
        if type(at) is int and type(actor) is int and type(command) is str and type(undoes) is int:
            return cls(int(token), at, actor, command, undoes)
        return None


@dataclass(frozen=True, slots=True)
class Entry:
    """One change of one record: the change's token and the stored values it replaced (None: it replaced nothing)."""

    token: int
    old: dict[str, Any] | None

    def stored(self) -> list[Any]:
        """The entry as a message carries it."""
        return [self.token, self.old]

    @classmethod
    def read(cls, item: Any) -> Entry | None:
        """An entry read back, or None if it is not one we wrote."""
        if (
            type(item) is list
            and len(item) == 2
            and type(item[0]) is int
            and (item[1] is None or type(item[1]) is dict)
        ):
            return cls(item[0], item[1])
        return None


@dataclass(frozen=True, slots=True)
class Trashed:
    """A deleted record as its marker keeps it: creator, stored values, and the message that first held it."""

    creator: int
    data: dict[str, Any]
    created: int

    def stored(self) -> list[Any]:
        """The trashed record as a message carries it."""
        return [self.creator, self.data, self.created]

    @classmethod
    def read(cls, item: Any) -> Trashed | None:
        """A trashed record read back, or None if it is not one we wrote."""
        if type(item) is list and len(item) == 3 and type(item[0]) is int and type(item[1]) is dict:
            return cls(item[0], item[1], item[2] if type(item[2]) is int else 0)
        return None
