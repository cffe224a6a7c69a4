"""The fast lane's order (tests/_order.py, used by tests/conftest.py): slow files first in each worker's share."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from _order import _chunk_sizes, slow_first


@dataclass(frozen=True)
class Item:
    nodeid: str


def _items(spec: dict[str, int]) -> list[Item]:
    return [Item(f"tests/{name}.py::test_{k}") for name, n in spec.items() for k in range(n)]


@pytest.mark.parametrize(("n_items", "n_workers"), [(3617, 2), (3617, 4), (10, 3), (5, 8), (0, 2)])
def test_chunk_sizes_are_xdists_first_shares(n_items, n_workers):
    sizes = _chunk_sizes(n_items, n_workers)
    assert sum(sizes) == n_items and max(sizes) - min(sizes) <= 1 and sizes == sorted(sizes)


@pytest.mark.parametrize("n_workers", [1, 2, 3])
def test_slow_files_start_each_workers_share_whole_and_every_item_stays_once(n_workers):
    items = _items({"a": 40, "b_slow": 5, "c": 30, "d_slow": 3, "e": 50, "f_slow": 2, "g": 20})
    weights = {"tests/b_slow.py": 5, "tests/d_slow.py": 3, "tests/f_slow.py": 2}
    ordered = slow_first(items, lambda name, members: weights.get(name, 0), n_workers)
    assert sorted(ordered, key=items.index) == items  # a permutation
    files = [item.nodeid.split("::")[0] for item in ordered]
    # a slow file stays whole (its module fixtures are set up once); every file keeps the order of its tests
    runs = [name for k, name in enumerate(files) if k == 0 or files[k - 1] != name]
    assert sorted(name for name in runs if name.endswith("_slow.py")) == sorted(weights)
    for name in set(files):
        assert [i for i in ordered if i.nodeid.startswith(name)] == [
            i for i in items if i.nodeid.startswith(name)
        ]
    # every worker's share starts with slow files, as many as it can get, the heaviest first
    starts = [sum(_chunk_sizes(len(items), n_workers)[:k]) for k in range(n_workers)]
    heads = {files[s] for s in starts}
    assert all(name.endswith("_slow.py") for name in heads)
    assert len(heads) == min(n_workers, 3) and files[0] == "tests/b_slow.py"
    # the quick tests keep their order after them
    quick = [item for item in ordered if "_slow" not in item.nodeid]
    assert quick == [item for item in items if "_slow" not in item.nodeid]
