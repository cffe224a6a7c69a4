"""Chart workers: the charts of a warm run drawn beside its kernel, in processes of their own.

Drawing a brief's twenty charts takes the converter (vl-convert) about two seconds, and it holds the
interpreter's lock while it draws: in the kernel, the cells wait for it; in a thread of the runner, the runner's
own loop (which feeds the kernel its next cell) would. So a warm run's kernel shows each chart as its spec
(:data:`~evidence.notebooks.runtime.RUNNER_CHART_MIME`), the runner passes the spec to a chart worker — a
process with a converter, started once the kernel is ready — and the kernel goes on with the next cells on the
other core. When the notebook has run, the runner puts each drawn SVG where the spec was (:class:`RunCharts`):
the executed notebook is the one a kernel drawing its own charts writes, and the SVG files are the same
(:func:`evidence.presentation.charts.save_charts` draws them, with its chart cache).

A worker reads one request a line on its standard input (``{"path": ..., "spec": ...}``) and answers one line
(``{"svg": "<the SVG drawn>"}`` or ``{"error": "..."}``). A worker that dies fails the charts it was drawing (and so their
run, with the reason); the next run starts a fresh one.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import subprocess
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

#: Seconds a chart may take to be drawn before its worker counts as hung (it is stopped, the run fails).
CHART_TIMEOUT = 300.0


class ChartNotDrawn(RuntimeError):
    """A chart of the run could not be drawn (a spec the converter refuses, a worker that died or hung)."""


class ChartWorker:
    """One worker process and the thread of this process that talks to it (one chart at a time)."""

    def __init__(self) -> None:
        # the worker's own messages (a converter's warnings) are not the user's concern; its answers are
        self.process = subprocess.Popen(
            [sys.executable, "-m", "evidence.runs.chart_workers"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        self._talk = ThreadPoolExecutor(max_workers=1, thread_name_prefix="evidence-chart-worker")
        self.pending = 0
        self._lock = threading.Lock()

    def alive(self) -> bool:
        return self.process.poll() is None

    def draw(self, spec: dict[str, Any], path: Path) -> Future[str]:
        """Have the worker draw ``spec`` to ``path`` (in the order asked); the future gives the SVG drawn."""
        line = json.dumps({"path": str(path), "spec": spec}, default=str) + "\n"
        with self._lock:
            self.pending += 1
        return self._talk.submit(self._ask, line.encode("utf-8"))

    def _ask(self, request: bytes) -> str:
        try:
            stdin, stdout = self.process.stdin, self.process.stdout
            assert stdin is not None and stdout is not None
            try:
                stdin.write(request)
                stdin.flush()
                reply = stdout.readline()
            except (OSError, ValueError) as exc:  # a broken pipe, a closed file: the worker is gone
                raise ChartNotDrawn(f"the chart worker stopped ({type(exc).__name__}: {exc})") from exc
            if not reply:
                code = self.process.poll()
                raise ChartNotDrawn(
                    "the chart worker stopped" + (f" (exit code {code})" if code is not None else "")
                )
            answer = json.loads(reply)
            if "error" in answer:
                raise ChartNotDrawn(str(answer["error"]))
            return str(answer["svg"])
        finally:
            with self._lock:
                self.pending -= 1

    def shutdown(self) -> None:
        """Stop the worker now. It holds nothing to save (each chart it answered for is written, atomically),
        and a converter's orderly exit takes most of a second, which every command would wait for."""
        with contextlib.suppress(OSError, ValueError):
            if self.process.stdin is not None:
                self.process.stdin.close()
        self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5.0)
        with contextlib.suppress(OSError, ValueError):
            if self.process.stdout is not None:
                self.process.stdout.close()
        self._talk.shutdown(wait=False, cancel_futures=True)


