"""Time the whole cross-country panel (about 190 countries) built and modelled, against loading its sources.

Usage: ``uv run python benchmarks/bench_panel.py [--repeat N]``. Reads the UNODC GLOTIP 2023 workbook, the
Walk Free GSI 2023 workbook and the TIP tiers 1999-2015 from ``../shared/data``; the cache lives in a temporary
folder, so the user's cache is untouched. Reported: loading the three sources (uncached: parsing the workbooks;
cached: the harmonised tables), the panel alone, and the panel with every model (the detection regression and
the downgrade and upgrade event studies); each as the best of N, with its ratio to loading the sources.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
FILES = ("unodc/data_glotip_2023-05-30.xlsx", "walkfree/gsi_2023.xlsx", "tip/tip_tiers_1999_2015.csv")


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    paths = [(DATA / f).resolve() for f in FILES]

    with tempfile.TemporaryDirectory() as cache_root:
        os.environ["EVIDENCE_CACHE_DIR"] = cache_root
        from evidence.analyses import society
        from evidence.sources import cache, registry

        registry.loaders()
        uncached = best_of(args.repeat, lambda: [registry.load(p) for p in paths])
        [cache.load_cached(p) for p in paths]
        cached = best_of(args.repeat, lambda: [cache.load_cached(p) for p in paths])
        tables = [cache.load_cached(p) for p in paths]

        def panel_only() -> society.CountryPanel:
            return society.country_panel(tables)

        def modelled() -> None:
            society._FITTED.clear()  # fitted afresh: a process remembers models fitted on the same panel
            panel = society.country_panel(tables)
            society.detection_model(panel)
            society.tier_event_study(panel, "downgrade")
            society.tier_event_study(panel, "upgrade")

        def remembered() -> None:  # every later brief of a batch in the same kernel
            panel = society.country_panel(tables)
            society.detection_model(panel)
            society.tier_event_study(panel, "downgrade")
            society.tier_event_study(panel, "upgrade")

        built = best_of(args.repeat, panel_only)
        whole = best_of(args.repeat, modelled)
        again = best_of(args.repeat, remembered)
        panel = panel_only()

    print(f"panel               {len(panel.countries)} countries, {panel.frame.height:,} values")
    print(f"load, uncached      {uncached:7.3f} s  (reference)")
    print(f"load, cached        {cached:7.3f} s")
    print(
        f"panel               {built:7.3f} s  ({built / uncached:.2f} x uncached load, {built / cached:.2f} x cached)"
    )
    print(
        f"panel + models      {whole:7.3f} s  ({whole / uncached:.2f} x uncached load, {whole / cached:.2f} x cached)"
    )
    print(
        f"  models remembered {again:7.3f} s  (the same panel again in one process: the models are not refitted)"
    )


if __name__ == "__main__":
    main()
