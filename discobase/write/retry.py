"""The one retry layer: every REST call the engine makes goes through ``retrying``.

discord.py already waits out the rate limits Discord announces and retries a
500, 502, 504 or 524 a few times itself. On top of that this layer retries what
passes (a 5xx that outlasted discord.py's tries, a time-out, a dropped
connection) with backoff, and stops at a deadline: ``CALL_BUDGET`` seconds, or
less where the caller set one with ``deadline()`` (the write gate does, so a
write's call never outlives the write lease, see lease.py). A time-out covers
discord.py's own waits too.

Never retried: a 429 that discord.py hands up (a Cloudflare ban, or a limit it
gave up on: retrying adds invalid requests, and 10,000 of them in 10 minutes
earn a ban), ``discord.RateLimited``, and every other 4xx.

When it gives up, ``DiscordUnavailable`` says whether Discord answered (then
nothing was changed) or the outcome is unknown (a time-out: the change may
have been stored). A time-out while discord.py still waited on a rate limit,
before the request left or after Discord refused it with a 429, changed
nothing: the transport says so (sending.py), and the error says "Nothing was
changed".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

import aiohttp
import discord

from ..errors import DiscordUnavailable
from . import sending

__all__ = ["CALL_BUDGET", "DELAYS", "deadline", "retrying"]

log = logging.getLogger(__name__)
T = TypeVar("T")

CALL_BUDGET = 15.0
"""Seconds one call may take, retries and discord.py's own waits included."""
DELAYS = (0.5, 1.0, 2.0, 4.0)
"""Seconds between tries of a call that failed for a passing reason: five tries at most."""

_deadline: ContextVar[float | None] = ContextVar("discobase_deadline", default=None)


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Calls made inside must end within ``seconds`` from now (or ``CALL_BUDGET``, if sooner)."""
    end = asyncio.get_running_loop().time() + seconds
    outer = _deadline.get()
    token = _deadline.set(end if outer is None else min(end, outer))
    try:
        yield
    finally:
        _deadline.reset(token)


def _passing(error: BaseException) -> bool:
    """Whether trying again may help (and is allowed): a 5xx, a time-out, a dropped connection."""
    if isinstance(error, discord.RateLimited):
        return False
    if isinstance(error, discord.HTTPException):
        return error.status >= 500
    return isinstance(error, TimeoutError | aiohttp.ClientError | OSError)


async def retrying(make: Callable[[], Awaitable[T]], action: str) -> T:
    """Run ``make()`` until it succeeds, a failure that must not be retried, or the deadline.

    ``action`` completes "Discord kept failing while I tried to …".
    """
    loop = asyncio.get_running_loop()
    end = loop.time() + CALL_BUDGET
    outer = _deadline.get()
    if outer is not None:
        end = min(end, outer)
    unknown = False
    for delay in (*DELAYS, None):
        left = end - loop.time()
        with sending.watching() as watch:
            try:
                if left <= 0:
                    raise TimeoutError()
                async with asyncio.timeout(left):
                    return await make()
            except (TimeoutError, discord.HTTPException, discord.RateLimited, aiohttp.ClientError, OSError) as error:
                if not _passing(error):
                    if isinstance(error, discord.HTTPException) and error.status != 429:
                        raise  # a 4xx: the caller translates it (403: a permission, 404: gone)
                    raise DiscordUnavailable(action, error, unknown) from error
                # no answer: it may have been stored, unless it never left (a rate-limit wait) or was refused
                unknown = unknown or (not isinstance(error, discord.HTTPException) and watch.may_have_reached())
                if delay is None or loop.time() + delay >= end:
                    raise DiscordUnavailable(action, error, unknown) from error
                shown = error or type(error).__name__
                log.warning("Discord failed to %s (%s); retrying in %.1f s", action, shown, delay)
        await asyncio.sleep(delay)
    raise AssertionError("unreachable")
