"""The list-capture data of multiple systems estimation: counts over the 2^t − 1 observable capture histories."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from itertools import combinations
from pathlib import Path
from typing import Any, cast

import numpy as np
import polars as pl

from evidence.core.errors import InputError, ParameterError
from evidence.sources.provenance import Provenance

#: More lists than this would make a table of millions of cells (and models no data set can support).
MAX_LISTS = 16

#: An interaction term: the sorted indices of two or more lists (a pair, a triple, …).
Term = tuple[int, ...]
#: Kept for readers of older code: a pairwise term.
Pair = Term


def check_list_names(lists: Sequence[str], path: str | None = None) -> None:
    """Refuse list names printed alike but for spaces, blank, or holding ':' (which joins an interaction's lists)."""
    shown: dict[str, str] = {}
    for name in lists:
        twin = shown.setdefault(name.strip(), name)
        if twin != name:  # "A" and "A ": two lists printed alike in every table and term
            raise InputError(
                f"lists {twin!r} and {name!r} differ only by spaces, and would be printed alike",
                path=path,
                column=name,
                hint="give every list a name of its own",
            )
        if ":" in name or not name.strip():
            raise InputError(
                "a list's name must not be blank or hold ':', which joins the lists of an interaction (A:B): "
                "a list named so would make its interactions ambiguous",
                path=path,
                column=name,
                hint="rename the column (A_B or A+B for merged lists)",
            )


@dataclasses.dataclass(frozen=True, eq=False)
class ListCapture:
    """Counts of cases by capture history.

    Cell ``k − 1`` (``k`` = 1 … 2^t − 1) holds the history whose list ``i`` membership is bit ``i`` of ``k``;
    the all-zero history (people on no list) is not a cell: it is what the estimation is for.
    """

    lists: tuple[str, ...]
    counts: np.ndarray  # int64, length 2^t − 1, read-only
    source: str = ""
    provenance: Provenance | None = None

    def __post_init__(self) -> None:
        raw = np.asarray(self.counts)
        if raw.dtype.kind not in "iub":  # floats (or objects): whole numbers only, never truncated
            try:
                values = raw.astype(float)
            except (TypeError, ValueError):
                values = np.array([math.nan])
            if not np.isfinite(values).all() or (values != np.floor(values)).any():
                raise InputError(
                    "the count of every capture history must be a whole number of people, not "
                    f"{next((str(v) for v in raw.ravel() if not _whole(v)), '?')}",
                    path=self.source or None,
                )
        if (raw < 0).any():
            raise InputError("the count of every capture history must be 0 or more", path=self.source or None)
        counts = np.asarray(self.counts, dtype=np.int64)
        if counts.shape != (2 ** len(self.lists) - 1,):
            raise ValueError(
                f"{len(self.lists)} lists need {2 ** len(self.lists) - 1} cells, got {counts.shape}"
            )
        counts.flags.writeable = False
        object.__setattr__(self, "counts", counts)

    @property
    def n_lists(self) -> int:
        return len(self.lists)

    @property
    def observed(self) -> int:
        """Number of distinct cases on at least one list."""
        return int(self.counts.sum())

    @property
    def histories(self) -> np.ndarray:
        """The 0/1 membership matrix of the cells (cells × lists)."""
        return history_matrix(self.n_lists)

    def list_totals(self) -> dict[str, int]:
        """Cases on each list (whatever other lists they are on)."""
        totals = self.histories.T @ self.counts
        return dict(zip(self.lists, (int(v) for v in totals), strict=True))

    def overlap(self, term: Term) -> int:
        """Cases on every list of ``term`` (whatever other lists they are on)."""
        h = self.histories
        return int(self.counts[h[:, list(term)].all(axis=1)].sum())

    def pairs(self) -> list[Term]:
        """Every pair of lists, in the order (1,2), (1,3), …, (2,3), … that breaks ties in model selection."""
        return list(combinations(range(self.n_lists), 2))

    def interaction_terms(self, max_order: int = 2) -> list[Term]:
        """Every interaction of 2 … ``max_order`` lists: pairs first, then triples, each in the order above."""
        return interaction_terms(self.n_lists, max_order)

    def term_name(self, term: Term) -> str:
        return ":".join(self.lists[i] for i in term)

    def parse_terms(self, terms: object) -> tuple[Term, ...]:
        """Interaction terms given as ``"A:B"`` / ``"A:B:C"`` strings or index tuples, completed to a hierarchical
        model (a term brings every interaction of its lists), sorted by order and then position, without repeats.
        """
        if terms is None:
            return ()
        if isinstance(terms, str):
            terms = [t for t in terms.replace(",", " ").split() if t]
        parsed: set[Term] = set()
        for term in cast(Iterable[Any], terms):
            if isinstance(term, str):
                names = term.split(":")
                unknown = [n for n in names if n not in self.lists]
                if len(names) < 2 or unknown or len(set(names)) != len(names):
                    raise ParameterError(
                        f"{term!r} is not an interaction of two or more different lists among {list(self.lists)}"
                    )
                indices = tuple(sorted(self.lists.index(n) for n in names))
            else:
                indices = tuple(sorted(int(v) for v in term))
                if (
                    len(indices) < 2
                    or len(set(indices)) != len(indices)
                    or not all(0 <= i < self.n_lists for i in indices)
                ):
                    raise ParameterError(f"{term!r} is not an interaction of two or more different lists")
            parsed.update(sub for k in range(2, len(indices) + 1) for sub in combinations(indices, k))
        return sort_terms(parsed)

    def with_counts(self, counts: np.ndarray) -> ListCapture:
        """The same lists with other counts (a bootstrap or jackknife replicate)."""
        return dataclasses.replace(self, counts=counts)

    def to_frame(self, include_zero: bool = False) -> pl.DataFrame:
        """The canonical list-capture table: a 0/1 column per list and ``count``, histories ordered by the number
        of lists and then as the lists are ordered."""
        h = self.histories
        keep = np.ones(len(self.counts), bool) if include_zero else self.counts > 0
        frame = pl.DataFrame(
            {name: pl.Series(name, h[keep, i], pl.UInt8) for i, name in enumerate(self.lists)}
        ).with_columns(pl.Series("count", self.counts[keep], pl.Int64))
        order = np.lexsort(tuple(-h[keep, i] for i in reversed(range(self.n_lists))) + (h[keep].sum(axis=1),))
        return frame[order.tolist()]

    @classmethod
    def from_frame(
        cls, frame: pl.DataFrame, *, source: str = "", provenance: Provenance | None = None
    ) -> ListCapture:
        """Aggregate a canonical list-capture table (rows per history or per case) into cell counts.

        Lists with no case, or with every case, carry no information about the people on no list and are
        refused, as are tables with fewer than two lists or no case.
        """
        lists = tuple(c for c in frame.columns if c != "count")
        path = source or None
        if len(lists) < 2:
            raise InputError(
                f"multiple systems estimation needs at least two lists; found {list(lists)}", path=path
            )
        if len(lists) > MAX_LISTS:
            raise InputError(f"{len(lists)} lists: at most {MAX_LISTS} are supported", path=path)
        check_list_names(lists, path)
        try:
            values = frame.select([*lists, "count"]).cast(pl.Float64).to_numpy()
        except (pl.exceptions.PolarsError, ValueError) as exc:
            raise InputError("list columns must be 0/1 and counts whole numbers", path=path) from exc
        # a missing value (NaN once cast) or a fraction would otherwise be cast to some integer without a word
        if not np.isfinite(values).all() or (values != np.floor(values)).any():
            raise InputError(
                "list columns must be 0/1 and counts whole numbers, with no missing value", path=path
            )
        h = values[:, :-1].astype(np.int64)
        n = values[:, -1].astype(np.int64)
        if ((h != 0) & (h != 1)).any() or (n < 0).any():
            raise InputError("list columns must be 0/1 and counts non-negative", path=path)
        code = h @ (1 << np.arange(len(lists)))
        if (n[code == 0] > 0).any():
            raise InputError("the all-zero history (on no list) cannot have a count", path=path)
        counts = np.bincount(code, weights=n, minlength=2 ** len(lists))[1:].astype(np.int64)
        capture = cls(lists=lists, counts=counts, source=source, provenance=provenance)
        if capture.observed == 0:
            raise InputError("no case is on any list", path=path)
        # with two lists, dropping one leaves one list, from which nothing can be estimated
        remedy = (
            "drop it before estimating"
            if len(lists) > 2
            else "with two lists no estimate is possible: link a third list (and check the linkage)"
        )
        totals = capture.list_totals()
        # an empty list first: with it, another list may hold every case only because this one holds none
        for name, total in totals.items():
            if total == 0:
                raise InputError(f"this list has no case: {remedy}", path=path, column=name)
        for name, total in totals.items():
            if total == capture.observed:
                raise InputError(
                    f"every observed case is on this list, so it says nothing about the people on no list: {remedy}",
                    path=path,
                    column=name,
                )
        return capture


def _whole(value: object) -> bool:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return math.isfinite(number) and number == math.floor(number)


def interaction_terms(n_lists: int, max_order: int = 2) -> list[Term]:
    """Every interaction of 2 … ``max_order`` of ``n_lists`` lists, by order and then position."""
    return [t for k in range(2, min(max_order, n_lists) + 1) for t in combinations(range(n_lists), k)]


def sort_terms(terms: Iterable[Term]) -> tuple[Term, ...]:
    """Terms in the canonical order: by order (pairs first), then position."""
    return tuple(sorted(set(terms), key=lambda t: (len(t), t)))


def history_matrix(n_lists: int) -> np.ndarray:
    """0/1 membership matrix of the 2^t − 1 observable histories, row ``k − 1`` being history ``k``'s bits."""
    return _history_matrix(n_lists)


_HISTORY_CACHE: dict[int, np.ndarray] = {}


def _history_matrix(n_lists: int) -> np.ndarray:
    if n_lists not in _HISTORY_CACHE:
        codes = np.arange(1, 2**n_lists)
        matrix = ((codes[:, None] >> np.arange(n_lists)) & 1).astype(np.int64)
        matrix.flags.writeable = False
        _HISTORY_CACHE[n_lists] = matrix
    return _HISTORY_CACHE[n_lists]


def read_list_capture(path: str | Path) -> ListCapture:
    """Read a list-capture CSV (one row per history with a count column, or one row per case) into cell counts."""
    from evidence.sources.list_capture import load_list_capture

    loaded = load_list_capture(path)
    return ListCapture.from_frame(loaded.data, source=str(path), provenance=loaded.provenance)
