"""Time loading the UNODC GLOTIP workbook: uncached, cached, and a bare ``pl.read_excel`` as reference.

Usage: ``uv run python benchmarks/bench_load_unodc.py [PATH] [--repeat N]`` (default: the 2023 release in
``../shared/data/unodc/``). The cache lives in a temporary directory, so the user's cache is untouched.
Times are the best of N runs; ratios compare runs measured in the same process on the same machine.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

DEFAULT = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "unodc" / "data_glotip_2023-05-30.xlsx"
)


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT.resolve())
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import polars as pl

    with tempfile.TemporaryDirectory() as cache_root:
        os.environ["EVIDENCE_CACHE_DIR"] = cache_root
        from evidence.sources import cache, registry, unodc

        registry.loaders()  # import the loaders outside the timings
        bare = best_of(
            args.repeat, lambda: pl.read_excel(args.path, engine="calamine", read_options={"header_row": 2})
        )
        uncached = best_of(args.repeat, lambda: registry.load(args.path))
        loader_only = best_of(args.repeat, lambda: unodc.load(args.path))
        cache.load_cached(args.path)  # fill the cache
        cached = best_of(args.repeat, lambda: cache.load_cached(args.path))
        loaded = cache.load_cached(args.path)

    print(
        f"file                {args.path.name} ({args.path.stat().st_size / 1e6:.1f} MB, {loaded.rows_in:,} rows)"
    )
    print(f"bare pl.read_excel  {bare:7.3f} s  (reference)")
    print(f"uncached load       {uncached:7.3f} s  ({uncached / bare:.2f} x bare read)")
    print(f"  of which loader   {loader_only:7.3f} s  (the rest is detection: every loader sniffs the file)")
    print(f"cached load         {cached:7.3f} s  ({cached / bare:.2f} x bare read)")
    print(f"uncached / cached   {uncached / cached:7.1f} x")


if __name__ == "__main__":
    main()
