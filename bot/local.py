"""``python -m bot --local``: the playground's entry point, importable without SimCord (an optional extra)."""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import signal
import sys

import discord

from .settings import Settings, SettingsError

__all__ = ["run_local"]

NO_SIMCORD = "The local playground needs SimCord's Preview: pip install -e '.[local]'"


async def _main(settings: Settings, port: int | None, demo: bool) -> int:
    """Serve with SIGINT and SIGTERM setting the stop event, so Ctrl-C shuts down cleanly instead of a traceback."""
    from .playground import serve

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop.set)
    return await serve(settings, port=port, demo=demo, stop=stop)


def run_local(settings: Settings | None = None, *, port: int | None = None, demo: bool = False) -> int:
    """Run the playground until Ctrl-C (or SIGTERM); returns the exit status.

    0 after a clean stop; 2 when the settings are wrong, SimCord is not
    installed, or the page cannot be served (a port in use is named, with the
    ``--port`` option to pick another).
    """
    if settings is None:
        try:
            settings = Settings.from_env()
        except SettingsError as error:
            print(f"Cannot start: a setting is wrong.\n{error}", file=sys.stderr)
            return 2
    if importlib.util.find_spec("simcord") is None:
        print(NO_SIMCORD, file=sys.stderr)
        return 2
    discord.utils.setup_logging(level=settings.log_level_number, root=True)
    # SimCord probes discord.py with a client of no intents, which warns about it; the bot's intents are fine.
    logging.getLogger("discord.state").addFilter(lambda record: "Guilds intent" not in record.getMessage())
    return asyncio.run(_main(settings, port, demo))
