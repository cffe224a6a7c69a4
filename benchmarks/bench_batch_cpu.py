"""The CPU a batch of country briefs costs, by process role: what a brief's time goes to when the machine is shared.

Run: ``uv run python benchmarks/bench_batch_cpu.py [--briefs N] [--workers W] [--repeat K]`` (Linux only).

``bench_speed.py`` times the batch by the clock, which on a shared machine (other work on the same cores) says
more about the load than about the toolkit: the same batch of 20 briefs took 25 s at load 5 and 150 s at load
20. Its CPU time moves much less. This script runs ``evidence batch --render --force`` of N demo country
briefs (the pairs ``bench_speed.py`` uses) and of 2, and reports:

* the CPU of the whole process tree (user + system, every descendant however it ended), exact: this process
  makes itself the tree's reaper (``PR_SET_CHILD_SUBREAPER``), so the processes the batch leaves to end on
  their own (its fork server, whose workers, kernels and chart workers it waited for) are reaped here and
  counted in this process's ``RUSAGE_CHILDREN``;
* that CPU split by role (main process, fork server, batch workers with the Typst they run in-process,
  kernels, chart workers, pandoc), from ``/proc`` read every few hundredths of a second: each process counted
  at its last reading, so a share is a little low (what a process did after it was last seen); the
  difference to the exact total is printed as ``unseen``;
* per brief: the difference between the batch of N and the batch of 2, divided by N - 2 (what a brief adds),
  and the fixed CPU of a batch (the batch of 2 less two briefs).

Medians of ``--repeat`` alternations (the two batches in turn). The demo data, a temporary cache and runs
folder; nothing is asserted.
"""

from __future__ import annotations

import argparse
import collections
import ctypes
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_speed import BIN, held_pairs  # the same plan of demo briefs

#: Process roles, by what their command line holds (first match).
ROLES = (
    ("kernel_launcher", "kernels"),
    ("evidence.runs.chart_workers", "chart workers"),
    ("pandoc", "pandoc"),
    ("multiprocessing.resource_tracker", "other"),
)
_TICK = os.sysconf("SC_CLK_TCK")


def _read_stat(pid: str) -> tuple[int, float] | None:
    """A process's parent and its own CPU seconds (user + system), or None when it has ended."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            text = fh.read().decode(errors="replace")
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK


def _command(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _role(pid: str, command: str, parent: str, root: str, commands: dict[str, str]) -> str:
    if pid == root:
        return "main"
    for marker, role in ROLES:
        if marker in command:
            return role
    if "multiprocessing.forkserver" in command:
        # the server (the batch's child) and the workers it forks (its children) share its command line
        return (
            "batch workers (+ Typst)"
            if "multiprocessing.forkserver" in commands.get(parent, "")
            else "fork server"
        )
    return "other"


def measure(
    command: list[str], env: dict[str, str], interval: float = 0.03
) -> tuple[float, float, dict[str, float]]:
    """Run ``command``; return its wall seconds, the exact CPU seconds of its whole tree, and the CPU by role
    as last seen in ``/proc``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    root = str(proc.pid)
    tree = {root}
    commands: dict[str, str] = {root: _command(root)}
    parents: dict[str, str] = {}
    last: dict[str, float] = {}
    while True:
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            stat = _read_stat(pid)
            if stat is None:
                continue
            parent = str(stat[0])
            if pid not in tree and parent in tree:
                tree.add(pid)
                parents[pid] = parent
            if pid in tree:
                last[pid] = stat[1]
                # read again each time: a process seen between its fork and its exec (a kernel, pandoc) has
                # its parent's command line then
                commands[pid] = _command(pid) or commands.get(pid, "")
        if proc.poll() is not None:
            break
        time.sleep(interval)
    # what the batch left to end on its own (reparented to this process, the subreaper) ends and is reaped
    deadline = time.monotonic() + 60.0
    while time.monotonic() < deadline:
        try:
            if os.waitpid(-1, os.WNOHANG) == (0, 0):
                time.sleep(interval)  # one still ending
        except ChildProcessError:
            break
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    roles: dict[str, float] = collections.Counter()
    for pid, seconds in last.items():
        roles[_role(pid, commands.get(pid, ""), parents.get(pid, ""), root, commands)] += seconds
    roles["unseen"] = max(0.0, total - sum(roles.values()))
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(command)}")
    return wall, total, dict(roles)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--briefs", type=int, default=20, help="country briefs in the larger batch")
    parser.add_argument("--workers", type=int, default=2, help="the batch's workers")
    parser.add_argument("--repeat", type=int, default=2, help="alternations of the two batches")
    args = parser.parse_args()
    if not sys.platform.startswith("linux"):
        raise SystemExit("Linux only (/proc, PR_SET_CHILD_SUBREAPER)")
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
        raise SystemExit("cannot become the child subreaper")
    with tempfile.TemporaryDirectory(prefix="evidence-bench-cpu-") as tmp_name:
        tmp = Path(tmp_name)
        env = {**os.environ, "EVIDENCE_CACHE_DIR": str(tmp / "cache")}
        env.pop("EVIDENCE_DATA", None)
        pairs = held_pairs(args.briefs, env)
        plans = {}
        for n in sorted({2, len(pairs)}):
            plans[n] = tmp / f"plan{n}.yaml"
            plans[n].write_text(
                "runs:\n"
                + "".join(
                    f"  - notebook: country_brief\n    parameters: {{country: {c}, role: {r}}}\n"
                    for c, r in pairs[:n]
                )
            )
        results: dict[int, list[tuple[float, float, dict[str, float]]]] = {n: [] for n in plans}
        for _ in range(args.repeat):
            for n, plan in plans.items():
                shutil.rmtree(
                    tmp / "cache" / "charts", ignore_errors=True
                )  # every chart drawn, as in bench_speed
                command = [str(BIN / "evidence"), "batch", str(plan), "--workers", str(args.workers), "--render",
                           "--force", "--out-root", str(tmp / f"runs{n}")]  # fmt: skip
                results[n].append(measure(command, env))
                wall, total, _ = results[n][-1]
                print(f"  {n:3d} briefs: {total:6.1f} CPU-s, {wall:6.1f} s wall (load {os.getloadavg()[0]:.1f})",
                      flush=True)  # fmt: skip
    big, small = max(plans), min(plans)
    roles = sorted({role for runs in results.values() for _, _, split in runs for role in split})
    median = {n: statistics.median(total for _, total, _ in runs) for n, runs in results.items()}
    print(
        f"\nCPU-s by role (medians of {args.repeat})"
        + (f"; per brief = ({big} - {small}) / {big - small}" if big > small else "")
    )
    print(
        f"  {'role':26s}"
        + "".join(f"{f'{n} briefs':>12s}" for n in plans)
        + ("    per brief" if big > small else "")
    )
    for role in roles:
        cells = {
            n: statistics.median(split.get(role, 0.0) for _, _, split in runs) for n, runs in results.items()
        }
        per = f"{(cells[big] - cells[small]) / (big - small):13.3f}" if big > small else ""
        print(f"  {role:26s}" + "".join(f"{cells[n]:12.2f}" for n in plans) + per)
    print(f"  {'total (exact)':26s}" + "".join(f"{median[n]:12.2f}" for n in plans), end="")
    if big > small:
        per_brief = (median[big] - median[small]) / (big - small)
        print(f"{per_brief:13.3f}\n  fixed CPU of a batch (the batch of {small} less {small} briefs): "
              f"{median[small] - small * per_brief:.1f} CPU-s")  # fmt: skip
    else:
        print()


if __name__ == "__main__":
    main()
