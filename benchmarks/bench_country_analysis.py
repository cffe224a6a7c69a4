"""Benchmark: a full country analysis (routes + trends + profiles [+ charts]) for Thailand on 250,000 demo rows.

Prints the time of each part and its ratio to the plain load time of the same file, measured in the same run
(the machine's speed cancels out of the ratios). No assertions: speed belongs here, not in the tests.

    uv run python benchmarks/bench_country_analysis.py [--rows 250000] [--country THA] [--repeat 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """The fastest of ``repeat`` runs (the least disturbed by other processes) and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def routes_part(loaded, country: str) -> dict:
    from evidence.analyses import routes
    from evidence.analyses.selection import Selection

    selection = Selection(loaded, country=country, role="both")
    flows = routes.flows(selection)
    return {
        "flows": flows,
        "coverage": routes.flow_coverage(selection),
        "top": routes.top_corridors(routes.flows(selection, min_victims=5), n=10),
        "emerging": routes.emerging_routes(selection),
        "matrix": routes.region_flow_matrix(routes.flows(loaded), level="subregion"),
        "hubs": routes.hub_measures(routes.flows(loaded)),
    }


def trends_part(loaded, country: str) -> dict:
    from evidence.analyses import trends
    from evidence.analyses.selection import Selection

    selection = Selection(loaded, country=country, role="destination")
    total = trends.yearly_counts(selection)
    forms = trends.yearly_counts(selection, by="form")
    out = {
        "total": total,
        "rate_ratio": trends.rate_ratio(total),
        "break": trends.find_break(total),
        "incomplete": trends.incomplete_years(total, late_registration=True),
        "forms": forms,
        "form_rate_ratios": {
            f: trends.rate_ratio(forms.filter(forms["form"] == f).drop("form"))
            for f in forms["form"].unique()
        },
        "shares": trends.shares_over_time(selection, "form"),
        "gender": trends.yearly_counts(selection, by="gender"),
        "corridors": trends.yearly_counts(selection, by="corridor"),
    }
    shares = out["shares"]
    years = shares["year"]
    out["share_change"] = trends.share_change(
        shares,
        "Forced labour",
        (int(years.min()), int(years.min()) + 4),
        (int(years.max()) - 4, int(years.max())),
    )
    return out


def profiles_part(loaded, country: str) -> dict:
    from evidence.analyses import profiles
    from evidence.analyses.selection import Selection

    cases = Selection(loaded, country=country, role="both")
    return {
        "forms": profiles.group_shares(cases, "form"),
        "sectors": profiles.group_shares(cases, "labour_sector"),
        "means": profiles.group_shares(cases, "means_of_control"),
        "crosstab": profiles.crosstab(cases, "gender", "form"),
        "odds_ratios": profiles.odds_ratios(cases, predictors=["gender", "majority_status", "origin_region"]),
    }


def charts_part(results: dict, out_dir: Path) -> int | None:
    """Disclose and render (SVG, offline) the country's charts, when the presentation layer has them."""
    if importlib.util.find_spec("evidence.presentation.charts") is None:
        return None
    from evidence.presentation import charts
    from evidence.presentation.disclosure import suppress_counts

    source = "evidence synthetic demo data (NOT real records)"
    total = suppress_counts(results["trends"]["total"].select("year", "count"), ["count"])
    forms = suppress_counts(results["trends"]["forms"].select("year", "form", "count"), ["count"])
    top = suppress_counts(
        results["routes"]["top"].select("origin_iso3", "destination_iso3", "victims"), ["victims"]
    )
    built = [
        charts.trend_chart(total, "year", "count", title="Victims per year", source=source),
        charts.stacked_share_chart(
            forms, "year", "form", "count", title="Forms of exploitation", source=source
        ),
        charts.corridor_bar_chart(
            top, "origin_iso3", "destination_iso3", "victims", title="Top corridors", source=source
        ),
        charts.flow_map(top, "origin_iso3", "destination_iso3", "victims", title="Flows", source=source),
    ]
    for i, chart in enumerate(built):
        charts.save_chart(chart, out_dir / f"chart{i}.svg")
    return len(built)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=250_000)
    parser.add_argument("--country", default="THA")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from evidence.sources.demo import write_demo
    from evidence.sources.registry import load

    with tempfile.TemporaryDirectory() as tmp:
        path = write_demo(Path(tmp) / "demo.csv", n_rows=args.rows)
        # warm-up: imports (statsmodels, scipy) and the file cache, so that parts are timed on equal terms
        loaded = load(path)
        routes_part(loaded, args.country)
        load_time, loaded = best_of(args.repeat, lambda: load(path))
        results: dict[str, Any] = {}
        timings: dict[str, float] = {}
        for name, part in (("routes", routes_part), ("trends", trends_part), ("profiles", profiles_part)):
            timings[name], results[name] = best_of(args.repeat, lambda part=part: part(loaded, args.country))
        chart_time, rendered = best_of(args.repeat, lambda: charts_part(results, Path(tmp)))

    print(
        f"full country analysis of {args.country} on {loaded.rows_kept:,} demo rows (best of {args.repeat})"
    )
    print(f"{'part':<12}{'seconds':>10}{'× load':>10}")
    print(f"{'load':<12}{load_time:>10.3f}{1:>10.2f}")
    for name, seconds in timings.items():
        print(f"{name:<12}{seconds:>10.3f}{seconds / load_time:>10.2f}")
    if rendered is None:
        print(f"{'charts':<12}{'—':>10}{'':>10}  (evidence.presentation.charts not installed)")
    else:
        print(f"{'charts':<12}{chart_time:>10.3f}{chart_time / load_time:>10.2f}  ({rendered} rendered)")
    analysis = sum(timings.values()) + (chart_time if rendered is not None else 0.0)
    print(f"{'analysis':<12}{analysis:>10.3f}{analysis / load_time:>10.2f}")


if __name__ == "__main__":
    main()
