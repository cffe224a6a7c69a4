"""What a kernel leaves behind in this process once it is shut down (open file descriptors, threads, zmq contexts
and their sockets), and the most descriptors the process held meanwhile, over N kernels started and stopped
through the toolkit's own paths. Nothing is timed: the counts are the result.

Paths (each iteration starts one kernel and ends it):

  run       a warm run (``execute_run``), then the pool shut down (what ``evidence run`` and every batch
            worker do at exit)
  dies      a warm run whose kernel dies (``os._exit``): the kernel is discarded
  hangs     a warm run over its cell timeout: the hung kernel is discarded
  replaced  a kernel replaced after its quota of runs (``MAX_RUNS_PER_KERNEL`` set to 1 here)
  unused    a kernel started ahead (``prestart``) for a run that is then skipped (``run_unless_fresh``)
  fails     a kernel that cannot start (a kernel name with no spec): ``KernelPool.launch`` raises
  fresh     a run in a kernel of its own (a named kernel: Papermill starts and stops it)

Run from the project root:

    uv run python benchmarks/kernel_fds.py                        # 30 kernels per path, every path
    uv run python benchmarks/kernel_fds.py -n 10 --keep unused    # some paths only, kernel objects kept
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

PATHS = ("run", "dies", "hangs", "replaced", "unused", "fails", "fresh")


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def counts() -> dict[str, int]:
    """This process's open descriptors and threads, and the zmq contexts alive in it with their sockets."""
    import zmq

    contexts = [o for o in gc.get_objects() if isinstance(o, zmq.Context) and not o.closed]
    instance = zmq.Context._instance  # the process-wide context, if anything made it (asking would make it)
    return {
        "fds": open_fds(),
        "threads": threading.active_count(),
        "contexts": len(contexts),
        "sockets": sum(len(getattr(c, "_sockets", None) or ()) for c in contexts),
        "instance sockets": len(instance._sockets) if instance is not None and not instance.closed else 0,
    }


class Peak:
    """The most descriptors open at once, sampled every few milliseconds by a thread of its own; and the
    exceptions that ended threads (a heartbeat thread's "Too many open files")."""

    def __init__(self) -> None:
        self.most = 0
        self.thread_errors: list[str] = []
        self._stop = threading.Event()
        threading.excepthook = self._hook
        threading.Thread(target=self._sample, daemon=True, name="fd-sampler").start()

    def _hook(self, hook: Any) -> None:
        self.thread_errors.append(
            f"{hook.thread.name if hook.thread else '?'}: {hook.exc_type.__name__}: {hook.exc_value}"
        )

    def _sample(self) -> None:
        while not self._stop.wait(0.002):
            try:
                self.most = max(self.most, open_fds())
            except OSError:
                continue

    def reset(self) -> int:
        most, self.most = self.most, open_fds()
        return most


