"""Hidden-population estimation by multiple systems estimation (MSE) from the overlap of several lists.

Poisson log-linear models of the capture-history counts — hierarchical, with interactions up to a chosen
order —, interactions with no case at −∞, the existence and identifiability check by linear programming,
stepwise, lowest-BIC and downhill model choice, and BCa bootstrap intervals that repeat the model choice — the
algorithm of the R packages SparseMSE and MultipleSystemsEstimation (Chan, Silverman & Vincent 2021;
Silverman, Chan & Vincent 2024), in Python.
"""

from evidence.analyses.estimation.estimate import (
    METHODS,
    PopulationEstimate,
    estimate_population,
    select_model,
)
from evidence.analyses.estimation.lists import ListCapture, read_list_capture
from evidence.analyses.estimation.loglinear import ExistenceCheck, ModelFit, check_existence, fit_model
from evidence.analyses.estimation.models import ModelSpace

__all__ = [
    "METHODS",
    "ExistenceCheck",
    "ListCapture",
    "ModelFit",
    "ModelSpace",
    "PopulationEstimate",
    "check_existence",
    "estimate_population",
    "fit_model",
    "read_list_capture",
    "select_model",
]
