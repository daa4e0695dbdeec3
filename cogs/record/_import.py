"""Writing an import: the engine's ``insert_many`` (or ``upsert_many``), with one progress message edited as it goes.

The engine checks every row before writing any, then writes batches of records
(one message each). The message shows done/total, a bar and an ETA, edited at
most every ``EVERY`` seconds so the edits never crowd the writes. An
interaction's token lasts 15 minutes; past that, progress carries on in a plain
message in the same channel.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import discord

import discobase

from ..audit.report import audit
from ..utils.formatting import bar, code, cut, duration, escape, plural
from ..utils.observed import mark_outcome
from ..utils.replies import NO_PINGS, answer

__all__ = ["EVERY", "PROBLEMS_SHOWN", "Progress", "problem_report", "run_import", "run_upsert"]

log = logging.getLogger(__name__)
T = TypeVar("T")

EVERY = 2.0
"""Least number of seconds between two edits of the progress message."""
PROBLEMS_SHOWN = 15


def problem_report(
    problems: list[discobase.RowProblem], rows: int, *, header: bool = False, upsert_hint: bool = False
) -> str:
    """Why nothing was imported: the bad rows (row number, column, reason), the first ``PROBLEMS_SHOWN`` of them.

    Rows count data rows; under a ``header`` row (CSV), each also gets its spreadsheet line. With
    ``upsert_hint`` (a plain insert), rows whose unique value a record holds already point to the upsert
    that would update those records instead.
    """
    lines = [
        f"Row {problem.row}{f' (line {problem.row + 1})' if header else ''}, column {code(problem.column)}: "
        f"{escape(cut(problem.reason, 200))}"
        for problem in problems[:PROBLEMS_SHOWN]
    ]
    if len(problems) > PROBLEMS_SHOWN:
        lines.append(f"\u2026and {len(problems) - PROBLEMS_SHOWN} more.")
    bad = len({problem.row for problem in problems})
    head = (
        f"Nothing was imported: {plural(len(problems), 'problem')} in {plural(bad, 'row')} of {rows}. "
        "Fix them and try again."
    )
    clashes = sorted({problem.column for problem in problems if problem.holder is not None}) if upsert_hint else []
    if not clashes:
        return cut("\n".join([head, *lines]), 2000)
    hint = (
        f"Rows give {code(clashes[0])} values that records already have: to update those records from the file "
        f"instead, import it with `mode:upsert key:{clashes[0]}`."
    )
    return cut("\n".join([head, *lines]), 1990 - len(hint)) + "\n" + hint


class Progress:
    """The one message that tells how an import is going."""

    def __init__(
        self,
        interaction: discord.Interaction,
        table: str,
        total: int,
        clock: Callable[[], float],
        *,
        private: bool = False,
    ) -> None:
        self.interaction = interaction
        self.private = private  # a table with a read role: only the importer sees how it goes
        self.table = table
        self.total = total
        self.clock = clock
        self.started = self.shown_at = clock()
        self.done = 0
        self.message: discord.Message | None = None
        self.lost = False

    def text(self) -> str:
        """``Importing into `books`: 120/300`` with a bar and the time left."""
        elapsed = self.clock() - self.started
        left = f"about {duration(elapsed / self.done * (self.total - self.done))} left" if self.done else "starting"
        return f"Importing into {code(self.table)}: {self.done}/{self.total}\n`{bar(self.done, self.total)}` {left}"

    async def start(self) -> None:
        """Answer the command with the progress message."""
        await answer(self.interaction, self.text(), ephemeral=self.private)

    async def update(self, done: int, total: int) -> None:
        """Count ``done`` rows; show them if the last edit is ``EVERY`` seconds old (``insert_many``'s callback)."""
        self.done, self.total = done, total
        now = self.clock()
        if done < total and now - self.shown_at >= EVERY:
            self.shown_at = now
            await self.show(self.text())

    async def show(self, text: str) -> None:
        """Edit the progress message; once the interaction has expired, carry on in a channel message."""
        if self.lost:
            return
        try:
            if self.message is None:
                await self.interaction.edit_original_response(content=text, allowed_mentions=NO_PINGS)
            else:
                await self.message.edit(content=text, allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            if self.message is None:
                await self._post(text)
            else:
                log.warning("import progress of %s could not be shown", self.table, exc_info=True)

    async def _post(self, text: str) -> None:
        channel = self.interaction.channel
        try:
            if isinstance(channel, discord.abc.Messageable) and not self.private:
                self.message = await channel.send(text, allowed_mentions=NO_PINGS)
                return
        except discord.HTTPException:
            log.warning("import progress of %s could not be posted", self.table, exc_info=True)
        self.lost = True  # never repeat a refused request in a loop


async def _attempt(progress: Progress, work: Awaitable[T], rows: int, *, header: bool) -> T | None:
    """Run the import's writes under its progress message; a stop is shown there (and None returned)."""
    await progress.start()
    try:
        return await work
    except discobase.ImportRejected as error:  # a row became bad after the check (a concurrent write)
        mark_outcome(progress.interaction, "rejected")
        await progress.show(problem_report(error.problems, rows, header=header))
        return None
    except discobase.DiscobaseError as error:
        mark_outcome(progress.interaction, f"stopped:{type(error).__name__}")
        if progress.done:
            audit(progress.interaction, progress.table, f"import stopped after {plural(progress.done, 'record')}")
        done = f"{plural(progress.done, 'row')} of {progress.total} were" if progress.done else "nothing was"
        await progress.show(
            f"The import into {code(progress.table)} stopped: {error}\nSo far {done} written; "
            "importing the same file again writes only the rest."
        )
        return None


async def run_import(
    store: discobase.GuildStore, progress: Progress, rows: list[dict[str, Any]], creator_id: int, *, header: bool
) -> None:
    """Write the rows and end the progress message with a summary of what happened."""
    work = store.insert_many(progress.table, rows, creator_id, on_progress=progress.update, resumable=True)
    result = await _attempt(progress, work, len(rows), header=header)
    if result is None:
        return
    if result.written:
        first, last = result.written[0].id, result.written[-1].id
        audit(
            progress.interaction,
            progress.table,
            f"imported {plural(len(result.written), 'record')} (#{first} to #{last})",
        )
    await progress.show(_summary(progress, result))


async def run_upsert(
    store: discobase.GuildStore,
    progress: Progress,
    rows: list[dict[str, Any]],
    key: str,
    creator_id: int,
    *,
    header: bool,
) -> None:
    """Update the records the rows' keys name, insert the rest, and end with how many of each."""
    work = store.upsert_many(progress.table, rows, key, creator_id, on_progress=progress.update)
    result = await _attempt(progress, work, len(rows), header=header)
    if result is None:
        return
    inserted, updated = len(result.inserted), len(result.updated)
    if inserted or updated:
        audit(
            progress.interaction,
            progress.table,
            f"upserted by `{key}`: {plural(inserted, 'record')} inserted, {plural(updated, 'record')} updated",
        )
    seconds = progress.clock() - progress.started
    took = f"in {duration(seconds)}" if seconds >= 1 else "in under a second"
    ids = f" (ids {result.inserted[0].id} to {result.inserted[-1].id})" if inserted > 1 else ""
    unchanged = f", {result.unchanged} already as in the file" if result.unchanged else ""
    await progress.show(
        f"Imported into {code(progress.table)} by {code(key)} {took}: {plural(inserted, 'record')} inserted{ids}, "
        f"{plural(updated, 'record')} updated{unchanged}."
    )


def _summary(progress: Progress, result: discobase.BulkResult) -> str:
    """``Imported 300 records into `books` (ids 1 to 300) in 4 s.``, and what an earlier run had written."""
    records = result.written
    if not records:
        return f"Nothing was left to write into {code(progress.table)}: an earlier run of this import wrote every row."
    ids = f"ids {records[0].id} to {records[-1].id}" if len(records) > 1 else f"id {records[0].id}"
    seconds = progress.clock() - progress.started
    took = f"in {duration(seconds)}" if seconds >= 1 else "in under a second"
    text = f"Imported {plural(len(records), 'record')} into {code(progress.table)} ({ids}) {took}."
    if result.already_written:
        text += f" The other {result.already_written} were written by an earlier, interrupted import of this file."
    return text
