"""Time to render one brief by each available path, against a bare pandoc conversion of the same source.

Run: ``uv run python benchmarks/bench_render.py [--run RUN_DIR] [--repeat K] [--runtime-options OPTIONS]``.

Without ``--run`` the script builds a run folder in a temporary directory: an executed notebook with prose, a
callout, a PNG figure, a Vega-Lite chart, two HTML tables and a key-figures box (like a country brief), and
its ``run.json``. With ``--run`` it renders a copy of a real run folder (e.g. one made by
``evidence brief THA``), so the original is untouched.

Paths measured, alternating, in the same run:
    reference        bare ``pandoc brief.qmd -o brief.html`` (no template, filter or embedding)
    document         reading the run into the brief's source (``build_document`` + ``write``)
    builtin html     pandoc with template, filter and ``--embed-resources`` (self-contained)
    builtin pdf      pandoc → Typst markup → ``typst.compile``
    builtin both     the render step of ``evidence brief``: ``render_run`` with the built-in renderer (one pandoc
                     process for the scanned text, the Typst markup and the HTML; the PDF typeset while pandoc
                     writes the HTML; the disclosure scan; the brief's record)
    nbconvert html   nbconvert's HTMLExporter with inputs excluded and images embedded (the alternative for
                     HTML that was measured when choosing pandoc)
    quarto html/pdf  ``quarto render`` of the same source, when the Quarto CLI is on PATH
    builtin both, pandoc OPTIONS
                     with ``--runtime-options``: ``render_run`` again, pandoc running with those garbage
                     collector settings (GHC's runtime options) instead of
                     :data:`~evidence.briefs.builtin.PANDOC_RUNTIME_OPTIONS` (e.g. ``-O128m``, the earlier ones)
Nothing is asserted: this script reports medians, minima and ratios to the reference, and the CPU seconds each
path costs (this process's and its children's: pandoc's, Quarto's), which a batch of briefs on busy cores pays
whatever the wall clock says.
"""

from __future__ import annotations

import argparse
import base64
import json
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from evidence.briefs import builtin
from evidence.briefs.document import SOURCE_FILE, build_document
from evidence.briefs.render import render_run, render_with_quarto

KEY_FIGURES = "::: {.key-figures}\n### Key figures\n\n- **5,446** victims\n- **61%** women\n:::"


def _chart_spec(n: int) -> dict:
    values = [{"year": str(2012 + i), "victims": 200 + 37 * i % 150} for i in range(n)]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 520,
        "height": 220,
        "data": {"values": values},
        "mark": "line",
        "encoding": {
            "x": {"field": "year", "type": "ordinal"},
            "y": {"field": "victims", "type": "quantitative"},
        },
    }


