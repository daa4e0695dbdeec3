"""``python -m bench``: REST requests, modelled seconds under Discord's limits, and our CPU time."""

from __future__ import annotations

import argparse
import asyncio
import logging
import platform
from datetime import date

from .cpu import bytes_per_record, cache_bound, chart_seconds, cpu_finds, cpu_summaries
from .ratelimit import ASSUMPTIONS
from .workloads import Measurement, command_workloads, concurrent_workloads, engine_workloads

TARGETS = [
    # (measurement, most requests, most modelled seconds, what the issue asked)
    ("insert 1", 1, 0.0, "a lone insert: 1 request, 0 s added"),
    ("50 members insert at once", 3, 3.0, "50 inserts at once: at most 3 requests, 3 s (was 50, 45 s)"),
    ("50 members update at once", 3, 3.0, "50 updates at once: at most 3 requests, 3 s (was 50, 45 s)"),
    ("200 members insert at once", 5, 5.0, "200 inserts at once: at most 5 requests, 5 s"),
    ("200 members update at once", 5, 5.0, "200 updates at once: at most 5 requests, 5 s"),
]


def _requests(count: int) -> str:
    return f"{count} request" if count == 1 else f"{count} requests"


def _targets(rows: list[Measurement], big: int) -> str:
    """The issue's targets beside the measured values."""
    by_name = {m.name: m for m in rows}
    lines = ["| target | measured | met |", "| --- | --- | --- |"]
    for name, most_requests, most_seconds, label in TARGETS:
        m = by_name[name]
        met = m.requests <= most_requests and m.modelled_seconds <= most_seconds
        lines.append(f"| {label} | {_requests(m.requests)}, {m.modelled_seconds:.1f} s | {'yes' if met else 'NO'} |")
    after = by_name[f"cold load of {big:,} rows after compaction"]
    files = int(after.note.split()[1])
    met = after.requests + files <= 15
    lines.append(
        f"| cold load of {big:,} rows written one by one, after compaction: at most 15 requests (was 100) "
        f"| {_requests(after.requests)} + {files} file reads | {'yes' if met else 'NO'} |"
    )
    return "\n".join(lines)


def _table(rows: list[Measurement]) -> str:
    lines = [
        "| operation | REST requests | modelled s | local CPU s | note |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    lines += [f"| {m.name} | {m.requests} | {m.modelled_seconds:.1f} | {m.cpu_seconds:.3f} | {m.note} |" for m in rows]
    return "\n".join(lines)


def main() -> None:
    """Run every benchmark and print one Markdown table."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--big", type=int, default=10_000, help="rows of the large table (default 10,000)")
    parser.add_argument("--cached", type=int, default=100_000, help="records for the CPU finds (default 100,000)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    rows = (
        asyncio.run(engine_workloads(args.big))
        + asyncio.run(concurrent_workloads())
        + asyncio.run(command_workloads(1000))
    )
    finds = cpu_finds(args.cached)
    print(f"discobase benchmarks, {date.today()}, Python {platform.python_version()} on {platform.machine()}")
    print(f"Rate-limit model: {ASSUMPTIONS}\n")
    print(_table(rows))
    print()
    print(_targets(rows, args.big))
    print()
    print(
        f"CPU over {args.cached:,} cached records: find by a unique column {finds['indexed'] * 1000:.3f} ms, "
        f"full scan with ~ {finds['scan'] * 1000:.1f} ms, two-condition range {finds['range'] * 1000:.1f} ms "
        f"({finds['range'] / args.cached * 1e6:.2f} µs/record), sort -year limit 10 {finds['top 10'] * 1000:.1f} ms "
        f"({finds['top 10'] / args.cached * 1e6:.2f} µs/record), 100 ids by range {finds['id range'] * 1000:.3f} ms, "
        f"count by a unique column {finds['count indexed'] * 1000:.3f} ms"
    )
    sums = cpu_summaries(args.cached)
    first_chart, chart = chart_seconds()
    print(
        f"Summaries over {args.cached:,} cached records: count and totals {sums['plain'] * 1000:.1f} ms, "
        f"by a column of 97 values {sums['by author'] * 1000:.1f} ms, with the sum of a column "
        f"{sums['by author of year'] * 1000:.1f} ms, by a unique column ({args.cached:,} groups) "
        f"{sums['by title'] * 1000:.1f} ms, the find's scan included {sums['scan and by author'] * 1000:.1f} ms; "
        f"a chart of 26 bars {chart * 1000:.0f} ms ({first_chart * 1000:.0f} ms for the first, importing matplotlib)"
    )
    print(f"Memory: {bytes_per_record(args.cached):.0f} bytes per cached record (4 columns, short values)")
    bound = asyncio.run(cache_bound())
    print(
        f"Cache bound: {bound['data_mb']:.1f} MB of records in 6 tables under DISCOBASE_CACHE_MB={bound['limit_mb']}: "
        f"estimated use peaked at {bound['peak_estimate_mb']:.1f} MB, traced growth {bound['peak_traced_mb']:.1f} MB, "
        f"{bound['evictions']:.0f} tables unloaded"
    )


if __name__ == "__main__":
    main()
