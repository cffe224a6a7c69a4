"""The order of the fast lane's tests under pytest-xdist's work stealing (used by tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def _chunk_sizes(n_items: int, n_workers: int) -> list[int]:
    """How many tests pytest-xdist's work-stealing scheduler first gives each worker, in turn: the pending
    tests shared evenly, a contiguous run of the collection to each (xdist/scheduler/worksteal.py)."""
    sizes = []
    for i in range(n_workers):
        sizes.append(n_items // (n_workers - i))
        n_items -= sizes[-1]
    return sizes


def slow_first(items: Sequence[Any], weight_of: Callable[[str, list[Any]], int], n_workers: int) -> list[Any]:
    """The collection reordered so that each worker's first run of tests (``_chunk_sizes``) starts with files
    holding slow tests and the queues end with quick ones: a worker left without work steals the end of
    another's queue, so a test of ten seconds started last no longer keeps the lane waiting for it alone.

    A file moves whole (its module fixtures are set up once) and keeps the order of its tests; the files of some
    weight (``weight_of(file, its items)``) are dealt to the workers heaviest first, each to the worker with the
    least so far; the other tests keep their order. The result holds every item once."""
    files: dict[str, list[Any]] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::", 1)[0], []).append(item)
    weight = {name: weight_of(name, members) for name, members in files.items()}
    heavy = sorted((name for name in files if weight[name]), key=lambda name: -weight[name])
    fronts: list[list[Any]] = [[] for _ in range(n_workers)]
    loads = [0] * n_workers
    for name in heavy:
        k = loads.index(min(loads))
        fronts[k] += files[name]
        loads[k] += weight[name]
    rest = [item for name, members in files.items() if not weight[name] for item in members]
    ordered: list[Any] = []
    for k, size in enumerate(_chunk_sizes(len(items), n_workers)):
        ordered += fronts[k]
        take = max(0, size - len(fronts[k])) if k < n_workers - 1 else len(rest)
        ordered += rest[:take]
        rest = rest[take:]
    return ordered
