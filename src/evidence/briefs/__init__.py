"""Layer 6, briefs: rendering executed notebooks into briefs (Quarto, or the built-in offline renderer).

``render_run(run_dir)`` turns a run folder into ``brief.html`` and ``brief.pdf`` beside it and updates the index
of briefs (``reports/index.html`` for runs under ``reports/runs``); see :mod:`evidence.briefs.render`.
"""

from evidence.briefs.builtin import RenderError
from evidence.briefs.document import BriefDocument, build_document
from evidence.briefs.index import write_index
from evidence.briefs.render import RenderedBrief, render_run

__all__ = ["BriefDocument", "RenderError", "RenderedBrief", "build_document", "render_run", "write_index"]
