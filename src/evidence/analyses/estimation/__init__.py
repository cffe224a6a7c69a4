"""Hidden-population estimation by multiple systems estimation (MSE) from the overlap of several lists.

Poisson log-linear models of the capture-history counts, with non-overlapping pairs of lists at −∞, the
existence and identifiability check by linear programming, stepwise and BIC model choice, and BCa bootstrap
intervals that repeat the model choice — the algorithm of the R packages SparseMSE and
MultipleSystemsEstimation (Chan, Silverman & Vincent 2021; Silverman, Chan & Vincent 2024), in Python.
"""

from evidence.analyses.estimation.estimate import (
    METHODS,
    PopulationEstimate,
    estimate_population,
    select_model,
)
from evidence.analyses.estimation.lists import ListCapture, read_list_capture
from evidence.analyses.estimation.loglinear import ExistenceCheck, ModelFit, check_existence, fit_model

__all__ = [
    "METHODS",
    "ExistenceCheck",
    "ListCapture",
    "ModelFit",
    "PopulationEstimate",
    "check_existence",
    "estimate_population",
    "fit_model",
    "read_list_capture",
    "select_model",
]