def _notebook(path: Path, parameters: str, code: str) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    first = nbformat.v4.new_code_cell(parameters)
    first.metadata["tags"] = ["parameters"]
    nb.cells = [first, nbformat.v4.new_code_cell(code)]
    nbformat.write(nb, path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=30, help="kernels per path (default 30)")
    parser.add_argument("--no-gc", action="store_true", help="disable the cyclic garbage collector")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep a reference to every kernel, manager and client (as a traceback or a history may): what is "
        "released then is released by the toolkit, not by the objects' finalizers",
    )
    parser.add_argument("paths", nargs="*", help=f"any of {', '.join(PATHS)} (default: all)")
    args = parser.parse_args()
    args.paths = args.paths or list(PATHS)
    unknown = set(args.paths) - set(PATHS)
    if unknown:
        parser.error(f"unknown path(s) {sorted(unknown)}; choose from {', '.join(PATHS)}")
    if args.no_gc:
        gc.disable()

    with tempfile.TemporaryDirectory(prefix="evidence-fds-") as scratch:
        root = Path(scratch)
        os.environ["EVIDENCE_CACHE_DIR"] = str(root / "cache")  # the kernel spec and preload lists go here
        from evidence.runs import warm
        from evidence.runs.execute import execute_run, prepare_run, run_unless_fresh
        from evidence.runs.kernel import ensure_run_kernel

        plain = _notebook(root / "plain.ipynb", "x: int = 1", "print(x)")
        dies = _notebook(root / "dies.ipynb", "die: bool = True", "import os\nif die:\n    os._exit(3)")
        hangs = _notebook(
            root / "hangs.ipynb", "hang: bool = True", "import time\nif hang:\n    time.sleep(600)"
        )
        out = root / "runs"
        pool = warm.kernel_pool()
        skipped = prepare_run(plain, {"x": -1}, out_root=out)

        def one(path: str, i: int) -> None:
            expected = "ok"
            if path == "run":
                outcome = execute_run(prepare_run(plain, {"x": i}, out_root=out))
                pool.shutdown()
            elif path in ("dies", "hangs"):
                notebook, timeout, expected = (
                    (dies, None, "failed") if path == "dies" else (hangs, 2, "failed")
                )
                outcome = execute_run(prepare_run(notebook, out_root=out, cell_timeout=timeout))
            elif path == "replaced":  # the next run replaces this kernel (its quota is used up)
                outcome = execute_run(prepare_run(plain, {"x": i}, out_root=out))
            elif path == "unused":
                warm.prestart(plain)
                outcome, expected = run_unless_fresh(skipped), "skipped"
                assert not pool._kernels
            elif path == "fails":
                try:
                    pool.launch("evidence-no-such-kernel", start_timeout=10)
                except Exception:  # noqa: BLE001 - the expected NoSuchKernel
                    return
                raise AssertionError("a kernel without a spec started")
            else:
                outcome = execute_run(
                    prepare_run(plain, {"x": i}, out_root=out, kernel_name=ensure_run_kernel())
                )
            # e.g. Papermill's 4 s wait for a cell's last output, on a busy machine
            if outcome.status != expected:
                unexpected.append(f"{path}: {outcome.status}: {outcome.error}")

        warm.MAX_RUNS_PER_KERNEL = 1
        kept: list[object] = []
        unexpected: list[str] = []
        if args.keep:
            init = warm.WarmKernel.__init__

            def keeping(self: warm.WarmKernel, *a: object, **k: object) -> None:
                kept.append(self)
                init(self, *a, **k)
                kept.extend([self.km, self.kc])

            warm.WarmKernel.__init__ = keeping  # type: ignore[method-assign]
        first = execute_run(skipped)  # the run "unused" finds unchanged
        assert first.status == "ok", first.error
        pool.shutdown()
        peak = Peak()
        for path in args.paths:
            # one kernel first: what the first kernel loads for good (modules) is not a leak
            one(path, -2)
            pool.shutdown()
            start, errors, most = counts(), len(peak.thread_errors), []
            peak.reset()
            print(f"== {path}: {args.n} kernels; at start {start}", flush=True)
            for i in range(args.n):
                one(path, i)
                most.append(peak.reset())
                now = counts()
                if i in (0, 1, 4) or (i + 1) % 10 == 0:
                    print(f"  after {i + 1:3d}: " + ", ".join(f"{k} {v}" for k, v in now.items()), flush=True)
            pool.shutdown()
            end = counts()
            gc.collect()
            collected = counts()
            per = {k: round((end[k] - start[k]) / args.n, 2) for k in start}
            bursts = sum(m > 200 for m in most)
            print(f"  per kernel (pool shut down, no gc.collect()): {per}")
            print(f"  after gc.collect(): {collected}")
            print(
                f"  most fds open at once: median {sorted(most)[len(most) // 2]}, max {max(most)};"
                f" kernels with a burst over 200: {bursts}/{args.n};"
                f" threads ended by an exception: {len(peak.thread_errors) - errors}",
                flush=True,
            )
        for error in dict.fromkeys(peak.thread_errors):
            print(f"  thread error: {error}")
        for outcome in unexpected:
            print(f"  unexpected outcome: {outcome}")
    sys.exit(0)


if __name__ == "__main__":
    main()
