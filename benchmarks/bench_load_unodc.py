"""Time loading the UNODC GLOTIP workbook: uncached, cached, and a bare ``pl.read_excel`` as reference.

Usage: ``uv run python benchmarks/bench_load_unodc.py [PATH] [--repeat N]`` (default: the 2023 release in
``../shared/data/unodc/``). The cache lives in a temporary directory, so the user's cache is untouched.
Repetitions alternate between the toolkit and the reference (so both see the same machine load), and every
uncached repetition starts cold: the in-process peek at the workbook's top rows is forgotten too.
The ratio reported is the median over repetitions of (toolkit time / the reference's time measured just
before it), which a busy shared machine disturbs least; the ratio of medians is printed beside it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

DEFAULT = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "unodc" / "data_glotip_2023-05-30.xlsx"
)


#: CPU seconds of each timed run, in order (this process's threads: calamine's and polars' too).
CPU: list[float] = []


def timed(run: Callable[[], object], before: Callable[[], object] = lambda: None) -> float:
    before()
    cpu = time.process_time()
    start = time.perf_counter()
    run()
    elapsed = time.perf_counter() - start
    CPU.append(time.process_time() - cpu)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT.resolve())
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    import polars as pl

    with tempfile.TemporaryDirectory() as cache_root:
        os.environ["EVIDENCE_CACHE_DIR"] = cache_root
        from evidence.sources import cache, registry, unodc, workbook

        registry.loaders()  # import the loaders outside the timings

        def cold() -> None:  # nothing of an earlier peek kept: the workbook's head nor its parts' readings
            workbook._workbook_head.cache_clear()
            workbook._parts_read.clear()

        times: dict[str, list[float]] = {"bare": [], "uncached": [], "loader": [], "cached": []}
        cpu: dict[str, list[float]] = {"bare": [], "uncached": [], "loader": []}
        for _ in range(args.repeat):
            times["bare"].append(
                timed(lambda: pl.read_excel(args.path, engine="calamine", read_options={"header_row": 2}))
            )
            cpu["bare"].append(CPU[-1])
            times["uncached"].append(timed(lambda: registry.load(args.path), cold))
            cpu["uncached"].append(CPU[-1])
            times["loader"].append(timed(lambda: unodc.load(args.path), cold))
            cpu["loader"].append(CPU[-1])
        cache.load_cached(args.path)  # fill the cache
        times["cached"] = [timed(lambda: cache.load_cached(args.path)) for _ in range(args.repeat)]
        loaded = cache.load_cached(args.path)

    median = {k: statistics.median(v) for k, v in times.items()}
    best = {k: min(v) for k, v in times.items()}

    def paired(key: str) -> float:
        """The median of each repetition's ratio to the reference measured just before it."""
        return statistics.median(t / b for t, b in zip(times[key], times["bare"], strict=False))

    def line(label: str, key: str, note: str = "") -> str:
        return (
            f"{label:<19} {median[key]:7.3f} s median, {best[key]:7.3f} s min"
            f"  ({paired(key):.2f} x bare read, paired median; {median[key] / median['bare']:.2f} x medians){note}"
        )

    print(
        f"file                {args.path.name} ({args.path.stat().st_size / 1e6:.1f} MB, {loaded.rows_in:,} rows)"
    )
    print(
        f"{'bare pl.read_excel':<19} {median['bare']:7.3f} s median, {best['bare']:7.3f} s min  (reference)"
    )
    print(line("uncached load", "uncached"))
    print(line("  of which loader", "loader", "  (the rest: detection by every loader's sniffer)"))
    print(line("cached load", "cached"))
    print(f"uncached / cached   {median['uncached'] / median['cached']:7.1f} x (medians)")
    # CPU seconds: what a shared machine's load disturbs least (wall time waits for the other processes)
    print(
        "CPU seconds         "
        + ", ".join(f"{key} {statistics.median(values):.3f}" for key, values in cpu.items())
        + " (medians)"
    )


if __name__ == "__main__":
    main()
