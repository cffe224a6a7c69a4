"""HiGHS solvers for every layer (:mod:`evidence.core.highs`): quiet, and answering whatever solver of other
code in the process ran first."""

from __future__ import annotations

import subprocess
import sys

#: another solver in the process, run first at HiGHS's default thread count (a notebook's own highspy model, a
#: library solving with highspy): HiGHS starts one scheduler per process, with the first run's thread count
FOREIGN_SOLVER_FIRST = (
    "import highspy, numpy as np\n"
    "foreign = highspy.Highs(); foreign.setOptionValue('output_flag', False)\n"
    "foreign.addVars(1, np.array([0.0]), np.array([1.0])); foreign.run()\n"
    "assert foreign.getModelStatus() == highspy.HighsModelStatus.kOptimal\n"
)


def test_the_disclosure_audit_answers_after_another_solver_started_the_process_scheduler() -> None:
    """A solver asking another thread count than the scheduler's is refused by HiGHS (nothing solved): every
    audit's programme was unanswered, each end taken as pinned, so a count nothing gives back read as exposed
    (and the brief's tables withheld more, or were dropped)."""
    code = FOREIGN_SOLVER_FIRST + (
        "from evidence.presentation.disclosure import DisclosureRule, LinkedCounts, linked_exposures\n"
        "for shown in (False, True):\n"
        "    s = LinkedCounts()\n"
        "    s.publish('total', 20, None); s.publish('a', 3, 'small'); s.publish('b', 17, None if shown else 'complement')\n"
        "    s.equalities.append({'a': 1.0, 'b': 1.0, 'total': -1.0})\n"
        "    print(linked_exposures(s, DisclosureRule(5)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # the last lines: HiGHS printed its banner for the other solver
    assert result.stdout.splitlines()[-2:] == ["[]", "['a']"]
