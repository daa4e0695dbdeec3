"""Running the bot on Discord until SIGTERM or SIGINT, then stopping cleanly.

Hosts stop a process on every deploy and restart: Heroku sends SIGTERM and
kills 30 seconds later. On either signal the bot stops taking commands (they
get a short "restarting" reply), lets running writes and imports reach a
consistent point, releases its write leases so the next process starts at
once, closes the gateway and exits 0, all within ``SHUTDOWN_GRACE`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time

from .bot import DiscobaseBot

__all__ = ["SHUTDOWN_GRACE", "serve"]

log = logging.getLogger(__name__)

SHUTDOWN_GRACE = 20.0
"""Seconds running writes get to finish: with the gateway's close, well inside Heroku's 30."""


async def serve(bot: DiscobaseBot, token: str) -> None:
    """Run the bot until it stops by itself or a signal arrives; then shut it down cleanly."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals = (signal.SIGTERM, signal.SIGINT)
    for signum in signals:
        loop.add_signal_handler(signum, stop.set)
    try:
        await _run_until(bot, token, stop)
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)


async def _run_until(bot: DiscobaseBot, token: str, stop: asyncio.Event) -> None:
    async with bot:
        running = asyncio.create_task(bot.start(token))
        stopping = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if running in done:
            stopping.cancel()
            running.result()
            return
        started = time.monotonic()
        log.info("stop signal received: finishing running writes, then closing")
        await bot.shutdown(SHUTDOWN_GRACE)
        await running
        log.info("stopped cleanly in %.1f s", time.monotonic() - started)
