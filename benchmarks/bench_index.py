"""Time to write the index of briefs after a world batch: ~190 country briefs in two roles, plus a few others.

Run: ``uv run python benchmarks/bench_index.py [--briefs 400] [--repeat 7]``.

The script builds, in a temporary directory, ``--briefs`` run folders the way a rendering batch leaves them
(``run.json``, ``brief.json``, ``brief.html`` and ``brief.pdf``; the briefs themselves are a line each): a
``country_brief`` for each real country code and role (``origin``, ``destination``), then a ``routes`` brief
for every tenth. It times :func:`evidence.briefs.index.write_index` (reading every run's records, ordering and
grouping the briefs, writing the page atomically under the folder's lock), against a reference in the same
run: reading every run's ``run.json`` and ``brief.json`` alone (``json.loads`` of each file), the floor any
index pays. Nothing is asserted: it reports medians, minima and the ratio, and the page's size.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from evidence.briefs.index import write_index
from evidence.sources.countries import country_table


def make_briefs(runs_root: Path, count: int) -> list[Path]:
    """``count`` briefed run folders under ``runs_root``, rendered one second apart (a batch's order)."""
    codes = sorted(country_table()["iso3"].to_list())
    routes = [("routes", code, "both") for code in codes[::10]]
    countries = [("country_brief", code, role) for code in codes for role in ("origin", "destination")]
    specs = countries[: max(count - len(routes), 0)] + routes
    folders = []
    for i, (notebook, code, role) in enumerate(specs[:count]):
        folder = runs_root / f"{notebook}-{code}-{role}-2012-2023-5-{i:06x}"
        folder.mkdir(parents=True)
        record = {
            "record_version": 1,
            "run_id": folder.name,
            "status": "ok",
            "notebook": {
                "name": notebook,
                "path": f"notebooks/{notebook}.ipynb",
                "sha256": "cd" * 32,
                "executed": f"{notebook}.ipynb",
            },
            "parameters": {"country": code, "role": role, "years": [2012, 2023], "data": [], "threshold": 5},
            "provenance": [
                {"source": "ctdc", "release": "2024", "layout": "k_anonymised", "sha256": "ab" * 32}
            ],
            "timings": {
                "started": "2026-12-01T09:00:00+00:00",
                "ended": "2026-12-01T09:00:12+00:00",
                "seconds": 12,
            },
        }
        (folder / "run.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
        (folder / "brief.html").write_text("<html></html>\n", encoding="utf-8")
        (folder / "brief.pdf").write_bytes(b"%PDF-1.7\n")
        minute, second = divmod(i, 60)
        brief = {
            "title": f"Country brief: {code}",
            "subtitle": f"{code} as country of {role} · 2012–2023",
            "rendered_at": f"2026-12-01T10:{minute % 60:02d}:{second:02d}+00:00",
            "formats": {"html": "brief.html", "pdf": "brief.pdf"},
        }
        (folder / "brief.json").write_text(json.dumps(brief), encoding="utf-8")
        folders.append(folder)
    return folders


def _time(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--briefs", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="evidence-bench-index-") as tmp_name:
        runs_root = Path(tmp_name) / "reports" / "runs"
        folders = make_briefs(runs_root, args.briefs)

        def reference() -> None:
            for folder in folders:
                json.loads((folder / "run.json").read_text(encoding="utf-8"))
                json.loads((folder / "brief.json").read_text(encoding="utf-8"))

        paths: dict[str, Callable[[], object]] = {"reference (read the records)": reference}
        paths["write_index"] = lambda: write_index(runs_root)
        for fn in paths.values():  # warm-up: imports, the country names, the file system's cache
            fn()
        times: dict[str, list[float]] = {name: [] for name in paths}
        for _ in range(args.repeat):
            for name, fn in paths.items():
                times[name].append(_time(fn))
        page = write_index(runs_root)
        print(f"briefs: {len(folders)}; repetitions: {args.repeat}; page: {page.stat().st_size:,} bytes")
        reference_median = statistics.median(times["reference (read the records)"])
        for name, taken in times.items():
            median = statistics.median(taken)
            print(
                f"{name:32s} median {median * 1000:8.1f} ms  min {min(taken) * 1000:8.1f} ms  "
                f"ratio {median / reference_median:5.1f}"
            )


if __name__ == "__main__":
    main()
