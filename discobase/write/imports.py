"""Bulk writes: check every row first, then write them packed in batch messages.

One message per record would hold an import to Discord's pace of about one
message per second per channel (1,000 rows: over 16 minutes). A batch message
carries records in an attached file instead, as many as ``batch_bytes`` of the
server's upload limit hold, and an import's up to twice that, since the file
is compressed and the limit counts compressed bytes (``import_cuts``): about
150,000 short records in 10 MiB, so 100,000 rows cost one request. Later
updates and deletes of a batched record cost one small request each, like any
other (see records.py for how newer messages win).

Batches are cut from the rows as given (not from ids), so the same rows under
the same limit always make the same parts: an import run again after an
interruption finds the parts already written and writes only the rest. The
limit is part of the import's key, so a server boosted in between starts the
import afresh rather than skipping rows a different cut put elsewhere.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from ..backend.base import DEFAULT_UPLOAD_LIMIT, compress_file
from ..cache.draft import DraftTable
from ..cache.stored_table import StoredTable
from ..errors import BadValue, ImportRejected, RecordTooLarge, RowProblem, UniqueViolation, UnknownColumn
from ..model.columns import Value, as_typed
from ..model.problems import value_problems
from ..model.records import Record

__all__ = [
    "BATCH_SHARE",
    "BulkResult",
    "ImportPlan",
    "ImportRejected",
    "RowProblem",
    "batch_bytes",
    "check_rows",
    "check_size",
    "import_cuts",
    "import_key",
    "parts",
    "plan_import",
    "stored_size",
]

BATCH_SHARE = 0.8
"""How much of the server's upload limit one batch may fill by ``stored_size``'s estimate (10 MiB: 8 MiB).

The rest is room for the estimate's error and the message's envelope; the
file is also compressed (discord_backend.py), so what is sent is far smaller.
"""
MAX_STRETCH = 2.0
"""At most this many times ``batch_bytes`` of text in one import batch (compressed, it is far less)."""
COMPRESSION_MARGIN = 2.0
"""A stretched import batch must compress to at most half of ``batch_bytes``: room for ids and the envelope."""
ROWS_BETWEEN_YIELDS = 1000
"""How many rows an import checks or drafts between two turns of the event loop (about 10 ms of CPU)."""
ITEM_OVERHEAD = 48
"""Bytes a record takes in a message besides its data: its id, creator and creation, brackets and commas."""
ENTRY_OVERHEAD = 32
"""Bytes a history entry takes besides the values it replaces: its id key, its change's token, brackets."""


def stored_size(data: Mapping[str, Any]) -> int:
    """About how many bytes a record's data (or values: dates count as their text) take in a message."""
    return len(orjson.dumps(data, default=str)) + ITEM_OVERHEAD


def carried_size(table: DraftTable, record_id: int) -> int:
    """About the bytes a write of the id carries besides its values: its kept history, and what it replaces (I8).

    A message deciding an existing record repeats the record's history of the
    last 30 days and the values it supersedes, so batches are cut by these too.
    """
    current = table.find(record_id)
    replaced = len(orjson.dumps(current.values, default=str)) + ENTRY_OVERHEAD if current is not None else 0
    return table.history.weight(record_id) + replaced


def batch_bytes(upload_limit: int) -> int:
    """How many bytes one batch may fill in a server with this upload limit: boosted servers take bigger ones."""
    return int(upload_limit * BATCH_SHARE)


def check_size(table: str, data: dict[str, Any], upload_limit: int, carried: int = 0) -> None:
    """``RecordTooLarge`` if one record's data, with what it carries (``carried_size``), would not fit in a message."""
    size = stored_size(data) + carried
    if size > batch_bytes(upload_limit):
        raise RecordTooLarge(table, size, batch_bytes(upload_limit))


@dataclass(frozen=True, slots=True)
class BulkResult:
    """What a bulk insert did: the records it wrote, and how many rows an earlier run had written."""

    written: list[Record]
    already_written: int = 0


async def check_rows(
    table: StoredTable,
    rows: Sequence[Mapping[str, Any]],
    skip: Container[int] = (),
    upload_limit: int = DEFAULT_UPLOAD_LIMIT,
) -> tuple[list[dict[str, Value]], list[RowProblem]]:
    """Convert every row (but those at indexes in ``skip``) and check unique columns in the table and the rows.

    Each row must also fit in one message of a server with this upload limit.
    It lets the event loop run every ``ROWS_BETWEEN_YIELDS`` rows: checking
    100,000 rows takes about a second, longer than other members' commands
    may wait (Discord's 3 s), so they are answered meanwhile. Only lookups in
    the table happen between yields, so a change landing meanwhile is either
    seen or caught by the check under the lock (``insert_many``).
    """
    converted: list[dict[str, Value]] = []
    problems: list[RowProblem] = []
    first_row: dict[str, dict[Value, int]] = {name: {} for name in table.schema.unique_columns}
    for number, row in enumerate(rows, start=1):
        if number % ROWS_BETWEEN_YIELDS == 0:
            await asyncio.sleep(0)
        if number - 1 in skip:
            continue
        try:
            values = table.schema.validate_new(row)
            _check_unique(table, values)
        except (BadValue, UnknownColumn):  # name every problem of the row, not just the first
            for error in value_problems(table.schema, row):
                if isinstance(error, BadValue):
                    reason = f"{as_typed(error.value)} {error.reason}".lstrip()
                    problems.append(RowProblem(number, error.column, reason))
                else:
                    problems.append(RowProblem(number, error.column, f"not a column of `{table.name}`"))
            continue
        except UniqueViolation as error:
            problems.append(
                RowProblem(
                    number, error.column, f"{as_typed(error.value)} is already in record {error.holder}", error.holder
                )
            )
            continue
        if (size := stored_size(table.schema.encode(values))) > batch_bytes(upload_limit):
            longest = max(values, key=lambda column: len(str(values[column] or "")))
            reason = f"makes the record {size / 2**20:.1f} MiB, more than one message holds here: shorten it"
            problems.append(RowProblem(number, longest, reason))
            continue
        clash = _clash_within(first_row, values, number)
        if clash is not None:
            problems.append(clash)
            continue
        converted.append(values)
    return converted, problems


