"""Synthetic list-capture data: the shipped demo lists, and simulation from a known log-linear population.

The demo file ``demo_lists.csv`` is invented: 2,000 people, four lists named after the kinds of agency that
keep them in a national referral mechanism (police, shelters, labour inspection, NGOs), each person on each list
independently except that the police refer people to shelters (odds ratio 4). It holds the counts
of :func:`simulate_list_capture` with the ``DEMO_*`` settings below (written with ``ListCapture.to_frame``; a
test checks that they still agree) and is labelled synthetic by its provenance sidecar. It shows how the
estimation works and says nothing about any real population.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from evidence.analyses.estimation.lists import ListCapture, history_matrix

DEMO_POPULATION = 2000
DEMO_CAPTURE_PROBABILITIES = {"police": 0.10, "shelters": 0.06, "labour_inspection": 0.04, "ngo": 0.12}
DEMO_ODDS_RATIOS = {("police", "shelters"): 4.0}
DEMO_SEED = 2026


def demo_lists_path() -> Path:
    """The shipped synthetic list-capture CSV (with its ``.provenance.json`` sidecar)."""
    return Path(__file__).with_name("demo_lists.csv")


def simulate_list_capture(
    population: int,
    capture_probabilities: Mapping[str, float],
    odds_ratios: Mapping[tuple[str, str], float] | None = None,
    seed: int | None = None,
) -> ListCapture:
    """Draw who is on which list for a closed population of known size.

    Without ``odds_ratios`` each list catches each person independently with its probability; an odds ratio
    for a pair of lists multiplies the odds of being on both (the pairwise log-linear model, so main effects
    are then only approximately the given probabilities).
    """
    lists = tuple(capture_probabilities)
    h = np.vstack([np.zeros(len(lists), dtype=np.int64), history_matrix(len(lists))])
    log_weight = h @ np.array([math.log(p / (1 - p)) for p in capture_probabilities.values()])
    for (a, b), ratio in (odds_ratios or {}).items():
        log_weight = log_weight + math.log(ratio) * h[:, lists.index(a)] * h[:, lists.index(b)]
    probabilities = np.exp(log_weight - log_weight.max())
    counts = np.random.default_rng(seed).multinomial(population, probabilities / probabilities.sum())
    return ListCapture(lists=lists, counts=counts[1:], source="simulated")
