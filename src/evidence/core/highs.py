"""HiGHS solvers that write nothing, for every layer that solves linear programmes (the existence check of the
estimation, the disclosure audits).

HiGHS prints its banner on a process's first solver, from C and before any option can be set: it would land in
a notebook's output (a kernel passes its standard output on), so the first solver is made with the standard
output pointed at the null device for that moment."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from highspy import Highs

_STARTED = threading.Lock()
_banner_shown = False


def quiet_highs() -> Highs:
    """A new HiGHS solver that writes nothing, on one thread."""
    import highspy

    global _banner_shown
    with _STARTED:
        if _banner_shown:
            highs = highspy.Highs()
        else:
            with standard_output_to_null():
                highs = highspy.Highs()
            _banner_shown = True
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    return highs


@contextlib.contextmanager
def standard_output_to_null() -> Iterator[None]:
    """File descriptor 1 pointed at the null device while the block runs (what C code prints there is dropped;
    Python's buffered output is written first); nothing changed in a process without a descriptor 1."""
    if sys.stdout is not None:
        with contextlib.suppress(ValueError, OSError):  # a closed or broken stream: nothing to write first
            sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
