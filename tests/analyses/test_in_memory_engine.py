"""The analyses' own lazy queries run on polars' in-memory engine (:data:`~evidence.analyses.selection.IN_MEMORY`),
as a frame's eager methods do: the default engine ("auto") chose the streaming one, whose start-up cost was most
of a small query's (a brief's counts of a UNODC selection took twice the CPU time). The counts are those of the
default engine, row for row."""

from __future__ import annotations

import polars as pl
import pytest
from _indicator import indicator_rows
from polars.testing import assert_frame_equal

from evidence.analyses import routes, trends
from evidence.analyses.selection import IN_MEMORY, Selection
from evidence.sources.case_schema import conform


def _indicator() -> pl.DataFrame:
    return indicator_rows(
        [
            ("BOL", 2016, "Total", "Total", "Total", "Total", 301),
            ("BOL", 2017, "Total", "Total", "Total", "Total", 412),
            ("BOL", 2017, "Total", "Total", "Female", "Total", 235),
            ("BOL", 2017, "by form of exploitation", "Sexual exploitation", "Total", "Total", 120),
            ("BOL", 2017, "by citizenship", "Nationals", "Total", "Total", 300),
            ("BOL", 2017, "by citizenship", "ARG", "Total", "Total", 97),
            ("ARG", 2017, "Total", "Total", "Total", "Total", 20),
            ("ARG", 2017, "by citizenship", "BOL", "Total", "Total", 12),
            ("ARG", 2017, "by citizenship", " nationals ", "Total", "Total", "<5"),
        ]
    )


def _cases() -> pl.DataFrame:
    n = 40
    return conform(
        pl.DataFrame(
            {
                "year": [2015 + i % 5 if i % 7 else None for i in range(n)],
                "origin_iso3": [("MMR", "KHM", None, "LAO")[i % 4] for i in range(n)],
                "destination_iso3": [("THA", "THA", "MYS", None, "THA")[i % 5] for i in range(n)],
                "exploitation_forced_labour": [(True, False, None)[i % 3] for i in range(n)],
                "exploitation_sexual": [(False, True, None, False)[i % 4] for i in range(n)],
            }
        )
    )


def _reads() -> list[tuple[pl.DataFrame, str, str | None, str | None]]:
    indicator, cases = _indicator(), _cases()
    return [
        *(
            (indicator, country, role, by)
            for country in ("BOL", "ARG")
            for role, by in (
                ("destination", None),
                ("destination", "form"),
                ("destination", "sex"),
                ("origin", None),
                ("origin", "destination"),
                ("both", "citizenship"),
            )
        ),
        *(
            (cases, "THA", role, by)
            for role in ("destination", "both")
            for by in (None, "form", "citizenship")
        ),
    ]


def _engines(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """From now on in the test, the engine each ``LazyFrame.collect`` is asked for ("auto" when none is)."""
    asked: list[object] = []
    collect = pl.LazyFrame.collect

    def recorded(
        self: pl.LazyFrame, *args: object, engine: object = "auto", **kwargs: object
    ) -> pl.DataFrame:
        asked.append(engine)
        return collect(self, *args, engine=engine, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pl.LazyFrame, "collect", recorded)
    return asked


def test_the_counts_and_flows_queries_run_on_the_in_memory_engine(monkeypatch):
    asked = _engines(monkeypatch)
    for frame, country, role, by in _reads():
        selection = Selection(frame.clone(), country=country, role=role)
        trends.yearly_counts(selection, by=by)
        if frame.height == 40:  # the case table: its records without a form, and its routes
            trends.unrecorded_counts(selection, by="form")
            routes.flows(selection)
    assert asked and set(asked) == {IN_MEMORY}


def test_the_counts_are_those_of_the_default_engine(monkeypatch):
    ours = {
        i: (
            trends.yearly_counts(Selection(frame.clone(), country=country, role=role), by=by),
            routes.flows(Selection(frame.clone(), country=country, role=role))
            if frame.height == 40
            else None,
        )
        for i, (frame, country, role, by) in enumerate(_reads())
    }
    collect = pl.LazyFrame.collect
    monkeypatch.setattr(
        pl.LazyFrame, "collect", lambda self, *a, engine="auto", **k: collect(self, *a, engine="auto", **k)
    )
    for i, (frame, country, role, by) in enumerate(_reads()):
        counts, flows = ours[i]
        assert_frame_equal(
            counts, trends.yearly_counts(Selection(frame.clone(), country=country, role=role), by=by)
        )
        if flows is not None:
            assert_frame_equal(flows, routes.flows(Selection(frame.clone(), country=country, role=role)))
