"""`python -m bot`: how it refuses to start, with exit status 2 and a message that says what to do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import main

ROOT = Path(__file__).resolve().parents[2]


def _run(tmp_path: Path, **environ: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot` in an empty directory (no `.env`) with only the given settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DISCORD_", "DISCOBASE_", "SHARD_"))}
    env.pop("DEV_GUILD_ID", None)
    env["PYTHONPATH"] = str(ROOT)
    env.update(environ)
    return subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False
    )


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


def test_unknown_arguments_are_refused(capsys):
    """An unknown option stops with argparse's usage message."""
    with pytest.raises(SystemExit) as stopped:
        main(["--nope"])
    assert stopped.value.code == 2
    assert "usage: python -m bot" in capsys.readouterr().err