def _check_unique(table: StoredTable, values: dict[str, Value]) -> None:
    for column in table.schema.unique_columns:
        value = values.get(column)
        holder = table.holder(column, value) if value is not None else None
        if holder is not None:
            raise UniqueViolation(table.name, column, value, holder)


def _clash_within(first_row: dict[str, dict[Value, int]], values: dict[str, Value], number: int) -> RowProblem | None:
    for column, index in first_row.items():
        value = values.get(column)
        if value is None:
            continue
        if value in index:
            return RowProblem(
                number, column, f"{as_typed(value)} is also in row {index[value]}, and the column is unique"
            )
    for column, index in first_row.items():
        if values.get(column) is not None:
            index[values[column]] = number
    return None


def parts(rows: Sequence[Mapping[str, Any]], budget: int, carried: Sequence[int] = ()) -> list[range]:
    """Cut rows into batches of at most ``budget`` bytes; the same rows, the same cut.

    A row weighs its ``stored_size`` and, if given, its ``carried`` bytes
    (``carried_size``: what the message repeats of the record's history).
    """
    cuts: list[range] = []
    start = size = 0
    for index, row in enumerate(rows):
        row_size = stored_size(row) + (carried[index] if carried else 0)
        if index > start and size + row_size > budget:
            cuts.append(range(start, index))
            start, size = index, 0
        size += row_size
    if start < len(rows):
        cuts.append(range(start, len(rows)))
    return cuts


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """An import's rows cut into parts, the key its batches carry (resumable imports), and parts already written."""

    cuts: list[range]
    key: str | None = None
    done: frozenset[int] = frozenset()

    @property
    def written_rows(self) -> set[int]:
        """Indexes of the rows an interrupted earlier run of this import wrote."""
        return {index for number in self.done for index in self.cuts[number]}


def import_cuts(rows: Sequence[Mapping[str, Any]], upload_limit: int) -> list[range]:
    """An import's rows cut into batches: up to ``MAX_STRETCH`` times ``batch_bytes`` of text where it compresses.

    Files are stored gzip-compressed, and the upload limit counts compressed
    bytes: short rows shrink about 7 times, so a batch may hold more than the
    limit of text. Each stretched part is compressed as it will be sent (its
    rows' JSON); one that does not shrink ``COMPRESSION_MARGIN`` times below
    ``batch_bytes`` is cut again at ``batch_bytes``, which holds whatever the
    rows are. The same rows under the same limit always make the same cut.
    """
    plain = batch_bytes(upload_limit)
    stretched = int(plain * MAX_STRETCH)
    cuts: list[range] = []
    for cut in parts(rows, stretched):
        part = rows[cut.start : cut.stop]
        if stretched > plain and len(compress_file(_rows_text(part))) * COMPRESSION_MARGIN > plain:
            cuts += [range(cut.start + again.start, cut.start + again.stop) for again in parts(part, plain)]
        else:
            cuts.append(cut)
    return cuts


def _rows_text(rows: Sequence[Mapping[str, Any]]) -> str:
    return ",\n".join(orjson.dumps(row, default=str).decode() for row in rows)


def plan_import(
    table: StoredTable, rows: Sequence[Mapping[str, Any]], resumable: bool, upload_limit: int = DEFAULT_UPLOAD_LIMIT
) -> ImportPlan:
    """How to write these rows: an interrupted run of the same rows resumes; after a complete run, a new run starts."""
    cuts = import_cuts(rows, upload_limit)
    if not resumable:
        return ImportPlan(cuts)
    key = import_key(table.name, rows, int(batch_bytes(upload_limit) * MAX_STRETCH))
    while set(range(len(cuts))) <= table.import_parts(key):
        key = hashlib.sha256(key.encode()).hexdigest()[:16]  # that run completed: this is the next one
    return ImportPlan(cuts, key, table.import_parts(key))


def import_key(table: str, rows: Sequence[Mapping[str, Any]], budget: int) -> str:
    """A short fingerprint of an import: the same rows into the same table, cut the same way, give the same key."""
    digest = hashlib.sha256(f"{table}\0{budget}".encode())
    for row in rows:
        digest.update(orjson.dumps(row, default=str, option=orjson.OPT_SORT_KEYS))
    return digest.hexdigest()[:16]
