"""``python -m bench``: REST requests, modelled seconds under Discord's limits, and our CPU time."""

from __future__ import annotations

import argparse
import asyncio
import logging
import platform
from datetime import date

from .cpu import bytes_per_record, cache_bound, cpu_finds
from .ratelimit import ASSUMPTIONS
from .workloads import Measurement, command_workloads, engine_workloads


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
    rows = asyncio.run(engine_workloads(args.big)) + asyncio.run(command_workloads(1000))
    finds = cpu_finds(args.cached)
    print(f"discobase benchmarks, {date.today()}, Python {platform.python_version()} on {platform.machine()}")
    print(f"Rate-limit model: {ASSUMPTIONS}\n")
    print(_table(rows))
    print()
    print(
        f"CPU, find over {args.cached:,} cached records: indexed equality {finds['indexed'] * 1000:.3f} ms, "
        f"full scan with ~ {finds['scan'] * 1000:.1f} ms"
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
