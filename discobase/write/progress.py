"""An import's progress reports, run beside it so a slow report never holds up the table's writes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

__all__ = ["Progress", "ProgressReports"]

log = logging.getLogger(__name__)

Progress = Callable[[int, int], Awaitable[None]]
"""``on_progress(done, total)``: called as batches of a bulk write reach Discord."""


class ProgressReports:
    """Runs an import's ``on_progress`` beside the import, never under the table's lock.

    A slow progress edit would otherwise hold up every write to the table. At
    most one report runs at a time; a newer count replaces one still waiting.
    """

    def __init__(self, on_progress: Progress | None) -> None:
        self.on_progress = on_progress
        self._waiting: tuple[int, int] | None = None
        self._task: asyncio.Task[None] | None = None

    async def report(self, done: int, total: int) -> None:
        """Show that ``done`` of ``total`` are stored (the newest count wins; never waits for a slow report)."""
        if self.on_progress is None:
            return
        self._waiting = (done, total)
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run())
        await asyncio.sleep(0)  # let it start: a quick report is done at once, a slow one runs beside us

    async def _run(self) -> None:
        assert self.on_progress is not None
        while self._waiting is not None:
            done, total = self._waiting
            self._waiting = None
            try:
                await self.on_progress(done, total)
            except Exception:  # a progress message is a courtesy: the import goes on without it
                log.exception("import progress report failed")

    async def finish(self) -> None:
        """Wait for the last report."""
        if self._task is not None:
            await self._task
