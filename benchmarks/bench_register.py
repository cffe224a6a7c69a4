"""Import 100,000 records into a new register and query its key figures, against a bare DuckDB import.

Run: ``uv run python benchmarks/bench_register.py [--people N] [--repeat K]``.

The export is one invented full export (``evidence.sources.register.synthetic``) in a temporary directory.
Measured, alternating, in the same run:

- the register: ``import_export`` into a new register (mapping, validation, pseudonymisation, history) plus
  ``records_as_of`` and ``key_figures`` (the figures as of the export's date, under disclosure control);
- the reference: a bare DuckDB ``read_csv`` of the same file inserted into a table of a new database file.

Also reported: re-importing the same file into the existing register (a record of the import, nothing else),
and importing a second export with corrections and deletions into it. Nothing is asserted: this reports.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from evidence.presentation.key_figures import key_figures
from evidence.sources.register import import_export, records_as_of
from evidence.sources.register.keys import new_key_text
from evidence.sources.register.synthetic import write_exports


def _time(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="evidence-bench-") as tmp:
        folder = Path(tmp)
        os.environ["EVIDENCE_REGISTER_KEY"] = new_key_text()  # a key chosen by hand is refused
        first, second = write_exports(folder / "exports", people=args.people, months=2, faults=False)
        mapping = folder / "exports" / "cases.mapping.yaml"
        with open(first, encoding="utf-8") as handle:
            rows = sum(1 for _ in handle) - 1
        size_mb = first.stat().st_size / 1e6
        runs = iter(range(10_000))

        def bare() -> None:
            path = folder / f"bare{next(runs)}.duckdb"
            with duckdb.connect(str(path)) as connection:
                connection.execute(
                    f"CREATE TABLE cases AS SELECT * FROM read_csv('{first}', all_varchar=true)"
                )
            path.unlink()

        def register() -> None:
            path = folder / f"register{next(runs)}.duckdb"
            result = import_export(path, first, mapping)
            if result.rows_new != rows:
                raise SystemExit(f"every record should be new: {result.summary()}")
            figures = key_figures(records_as_of(path).data, as_of=result.exported_on, country="THA")
            if figures.total.frame["victims"][0] != rows:
                raise SystemExit("the figures should count every record")
            path.unlink()

        bare()  # warm-up: imports, file cache
        bare_times, register_times = [], []
        for _ in range(args.repeat):
            bare_times.append(_time(bare))
            register_times.append(_time(register))

        kept = folder / "kept.duckdb"
        import_export(kept, first, mapping)
        again = _time(lambda: import_export(kept, first, mapping))
        monthly = _time(lambda: import_export(kept, second, mapping))
        as_of = _time(lambda: records_as_of(kept, dt.date.fromisoformat(first.stem.split("_")[1])))

    print(f"export: {rows:,} records, {size_mb:.1f} MB (invented data)")
    print(f"repetitions: {args.repeat}")
    for label, times in (
        ("bare DuckDB read_csv + insert", bare_times),
        ("register import + figures", register_times),
    ):
        print(f"{label:32s} median {statistics.median(times):.3f} s  min {min(times):.3f} s")
    ratio = statistics.median(register_times) / statistics.median(bare_times)
    ratio_min = min(register_times) / min(bare_times)
    print(f"ratio (register / bare): median {ratio:.1f}x, min {ratio_min:.1f}x")
    print(
        f"re-import of the same file: {again:.3f} s; next month's export: {monthly:.3f} s; as-of table: {as_of:.3f} s"
    )


if __name__ == "__main__":
    main()
