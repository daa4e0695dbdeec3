"""Bulk writes: check every row first, then write them packed in batch messages.

One message per record would hold an import to Discord's pace of about one
message per second per channel (1,000 rows: over 16 minutes). A batch message
carries up to ``BATCH_ROWS`` records in an attached JSON file instead, so 1,000
rows cost one request. Later updates and deletes of a batched record cost one
request each, like any other (see records.py for how newer messages win).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .cached_table import CachedTable
from .columns import Value
from .errors import BadValue, DiscobaseError, UniqueViolation, UnknownColumn

__all__ = ["BATCH_BYTES", "BATCH_ROWS", "EncodedRecord", "ImportRejected", "RowProblem", "check_rows", "chunks"]

BATCH_ROWS = 1000
BATCH_BYTES = 8 * 1024 * 1024
"""Under Discord's 10 MiB attachment limit for servers without boosts."""

EncodedRecord = tuple[int, int, dict[str, Any]]
"""A record ready to store: id, creator id, values in stored form."""


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why one row cannot be written: its number (1 = first data row), the column and the reason."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, `{self.column}`: {self.reason}"


class ImportRejected(DiscobaseError):
    """Some rows are bad, so none was written."""

    def __init__(self, table: str, problems: list[RowProblem]) -> None:
        self.table = table
        self.problems = problems
        shown = "; ".join(str(problem) for problem in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(
            f"Nothing was written to `{table}`: {len(problems)} row problem(s): {shown}{more}. Fix them and try again."
        )


def check_rows(
    table: CachedTable, rows: Sequence[Mapping[str, Any]]
) -> tuple[list[dict[str, Value]], list[RowProblem]]:
    """Convert every row and check unique columns against the table and within the rows."""
    converted: list[dict[str, Value]] = []
    problems: list[RowProblem] = []
    first_row: dict[str, dict[Value, int]] = {name: {} for name in table.schema.unique_columns}
    for number, row in enumerate(rows, start=1):
        try:
            values = table.schema.validate_new(row)
            table.check_unique(values)
        except BadValue as error:
            problems.append(RowProblem(number, error.column, f"{error.value!r} {error.reason}"))
            continue
        except UnknownColumn as error:
            problems.append(RowProblem(number, error.column, f"not a column of `{table.name}`"))
            continue
        except UniqueViolation as error:
            problems.append(RowProblem(number, error.column, f"{error.value!r} is already in record {error.holder}"))
            continue
        clash = _clash_within(first_row, values, number)
        if clash is not None:
            problems.append(clash)
            continue
        converted.append(values)
    return converted, problems


def _clash_within(first_row: dict[str, dict[Value, int]], values: dict[str, Value], number: int) -> RowProblem | None:
    for column, index in first_row.items():
        value = values.get(column)
        if value is None:
            continue
        if value in index:
            return RowProblem(number, column, f"{value!r} is also in row {index[value]}, and the column is unique")
    for column, index in first_row.items():
        if values.get(column) is not None:
            index[values[column]] = number
    return None


def chunks(encoded: Sequence[EncodedRecord], sizes: Sequence[int]) -> Iterator[list[EncodedRecord]]:
    """Split encoded records into batches of at most ``BATCH_ROWS`` records and about ``BATCH_BYTES``."""
    batch: list[EncodedRecord] = []
    size = 0
    for item, item_size in zip(encoded, sizes, strict=True):
        if batch and (len(batch) >= BATCH_ROWS or size + item_size > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += item_size
    if batch:
        yield batch