class ChartWorkers:
    """This process's chart workers (one runner, or one worker of a batch): started once its kernel is ready,
    replaced when they die."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._workers: list[ChartWorker] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the workers that are not running (idempotent): each starts its converter at once."""
        with self._lock:
            kept = [w for w in self._workers if w.alive()]
            for gone in (w for w in self._workers if not w.alive()):
                gone.shutdown()
            while len(kept) < self.size:
                kept.append(ChartWorker())
            self._workers = kept

    def draw(
        self, spec: dict[str, Any], path: Path, *, worker: ChartWorker | None = None
    ) -> tuple[Future[str], ChartWorker]:
        """Draw ``spec`` to ``path`` in ``worker`` if it still runs (a run's charts of one file are drawn in
        turn by one worker, so the file ends as the last shown, as when a kernel draws them), else in the least
        busy one; returns the drawing and the worker."""
        self.start()
        with self._lock:
            if worker is None or worker not in self._workers:
                worker = min(self._workers, key=lambda w: w.pending)
        return worker.draw(spec, path), worker

    def stop(self, worker: ChartWorker) -> None:
        """Stop one worker (hung): the charts it was drawing or had queued fail; a fresh one replaces it."""
        with self._lock:
            self._workers = [w for w in self._workers if w is not worker]
        worker.shutdown()

    def shutdown(self) -> None:
        """Stop every worker (also when one hangs: its chart fails, the next run starts fresh ones)."""
        with self._lock:
            workers, self._workers = self._workers, []
        for worker in workers:
            worker.shutdown()


_WORKERS: ChartWorkers | None = None
#: Chart workers of this process (set by a batch for its workers: the cores are shared among them).
_SIZE: int | None = None


