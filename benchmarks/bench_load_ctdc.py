"""Load + harmonise a 250,000-row CTDC v2024-layout file, against a bare ``polars.read_csv`` of the same file.

Run: ``uv run python benchmarks/bench_load_ctdc.py [--rows N] [--repeat K]``.

The file is made by the demo generator in a temporary directory. Both timings are taken in the same run, on
the same machine, alternating, so the ratio means something on a busy machine too. Target: ratio <= 2.
Nothing is asserted: this script reports.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

from evidence.sources.demo import generate_demo, write_demo
from evidence.sources.registry import load


def _time(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=250_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="evidence-bench-") as tmp:
        generation = _time(lambda: generate_demo(args.rows))
        path = write_demo(Path(tmp) / "ctdc_v2024_demo.csv", n_rows=args.rows)
        size_mb = path.stat().st_size / 1e6

        def bare() -> pl.DataFrame:
            return pl.read_csv(path)

        def harmonised() -> object:
            loaded = load(path)
            if loaded.rows_kept != args.rows:
                raise SystemExit(f"the demo file should load without rejects: {loaded.summary()}")
            return loaded

        bare(), harmonised()  # warm-up: imports, file cache, loader registration
        bare_times, load_times = [], []
        for _ in range(args.repeat):
            bare_times.append(_time(bare))
            load_times.append(_time(harmonised))

    print(f"file: {args.rows:,} rows, {size_mb:.1f} MB (CTDC v2024 layout, synthetic demo data)")
    print(f"demo generation ({args.rows:,} rows, in memory): {generation:.3f} s")
    print(f"repetitions: {args.repeat}")
    for label, times in (("bare polars.read_csv", bare_times), ("evidence load + harmonise", load_times)):
        print(f"{label:>28}: median {statistics.median(times):.3f} s, min {min(times):.3f} s")
    ratio_median = statistics.median(load_times) / statistics.median(bare_times)
    ratio_min = min(load_times) / min(bare_times)
    print(f"ratio load/bare: median {ratio_median:.2f}x, min {ratio_min:.2f}x (target <= 2x)")


if __name__ == "__main__":
    main()
