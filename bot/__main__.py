"""``python -m bot``: run the bot on Discord (``--local``: on a simulated Discord).

Exit status 2 means the bot could not start as configured: no
``DISCORD_TOKEN``, or a setting it cannot use. The message says which.
Exit status 1 means Discord could not be reached: one line says so, with no
traceback, since the fix is the machine's network, not the code.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

import aiohttp
import discord

from . import create_bot
from .local import run_local
from .runner import serve
from .settings import Settings, SettingsError

NO_TOKEN = (
    "DISCORD_TOKEN is not set. Copy .env.example to .env and put your bot's token in it, "
    "or run `python -m bot --local` to try the bot on a simulated Discord without a token."
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line: settings come from the environment, so only the mode is chosen here."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Run the discobase bot. Settings come from environment variables and .env (see .env.example).",
    )
    parser.add_argument(
        "--local", action="store_true", help="run on a simulated Discord on this machine: no token, no network"
    )
    parser.add_argument("--demo", action="store_true", help="with --local: start with a sample table of books")
    parser.add_argument("--port", type=int, metavar="N", help="with --local: serve the page on port N")
    return parser.parse_args(argv)


def quiet_voice() -> None:
    """Turn off discord.py's warnings about voice libraries: the bot has no voice, so they only worry the operator."""
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False


def main(argv: list[str] | None = None) -> int:
    """Start the bot as asked; returns the exit status."""
    args = parse_args(argv)
    quiet_voice()
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"Cannot start: a setting is wrong.\n{error}\nSee .env.example for every setting.", file=sys.stderr)
        return 2
    if args.local:
        return run_local(settings, port=args.port, demo=args.demo)
    if args.demo or args.port is not None:
        print("--demo and --port go with --local.", file=sys.stderr)
        return 2
    if not settings.token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    discord.utils.setup_logging(level=settings.log_level_number, root=True)
    try:
        asyncio.run(serve(create_bot(settings), settings.token))
    except discord.LoginFailure:
        logging.getLogger("bot").error("Discord refused DISCORD_TOKEN: check the token in .env.")
        return 2
    except (aiohttp.ClientConnectionError, discord.GatewayNotFound, TimeoutError) as error:
        logging.getLogger("bot").error("Cannot reach Discord (%s): check this machine's network connection.", error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
