"""The space of hierarchical log-linear models: its size, its neighbours, and hierarchy everywhere."""

from __future__ import annotations

from itertools import combinations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidence.analyses.estimation.models import ModelSpace
from evidence.core.errors import ParameterError


@pytest.mark.parametrize(
    ("n_lists", "max_order", "size"),
    [
        (3, 2, 8),
        (4, 2, 64),
        (4, 3, 113),  # Kosovo: "113 admissible candidate models" (Silverman, Chan & Vincent 2024)
        (5, 2, 1024),
        (5, 3, 6212),
        (5, 4, 6893),
        (6, 2, 32768),
        (6, 3, 3702013),  # graphs on six vertices, each with any subset of its triangles
        (5, 6, 6893),  # an order above what the lists allow is capped at one list fewer
    ],
)
def test_size_of_the_space(n_lists: int, max_order: int, size: int) -> None:
    space = ModelSpace(n_lists, max_order)
    assert space.size == size
    if size < 10_000:
        models = list(space.models())
        assert len(models) == len(set(models)) == size


def test_spaces_too_large_to_count_say_so() -> None:
    assert ModelSpace(7, 4).size is None
    assert ModelSpace(16, 2).size == 2**120  # pairwise spaces are counted whatever their size


def is_hierarchical(space: ModelSpace, model: int) -> bool:
    terms = set(space.terms_of(model))
    return all(sub in terms for term in terms if len(term) > 2 for sub in combinations(term, len(term) - 1))


@given(st.data())
def test_every_model_and_every_neighbour_is_hierarchical(data) -> None:
    n_lists = data.draw(st.integers(3, 5))
    space = ModelSpace(n_lists, data.draw(st.integers(2, 4)))
    models = list(space.models())
    model = data.draw(st.sampled_from(models))
    assert is_hierarchical(space, model)
    neighbours = space.neighbours(model)
    assert len(set(neighbours)) == len(neighbours)
    for neighbour in neighbours:
        assert is_hierarchical(space, neighbour)
        assert (neighbour ^ model).bit_count() == 1  # one term added or removed
        assert model in space.neighbours(neighbour)  # the relation is symmetric
        assert space.order_of(neighbour) <= space.effective_order


def test_neighbours_follow_the_reference_definition() -> None:
    """Outer: add a term whose lower-order terms are all present; inner: remove a generator only."""
    space = ModelSpace(4, 3)
    model = space.mask_of([(0, 1), (0, 2), (1, 2), (0, 1, 2), (2, 3)])
    removed = {space.terms_of(model & ~(1 << i)) for i in space.generators(model)}
    assert removed == {((0, 1), (0, 2), (1, 2), (2, 3)), ((0, 1), (0, 2), (1, 2), (0, 1, 2))}
    added = {
        set(space.terms_of(model | (1 << i))).difference(space.terms_of(model)).pop()
        for i in space.boundary(model)
    }
    assert added == {(0, 3), (1, 3)}  # no triple: A:B:D, A:C:D, B:C:D each lack a pair


def test_models_must_be_hierarchical_and_within_the_order() -> None:
    space = ModelSpace(4, 2)
    with pytest.raises(ParameterError, match="maximum order"):
        space.mask_of([(0, 1), (0, 2), (1, 2), (0, 1, 2)])
    with pytest.raises(ParameterError, match="lower-order"):
        ModelSpace(4, 3).mask_of([(0, 1, 2)])
    with pytest.raises(ParameterError, match="whole number"):
        ModelSpace(4, 0)


def test_description_names_the_order() -> None:
    assert (
        ModelSpace(5, 2).describe()
        == "hierarchical log-linear models with main effects and pairwise interactions"
    )
    assert ModelSpace(5, 4).describe().endswith("interactions up to 4-way")
    assert ModelSpace(2, 2).describe().endswith("main effects only")


def test_a_space_is_counted_once_for_its_lists_and_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """A search makes a space for every estimate: the count (a walk over up to ~10^5 models) is made once."""
    from evidence.analyses.estimation import models

    counted = []
    count = models.ModelSpace._count_models
    monkeypatch.setattr(models.ModelSpace, "_count_models", lambda self: counted.append(self) or count(self))
    models._space_size.cache_clear()
    sizes = [ModelSpace(5, 3).size, ModelSpace(5, 3).size, ModelSpace(5, 6).size, ModelSpace(5, 4).size]
    assert sizes == [6212, 6212, 6893, 6893]
    # (5, 3) and (5, 4), once each (an order above the lists' is the same space), and the lower spaces (5, 2)
    # and (5, 1) once each, their counts saying whether (5, 3)'s walk over them is short enough to make
    assert [(space.n_lists, space.effective_order) for space in counted] == [(5, 3), (5, 2), (5, 1), (5, 4)]
    models._space_size.cache_clear()
