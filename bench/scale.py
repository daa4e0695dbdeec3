"""Costs against table size: an import, a cold load, memory, finds and exports at 1,000 to 1,000,000 records.

Each size runs on a fresh SimCord guild through the real engine: the import
(``insert_many``), then a restart and a cold load (history requests and batch
files read, our CPU per record), the memory a loaded record keeps and the peak
of a load, the reads members run most, and both export formats within the
upload limit (every file checked, every record counted).
"""

from __future__ import annotations

import asyncio
import csv
import gc
import io
import time
import tracemalloc
import zipfile
from dataclasses import dataclass

import orjson

from cogs.record._files import export_files
from discobase import DEFAULT_UPLOAD_LIMIT, GuildStore, MemoryBackend, TableSchema, parse_columns

from .cpu import COLUMNS, cpu_finds
from .ratelimit import Request, model_seconds
from .workloads import _batches, _row, _session

__all__ = ["ScalePoint", "scale_points"]


@dataclass(frozen=True, slots=True)
class ScalePoint:
    """What a table of ``records`` costs."""

    records: int
    import_requests: int
    import_seconds: float
    """Modelled under Discord's limits."""
    import_cpu: float
    load_history: int
    """History requests of a cold load."""
    load_files: int
    """Batch files a cold load downloads."""
    load_us: float
    """Our CPU per record of a cold load (SimCord's included), µs."""
    bytes_per_record: float
    load_peak: float
    """A load's traced peak over what it keeps."""
    range_us: float
    top10_us: float
    first_top10_us: float
    """The first sort by the column, which keeps its order."""
    count_ms: float
    csv_files: int
    json_files: int


async def _import_and_load(records: int) -> tuple[int, float, float, int, int, float]:
    rows = [_row(n) for n in range(records)]
    async with _session() as session:
        await session.store.create_table(TableSchema(name="big", columns=parse_columns(COLUMNS)))
        start, cpu = len(session.env.http_requests), time.process_time()
        await session.store.insert_many("big", rows, 1)
        cpu = time.process_time() - cpu
        sent = [Request(r.method, r.path) for r in session.env.http_requests[start:]]
        del rows
        await session.restart()
        await session.store.open()
        start, load_cpu = len(session.env.http_requests), time.process_time()
        assert await session.store.count("big") == records
        load_cpu = time.process_time() - load_cpu
        history = sum(1 for r in session.env.http_requests[start:] if r.method == "GET")
        return len(sent), model_seconds(sent), cpu, history, _batches(session, "big"), load_cpu / records * 1e6


async def _memory(records: int) -> tuple[float, float]:
    """Bytes a loaded record keeps, and a load's peak over that (memory backend: no simulator in the figure)."""
    backend = MemoryBackend()
    store = GuildStore(backend)
    await store.create_table(TableSchema(name="big", columns=parse_columns(COLUMNS)))
    await store.insert_many("big", [_row(n) for n in range(records)], 1)
    fresh = GuildStore(backend)
    await fresh.open()
    gc.collect()
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    await fresh.count("big")
    gc.collect()
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (kept - before) / records, (peak - before) / (kept - before)


def _exports(records: int) -> tuple[int, int]:
    """Files of a CSV and of a JSON export within the default upload limit; each opened and its records counted."""
    from .cpu import cached_table

    table = cached_table(records)
    everything = sorted(table, key=lambda record: record.id)
    counts = []
    for file_format in ("csv", "json"):
        files = export_files("big", table.schema, everything, file_format, DEFAULT_UPLOAD_LIMIT)
        assert all(len(data) <= DEFAULT_UPLOAD_LIMIT for _, data in files)
        assert sum(_rows_in(name, data) for name, data in files) == records
        counts.append(len(files))
    return counts[0], counts[1]


def _rows_in(name: str, data: bytes) -> int:
    if name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            (inner,) = archive.namelist()
            return _rows_in(inner, archive.read(inner))
    if name.endswith(".csv"):
        return sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8-sig")))) - 1
    return len(orjson.loads(data))


def scale_point(records: int) -> ScalePoint:
    """Every figure for one size."""
    import_requests, import_seconds, import_cpu, history, files, load_us = asyncio.run(_import_and_load(records))
    per_record, peak = asyncio.run(_memory(records))
    finds = cpu_finds(records)
    csv_files, json_files = _exports(records)
    return ScalePoint(
        records,
        import_requests,
        import_seconds,
        import_cpu,
        history,
        files,
        load_us,
        per_record,
        peak,
        finds["range"] / records * 1e6,
        finds["top 10"] / records * 1e6,
        finds["top 10 first"] / records * 1e6,
        finds["count indexed"] * 1000,
        csv_files,
        json_files,
    )


def scale_points(sizes: tuple[int, ...]) -> list[ScalePoint]:
    """Every figure for each size, smallest first."""
    return [scale_point(size) for size in sizes]


def scale_table(points: list[ScalePoint]) -> str:
    """The curve: one row per size."""
    lines = [
        "| records | import: requests | import: modelled s | import: CPU s | cold load: history requests + files "
        "| cold load: CPU µs/record | memory B/record | load peak | two-condition range µs/record "
        "| sort limit 10 µs/record (first) | count, indexed equality ms | export files CSV / JSON |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {p.records:,} | {p.import_requests} | {p.import_seconds:.1f} | {p.import_cpu:.2f} "
        f"| {p.load_history} + {p.load_files} | {p.load_us:.1f} | {p.bytes_per_record:.0f} | {p.load_peak:.2f}x "
        f"| {p.range_us:.3f} | {p.top10_us:.3f} ({p.first_top10_us:.2f}) | {p.count_ms:.3f} "
        f"| {p.csv_files} / {p.json_files} |"
        for p in points
    ]
    return "\n".join(lines)