def chart_worker_count(processes: int = 1) -> int:
    """How many chart workers each of ``processes`` runners (a batch's workers) starts: the cores beyond their
    kernels', shared among them, two at most (a brief's charts keep no more busy, and each worker starts a
    converter of its own), one at least."""
    return min(2, max(1, (os.cpu_count() or 1) // max(1, processes) - 1))


def set_chart_workers(size: int) -> None:
    """How many chart workers this process starts (a batch's workers share the machine's cores)."""
    global _SIZE
    _SIZE = max(1, size)


def chart_workers() -> ChartWorkers:
    """This process's chart workers (stopped when the process ends, also in a process-pool worker)."""
    global _WORKERS
    if _WORKERS is None:
        import multiprocessing.util

        size = _SIZE if _SIZE is not None else chart_worker_count()
        _WORKERS = ChartWorkers(size)
        atexit.register(_WORKERS.shutdown)
        multiprocessing.util.Finalize(_WORKERS, _WORKERS.shutdown, exitpriority=10)
    return _WORKERS


class RunCharts:
    """The charts one run's kernel left to the runner: drawn as they arrive, put into the notebook at the end.

    ``folder`` is the run's folder: a chart is drawn only to a file inside it (said of the path as written: a
    ``figures`` folder the notebook links elsewhere is followed, as when the kernel draws)."""

    def __init__(self, folder: str | Path, workers: ChartWorkers | None = None) -> None:
        self.folder = os.path.normpath(os.path.abspath(folder))
        self.workers = workers or chart_workers()
        # by output (its identity: a name shown twice is two outputs, each with the chart drawn for it)
        self._drawn: dict[int, tuple[Any, str, Future[str], ChartWorker | None]] = {}
        self._worker_of: dict[str, ChartWorker] = {}  # by file: the worker that draws its charts in turn

    def take(self, request: Any, output: Any) -> None:
        """Start drawing one chart the kernel showed: ``request`` is the value of its
        :data:`RUNNER_CHART_MIME` output, ``output`` that output of the notebook."""
        path_text = request.get("path") if isinstance(request, dict) else None
        spec = request.get("spec") if isinstance(request, dict) else None
        refused: str | None = None
        if not isinstance(path_text, str) or not isinstance(spec, dict):
            refused, path_text = "a chart output without its path or spec", "?"
        elif not os.path.isabs(path_text) or Path(path_text).suffix != ".svg":
            refused = "a chart to be drawn to a path that is not an SVG file of the run's folder"
        else:
            path = os.path.normpath(path_text)
            if os.path.commonpath([path, self.folder]) != self.folder:
                refused = "a chart to be drawn outside the run's folder"
        if refused is not None or not isinstance(spec, dict):
            future: Future[str] = Future()
            future.set_exception(ChartNotDrawn(refused or "a chart output without its spec"))
            self._drawn[id(output)] = (output, path_text, future, None)
            return
        drawn, worker = self.workers.draw(spec, Path(path), worker=self._worker_of.get(path))
        self._worker_of[path] = worker
        self._drawn[id(output)] = (output, path_text, drawn, worker)

    def finish(self, nb: Any, *, timeout: float | None = None) -> dict[str, str]:
        """Wait for the charts (each at most ``timeout`` seconds, default :data:`CHART_TIMEOUT`) and put each
        SVG where its spec is in ``nb``'s outputs (in place). A chart that could not be drawn becomes an error
        output of its cell (``ChartNotDrawn``, with the reason), which fails the run as a failing cell does;
        returns those charts' reasons by file name."""
        from concurrent.futures import CancelledError
        from concurrent.futures import TimeoutError as FutureTimeout

        import nbformat

        from evidence.notebooks.runtime import RUNNER_CHART_MIME

        limit = CHART_TIMEOUT if timeout is None else timeout
        failures: dict[str, str] = {}
        for cell in nb.cells:
            outputs = cell.get("outputs", [])
            for index, output in enumerate(outputs):
                if RUNNER_CHART_MIME not in output.get("data", {}):
                    continue
                taken = self._drawn.get(id(output))
                name = Path(taken[1]).name if taken else "?"
                try:
                    if taken is None:
                        raise ChartNotDrawn("its output was not seen as it arrived")
                    svg = taken[2].result(timeout=limit)
                except FutureTimeout:
                    if taken is not None and taken[3] is not None:
                        self.workers.stop(taken[3])
                    reason = f"the chart worker did not draw it within {limit:.0f} s"
                except CancelledError:
                    reason = "its chart worker was stopped before drawing it (another chart hung)"
                except Exception as exc:  # noqa: BLE001 - ChartNotDrawn, or whatever else went wrong: said
                    reason = str(exc) if isinstance(exc, ChartNotDrawn) else f"{type(exc).__name__}: {exc}"
                else:
                    outputs[index] = nbformat.v4.new_output(
                        "display_data", data={"image/svg+xml": _shown(svg)}
                    )
                    continue
                failures[name] = reason
                message = f"the chart {name} could not be drawn: {reason}"
                outputs[index] = nbformat.v4.new_output(
                    "error", ename=ChartNotDrawn.__name__, evalue=message, traceback=[message]
                )
        self._drawn.clear()
        self._worker_of.clear()
        return failures


def _shown(svg: str) -> str:
    """An SVG as the kernel would show it (:func:`evidence.notebooks.views.svg_bundle`)."""
    if svg.lstrip().startswith("<svg"):
        return svg
    from evidence.notebooks.views import svg_bundle

    return svg_bundle(svg)["image/svg+xml"]


def serve() -> None:
    """A chart worker: start the converter, then draw each chart asked on standard input, answering on
    standard output (anything else written there, by Python or a library, goes to standard error)."""
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    from evidence.presentation.chart_files import save_specs, warm_renderer

    with contextlib.suppress(Exception):
        warm_renderer()
    for line in sys.stdin.buffer:
        try:
            request = json.loads(line)
            (path,) = save_specs([(request["spec"], Path(request["path"]))])
            # the SVG drawn, as drawn: the file may be drawn again (the same name shown again) before the
            # runner puts this one in its output
            answer: dict[str, Any] = {"svg": path.read_text(encoding="utf-8")}
        except Exception as exc:  # noqa: BLE001 - the run that asked reports it
            # the converter's message and the JavaScript error under it, without its stack
            lines = [line.strip() for line in str(exc).splitlines() if line.strip()][:2]
            answer = {"error": f"{type(exc).__name__}: {' '.join(lines)}"}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


if __name__ == "__main__":
    serve()
