"""The run kernel's launcher (``python -m evidence.runs.kernel_launcher -f CONNECTION_FILE ...``): ipykernel's
own launcher, without the debugger.

ipykernel imports debugpy when its kernel is made, for JupyterLab's visual debugger: about 140 modules and a
twentieth of a CPU-second of every run kernel's start, which a cold run waits for. A run's kernel is never
debugged (its kernel spec says so: ``"debugger": false``), so ipykernel is made to find debugpy missing while
it looks (its kernel then answers debug requests as one without a debugger does); after that, debugpy imports
as usual, for a notebook that imports it itself.

Modules no brief uses are made lazy in the kernel (:class:`_Deferred`, :data:`DEFERRED`): numpy.f2py (the
Fortran wrapper generator) and numpy.testing (the test helpers, with unittest); scipy.spatial, which
scipy.optimize's package imports for shgo only; and arrow, webcolors and uri_template, which jsonschema's format
checks (altair imports jsonschema) use only inside the checks. Every kernel that imports scipy.special imported
the first two: scipy's array-API layer copies numpy's namespace, asking numpy for each public name, and numpy
imports a submodule when it is asked for (a tenth of a CPU-second of imports, charset_normalizer and unittest
among them, on the path of a cold run); the others cost ~0.06 CPU-s more. Each is imported as before but executed
only when something first reads from it (:class:`importlib.util.LazyLoader`, the standard library's lazy
import): a notebook that uses one gets the same module, loaded then.

Nothing of the toolkit is imported here: the kernel's modules are the notebook's to import (and a run's
pre-load, :func:`evidence.notebooks.runtime.warm_up`).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from typing import Any

#: Modules a run's kernel creates when they are imported and executes when first used (see the module's text).
# scipy.spatial (with scipy.constants): imported by scipy.optimize's package for shgo only, when the brief's
# negative binomial fit imports fmin_bfgs (~0.03 CPU-s). arrow, webcolors, uri_template: imported by
# jsonschema's format checkers (altair imports jsonschema) and used only inside the checks (~0.03 CPU-s).
DEFERRED = frozenset({"numpy.f2py", "numpy.testing", "scipy.spatial", "arrow", "webcolors", "uri_template"})


class _WithoutDebugpy:
    """A finder that reports debugpy missing."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "debugpy" or name.startswith("debugpy."):
            raise ImportError(f"No module named {name!r} (left out of run kernels)", name=name)


class _Deferred:
    """A finder that imports each module of :data:`DEFERRED` lazily: its module is made (and its parent's
    attribute set) at import, its code executed at the first read of one of its attributes. Only a module found
    as a plain source file is deferred; anything else is left to the usual finders, as is every other name."""

    def find_spec(
        self, name: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name not in DEFERRED:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is None or not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            return None
        spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def defer_unused_modules() -> None:
    """Make the modules of :data:`DEFERRED` lazy in this process (idempotent)."""
    if not any(isinstance(finder, _Deferred) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Deferred())


def main() -> None:
    """Start ipykernel's kernel application on the command line's arguments, as ``ipykernel_launcher`` does."""
    defer_unused_modules()
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
