"""A batch's render step killed outright in its worker (``kill -9``, the OOM killer) while Typst typesets the
brief, its source and figures written: the ``after`` step of a batch's workers, which import this module by name
(a function given to a process pool is pickled by reference)."""

from __future__ import annotations

import os
import signal
from typing import Any


def killed_while_typesetting(outcome: Any) -> Any:
    """``evidence batch --render``'s step after a run (:func:`evidence.cli.runs.render_brief`), its worker
    killed where Typst starts (in the worker's own process: a brief's PDF is typeset there)."""
    from evidence.briefs import builtin
    from evidence.cli.runs import render_brief

    def typeset(*args: Any, **kwargs: Any) -> bytes:
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("not reached")

    builtin.typeset = typeset
    return render_brief(outcome)
