"""The space of hierarchical log-linear models: main effects plus interactions up to a maximum order.

A model is *hierarchical* when every interaction it holds brings all the interactions of its lists one order
lower (a model with A:B:C holds A:B, A:C and B:C). With ``max_order`` 2 the models are the sets of pairs; with
higher orders they are the simplicial complexes on the lists whose faces have at most ``max_order`` lists.
A model is coded as a bit mask over :attr:`ModelSpace.terms` (bit ``i`` set: term ``i`` in the model), which
makes neighbours, sub-models and the search cheap.

Neighbours (Silverman, Chan & Vincent 2024, section 5.2): an *outer* neighbour adds one term whose lower-order
interactions are all in the model (a boundary term); an *inner* neighbour removes one generator (a term that no
other term of the model contains). Main effects are always in the model.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator, Sequence
from functools import cached_property

import numpy as np

from evidence.analyses.estimation.lists import Term, interaction_terms, sort_terms
from evidence.core.errors import ParameterError

#: The largest interaction order the toolkit fits (a 5-list model with every 4-way term has 31 parameters).
MAX_ORDER_LIMIT = 6
#: Lower-order models enumerated at most when counting the models of a space (beyond: the count is unknown).
_COUNT_ENUMERATION_LIMIT = 1 << 17


@dataclasses.dataclass(frozen=True)
class ModelSpace:
    """Hierarchical models on ``n_lists`` lists with interactions of at most ``max_order`` lists."""

    n_lists: int
    max_order: int = 2

    def __post_init__(self) -> None:
        if isinstance(self.max_order, bool) or not isinstance(self.max_order, int) or self.max_order < 1:
            raise ParameterError(
                f"the maximum interaction order must be a whole number ≥ 1, not {self.max_order!r}"
            )
        if self.max_order > MAX_ORDER_LIMIT:
            raise ParameterError(f"interactions of more than {MAX_ORDER_LIMIT} lists are not supported")

    @property
    def effective_order(self) -> int:
        """The highest order a model can hold: ``max_order``, but never all the lists together (with every
        list's interaction the model would have as many parameters as there are observable cells plus one)."""
        return min(self.max_order, self.n_lists - 1)

    @cached_property
    def terms(self) -> tuple[Term, ...]:
        return tuple(interaction_terms(self.n_lists, self.effective_order))

    @cached_property
    def index(self) -> dict[Term, int]:
        return {term: i for i, term in enumerate(self.terms)}

    @cached_property
    def facets(self) -> tuple[int, ...]:
        """For each term, the mask of its interactions one order lower (0 for pairs)."""
        masks = []
        for term in self.terms:
            mask = 0
            if len(term) > 2:
                for drop in term:
                    mask |= 1 << self.index[tuple(i for i in term if i != drop)]
            masks.append(mask)
        return tuple(masks)

    @cached_property
    def covers(self) -> tuple[int, ...]:
        """For each term, the mask of the terms one order higher that contain it."""
        masks = [0] * len(self.terms)
        for j, facet_mask in enumerate(self.facets):
            for i in _bits(facet_mask):
                masks[i] |= 1 << j
        return tuple(masks)

    def describe(self) -> str:
        """The space in words, e.g. "hierarchical log-linear models with main effects and interactions up to
        4-way"."""
        orders = {1: "main effects only", 2: "main effects and pairwise interactions"}
        what = orders.get(
            self.effective_order, f"main effects and interactions up to {self.effective_order}-way"
        )
        return f"hierarchical log-linear models with {what}"

    # ------------------------------------------------------------------------------------------ models as masks

    def terms_of(self, model: int) -> tuple[Term, ...]:
        return tuple(self.terms[i] for i in _bits(model))

    def mask_of(self, terms: Sequence[Term]) -> int:
        """The mask of a hierarchical set of terms (each term's lower-order interactions must be in it)."""
        mask = 0
        for term in sort_terms(terms):
            if term not in self.index:
                raise ParameterError(f"interaction {term} is above the maximum order {self.effective_order}")
            mask |= 1 << self.index[term]
        for i in _bits(mask):
            if self.facets[i] & ~mask:
                raise ParameterError(f"interaction {self.terms[i]} needs all its lower-order interactions")
        return mask

    def order_of(self, model: int) -> int:
        return max((len(self.terms[i]) for i in _bits(model)), default=1)

    def boundary(self, model: int) -> list[int]:
        """Indices of the terms that can be added while keeping the model hierarchical, in term order."""
        return [
            i
            for i in range(len(self.terms))
            if not model >> i & 1 and self.facets[i] & model == self.facets[i]
        ]

    def generators(self, model: int) -> list[int]:
        """Indices of the model's terms that no other term of the model contains (removable alone)."""
        return [i for i in _bits(model) if not self.covers[i] & model]

    def neighbours(self, model: int) -> list[int]:
        """Models one step away: one generator removed, or one boundary term added."""
        return [model & ~(1 << i) for i in self.generators(model)] + [
            model | (1 << i) for i in self.boundary(model)
        ]

    def full(self) -> int:
        """The model with every interaction up to the maximum order."""
        return (1 << len(self.terms)) - 1

    # ------------------------------------------------------------------------------------------ the whole space

    def models(self) -> Iterator[int]:
        """Every hierarchical model of the space, once each (depth first over the terms)."""
        n_terms = len(self.terms)
        facets = self.facets

        def walk(i: int, model: int) -> Iterator[int]:
            if i == n_terms:
                yield model
                return
            yield from walk(i + 1, model)
            if facets[i] & model == facets[i]:
                yield from walk(i + 1, model | (1 << i))

        return walk(0, 0)

    @property
    def size(self) -> int | None:
        """How many models the space holds; None when too many to count (more than ~10^5 lower-order models)."""
        return _space_size(self.n_lists, self.effective_order)

    def _count_models(self) -> int | None:
        top = [i for i, term in enumerate(self.terms) if len(term) == self.effective_order]
        if not top:
            return 1
        # the lower space's own count (made once per process) says whether it is too large to walk through: the
        # walk below stopped only after enumerating its first 2^17 models (most of a second for seven lists)
        lower_size = _space_size(self.n_lists, self.effective_order - 1)
        if lower_size is None or lower_size > _COUNT_ENUMERATION_LIMIT:
            return None
        lower = ModelSpace(self.n_lists, self.effective_order - 1)
        total = 0
        for count, model in enumerate(lower.models()):
            if count >= _COUNT_ENUMERATION_LIMIT:
                return None
            # lower-order terms share their indices: the lower space's terms are this space's first terms
            eligible = sum(1 for i in top if self.facets[i] & model == self.facets[i])
            total += 1 << eligible
        return total

    def column_masks(self, models: Sequence[int]) -> np.ndarray:
        """Model × parameter booleans over :func:`~evidence.analyses.estimation.loglinear.design_matrix` of all
        the space's terms: intercept and main effects always, and each model's terms."""
        base = 1 + self.n_lists
        columns = np.zeros((len(models), base + len(self.terms)), dtype=bool)
        columns[:, :base] = True
        for row, model in enumerate(models):
            columns[row, [base + i for i in _bits(model)]] = True
        return columns


def _bits(mask: int) -> list[int]:
    out = []
    i = 0
    while mask:
        if mask & 1:
            out.append(i)
        mask >>= 1
        i += 1
    return out


@functools.cache
def _space_size(n_lists: int, order: int) -> int | None:
    """:attr:`ModelSpace.size`, counted once per process for each number of lists and order: the count walks
    up to ~10^5 lower-order models (a tenth of a second), and a search makes a space for every estimate."""
    return ModelSpace(n_lists, order)._count_models()
