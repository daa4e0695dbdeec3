"""``python -m bench``: REST requests, modelled seconds under Discord's limits, and our CPU time."""

from __future__ import annotations

import argparse
import asyncio
import logging
import platform
from datetime import date

from .cpu import cache_bound, chart_seconds, cpu_finds, cpu_summaries
from .history import history_load_cost
from .ratelimit import ASSUMPTIONS
from .scale import ScalePoint, scale_points, scale_table
from .workloads import Measurement, command_workloads, concurrent_workloads, engine_workloads, spread_workload

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


def _scale_targets(points: list[ScalePoint], rows: list[Measurement], spread: dict[str, float]) -> str:
    """The million-record issue's targets, measured on the largest size run (and the 100,000-row import)."""
    big = points[-1]
    by_name = {m.name: m for m in rows}
    command = next((m for m in rows if m.name.startswith("/record import of 100,000")), None)
    hundred_k = next((p for p in points if p.records == 100_000), None)
    files_allowed = -(-big.records // 100_000) + 1
    checks = [
        (
            "import 100,000 rows (library `insert_many`): at most 2 requests",
            f"{hundred_k.import_requests} requests, {hundred_k.import_seconds:.1f} s" if hundred_k else "not run",
            hundred_k is not None and hundred_k.import_requests <= 2,
        ),
        (
            "`/record import` of a 100,000-row CSV: at most 3 requests",
            f"{command.requests} requests ({command.note})" if command else "not run",
            command is not None and command.requests <= 3,
        ),
        (
            f"cold load of {big.records:,} imported records: at most 3 history requests + {files_allowed} files",
            f"{big.load_history} + {big.load_files}",
            big.load_history <= 3 and big.load_files <= files_allowed,
        ),
        ("cold load CPU: at most 4 µs/record", f"{big.load_us:.1f} µs", big.load_us <= 4),
        ("memory: at most 250 B/record", f"{big.bytes_per_record:.0f} B", big.bytes_per_record <= 250),
        ("load peak: at most 1.3x what is kept", f"{big.load_peak:.2f}x", big.load_peak <= 1.3),
        ("two-condition range: at most 0.2 µs/record", f"{big.range_us:.3f} µs", big.range_us <= 0.2),
        (
            "sort `-year` limit 10: at most 0.05 µs/record",
            f"{big.top10_us:.3f} µs (the first, which keeps the order: {big.first_top10_us:.2f} µs)",
            big.top10_us <= 0.05,
        ),
        ("count with an indexed equality: at most 0.1 ms", f"{big.count_ms:.3f} ms", big.count_ms <= 0.1),
        (
            f"export of {big.records:,} records, CSV and JSON: every file within the limit, all records",
            f"{big.csv_files} / {big.json_files} files",
            True,  # export_files raised otherwise; scale.py counts every record back
        ),
        (
            "50 inserts spread over 10 s (50 to 150 ms round trips): at most 15 writes, p95 at most 1.5 s",
            f"{spread['writes']:.0f} writes, p95 {spread['p95']:.2f} s, longest {spread['longest']:.2f} s",
            spread["writes"] <= 15 and spread["p95"] <= 1.5,
        ),
        (
            "lone insert: 1 request, 0 s added",
            f"{by_name['insert 1'].requests} request",
            by_name["insert 1"].requests == 1,
        ),
    ]
    lines = ["| target | measured | met |", "| --- | --- | --- |"]
    lines += [f"| {label} | {value} | {'yes' if met else 'NO'} |" for label, value, met in checks]
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
    parser.add_argument(
        "--sizes",
        default="1000,10000,100000",
        help="table sizes for the curve, comma-separated (default 1000,10000,100000; 1000000 adds minutes, GBs)",
    )
    args = parser.parse_args()
    sizes = tuple(int(size) for size in args.sizes.split(","))
    logging.basicConfig(level=logging.WARNING)
    rows = (
        asyncio.run(engine_workloads(args.big))
        + asyncio.run(concurrent_workloads())
        + asyncio.run(command_workloads(100_000))
    )
    points = scale_points(sizes)
    spread, unpaced = asyncio.run(spread_workload(paced=True)), asyncio.run(spread_workload(paced=False))
    finds = cpu_finds(args.cached)
    print(f"discobase benchmarks, {date.today()}, Python {platform.python_version()} on {platform.machine()}")
    print(f"Rate-limit model: {ASSUMPTIONS}\n")
    print(_table(rows))
    print()
    print(_targets(rows, args.big))
    print()
    print(f"Costs by table size (4 columns, short values; upload limit 10 MiB):\n\n{scale_table(points)}\n")
    print(_scale_targets(points, rows, spread))
    print(
        f"\nUnpaced (as before pacing), the same 50 inserts: {unpaced['writes']:.0f} writes, "
        f"p95 {unpaced['p95']:.2f} s, longest {unpaced['longest']:.2f} s\n"
    )
    print(
        f"CPU over {args.cached:,} cached records: find by a unique column {finds['indexed'] * 1000:.3f} ms, "
        f"full scan with ~ {finds['scan'] * 1000:.1f} ms, two-condition range {finds['range'] * 1000:.1f} ms "
        f"({finds['range'] / args.cached * 1e6:.2f} µs/record), sort -year limit 10 {finds['top 10'] * 1000:.1f} ms "
        f"({finds['top 10'] / args.cached * 1e6:.2f} µs/record; the first {finds['top 10 first'] * 1000:.1f} ms), "
        f"100 ids by range {finds['id range'] * 1000:.3f} ms, "
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
    cost = asyncio.run(history_load_cost(args.cached))
    print(
        f"History: a cold load of {cost['records']:,.0f} records imported in parts, a fifth updated and a "
        f"twentieth deleted in bulk changes, compacted: {cost['with'] * 1000:.0f} ms with their history and trash, "
        f"{cost['without'] * 1000:.0f} ms without ({(cost['with'] / cost['without'] - 1) * 100:+.0f}%); "
        f"{cost['bytes'] / 1e6:.1f} MB read instead of {cost['plain_bytes'] / 1e6:.1f} MB"
    )
    bound = asyncio.run(cache_bound())
    print(
        f"Cache bound: {bound['data_mb']:.1f} MB of records in 6 tables under DISCOBASE_CACHE_MB={bound['limit_mb']}: "
        f"estimated use peaked at {bound['peak_estimate_mb']:.1f} MB, traced growth {bound['peak_traced_mb']:.1f} MB, "
        f"{bound['evictions']:.0f} tables unloaded"
    )


if __name__ == "__main__":
    main()
