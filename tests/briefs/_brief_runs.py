"""A tiny executed run folder (notebook + run.json), built here so the brief tests do not depend on the runs
layer's notebooks. Imported by the brief tests and by tests/cli/test_briefs.py."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

SECRET_CODE = "this_code_must_not_appear_in_a_brief = 42"
SECRET_STDOUT = "printed working note: 3 victims in Trat"
SECRET_STDERR = "UserWarning: a warning readers never see"


def png_bytes(width: int = 60, height: int = 30, rgb: tuple[int, int, int] = (11, 93, 122)) -> bytes:
    """A solid-colour PNG, written by hand (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


TABLE_HTML = """<div><style>.dataframe td { color: red; }</style>
<small>shape: (3, 2)</small><table border="1" class="dataframe"><thead>
<tr><th>origin</th><th>victims</th></tr>
<tr><td>str</td><td>str</td></tr></thead><tbody>
<tr><td>Myanmar</td><td>1,204</td></tr><tr><td>Cambodia</td><td>&lt;5</td></tr>
<tr><td>Lao PDR</td><td>x</td></tr>
</tbody></table></div>"""

VEGALITE = {
    "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
    "data": {"values": [{"year": "2019", "n": 120}, {"year": "2020", "n": 95}, {"year": "2021", "n": 143}]},
    "mark": "bar",
    "encoding": {"x": {"field": "year", "type": "ordinal"}, "y": {"field": "n", "type": "quantitative"}},
}


def executed_notebook() -> Any:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    parameters = new_code_cell(
        'country: str = "THA"  # ISO3\nthreshold: int = 5', metadata={"tags": ["parameters"]}
    )
    injected = new_code_cell('country = "THA"', metadata={"tags": ["injected-parameters"]})
    figure = new_code_cell(
        f"#| fig-cap: Identified victims by year\n{SECRET_CODE}\nchart",
        outputs=[
            new_output("stream", name="stdout", text=SECRET_STDOUT + "\n"),
            new_output("stream", name="stderr", text=SECRET_STDERR + "\n"),
            new_output("display_data", data={"image/png": base64.b64encode(png_bytes()).decode()}),
        ],
    )
    table = new_code_cell(
        "table",
        outputs=[
            new_output(
                "execute_result",
                data={"text/html": TABLE_HTML, "text/plain": "shape: (3, 2)"},
                execution_count=3,
            ),
        ],
    )
    chart = new_code_cell(
        "alt_chart",
        outputs=[
            new_output(
                "display_data",
                data={
                    "application/vnd.vegalite.v5+json": VEGALITE,
                    "text/html": '<div id="vis"></div><script src="https://cdn.jsdelivr.net/npm/vega@5"></script>',
                    "text/plain": "alt.Chart(...)",
                },
            )
        ],
    )
    key_figures = new_code_cell(
        "display(Markdown(...))",
        outputs=[
            new_output(
                "display_data",
                data={
                    "text/markdown": "::: {.key-figures}\n### Key figures\n\n- **1,442** victims identified\n"
                    "- **61%** women and girls\n:::",
                    "text/plain": "<IPython.core.display.Markdown object>",
                },
            )
        ],
    )
    plain_only = new_code_cell(
        "len(df)", outputs=[new_output("execute_result", data={"text/plain": "3"}, execution_count=5)]
    )
    hidden = new_code_cell(
        "#| include: false\nsecret_table",
        outputs=[new_output("display_data", data={"text/markdown": "HIDDEN OUTPUT 2 victims"})],
    )
    failing = new_code_cell(
        "1/0",
        outputs=[new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=["tb"])],
    )
    nb.cells = [
        new_markdown_cell("# Country brief: Thailand\n\nThis brief describes identified victims."),
        parameters,
        injected,
        new_markdown_cell(
            "## Trends\n\n::: {.callout-note}\n## Reading the chart\n\nThe latest year is "
            "often incomplete.\n:::"
        ),
        figure,
        key_figures,
        new_markdown_cell("## Routes"),
        table,
        chart,
        plain_only,
        hidden,
        failing,
        new_markdown_cell("## Limits\n\nIdentified victims are not prevalence."),
    ]
    return nb


def make_run(
    runs_root: Path,
    name: str = "country_brief-THA-both-2012-2023-5-abc123",
    *,
    demo: bool = True,
    status: str = "ok",
    notebook: Any = None,
) -> Path:
    """Write an executed run folder (notebook + run.json) the way ``evidence run`` does."""
    folder = runs_root / name
    folder.mkdir(parents=True)
    nbformat.write(notebook or executed_notebook(), folder / "country_brief.ipynb")
    provenance = {
        "source": "ctdc",
        "layout": "global_synthetic_v2024",
        "release": "demo-2026.1" if demo else "2024",
        "path": "/data/ctdc.csv",
        "sha256": "ab" * 32,
        "url": "https://www.ctdatacollaborative.org/page/global-synthetic-dataset",
        "licence": "CC BY 4.0" if not demo else "CC0 (invented data)",
        "citation": "Counter Trafficking Data Collaborative (2024). Global Synthetic Dataset. "
        "Accessed <date>.",
        "title": "CTDC Global Synthetic Dataset",
        "synthetic": True,
        "demo": demo,
        "loaded_at": "2026-11-28T09:00:00+00:00",
        "accessed": "2026-11-20",  # when the file was obtained (its sidecar): the citation's access date
        "notes": [],
        "kind": "case",
        "rows_in": 1000,
        "rows_kept": 1000,
        "rows_rejected": 0,
    }
    record = {
        "record_version": 1,
        "run_id": name,
        "status": status,
        "error": None if status == "ok" else "RuntimeError: boom (in cell 3)",
        "notebook": {
            "name": "country_brief",
            "path": "notebooks/country_brief.ipynb",
            "sha256": "cd" * 32,
            "executed": "country_brief.ipynb",
        },
        "parameters": {"country": "THA", "role": "both", "years": [2012, 2023], "data": [], "threshold": 5},
        "data": [{"path": "/data/ctdc.csv", "sha256": "ab" * 32}],
        "provenance": [provenance],
        "toolkit": {"version": "0.1.0", "files_sha256": "ef" * 32},
        "timings": {
            "started": "2026-11-28T09:00:00+00:00",
            "ended": "2026-11-28T09:00:12+00:00",
            "seconds": 12.0,
        },
        "outputs": [],
        "cache_key": "00" * 32,
    }
    (folder / "run.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    return folder


def typst_text(value: Any) -> str:
    """The text of Typst content as ``typst query`` serialises it."""
    if isinstance(value, list):
        return "".join(typst_text(v) for v in value)
    if not isinstance(value, dict):
        return ""
    func = value.get("func")
    if func == "space":
        return " "
    if func in ("linebreak", "parbreak"):
        return "\n"
    if func == "smartquote":
        return '"' if value.get("double", True) else "'"
    text = value.get("text") if isinstance(value.get("text"), str) else ""
    return text + "".join(typst_text(v) for k, v in value.items() if k not in ("text", "func"))
