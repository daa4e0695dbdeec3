"""Counting the storage requests a piece of work makes, for per-command logs and status.

``start_counting()`` puts a fresh counter in the current context; every REST
request the Discord backend makes from that context (tasks it spawns share it)
adds one, retries included.
"""

from __future__ import annotations

from contextvars import ContextVar

__all__ = ["note_request", "start_counting"]

_counter: ContextVar[list[int] | None] = ContextVar("discobase_requests", default=None)


def start_counting() -> list[int]:
    """A counter (``counter[0]``) of the requests made from now on in this context."""
    counter = [0]
    _counter.set(counter)
    return counter


def note_request() -> None:
    """Count one request, if someone is counting."""
    counter = _counter.get()
    if counter is not None:
        counter[0] += 1
