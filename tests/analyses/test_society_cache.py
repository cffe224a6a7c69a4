"""society.tier_event_study kept in the user cache: the same for every country's brief of a set of files, it was
made again by every cold brief (a fresh kernel: about a fifth of a second of CPU)."""

from __future__ import annotations

import dataclasses

import polars as pl
import pytest

from evidence.analyses import society
from evidence.sources.cache import load_cached


@pytest.fixture(scope="module")
def panel(shared_data) -> society.CountryPanel:
    return society.country_panel(
        [
            load_cached(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx"),
            load_cached(shared_data / "walkfree" / "gsi_2023.xlsx"),
            load_cached(shared_data / "tip" / "tip_tiers_1999_2015.csv"),
        ]
    )


@pytest.fixture
def made(monkeypatch, tmp_path) -> list[str]:
    """A user cache of its own, no study remembered in this process, and the kinds of the studies made."""
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(society, "_remembered", lambda key, build: build())
    calls: list[str] = []
    make = society._tier_event_study

    def counted(panel, kind, *args):
        calls.append(kind)
        return make(panel, kind, *args)

    monkeypatch.setattr(society, "_tier_event_study", counted)
    return calls


def _same(a: society.EventStudy, b: society.EventStudy) -> None:
    for field in dataclasses.fields(society.EventStudy):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if isinstance(x, pl.DataFrame):
            assert x.schema == y.schema and x.equals(y), field.name
        else:
            assert type(x) is type(y) and x == y, field.name


@pytest.mark.parametrize("kind", ["downgrade", "upgrade"])
def test_a_study_is_read_back_as_it_was_made(panel, made, tmp_path, kind):
    computed = society.tier_event_study(panel, kind)
    assert made == [kind]
    assert len(list((tmp_path / "analyses").glob("tier-event-study-*.json"))) == 1
    again = society.tier_event_study(panel, kind)
    assert made == [kind]  # read back, not made again
    _same(again, computed)


def test_a_panel_made_again_from_the_same_files_reads_the_study_back(panel, made):
    computed = society.tier_event_study(panel, "downgrade")
    # the next brief: the panel made again from the same files (another object, the same fingerprint)
    again = dataclasses.replace(panel)
    assert again is not panel and again.fingerprint == panel.fingerprint
    _same(society.tier_event_study(again, "downgrade"), computed)
    assert made == ["downgrade"]


def test_changed_inputs_make_the_study_again(panel, made, monkeypatch):
    first = society.tier_event_study(panel, "downgrade")
    # one country's detected victims of one year changed in the files: another panel, another study
    detected = pl.col("measure") == society.DETECTED
    row = panel.frame.filter(detected & pl.col("value").is_not_null()).row(0, named=True)
    at = detected & (pl.col("iso3") == row["iso3"]) & (pl.col("year") == row["year"])
    bumped = panel.frame.with_columns(
        [
            pl.when(at).then(pl.col(c) * 10 + 100).otherwise(pl.col(c)).alias(c)
            for c in ("value", "value_low", "value_high")
        ]
    )
    changed = dataclasses.replace(panel, frame=bumped)
    society.tier_event_study(changed, "downgrade")
    assert made == ["downgrade", "downgrade"]
    # other options, another study
    society.tier_event_study(panel, "downgrade", window=(-2, 2))
    assert len(made) == 3
    # the toolkit's code changed (an edited line of the analyses): made again, not read back
    monkeypatch.setattr(society, "_code_fingerprint", lambda: "another toolkit")
    again = society.tier_event_study(panel, "downgrade")
    assert len(made) == 4
    _same(again, first)


def test_a_damaged_entry_is_made_again_and_written_over(panel, made, tmp_path):
    computed = society.tier_event_study(panel, "downgrade")
    (entry,) = (tmp_path / "analyses").glob("tier-event-study-*.json")
    entry.write_text('{"kind": "downgrade", "estimates": "not arrow"}', encoding="utf-8")
    _same(society.tier_event_study(panel, "downgrade"), computed)
    assert made == ["downgrade", "downgrade"]
    _same(society.tier_event_study(panel, "downgrade"), computed)
    assert made == ["downgrade", "downgrade"]


def test_a_cache_that_cannot_be_written_is_no_error(panel, made, monkeypatch, tmp_path):
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(blocked))
    computed = society.tier_event_study(panel, "downgrade")
    assert computed.estimates.height == 7 and made == ["downgrade"]


def test_the_oldest_studies_are_removed_beyond_those_kept(panel, made, tmp_path, monkeypatch):
    import os

    monkeypatch.setattr(society, "STUDIES_KEPT", 3)
    folder = tmp_path / "analyses"
    folder.mkdir()
    for age in range(5):  # studies of earlier versions of the toolkit, the oldest first
        old = folder / f"tier-event-study-{age:064x}.json"
        old.write_text("{}", encoding="utf-8")
        os.utime(old, ns=(10**18 + age * 10**9, 10**18 + age * 10**9))
    society.tier_event_study(panel, "downgrade")
    kept = sorted(p.name for p in folder.glob("tier-event-study-*.json"))
    assert (
        len(kept) == 3
        and f"tier-event-study-{4:064x}.json" in kept
        and f"tier-event-study-{3:064x}.json" in kept
    )
    assert all(f"tier-event-study-{age:064x}.json" not in kept for age in range(3))
