"""The playground as a user starts it: its own process, stopped by a signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 60.0
STOP_SECONDS = 30.0


@dataclass
class Running:
    """A playground process that printed its page's URL."""

    process: subprocess.Popen[str]
    url: str
    stderr: Path

    def stop(self, number: signal.Signals = signal.SIGINT) -> int:
        """Send ``number`` (Ctrl-C by default) and return the exit status."""
        self.process.send_signal(number)
        return self.process.wait(STOP_SECONDS)


@contextmanager
def playground_process(tmp_path: Path, *, demo: bool) -> Iterator[Running]:
    """Run ``run_local`` in a child process (from an empty folder, so no ``.env`` applies) until its URL shows."""
    code = f"import sys; from bot.local import run_local; sys.exit(run_local(demo={demo!r}))"
    stderr = tmp_path / "playground.stderr"
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path, "PYTHONUNBUFFERED": "1"}
    with stderr.open("w") as err:
        process = subprocess.Popen(
            [sys.executable, "-c", code], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=err, text=True
        )
    watchdog = threading.Timer(STARTUP_SECONDS, process.kill)  # a hung start must not hang the suite
    watchdog.start()
    output: list[str] = []
    try:
        assert process.stdout is not None
        url = ""
        for line in process.stdout:
            output.append(line)
            if "http://127.0.0.1:" in line:
                url = line[line.index("http://") :].strip()
                break
        watchdog.cancel()
        assert url, f"the playground printed no URL\nstdout:\n{''.join(output)}\nstderr:\n{stderr.read_text()}"
        yield Running(process, url, stderr)
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
