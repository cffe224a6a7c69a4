"""Whether a batch's worker has started a kernel, told by the step after each run (``evidence batch --render``'s,
replaced): the workers import this module by name (a function given to a process pool is pickled by reference)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: The file the step writes in each run's folder: "yes" when its worker has started a kernel, else "no".
MARKER = "kernel-in-worker.txt"


def tell_kernel(outcome: Any) -> Any:
    """Write :data:`MARKER` in the run's folder: whether this worker's kernel pool exists (made by the first
    start of a kernel in the process, ahead of a run or by one)."""
    from evidence.runs import warm

    (Path(outcome.folder) / MARKER).write_text("yes" if warm._POOL is not None else "no")
    return outcome