def _letters(i: int) -> str:
    """A label without digits (A, B, ..., Z, AA, AB, ...): "Country 3" read as a count of three people, and the
    render's disclosure check refused the benchmark's own run."""
    return (_letters(i // 26 - 1) if i >= 26 else "") + chr(65 + i % 26)


def _table(rows: int) -> str:
    body = "".join(
        f"<tr><td>Country {_letters(i)}</td><td>{1000 + 17 * i:,}</td><td>{(i * 7) % 90}.5%</td></tr>"
        for i in range(rows)
    )
    return (
        '<table class="dataframe"><thead><tr><th>origin</th><th>victims</th><th>share</th></tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def make_run(folder: Path) -> Path:
    """A run folder shaped like a country brief (synthetic content)."""
    import vl_convert

    png = vl_convert.vegalite_to_png(json.dumps(_chart_spec(12)), scale=2)
    prose = "Identified victims are not prevalence; the latest year is often incomplete. " * 6
    nb = new_notebook(
        cells=[
            new_markdown_cell(f"# Country brief\n\n{prose}"),
            new_code_cell('country = "THA"', metadata={"tags": ["parameters"]}),
            new_markdown_cell(f"::: {{.callout-important}}\n## What these numbers can say\n\n{prose}\n:::"),
            new_code_cell(
                "key",
                outputs=[
                    new_output(
                        "display_data",
                        data={"text/markdown": KEY_FIGURES},
                    )
                ],
            ),
            new_markdown_cell(f"## Trends\n\n{prose}"),
            new_code_cell(
                "fig",
                outputs=[new_output("display_data", data={"image/png": base64.b64encode(png).decode()})],
            ),
            new_code_cell(
                "chart",
                outputs=[
                    new_output(
                        "display_data",
                        data={
                            "application/vnd.vegalite.v5+json": _chart_spec(12),
                            "text/plain": "alt.Chart(...)",
                        },
                    )
                ],
            ),
            new_markdown_cell(f"## Routes\n\n{prose}"),
            new_code_cell("t1", outputs=[new_output("display_data", data={"text/html": _table(10)})]),
            new_code_cell("t2", outputs=[new_output("display_data", data={"text/html": _table(12)})]),
            new_markdown_cell(f"## Methods and limitations\n\n{prose}"),
        ]
    )
    run = folder / "country_brief-THA-bench"
    run.mkdir(parents=True)
    nbformat.write(nb, run / "country_brief.ipynb")
    record = {
        "run_id": run.name,
        "status": "ok",
        "notebook": {
            "name": "country_brief",
            "path": "notebooks/country_brief.ipynb",
            "sha256": "0" * 64,
            "executed": "country_brief.ipynb",
        },
        "parameters": {"country": "THA", "role": "both", "year_from": 2012, "year_to": 2023},
        "provenance": [
            {
                "source": "ctdc",
                "layout": "global_synthetic_v2024",
                "release": "demo-1",
                "sha256": "0" * 64,
                "url": "https://www.ctdatacollaborative.org/",
                "licence": "CC0",
                "citation": "Demo data.",
                "demo": True,
                "synthetic": True,
            }
        ],
        "toolkit": {"version": "bench"},
        "timings": {
            "started": "2026-01-01T00:00:00+00:00",
            "ended": "2026-01-01T00:00:00+00:00",
            "seconds": 0.0,
        },
    }
    (run / "run.json").write_text(json.dumps(record))
    return run


def _cpu() -> float:
    """CPU seconds of this process (all its threads: Typst's) and of its children that have ended (pandoc)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _time(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of ``fn``."""
    start, cpu = time.perf_counter(), _cpu()
    fn()
    return time.perf_counter() - start, _cpu() - cpu


def _with_runtime_options(options: str, fn: Callable[[], object]) -> object:
    """``fn()`` with pandoc running with ``options`` as its runtime options."""
    kept = builtin.PANDOC_RUNTIME_OPTIONS
    builtin.PANDOC_RUNTIME_OPTIONS = options
    try:
        return fn()
    finally:
        builtin.PANDOC_RUNTIME_OPTIONS = kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, help="a run folder to render (a copy of it)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--runtime-options", help="pandoc's runtime options to compare with the toolkit's (e.g. '-O128m')"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="evidence-bench-render-") as tmp_name:
        tmp = Path(tmp_name)
        if args.run:
            run = tmp / args.run.name
            shutil.copytree(args.run, run)
        else:
            run = make_run(tmp / "runs")
        executed = next(run.glob("*.ipynb"))
        source = build_document(run).write(run)
        out = tmp / "out"
        out.mkdir()

        def reference() -> None:
            subprocess.run(
                [builtin.pandoc_path(), SOURCE_FILE, "-f", "markdown", "-o", str(out / "bare.html")],
                cwd=run,
                check=True,
            )

        def document() -> None:
            build_document(run).write(run)

        def nbconvert_html() -> None:
            from nbconvert import HTMLExporter

            exporter = HTMLExporter(
                exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True, embed_images=True
            )
            body, _ = exporter.from_filename(str(executed))
            (out / "nbconvert.html").write_text(body, encoding="utf-8")

        paths: dict[str, Callable[[], object]] = {
            "reference (bare pandoc)": reference,
            "document (run -> brief.qmd)": document,
            "builtin html": lambda: builtin.render_html(source, out / "brief.html"),
            "builtin pdf": lambda: builtin.render_pdf(source, out / "brief.pdf"),
            "builtin both (render_run)": lambda: render_run(run, renderer="builtin", update_index=False),
            "nbconvert html": nbconvert_html,
        }
        if args.runtime_options is not None:
            paths[f"builtin both, pandoc {args.runtime_options}"] = lambda: _with_runtime_options(
                args.runtime_options, lambda: render_run(run, renderer="builtin", update_index=False)
            )
        if shutil.which("quarto"):
            paths["quarto html"] = lambda: render_with_quarto(source, "html", out / "quarto.html")
            paths["quarto pdf"] = lambda: render_with_quarto(source, "pdf", out / "quarto.pdf")
        else:
            print("quarto: not on PATH, not measured")

        for fn in paths.values():  # warm-up: imports, caches, fonts
            fn()
        times: dict[str, list[float]] = {name: [] for name in paths}
        cpu: dict[str, list[float]] = {name: [] for name in paths}
        for _ in range(args.repeat):
            for name, fn in paths.items():
                wall, used = _time(fn)
                times[name].append(wall)
                cpu[name].append(used)

        sizes = {p.name: p.stat().st_size for p in out.iterdir()}
        print(
            f"brief: {run.name}, {len(list((run / 'brief-figures').iterdir()))} figures; "
            f"repetitions: {args.repeat}"
        )
        reference_median = statistics.median(times["reference (bare pandoc)"])
        reference_min = min(times["reference (bare pandoc)"])
        for name, values in times.items():
            print(
                f"{name:>28}: median {statistics.median(values):.3f} s, min {min(values):.3f} s, "
                f"ratio to reference: median {statistics.median(values) / reference_median:.1f}x, "
                f"min {min(values) / reference_min:.1f}x; CPU median {statistics.median(cpu[name]):.3f} s"
            )
        remote = builtin.external_references((out / "nbconvert.html").read_text(encoding="utf-8"))
        print(f"nbconvert html loads {len(remote)} resources from the web (e.g. {', '.join(remote[:2])})")
        print(
            "output sizes: "
            + ", ".join(f"{name} {size / 1024:.0f} KiB" for name, size in sorted(sizes.items()))
        )


if __name__ == "__main__":
    main()
