"""The run kernel's launcher (``python -m evidence.runs.kernel_launcher -f CONNECTION_FILE ...``): ipykernel's
own launcher, without the debugger.

ipykernel imports debugpy when its kernel is made, for JupyterLab's visual debugger: about 140 modules and a
twentieth of a CPU-second of every run kernel's start, which a cold run waits for. A run's kernel is never
debugged (its kernel spec says so: ``"debugger": false``), so ipykernel is made to find debugpy missing while
it looks (its kernel then answers debug requests as one without a debugger does); after that, debugpy imports
as usual, for a notebook that imports it itself.

Nothing of the toolkit is imported here: the kernel's modules are the notebook's to import (and a run's
pre-load, :func:`evidence.notebooks.runtime.warm_up`).
"""

from __future__ import annotations

import sys
from typing import Any


class _WithoutDebugpy:
    """A finder that reports debugpy missing."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "debugpy" or name.startswith("debugpy."):
            raise ImportError(f"No module named {name!r} (left out of run kernels)", name=name)


def main() -> None:
    """Start ipykernel's kernel application on the command line's arguments, as ``ipykernel_launcher`` does."""
    blocker = _WithoutDebugpy()
    sys.meta_path.insert(0, blocker)
    try:
        import ipykernel.debugger  # noqa: F401 - decides now, once, that there is no debugger
    finally:
        sys.meta_path.remove(blocker)
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
