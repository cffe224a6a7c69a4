"""Chart workers: a warm run's charts drawn beside its kernel, put into the notebook as the kernel would."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from _notebooks import PYTHON3, write_notebook

from evidence.notebooks.runtime import RUNNER_CHART_MIME
from evidence.presentation.charts import save_charts
from evidence.runs.chart_workers import ChartNotDrawn, ChartWorkers, RunCharts
from evidence.runs.execute import execute_run, prepare_run
from evidence.runs.warm import kernel_pool

SPEC = {
    "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
    "data": {"values": [{"x": "a", "y": 3}, {"x": "b", "y": 5}]},
    "mark": "bar",
    "encoding": {"x": {"field": "x", "type": "nominal"}, "y": {"field": "y", "type": "quantitative"}},
}


@pytest.fixture
def workers(tmp_path, monkeypatch):
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    pool = ChartWorkers(1)
    yield pool
    pool.shutdown()


@pytest.fixture(scope="module")
def _shared_pool(tmp_path_factory):
    """One pool of one chart worker for this module's tests that take a worker as it is (a worker's start, a
    process with its converter, is most of such a test's CPU time: ~0.6 CPU-s each), with the chart cache it
    was started with (a worker reads its cache folder from the environment it is started in)."""
    cache = tmp_path_factory.mktemp("chart-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EVIDENCE_CACHE_DIR", str(cache))
        pool = ChartWorkers(1)
        try:
            yield pool, cache
        finally:
            pool.shutdown()


@pytest.fixture
def shared_workers(_shared_pool, monkeypatch):
    """:func:`workers`, the module's one pool: its worker (or, once one is gone, the one replacing it, started
    in the test's environment) and this test's own drawings share the pool's chart cache, as a test's worker
    and its own drawings share the test's cache in :func:`workers`. Not for a test timing a worker's start."""
    pool, cache = _shared_pool
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(cache))
    return pool


def _notebook_with(*outputs: dict) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("show_charts(...)")
    cell.outputs = [nbformat.v4.new_output("display_data", data=data) for data in outputs]
    nb.cells = [cell]
    return nb


def _take_all(charts: RunCharts, nb: nbformat.NotebookNode) -> None:
    """Hand each chart output of ``nb`` to ``charts``, as the runner does when it arrives."""
    for output in nb.cells[0].outputs:
        if RUNNER_CHART_MIME in output.get("data", {}):
            charts.take(output.data[RUNNER_CHART_MIME], output)


def test_a_worker_draws_the_svg_the_kernel_would_draw(tmp_path, shared_workers):
    folder = tmp_path / "run"
    (folder / "figures").mkdir(parents=True)
    request = {"path": str(folder / "figures" / "bars.svg"), "spec": SPEC}
    nb = _notebook_with({RUNNER_CHART_MIME: request}, {"text/markdown": "between"})
    charts = RunCharts(folder, shared_workers)
    _take_all(charts, nb)
    assert charts.finish(nb) == {}

    drawn_here = save_charts([(SPEC, tmp_path / "here.svg")])[0].read_text(encoding="utf-8")
    assert (folder / "figures" / "bars.svg").read_text(encoding="utf-8") == drawn_here
    first, second = nb.cells[0].outputs
    assert first.data == {"image/svg+xml": drawn_here} and first.metadata == {}
    assert second.data == {"text/markdown": "between"}  # other outputs untouched


def test_a_name_shown_twice_keeps_each_chart_in_its_output_and_the_last_in_the_file(tmp_path, monkeypatch):
    """Review 4, finding 1: the earlier output got the SVG of the later chart of the same name (read from
    the file once both were drawn); with two workers the file could end as the earlier chart."""
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    pool = ChartWorkers(2)
    try:
        folder = tmp_path / "run"
        folder.mkdir()
        path = str(folder / "same.svg")
        lines = {**SPEC, "mark": "line"}
        nb = _notebook_with(
            *({RUNNER_CHART_MIME: {"path": path, "spec": s}} for s in (SPEC, lines, SPEC, lines))
        )
        charts = RunCharts(folder, pool)
        _take_all(charts, nb)
        assert charts.finish(nb) == {}
    finally:
        pool.shutdown()
    bars, line = (
        save_charts([(s, tmp_path / f"{n}.svg")])[0].read_text() for n, s in (("b", SPEC), ("l", lines))
    )
    assert bars != line
    assert [o.data["image/svg+xml"] for o in nb.cells[0].outputs] == [bars, line, bars, line]
    assert Path(path).read_text(encoding="utf-8") == line  # the last shown, as when the kernel draws in turn


def test_a_chart_outside_the_run_folder_is_not_drawn(tmp_path, workers):
    folder = tmp_path / "run"
    folder.mkdir()
    outside = {"path": str(tmp_path / "elsewhere.svg"), "spec": SPEC}
    sneaky = {"path": str(folder / ".." / "up.svg"), "spec": SPEC}
    relative = {"path": "figures/rel.svg", "spec": SPEC}
    nb = _notebook_with(*({RUNNER_CHART_MIME: r} for r in (outside, sneaky, relative)))
    charts = RunCharts(folder, workers)
    _take_all(charts, nb)
    failures = charts.finish(nb)
    assert set(failures) == {"elsewhere.svg", "up.svg", "rel.svg"}
    assert "outside the run's folder" in failures["up.svg"] and "not an SVG file" in failures["rel.svg"]
    assert not (tmp_path / "elsewhere.svg").exists() and not (tmp_path / "up.svg").exists()
    assert [(o.output_type, o.ename) for o in nb.cells[0].outputs] == [("error", "ChartNotDrawn")] * 3


def test_a_figures_folder_linked_elsewhere_is_followed_as_the_kernel_follows_it(tmp_path, shared_workers):
    """Review 4, finding 5: the path is judged as written, not after its links, as a kernel drawing its own
    charts would write through them."""
    folder, elsewhere = tmp_path / "run", tmp_path / "kept"
    folder.mkdir()
    elsewhere.mkdir()
    (folder / "figures").symlink_to(elsewhere, target_is_directory=True)
    request = {"path": str(folder / "figures" / "bars.svg"), "spec": SPEC}
    nb = _notebook_with({RUNNER_CHART_MIME: request})
    charts = RunCharts(folder, shared_workers)
    _take_all(charts, nb)
    assert charts.finish(nb) == {} and (elsewhere / "bars.svg").is_file()


def test_a_spec_the_converter_refuses_fails_with_its_reason_and_the_others_are_drawn(
    tmp_path, shared_workers
):
    folder = tmp_path / "run"
    folder.mkdir()
    bad = {"path": str(folder / "bad.svg"), "spec": {"mark": "no-such-mark", "data": {"values": [{}]}}}
    good = {"path": str(folder / "good.svg"), "spec": SPEC}
    nb = _notebook_with({RUNNER_CHART_MIME: bad}, {RUNNER_CHART_MIME: good})
    charts = RunCharts(folder, shared_workers)
    _take_all(charts, nb)
    assert list(charts.finish(nb)) == ["bad.svg"]
    failed, drawn = nb.cells[0].outputs
    assert failed.output_type == "error" and failed.ename == "ChartNotDrawn"
    assert re.match(
        r"the chart bad\.svg could not be drawn: ValueError: .*conversion failed: \w*Error", failed.evalue
    )
    assert drawn.data["image/svg+xml"].startswith("<svg")


def test_charts_not_drawn_in_time_fail_with_the_reason_and_their_worker_is_replaced(tmp_path, workers):
    """Review 4, finding 3: a hung worker's queued charts made the run fail with a bare CancelledError and
    left their specs in the notebook. Here every chart is late (no time at all to draw it)."""
    folder = tmp_path / "run"
    folder.mkdir()
    nb = _notebook_with(
        *({RUNNER_CHART_MIME: {"path": str(folder / f"c{i}.svg"), "spec": SPEC}} for i in range(3))
    )
    charts = RunCharts(folder, workers)
    _take_all(charts, nb)
    (late,) = workers._workers
    failures = charts.finish(nb, timeout=0)
    assert set(failures) == {"c0.svg", "c1.svg", "c2.svg"}
    assert "did not draw it within 0 s" in failures["c0.svg"]
    assert all(o.output_type == "error" for o in nb.cells[0].outputs)
    assert not late.alive()
    future, worker = workers.draw(SPEC, folder / "after.svg")
    assert future.result(timeout=120).startswith("<svg") and worker is not late


def test_a_worker_that_dies_fails_its_chart_and_is_replaced(tmp_path, shared_workers):
    folder = tmp_path / "run"
    folder.mkdir()
    shared_workers.start()
    (worker,) = shared_workers._workers
    worker.process.kill()
    worker.process.wait()
    with pytest.raises(ChartNotDrawn, match="stopped"):
        worker.draw(SPEC, folder / "lost.svg").result(timeout=60)
    # a spec no test draws else: the module's chart cache cannot answer for the worker replacing the dead one
    unseen = {**SPEC, "title": "drawn by the worker that replaced the one that died"}
    future, fresh = shared_workers.draw(unseen, folder / "next.svg")
    assert future.result(timeout=120).startswith("<svg") and fresh is not worker
    assert (folder / "next.svg").read_text(encoding="utf-8").startswith("<svg")


CHARTS = """\
import altair as alt
import polars as pl
from evidence.notebooks.views import show_charts
bars = alt.Chart(pl.DataFrame({"x": ["a", "b"], "y": [3, 5]})).mark_bar().encode(x="x:N", y="y:Q")
empty = alt.Chart(pl.DataFrame({"x": [], "y": []})).mark_bar().encode(x="x:N", y="y:Q")
show_charts([(bars, "bars"), (empty, "empty"), (bars.mark_line(), "line")])
"""
# the same name again, another chart: the earlier cell keeps its own
AGAIN = """\
show_charts([(bars.mark_point(), "bars")])
"""


def _notebook(path: Path, *cells: str) -> Path:
    return write_notebook(path, "n = 1", *cells, kernelspec=PYTHON3)


def _outputs(folder: str | Path, name: str) -> list:
    nb = json.loads((Path(folder) / f"{name}.ipynb").read_text())
    return [(c["execution_count"], c["outputs"]) for c in nb["cells"] if c["cell_type"] == "code"]


@pytest.mark.kernel
def test_a_warm_run_is_the_run_of_a_kernel_drawing_its_own_charts(tmp_path, monkeypatch):
    """The executed notebook and its figures are the same whether the kernel draws the charts (a cold run,
    plain Papermill) or the runner's chart workers do (a warm run)."""
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    from evidence.runs import chart_workers

    notebook = _notebook(tmp_path / "charts.ipynb", CHARTS, AGAIN)
    drawn: list[str] = []
    draw = ChartWorkers.draw

    def counted(self, spec, path, **options):
        drawn.append(path.name)
        return draw(self, spec, path, **options)

    monkeypatch.setattr(ChartWorkers, "draw", counted)
    monkeypatch.setattr(chart_workers, "_WORKERS", ChartWorkers(2))  # two, drawing at once
    # the warm run on this process's kernel as the tests before left it (reset before each run, as every run
    # is: test_warm.py), and left for the next test: a warm kernel started here was ~0.4 CPU-s more, for what
    # this test checks (who draws the charts) alike
    try:
        cold = execute_run(prepare_run(notebook, {}, out_root=tmp_path / "cold"), warm=False)
        assert drawn == []  # the kernel drew them
        warm = execute_run(prepare_run(notebook, {}, out_root=tmp_path / "warm"), warm=True)
    finally:
        chart_workers._WORKERS.shutdown()
    assert drawn == ["bars.svg", "line.svg", "bars.svg"]  # the chart workers drew them
    assert cold.status == "ok" and warm.status == "ok", (cold.error, warm.error)
    assert RUNNER_CHART_MIME not in (Path(warm.folder) / "charts.ipynb").read_text()
    assert _outputs(warm.folder, "charts") == _outputs(cold.folder, "charts")
    kinds = [next(iter(o["data"])) for _, outs in _outputs(warm.folder, "charts") for o in outs]
    assert kinds == ["image/svg+xml", "text/markdown", "image/svg+xml", "image/svg+xml"]
    first, *_, again = [
        o["data"].get("image/svg+xml") for _, outs in _outputs(warm.folder, "charts") for o in outs
    ]
    assert first != again  # the bars of the first cell, the points of the second

    def figures(folder: str) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in (Path(folder) / "figures").iterdir()}

    assert figures(warm.folder) == figures(cold.folder) and set(figures(warm.folder)) == {
        "bars.svg",
        "line.svg",
    }


