"""Runs: ``evidence run`` against bare Papermill, and a batch of country briefs with 1 and 2 workers.

Run: ``uv run python benchmarks/bench_runs.py [--repeat K] [--briefs N] [--skip-batch]``.

1. Overhead on a trivial notebook (one parameter, one cell), alternating repetitions in this process:
   :func:`evidence.runs.execute.run_notebook` (parameter checks, data and toolkit hashes, a kernel spec for
   this interpreter, the atomic run folder, ``run.json``) against a bare ``papermill.execute_notebook`` with
   the same kernel. Then the same pair as fresh processes (``evidence run`` against ``python -c 'import
   papermill; ...'``), which adds each command's start-up and imports.
2. A batch of N country briefs (``country_brief`` on the synthetic demo data, N parameter sets) with 1 and
   with 2 workers (``--force``, into a temporary runs folder), then a no-op re-run (every run unchanged, so
   every run is skipped).

Kernel start-up dominates every notebook execution (seconds on a busy machine), so the overhead ratio is the
runner's cost on top of an execution that is itself mostly start-up. Nothing is asserted: this script reports.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TRIVIAL = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "p",
            "metadata": {"tags": ["parameters"]},
            "outputs": [],
            "source": ["x: int = 1\n"],
        },
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "c",
            "metadata": {},
            "outputs": [],
            "source": ["y = x + 1\n"],
        },
    ],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}
COUNTRIES = ["THA", "MMR", "KHM", "LAO", "VNM", "MYS", "JPN", "KOR", "TWN", "IDN", "PHL", "CHN"]


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _summary(times: list[float]) -> str:
    return f"median {statistics.median(times):.2f} s, min {min(times):.2f} s (n={len(times)})"


def import_costs() -> None:
    """Seconds each heavy import adds to a fresh interpreter (median of 3)."""

    def cost(code: str) -> float:
        return statistics.median(
            _timed(lambda: subprocess.run([sys.executable, "-c", code], check=True)) for _ in range(3)
        )

    base = cost("pass")
    print("import cost in a fresh interpreter (beyond python -c pass):")
    for module in ("jsonschema", "nbformat", "papermill", "nbconvert", "evidence.cli.main"):
        print(f"  {module:<18} {cost(f'import {module}') - base:.2f} s")
    from importlib.metadata import version

    print(f"  (jsonschema {version('jsonschema')}, pinned <4.25 in pyproject.toml for this reason)")


def overhead(tmp: Path, repeat: int) -> None:
    import papermill

    from evidence.runs.execute import run_notebook
    from evidence.runs.kernel import ensure_run_kernel

    notebook = tmp / "trivial.ipynb"
    notebook.write_text(json.dumps(TRIVIAL))
    kernel = ensure_run_kernel()
    out_root = tmp / "runs"

    def bare() -> None:
        papermill.execute_notebook(
            str(notebook),
            str(tmp / "bare.ipynb"),
            parameters={"x": 2},
            kernel_name="python3",
            progress_bar=False,
            request_save_on_cell_execute=False,
        )

    def runner() -> None:
        outcome = run_notebook(notebook, {"x": "2"}, out_root=out_root)
        if outcome.status != "ok":
            raise SystemExit(f"the trivial run failed: {outcome.error}")

    bare(), runner()  # warm-up: imports, kernel spec, file cache
    bare_times, run_times = [], []
    for _ in range(repeat):
        bare_times.append(_timed(bare))
        run_times.append(_timed(runner))
    ratio = statistics.median(run_times) / statistics.median(bare_times)
    print(f"\ntrivial notebook, in process (kernel {kernel!r} vs python3):")
    print(f"  bare papermill.execute_notebook : {_summary(bare_times)}")
    print(f"  evidence run_notebook           : {_summary(run_times)}")
    print(f"  overhead ratio (median)         : {ratio:.2f}x")

    evidence_cli = [str(Path(sys.executable).with_name("evidence"))]  # the installed console script
    bare_cmd = [
        sys.executable,
        "-c",
        (
            "import papermill; papermill.execute_notebook("
            f"{str(notebook)!r}, {str(tmp / 'bare.ipynb')!r}, parameters={{'x': 2}}, kernel_name='python3', "
            "progress_bar=False, request_save_on_cell_execute=False)"
        ),
    ]
    run_cmd = [*evidence_cli, "run", str(notebook), "-p", "x", "2", "--out-root", str(out_root)]
    bare_times, run_times = [], []
    for _ in range(repeat):
        bare_times.append(_timed(lambda: subprocess.run(bare_cmd, check=True, capture_output=True)))
        run_times.append(_timed(lambda: subprocess.run(run_cmd, check=True, capture_output=True)))
    ratio = statistics.median(run_times) / statistics.median(bare_times)
    print("trivial notebook, fresh processes (start-up and imports included):")
    print(f"  python -c 'papermill...'        : {_summary(bare_times)}")
    print(f"  evidence run                    : {_summary(run_times)}")
    print(f"  overhead ratio (median)         : {ratio:.2f}x")


def batch(tmp: Path, n_briefs: int) -> None:
    from evidence.notebooks.runtime import data_files
    from evidence.runs.batch import expand_plan, prepare_plan, run_batch

    data_files([])  # generate the demo file once, outside the timings
    runs = [
        {"notebook": "country_brief", "parameters": {"country": country, "role": role}}
        for role in ("origin", "destination")
        for country in COUNTRIES
    ][:n_briefs]
    out_root = tmp / "briefs"
    t0 = time.perf_counter()
    prepared = prepare_plan(expand_plan({"runs": runs}, base_dir=tmp), out_root=out_root)
    checking = time.perf_counter() - t0
    print(f"\nbatch of {len(prepared)} country briefs on the demo data (checked in {checking:.2f} s):")
    seconds, any_failed = {}, False
    for workers in (1, 2):
        t0 = time.perf_counter()
        report = run_batch(prepared, workers=workers, force=True)
        seconds[workers] = time.perf_counter() - t0
        failed = [o for o in report.outcomes if o.status == "failed"]
        any_failed = any_failed or bool(failed)
        ok = [o.seconds for o in report.outcomes if o.status == "ok"]
        per_run = statistics.median(ok) if ok else 0.0
        print(
            f"  {workers} worker(s): {seconds[workers]:.1f} s "
            f"({seconds[workers] / len(prepared):.2f} s per brief; median run {per_run:.1f} s)"
            + (f"; {len(failed)} FAILED: {failed[0].error}" if failed else "")
        )
    if any_failed:
        print("  speed-up not measured: runs failed")
    else:
        print(f"  speed-up with 2 workers: {seconds[1] / seconds[2]:.2f}x (on {os.cpu_count()} CPUs)")
    t0 = time.perf_counter()
    again = run_batch(prepare_plan(expand_plan({"runs": runs}, base_dir=tmp), out_root=out_root), workers=2)
    noop = time.perf_counter() - t0
    skipped = sum(o.status == "skipped" for o in again.outcomes)
    print(
        f"  no-op re-run (check + skip): {noop:.2f} s, {skipped}/{len(prepared)} skipped; "
        f"{noop / seconds[1]:.4f} of the 1-worker batch"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of each trivial execution")
    parser.add_argument("--briefs", type=int, default=20, help="country briefs in the batch")
    parser.add_argument("--skip-batch", action="store_true", help="only the trivial-notebook overhead")
    args = parser.parse_args()
    import_costs()
    with tempfile.TemporaryDirectory(prefix="evidence-bench-runs-") as tmp:
        overhead(Path(tmp), args.repeat)
        if not args.skip_batch:
            batch(Path(tmp), args.briefs)


if __name__ == "__main__":
    main()
