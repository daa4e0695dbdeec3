"""`python -m bot`: refusing to start (status 2) or failing to reach Discord (status 1), saying what to do."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import main

ROOT = Path(__file__).resolve().parents[2]


def _run(tmp_path: Path, *command: str, **environ: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot` (or these Python arguments) in an empty directory (no `.env`) with only these settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DISCORD_", "DISCOBASE_", "SHARD_"))}
    env.pop("DEV_GUILD_ID", None)
    env["PYTHONPATH"] = str(ROOT)
    env.update(environ)
    return subprocess.run(
        [sys.executable, *(command or ("-m", "bot"))],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _closed_port() -> int:
    """A local port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run_without_discord(tmp_path: Path, **environ: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot` with a token, its Discord API moved to a closed local port: no network reaches it."""
    unreachable = f"http://127.0.0.1:{_closed_port()}/api/v10"
    script = (
        f"import sys, discord.http; discord.http.Route.BASE = {unreachable!r}; "
        "from bot.__main__ import main; sys.exit(main())"
    )
    return _run(tmp_path, "-c", script, DISCORD_TOKEN="not.a.token", **environ)


def test_without_a_token_it_exits_2_naming_env_example_and_local(tmp_path):
    """No DISCORD_TOKEN: status 2, and the message names .env.example and --local."""
    finished = _run(tmp_path)
    assert finished.returncode == 2
    assert ".env.example" in finished.stderr
    assert "--local" in finished.stderr


def test_bad_settings_exit_2_naming_the_setting(tmp_path):
    """A bad setting is reported the same way, naming it."""
    finished = _run(tmp_path, DISCORD_TOKEN="x", SHARD_COUNT="2", SHARD_IDS="a,b")
    assert finished.returncode == 2
    assert "SHARD_IDS" in finished.stderr
    assert ".env.example" in finished.stderr


def test_without_discord_it_says_so_in_one_line_and_exits_1(tmp_path):
    """A token but no way to reach Discord: one line naming the problem, no traceback, status 1."""
    finished = _run_without_discord(tmp_path, LOG_LEVEL="WARNING")
    assert finished.returncode == 1
    lines = finished.stderr.strip().splitlines()
    assert len(lines) == 1, finished.stderr
    assert "Cannot reach Discord" in lines[0]
    assert "network" in lines[0]


def test_without_discord_the_usual_log_shows_no_traceback(tmp_path):
    """At the default log level the login line comes first, then the same one line: still no traceback."""
    finished = _run_without_discord(tmp_path)
    assert finished.returncode == 1
    assert "Traceback" not in finished.stderr
    assert finished.stderr.strip().splitlines()[-1].endswith("check this machine's network connection.")


def test_unknown_arguments_are_refused(capsys):
    """An unknown option stops with argparse's usage message."""
    with pytest.raises(SystemExit) as stopped:
        main(["--nope"])
    assert stopped.value.code == 2
    assert "usage: python -m bot" in capsys.readouterr().err