@pytest.mark.kernel
def test_a_chart_that_cannot_be_drawn_fails_its_run_with_the_reason(tmp_path, monkeypatch):
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    bad = (
        "import os\nfrom IPython.display import display\n"
        f"display({{{RUNNER_CHART_MIME!r}: {{'path': os.path.join(os.getcwd(), 'figures', 'bad.svg'), "
        "'spec': {'mark': 'no-such-mark', 'data': {'values': [{}]}}}}, raw=True)\n"
    )
    notebook = _notebook(tmp_path / "bad.ipynb", bad, "print('ran to the end')")
    try:  # on the kernel the test before left (its run does not depend on a fresh one)
        failed = execute_run(prepare_run(notebook, {}, out_root=tmp_path / "runs"))
        kernel = next(iter(kernel_pool()._kernels.values()))
        assert not kernel.broken  # the kernel did nothing wrong: it stays for the next run
    finally:
        kernel_pool().shutdown()
    assert failed.status == "failed", failed.error
    assert failed.error.startswith("ChartNotDrawn: the chart bad.svg could not be drawn: ValueError: ")
    assert (
        "conversion failed" in failed.error and "(in cell 2)" in failed.error
    )  # after the injected parameters
    assert "\n" not in failed.error  # one line, without the converter's JavaScript stack
    executed = json.loads((Path(failed.folder) / "bad.ipynb").read_text())
    outputs = [o for c in executed["cells"] for o in c.get("outputs", [])]
    assert [o["ename"] for o in outputs if o["output_type"] == "error"] == ["ChartNotDrawn"]
    assert any("ran to the end" in "".join(o.get("text", "")) for o in outputs)
