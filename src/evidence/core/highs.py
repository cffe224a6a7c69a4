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
    from highspy import Highs, HighsStatus

_STARTED = threading.Lock()
_banner_shown = False
#: The thread count a solver here asks for: 1 (each solve on one core: the programmes are small, and a brief's
#: other work has the other cores), or 0 (the scheduler's own count) once :func:`run` found the process's
#: scheduler started by another solver with another count.
_threads = 1


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
    highs.setOptionValue("threads", _threads)
    return highs


def run(highs: Highs) -> HighsStatus:
    """``highs.run()``, on the process's HiGHS scheduler whatever thread count another solver started it with:
    a solver refused for asking another count (``kError`` before any solve) is asked again with the scheduler's
    own (threads 0), as every later solver here is."""
    import highspy

    global _threads
    status = highs.run()
    if (
        status == highspy.HighsStatus.kError
        and highs.getModelStatus() == highspy.HighsModelStatus.kNotset
        and highs.getOptionValue("threads") != 0
    ):
        _threads = 0
        highs.setOptionValue("threads", 0)
        status = highs.run()
    return status


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
