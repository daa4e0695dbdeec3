"""Counting the storage requests a piece of work makes, for per-command logs and status.

``start_counting()`` puts a fresh counter in the current context; every REST
request the Discord backend makes from that context (tasks it spawns share it)
adds one, retries included. A write stored in a batch with others (group
commit) made no request of its own: it notes how many writes shared the one
that stored it, so the log line still tells what it cost.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

__all__ = ["Counter", "note_packed", "note_request", "start_counting"]


@dataclass(slots=True)
class Counter:
    """Requests made in a context, and the most writes that shared one of its writes' requests."""

    requests: int = 0
    packed: int = 0


_counter: ContextVar[Counter | None] = ContextVar("discobase_requests", default=None)


def start_counting() -> Counter:
    """A counter of the requests made from now on in this context."""
    counter = Counter()
    _counter.set(counter)
    return counter


def note_request() -> None:
    """Count one request, if someone is counting."""
    counter = _counter.get()
    if counter is not None:
        counter.requests += 1


def note_packed(writes: int) -> None:
    """A write of this context was stored in one request with ``writes - 1`` others (1: alone)."""
    counter = _counter.get()
    if counter is not None:
        counter.packed = max(counter.packed, writes)
