"""Checks of real processes that share their interpreter's start-up and imports: forked from one driver.

A test of what a command does as a process of its own (its exit status, what it writes to a closed pipe or in
an output's encoding, which modules it imports) needs a process, not its interpreter's start-up and imports
repeated for each check (about a second each: Python, typer, numpy, polars). Here one driver process imports,
in stages, what every check of the stage imports first anyway, then forks a child per check: the child is a
process of its own (its own exit status, standard output and error, its own imports on top of its parent's),
running the check's code as ``python -c CODE ARGS`` runs it. What the parent had imported before each stage is
reported (a test checks it free of what it looks for), so what a child finds imported is what a fresh process
of its own finds: importing a module runs the same code wherever it is imported.

The child ends as the interpreter ends a ``-c`` script (exit status 0, the code of a :class:`SystemExit`, 1
after printing an uncaught exception's traceback; its output flushed), without running exit handlers (none of
the checks looks at what they do: a check of exit handlers runs a fresh process).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

DRIVER = r"""
import json, os, resource, sys, time, traceback
spec = json.loads(sys.argv[1])
folder = spec["folder"]
parents = []

def roots():
    return sorted({m.split(".")[0] for m in sys.modules})

def child(check):
    err = os.open(os.path.join(folder, check["name"] + ".err"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(err, 2)
    os.close(err)
    if check["stdout"] == "closed-pipe":  # a pipe whose reader is gone before anything is written
        read, write = os.pipe()
        os.close(read)
    else:
        write = os.open(os.path.join(folder, check["name"] + ".out"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(write, 1)
    os.close(write)
    sys.argv = [check["argv0"], *check["args"]]
    try:
        exec(compile(check["code"], "<string>", "exec"), {"__name__": "__main__"})
        status = 0
    except SystemExit as exc:  # as the interpreter ends on it
        if exc.code is None or isinstance(exc.code, int):
            status = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            status = 1
    except BaseException:
        traceback.print_exc()
        status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            status = status or 120  # as the interpreter reports output it could not flush
    os._exit(status)

exits, cpu = {}, {}

def used(who):
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime

for stage in spec["stages"]:
    start = used(resource.RUSAGE_SELF)
    exec(compile(stage["setup"], "<setup>", "exec"), {"__name__": "__setup__"})
    cpu[f"setup{len(parents)}"] = used(resource.RUSAGE_SELF) - start
    parents.append(roots())
    for check in stage["checks"]:
        sys.stdout.flush()
        sys.stderr.flush()
        start = used(resource.RUSAGE_CHILDREN)
        pid = os.fork()
        if pid == 0:
            try:
                child(check)
            finally:
                os._exit(1)
        exits[check["name"]] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        cpu[check["name"]] = used(resource.RUSAGE_CHILDREN) - start
with open(os.path.join(folder, "results.json"), "w") as out:
    json.dump({"parents": parents, "exits": exits, "cpu": cpu}, out)
"""


@dataclass(frozen=True)
class Check:
    """One process: ``python -c CODE ARGS`` (``sys.argv[0]`` is ``argv0``), standard output captured or a pipe
    whose reader is gone (``stdout="closed-pipe"``)."""

    name: str
    code: str
    args: tuple[str, ...] = ()
    stdout: str = "capture"
    argv0: str = "-c"


@dataclass(frozen=True)
class Stage:
    """What the driver imports (``setup``, run in it), then the checks forked from it."""

    setup: str
    checks: tuple[Check, ...]


@dataclass
class Done:
    """A check's process: its exit status, standard output (bytes; empty for a closed pipe) and error."""

    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def err(self) -> str:
        return self.stderr.decode("utf-8", "replace")


@dataclass
class Forked:
    """The top-level modules the driver held after each stage's setup, and each check's process by name."""

    parents: list[set[str]]
    done: dict[str, Done] = field(default_factory=dict)
    #: CPU seconds of each stage's setup (``setup0``...) and of each check's process, by name
    cpu: dict[str, float] = field(default_factory=dict)


def run_forked(stages: list[Stage], *, env: dict[str, str] | None = None, timeout: float = 600) -> Forked:
    """Run ``stages`` in one driver process (``env``: its environment, the checks' too)."""
    names = [c.name for s in stages for c in s.checks]
    assert len(names) == len(set(names)), names
    with tempfile.TemporaryDirectory(prefix="evidence-forked-") as folder:
        spec = {
            "folder": folder,
            "stages": [{"setup": s.setup, "checks": [c.__dict__ for c in s.checks]} for s in stages],
        }
        proc = subprocess.run(
            [sys.executable, "-c", DRIVER, json.dumps(spec)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=timeout,
        )
        results_file = Path(folder, "results.json")
        assert proc.returncode == 0 and results_file.is_file(), proc.stderr[-3000:]
        results = json.loads(results_file.read_text())
        forked = Forked(parents=[set(p) for p in results["parents"]], cpu=results["cpu"])
        for check in (c for s in stages for c in s.checks):
            out = Path(folder, f"{check.name}.out")
            forked.done[check.name] = Done(
                returncode=results["exits"][check.name],
                stdout=out.read_bytes() if out.is_file() else b"",
                stderr=Path(folder, f"{check.name}.err").read_bytes(),
            )
    return forked
