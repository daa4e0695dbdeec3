"""Which path of the engine a Discord write comes from, so a test can prove every data write passes the gate.

The write gate (gate.py) marks its calls ``"gate"``; the lease marks its own
claims ``"lease"``; laying out the storage marks ``"layout"``. Nothing reads the
mark in production: it is a context variable, free to set.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["current_path", "path"]

_path: ContextVar[str | None] = ContextVar("discobase_write_path", default=None)


@contextmanager
def path(name: str) -> Iterator[None]:
    """Calls made inside come from the engine path ``name``."""
    token = _path.set(name)
    try:
        yield
    finally:
        _path.reset(token)


def current_path() -> str | None:
    """The engine path the running code is on, if any."""
    return _path.get()
