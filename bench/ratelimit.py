"""A model of Discord's REST rate limits, to turn a recorded request sequence into seconds.

Discord announces its buckets in response headers; the model uses these
(assumed where Discord does not document them, and printed with the results):

- global: 50 requests per second for the whole bot; interaction callbacks and
  interaction webhooks (follow-ups, edits of the original response) are exempt;
- message create and edit: 5 per 5 s per channel (one shared bucket);
- message delete: 5 per 1 s per channel;
- message history (GET): 5 per 1 s per channel;
- channel create: 5 per 5 s per guild; channel delete: 5 per 1 s per channel;
- every other route: 5 per 1 s per route and major parameter.

Requests are replayed in the order they were made, each as soon as its buckets
allow and not before it arrived (``Request.arrival``: when the member who
caused it acted, for concurrent members), with no network latency (add about
0.1 s per request for a real link). Replaying in order is right for one table:
its writes take turns under its lock, so each waits for the one before it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["ASSUMPTIONS", "Request", "model_seconds"]

ASSUMPTIONS = (
    "global 50/s (interactions exempt); message create+edit 5/5 s per channel; delete 5/1 s per channel; "
    "history GET 5/1 s per channel; channel create 5/5 s per guild; other routes 5/1 s; no latency"
)


@dataclass(frozen=True, slots=True)
class Request:
    """One REST call as recorded: its method and path, and when (seconds) its cause arrived."""

    method: str
    path: str
    arrival: float = 0.0


@dataclass
class _Window:
    """A fixed window of ``limit`` requests that resets ``seconds`` after its first request."""

    limit: int
    seconds: float
    start: float | None = None
    used: int = 0

    def earliest(self, at: float) -> float:
        if self.start is None or at >= self.start + self.seconds:
            return at
        return at if self.used < self.limit else self.start + self.seconds

    def take(self, at: float) -> None:
        if self.start is None or at >= self.start + self.seconds:
            self.start, self.used = at, 0
        self.used += 1


@dataclass
class _Model:
    global_window: _Window = field(default_factory=lambda: _Window(50, 1.0))
    buckets: dict[tuple[str, str], _Window] = field(default_factory=dict)

    def bucket(self, request: Request) -> tuple[tuple[str, str], int, float] | None:
        method, path = request.method.upper(), request.path
        if path.startswith("/interactions/") or re.match(r"/webhooks/\d+/[^/]+", path):
            return None
        if match := re.fullmatch(r"/channels/(\d+)/messages(?:/\d+)?", path):
            channel = match.group(1)
            if method in ("POST", "PATCH"):
                return ("message-write", channel), 5, 5.0
            if method == "DELETE":
                return ("message-delete", channel), 5, 1.0
            return ("history", channel), 5, 1.0
        if match := re.fullmatch(r"/guilds/(\d+)/channels", path):
            return ("channel-create", match.group(1)), 5, 5.0
        major = re.match(r"/(channels|guilds|webhooks)/(\d+)", path)
        template = re.sub(r"\d{15,}", "{id}", path)
        return (f"{method} {template}", major.group(2) if major else ""), 5, 1.0

    def place(self, request: Request, at: float) -> float:
        bucket = self.bucket(request)
        if bucket is None:
            return at
        key, limit, seconds = bucket
        window = self.buckets.setdefault(key, _Window(limit, seconds))
        when = at
        while True:
            later = max(window.earliest(when), self.global_window.earliest(when))
            if later == when:
                break
            when = later
        window.take(when)
        self.global_window.take(when)
        return when


def model_seconds(requests: Iterable[Request]) -> float:
    """Seconds until the last request may be sent, replaying them in order under the limits."""
    model = _Model()
    clock = 0.0
    for request in requests:
        clock = model.place(request, max(clock, request.arrival))
    return clock
