"""Whether a call's requests may have reached Discord: "nothing was changed", or "may have been stored".

A write's call is bounded by a deadline (gate.py, retry.py). When it runs out,
the engine must tell the member whether the change may have been stored. Most
of discord.py's waits happen before a request is sent, or after Discord refused
it: the global rate limit, its rate-limit bucket (``Ratelimit.acquire``, which
waits while the bucket is empty or raises ``RateLimited`` past
``max_ratelimit_timeout``), and the ``retry_after`` sleep after a 429. A
time-out there changes nothing on Discord. Only a request between being sent
and its answer (or one answered 2xx, if our wait ends after it) may have been
stored.

``watching()`` opens a scope (the gate's call, each try of the retry layer);
the transport reports into every open scope of the running task:

- ``report_traced(traced)``: whether this transport reports its requests at
  all (the Discord backend does through an aiohttp trace on discord.py's
  session, see ``discord_backend.trace_requests``). A scope no transport
  vouched for (another backend, or a session without the trace) may have
  reached Discord whatever happened: the safe answer;
- ``report_sent()`` when a request leaves, ``report_answer(status)`` when its
  answer comes (2xx: stored; 4xx: refused; 5xx: failed, as the retry layer
  counts it), ``report_lost()`` when it failed after leaving (a dropped
  connection: it may have been stored).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = ["Sending", "report_answer", "report_lost", "report_sent", "report_traced", "watching"]


@dataclass
class Sending:
    """What the requests made inside one scope did, as far as the transport told."""

    traced: bool | None = None
    """True when every call made inside reported its requests; None when none said (unknown: assume sent)."""
    in_flight: int = 0
    """Requests sent and not answered yet."""
    reached: bool = False
    """A request was stored (answered 2xx), or failed after it left (a dropped connection)."""

    def may_have_reached(self) -> bool:
        """Whether Discord may have applied something sent inside (so a time-out is "may have been stored")."""
        return self.traced is not True or self.reached or self.in_flight > 0


_open: ContextVar[tuple[Sending, ...]] = ContextVar("discobase_sending", default=())


@contextmanager
def watching() -> Iterator[Sending]:
    """A scope whose requests are reported to the ``Sending`` it yields (nested scopes all hear them)."""
    sending = Sending()
    token = _open.set((*_open.get(), sending))
    try:
        yield sending
    finally:
        _open.reset(token)


def report_traced(traced: bool) -> None:
    """A call starts: its transport reports its requests (``traced``) or cannot."""
    for sending in _open.get():
        sending.traced = traced if sending.traced is None else sending.traced and traced


def report_sent() -> None:
    """A request leaves for Discord."""
    for sending in _open.get():
        sending.in_flight += 1


def report_answer(status: int) -> None:
    """Discord answered a request sent: 2xx stored it and a 4xx (a 429 too) did not; a 5xx may have.

    A gateway time-out (504, Cloudflare's 524) or a 500 can come after the
    request was applied, so only a 4xx counts as surely not stored.
    """
    for sending in _open.get():
        sending.in_flight = max(0, sending.in_flight - 1)
        sending.reached = sending.reached or status < 400 or status >= 500


def report_lost() -> None:
    """A request sent got no answer (a dropped connection): it may have been stored."""
    for sending in _open.get():
        sending.in_flight = max(0, sending.in_flight - 1)
        sending.reached = True
