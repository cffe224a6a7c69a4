from __future__ import annotations

import dataclasses

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.analyses.selection import (
    CELL_KEY,
    KEY_MODULUS,
    RECORD_CELL_KEY,
    STABLE_ID,
    Bands,
    Selection,
    as_selection,
    band_span,
    built_once,
    check_country,
    check_years,
    kept_once,
    record_keys,
)
from evidence.core.errors import ParameterError
from evidence.sources.case_schema import conform
from evidence.sources.loaded import LoadedTable
from evidence.sources.provenance import OWN_RECORDS, Provenance


def _loaded(protection: str = "", synthetic: bool = False) -> LoadedTable:
    data = conform(
        pl.DataFrame(
            {
                "source_row": [2, 3, 4, 5],
                "year": [2019, 2019, 2020, None],
                "origin_iso3": ["MMR", "THA", "KHM", "MMR"],
                "destination_iso3": ["THA", "JPN", "THA", "THA"],
            }
        )
    )
    provenance = Provenance(
        source="test",
        layout="hand-made",
        release="1",
        path="x.csv",
        sha256="ab" * 32,
        url="",
        licence="",
        citation="",
        synthetic=synthetic,
        protection=protection,
    )
    return LoadedTable(data, provenance, rows_in=4)


def test_a_selection_is_checked_once_where_it_is_made():
    selection = Selection(_loaded(), country="Thailand", role="destination", years="2019-2020")
    assert (selection.country, selection.role, selection.years) == ("THA", "destination", (2019, 2020))
    assert selection.to_dict() == {"country": "THA", "role": "destination", "years": [2019, 2020]}
    assert selection.records()["source_row"].to_list() == [2, 4]  # the undated record is in no year
    assert selection.replace(role="origin").records()["source_row"].to_list() == [3]
    for bad in ({"country": "Atlantis"}, {"role": "sideways"}, {"years": "2020-2010"}, {"years": "soon"}):
        with pytest.raises(ParameterError):
            Selection(_loaded(), **bad)
    assert as_selection(_loaded().data).country is None


def test_protection_follows_the_provenance_else_the_kind_of_records():
    assert Selection(_loaded()).protection == "cell_key" and Selection(_loaded()).keyed
    assert Selection(_loaded(synthetic=True)).protection == "suppression"
    assert Selection(_loaded(protection="suppression")).protection == "suppression"
    # an organisation's records whose mapping says synthetic keep the cell key: the flag proves nothing about
    # where they came from, and one wrong flag on real records would switch the protection between outputs off
    invented = _loaded(synthetic=True)
    own = dataclasses.replace(
        invented, provenance=dataclasses.replace(invented.provenance, source=OWN_RECORDS)
    )
    assert own.protection == "cell_key" and Selection(own).keyed
    assert Selection(_loaded(synthetic=True, protection="cell_key")).keyed  # any source can opt in
    assert not Selection(_loaded().data).keyed  # a bare frame has no provenance to key its records by
    with pytest.raises(ValueError, match="protection"):
        _loaded(protection="noise")


def test_the_cache_key_tells_apart_what_counts_depend_on_beside_the_frame():
    """Two selections of one frame share what is kept of them only where their counts are the same: the same
    parameters (however written) give one key; another country, role, years or protection another."""
    loaded = _loaded()
    key = Selection(loaded, country="Thailand", role="destination", years="2019-2020").cache_key
    assert key == Selection(loaded, country="THA", role="destination", years=(2019, 2020)).cache_key
    others = [
        Selection(loaded, country="MMR", role="destination", years="2019-2020"),
        Selection(loaded, country="THA", role="origin", years="2019-2020"),
        Selection(loaded, country="THA", role="destination", years="2019-2019"),
        Selection(_loaded(protection="suppression"), country="THA", role="destination", years="2019-2020"),
    ]
    assert len({key, *(s.cache_key for s in others)}) == 5


def test_a_release_its_publisher_protected_is_still_perturbed_by_the_cell_key(shared_data):
    import dataclasses

    from evidence.sources.registry import load

    # CTDC's k-anonymised release is public and k = 11-protected: its provenance says so (from its metadata,
    # not its file name, shown in the brief's note), but its records are of real people and two overlapping
    # tables of it subtract to a withheld count (review finding 1): the cell key applies
    k_anon = load(shared_data / "ctdc" / "k_anon_sample.csv")
    assert "k-anonymised" in k_anon.provenance.published_protection
    assert k_anon.protection == "cell_key" and Selection(k_anon).keyed
    own = _loaded()
    assert not own.provenance.published_protection and Selection(own).keyed
    # the publisher's protection changes nothing, wherever it is stated
    stated = dataclasses.replace(
        own, provenance=dataclasses.replace(own.provenance, published_protection="x")
    )
    assert stated.protection == "cell_key"
    # synthetic records, and a sidecar's explicit choice, are not perturbed
    synthetic = dataclasses.replace(own, provenance=dataclasses.replace(own.provenance, synthetic=True))
    assert synthetic.protection == "suppression"


def test_record_keys_are_fixed_secret_and_carried_into_counts(monkeypatch):
    from evidence.analyses import trends

    table = _loaded()
    keys = record_keys(table)
    assert keys.to_list() == record_keys(table).to_list()
    assert all(0 <= k < KEY_MODULUS for k in keys) and keys.n_unique() == 4
    monkeypatch.setenv("EVIDENCE_CELL_KEY_SECRET", "another installation")
    assert record_keys(table).to_list() != keys.to_list()  # unpredictable without the secret
    monkeypatch.undo()
    selection = Selection(table, country="THA", role="destination")
    assert RECORD_CELL_KEY in selection.frame.columns
    counts = trends.yearly_counts(selection)
    # a cell's key is the sum of its records' keys: 2019 holds the record of row 2 only
    assert counts.filter(pl.col("year") == 2019)[CELL_KEY].item() == keys[0]
    # a stable pseudonymous id (the register's): the same record keeps its key in another file, another row
    with_ids = table.data.with_columns(pl.Series(STABLE_ID, ["a1", "b2", "c3", "d4"]))
    moved = dataclasses.replace(table.provenance, sha256="cd" * 32)
    reordered = LoadedTable(
        with_ids.reverse().with_columns(source_row=pl.Series([9, 8, 7, 6])), moved, rows_in=4
    )
    first = record_keys(LoadedTable(with_ids, table.provenance, rows_in=4)).to_list()
    assert record_keys(reordered).to_list() == first[::-1]


def test_a_record_without_an_id_is_keyed_by_its_content_not_its_file_or_row():
    table = _loaded()
    keys = record_keys(table).to_list()
    # another file (other bytes), the rows reversed and renumbered, the columns in another order
    moved = dataclasses.replace(table.provenance, sha256="cd" * 32, path="elsewhere.csv")
    data = table.data.reverse().with_columns(source_row=pl.Series([11, 12, 13, 14]))
    copy = LoadedTable(data.select(reversed(data.columns)), moved, rows_in=4)
    assert record_keys(copy).to_list() == keys[::-1]
    # identical records share a key (the cell key method allows it); a different value gives another key
    twice = LoadedTable(pl.concat([table.data, table.data.head(1)]), table.provenance, rows_in=5)
    assert record_keys(twice).to_list() == [*keys, keys[0]]
    changed = table.data.with_columns(pl.Series("origin_iso3", ["LAO", "THA", "KHM", "MMR"]))
    assert record_keys(LoadedTable(changed, table.provenance, rows_in=4)).to_list()[1:] == keys[1:]
    assert record_keys(LoadedTable(changed, table.provenance, rows_in=4))[0] != keys[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-2023", (2015, 2023)),
        ("2015–2023", (2015, 2023)),
        ("2015..2023", (2015, 2023)),
        ("2015:2023", (2015, 2023)),
        ("2020", (2020, 2020)),
        (" 2012 - 2013 ", (2012, 2013)),
        ((2012, 2013), (2012, 2013)),
        (2019, (2019, 2019)),  # one year as a researcher types it in a notebook
        (np.int64(2019), (2019, 2019)),
        (None, None),
    ],
)
def test_check_years_reads_every_spelling_of_a_range(text, expected):
    assert check_years(text) == expected


@pytest.mark.parametrize("text", ["2023-2015", "15-23", "last five", "2015-", (2015,), True, 2019.5])
def test_check_years_refuses_what_is_no_range(text):
    with pytest.raises(ParameterError, match="years"):
        check_years(text)


def test_a_frame_built_once_is_the_same_each_time_and_a_copy():
    df = pl.DataFrame({"year": [2019, 2020], "count": [3, 4]})
    built: list[int] = []

    def build() -> pl.DataFrame:
        built.append(1)
        return df.with_columns(twice=pl.col("count") * 2)

    first = built_once(df, ("test", "twice"), build)
    again = built_once(df, ("test", "twice"), build)
    assert len(built) == 1 and first.equals(again) and first is not again
    again.insert_column(0, pl.Series("spoiled", [0, 0]))  # a caller's change stays its own
    assert built_once(df, ("test", "twice"), build).columns == ["year", "count", "twice"]
    # another key, another frame (even an equal one): built again
    built_once(df, ("test", "other"), build)
    built_once(df.clone(), ("test", "twice"), build)
    assert len(built) == 3

    def refused() -> pl.DataFrame:
        built.append(1)
        raise ParameterError("no")

    for _ in range(2):  # an error is raised each time, never kept
        with pytest.raises(ParameterError):
            built_once(df, ("test", "refused"), refused)
    assert len(built) == 5


def test_selections_of_a_keyed_table_share_its_keys_hashed_once(monkeypatch):
    from evidence.analyses import selection as module

    calls: list[int] = []
    original = module.record_keys
    monkeypatch.setattr(module, "record_keys", lambda t: calls.append(1) or original(t))
    monkeypatch.setattr(module, "_BUILT", {})
    table = _loaded()
    frames = [Selection(table, country="THA", role=r).frame for r in ("origin", "destination", "both")]
    assert len(calls) == 1 and all(f.equals(frames[0]) for f in frames)
    assert frames[0][RECORD_CELL_KEY].to_list() == original(table).to_list()
    # another secret, other keys: hashed again
    monkeypatch.setenv("EVIDENCE_CELL_KEY_SECRET", "another installation")
    assert Selection(table).frame[RECORD_CELL_KEY].to_list() != frames[0][RECORD_CELL_KEY].to_list()
    assert len(calls) == 2


def test_a_country_is_looked_up_once_and_checked_each_time():
    assert check_country(" Thailand ") == check_country("THA") == "THA"
    for _ in range(2):
        with pytest.raises(ParameterError, match="unknown country"):
            check_country("Atlantis")


def test_a_value_kept_once_is_the_value_itself_until_its_frame_is_gone():
    import gc

    df = pl.DataFrame({"year": [2019]})
    made: list[int] = []
    first = kept_once(df, ("test", "years"), lambda: made.append(1) or (2019,))
    assert kept_once(df, ("test", "years"), lambda: made.append(1) or (0,)) is first and made == [1]
    assert kept_once(df, ("test", "none"), lambda: None) is None
    other = pl.DataFrame({"year": [2020]})
    assert kept_once(other, ("test", "years"), lambda: (2020,)) == (2020,)
    del df
    gc.collect()  # a frame no longer used: a new one (perhaps at the same address) is built for again
    assert kept_once(pl.DataFrame({"year": [2021]}), ("test", "years"), lambda: (2021,)) == (2021,)


def test_a_country_level_table_or_an_indicator_it_lacks_is_named(shared_data):
    """A TIP or GSI table given where victims are analysed: what it is and where it goes (its columns only,
    before); an indicator the table does not hold: which it holds (an empty selection, silently, before)."""
    from evidence.sources.cache import load_cached

    tiers = load_cached(shared_data / "tip" / "tip_tiers_1999_2015.csv")
    with pytest.raises(ParameterError, match="US TIP Report tiers.*country_panel"):
        Selection(tiers, country="THA")
    unodc = load_cached(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    with pytest.raises(
        ParameterError, match="no indicator 'Victims'; it holds 'Detected trafficking victims'"
    ):
        Selection(unodc, country="THA", indicator="Victims")
    assert Selection(unodc, country="THA", indicator="Persons convicted").indicator == "Persons convicted"


def test_a_pairs_open_end_is_closed_at_the_tables_years(real_tables):
    """The researcher audit: ``years=(2015, None)`` ("from 2015 on", as one types it) was refused as no pair."""
    from evidence.analyses.selection import Selection

    ctdc, unodc = real_tables[0], real_tables[1]
    first, last = ctdc.data["year"].min(), ctdc.data["year"].max()
    assert Selection(ctdc, country="USA", years=(2015, None)).years == (2015, last)
    assert Selection(ctdc, years=[None, 2010]).years == (first, 2010)
    assert Selection(ctdc, years=(None, None)).years == (first, last)
    assert Selection(unodc, country="THA", years=(2015, None)).years == (2015, unodc.data["year"].max())
    with pytest.raises(ParameterError, match="after the last"):
        Selection(ctdc, years=(last + 1, None))


def test_a_selection_shows_what_it_selects_not_its_tables_records():
    """The researcher session: a Selection left as a cell's value printed the dataclass, the table's whole repr
    inside it."""
    shown = repr(Selection(_loaded(), country="Thailand", role="destination", years="2019-2020"))
    assert shown == (
        "<Selection: THA (Thailand) as destination, 2019–2020; of the case table from test, release 1>"
    )
    assert (
        repr(Selection(_loaded()))
        == "<Selection: every country, every year (2019–2020); of the case table from test, release 1>"
    )
    both = repr(Selection(_loaded().data, country="MMR", years=2019))
    assert "MMR (Myanmar) as origin or destination, 2019; of a bare case frame" in both
    html = Selection(_loaded(), country="THA")._repr_html_()
    assert html.startswith("<p><b>Selection</b>") and "THA (Thailand)" in html and "KHM" not in html


def test_a_selection_outside_its_tables_years_says_so():
    shown = repr(Selection(_loaded(), years="1990-1995"))
    assert "1990–1995 (outside the table's years, 2019–2020: every count will be missing)" in shown
    partly = repr(Selection(_loaded(), years="2018-2020"))
    assert "2018–2020 (the table holds 2019–2020: the years beyond are missing, not 0)" in partly
    assert "missing" not in repr(Selection(_loaded(), years=2019))


def test_wrong_parameters_are_told_what_was_meant():
    with pytest.raises(ParameterError, match=r"did you mean THA \(Thailand\)\?"):
        Selection(_loaded(), country="Thialand")
    with pytest.raises(ParameterError, match=r"'Central Africa' names a region \(Africa\), not a country"):
        Selection(_loaded(), country="Central Africa")  # was offered as the Central African Republic
    with pytest.raises(ParameterError, match="did you mean 'destination'"):
        Selection(_loaded(), country="THA", role="dest")
    assert Selection(_loaded(), country="THA", role=" Destination").role == "destination"  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match=r"load the file first, evidence.sources.load\(path\)"):
        Selection("data.csv")  # type: ignore[arg-type]


def test_an_indicator_is_refused_on_victim_records_where_it_selected_nothing():
    """It was accepted and ignored: the researcher thought they had selected an indicator."""
    with pytest.raises(ParameterError, match="an indicator is read from UNODC's country data"):
        Selection(_loaded(), indicator="Persons convicted")


def test_a_role_without_a_country_is_refused_on_victim_records_where_it_selected_every_victim():
    """The researcher session: ``Selection(records, role="origin")`` was accepted and the role ignored (every
    victim, whatever their citizenship); a role says which victims of a country, and without one it selects
    nothing on case records."""
    for role in ("origin", "destination", " Destination"):
        with pytest.raises(
            ParameterError, match=r"role '(origin|destination)' needs a country.*give a country.*or role both"
        ):
            Selection(_loaded(), role=role)  # type: ignore[arg-type]
        with pytest.raises(ParameterError, match="needs a country"):
            Selection(_loaded().data, role=role)  # type: ignore[arg-type]
    assert Selection(_loaded(), role="both").records().height == 4  # every victim: the default, as said
    with pytest.raises(ParameterError, match="needs a country"):
        Selection(_loaded(), country="THA", role="origin").replace(country=None)
    # on UNODC's country data a role without a country reads other rows (citizenship breakdowns or the
    # reporting countries' own totals): kept, and said
    rows = _indicator_rows()
    assert "every country's citizens" in repr(Selection(rows, role="origin"))
    assert "every reporting country's own" in repr(Selection(rows, role="destination"))


def _indicator_rows(indicator: str = "Detected trafficking victims") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "iso3": ["THA", "THA"],
            "year": [2019, 2019],
            "indicator": [indicator, indicator],
            "dimension": ["Total", "by citizenship"],
            "sex": ["Total", "Total"],
            "age": ["Total", "Total"],
            "category": ["Total", "Myanmar"],
            "category_iso3": [None, "MMR"],
            "value": [40.0, 30.0],
            "value_low": [40, 30],
            "value_high": [40, 30],
        }
    )


def test_the_default_indicator_is_checked_too_where_the_table_lacks_it():
    """A table of UNODC's other indicators only: the default one selected nothing, silently."""
    with pytest.raises(
        ParameterError, match="no indicator 'Detected trafficking victims'.*'Persons convicted'"
    ):
        Selection(_indicator_rows("Persons convicted"), country="THA")
    assert Selection(_indicator_rows("Persons convicted"), indicator="Persons convicted").kind == "indicator"


def test_a_country_the_table_holds_nothing_of_is_said():
    """A valid country that no record names selected nothing, silently (every count 0 or missing)."""
    shown = repr(Selection(_loaded(), country="FRA", role="destination"))
    assert "the table holds no victim of FRA as destination" in shown
    assert "holds no" not in repr(Selection(_loaded(), country="THA", role="destination"))
    assert "the table holds no row of FRA" in repr(Selection(_indicator_rows(), country="FRA"))


def test_a_selection_in_html_escapes_what_came_from_the_data_or_its_parameters():
    hostile = "<script>alert(1)</script>"
    html = Selection(_indicator_rows(hostile), indicator=hostile)._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_selection_in_html_drops_bidi_controls_of_its_source(monkeypatch):
    """A sidecar's label or a band of years in the file reach the overview as written: a right-to-left override
    in them is dropped, as by every other HTML escape of the toolkit (core.text.escape_html)."""
    monkeypatch.setattr(Selection, "_overview", lambda self: ("abc\u202edef", "<b>x\u2066y</b>"))
    html = Selection(_indicator_rows())._repr_html_()
    assert "\u202e" not in html and "\u2066" not in html
    assert "abcdef" in html and "&lt;b&gt;xy&lt;/b&gt;" in html


def test_the_records_of_a_selection_are_filtered_once_per_table_and_selection(monkeypatch):
    """A brief asks for the records of the same selection a dozen times (routes, trends, profiles, the person
    section): filtered once per table, country, role and years, each caller given its own copy; another
    selection of the table is filtered anew."""
    from evidence.analyses import selection as module

    monkeypatch.setattr(module, "_BUILT", {})
    monkeypatch.setattr(module, "_RECORDS", {}, raising=False)
    filtered: list[tuple[object, ...]] = []
    where = Selection.where
    monkeypatch.setattr(
        Selection, "where", lambda self: filtered.append((self.country, self.role, self.years)) or where(self)
    )
    table = _loaded()
    first = Selection(table, country="THA", role="destination", years="2019-2020").records()
    again = Selection(table, country="THA", role="destination", years="2019-2020").records()
    assert first.equals(again) and first is not again
    assert again["source_row"].to_list() == [2, 4]
    origin = Selection(table, country="THA", role="origin").records()
    assert origin["source_row"].to_list() == [3]
    assert filtered == [("THA", "destination", (2019, 2020)), ("THA", "origin", None)]
    # kept apart from the frames built once per table: a batch's hundreds of selections do not push the
    # records' keys out (hashed again each time they were)
    hashed: list[int] = []
    keys_of = module.record_keys
    monkeypatch.setattr(module, "record_keys", lambda t: hashed.append(1) or keys_of(t))
    for years in range(1990, 1990 + module._BUILT_MAX):
        Selection(table, country="THA", role="both", years=(years, years)).records()
    assert hashed == []


def _banded() -> pl.DataFrame:
    """Records dated as CTDC's Victim-Perpetrator file dates them: a single year (2019), a band of years
    (2014-2018), or neither."""
    return conform(
        pl.DataFrame(
            {
                "year": [2019, None, None, None, None],
                "year_band": ["2019", "2014-2018", "2005-2013", "2021-2022", None],
                "origin_iso3": ["MMR"] * 5,
                "destination_iso3": ["THA"] * 5,
            },
            schema_overrides={"year": pl.Int16},
        )
    )


def test_a_record_dated_by_a_band_of_years_is_selected_by_years_that_hold_the_band():
    """The statistician's review: of the Victim-Perpetrator file's 17,540 dated victims, 13,140 are dated by a
    band of years only (2005-2013, 2014-2018, 2021-2022); years=(2005, 2022) selected the 4,400 of 2019 and
    2020, and years=(2014, 2018) none, said to be "outside the table's years" (every count missing)."""
    frame = _banded()
    assert Selection(frame, years=(2005, 2022)).records().height == 4  # the undated one is in no years
    assert Selection(frame, years=(2014, 2018)).records()["year_band"].to_list() == ["2014-2018"]
    assert Selection(frame, years=(2014, 2019)).records()["year_band"].to_list() == ["2019", "2014-2018"]
    # a band reaching beyond the years is in none of them: its victims may all be of its other years
    assert Selection(frame, years=(2015, 2019)).records()["year_band"].to_list() == ["2019"]
    assert Selection(frame, years=2019).records().height == 1
    # the table's years are those of its bands too
    shown = repr(Selection(frame))
    assert "every year (2005–2022)" in shown, shown
    assert "outside" not in repr(Selection(frame, years=(2014, 2018)))
    assert Selection(frame, years=(2010, None)).years == (2010, 2022)


def test_years_that_cut_a_band_say_its_records_are_left_out():
    shown = repr(Selection(_banded(), years=(2015, 2019)))
    assert "records dated only by a band of years reaching beyond 2015–2019 (2014-2018) are left out" in shown
    assert "band" not in repr(Selection(_banded(), years=(2014, 2019)))


def test_the_victim_perpetrator_files_bands_are_selected_as_ctdc_counts_them(shared_data):
    from evidence.sources import load

    vp = load(shared_data / "ctdc" / "vp_synthetic_condensed.csv")
    # the dictionary's TabStat sheet: 2005-2013 2,531; 2014-2018 6,274; 2019 2,398; 2020 2,002; 2021-2022 4,335
    assert Selection(vp, years=(2005, 2022)).records().height == 17_540
    assert Selection(vp, years=(2014, 2020)).records().height == 6274 + 2398 + 2002
    assert Selection(vp, years=(2005, 2013)).records().height == 2531
    assert Selection(vp).records().height == 21_195


def test_a_keyed_table_without_records_has_whole_number_keys_and_its_analyses_run():
    """The statistician's review: a file of an organisation's records whose every row was rejected (or a header
    only) gave its key column as text, and the completeness table and the shares of it crashed on summing text
    ("`sum` operation not supported for dtype `str`")."""
    from evidence.analyses import profiles, quality

    full = _loaded("cell_key")
    empty = LoadedTable(full.data.head(0), full.provenance, rows_in=0)
    assert record_keys(empty).dtype == pl.Int64 and record_keys(empty).len() == 0
    selection = Selection(empty)
    assert selection.keyed and selection.frame.schema[RECORD_CELL_KEY] == pl.Int64
    fields = quality.field_completeness(selection)
    assert set(fields["records"]) == {0} and set(fields["known_key"]) == {0}
    assert profiles.group_shares(selection, "gender").height == 0


_DATED = st.one_of(
    st.integers(2005, 2022).map(lambda y: (y, str(y))),
    st.tuples(st.integers(2005, 2022), st.integers(0, 8)).map(lambda b: (None, f"{b[0]}-{b[0] + b[1]}")),
    st.just((None, None)),
)


@given(
    st.lists(_DATED, min_size=1, max_size=25),
    st.tuples(st.integers(2003, 2024), st.integers(0, 10)).map(lambda y: (y[0], y[0] + y[1])),
)
@settings(max_examples=80, deadline=None)
def test_every_record_is_in_the_years_outside_them_cut_by_them_or_undated(dated, years):
    """n in = n out: a record of a single year is in the years or outside them; one of a band is in them (its
    whole band within), outside them (no year of the band within), or cut by them (named in the repr); one
    without either is in no years."""
    frame = conform(
        pl.DataFrame(
            {
                "year": [y for y, _ in dated],
                "year_band": [b for _, b in dated],
                "origin_iso3": ["MMR"] * len(dated),
                "destination_iso3": ["THA"] * len(dated),
            },
            schema_overrides={"year": pl.Int16, "year_band": pl.String},
        )
    )
    first, last = years
    selection = Selection(frame, years=years)
    kept, cut = [], set()
    for year, band in dated:
        if year is not None:
            kept.append(first <= year <= last)
        elif band is not None:
            a, b = (int(x) for x in band.split("-"))
            kept.append(first <= a and b <= last)
            if a <= last and b >= first and not kept[-1]:
                cut.add(band)
        else:
            kept.append(False)
    assert selection.records().height == sum(kept)
    shown = repr(selection)
    assert ("band of years reaching beyond" in shown) == bool(cut), shown
    for band in cut:
        assert band in shown


def test_a_band_of_years_is_read_as_its_first_and_last_year():
    from evidence.analyses.selection import band_span

    assert band_span("2014-2018") == (2014, 2018) and band_span("2005--2013") == (2005, 2013)
    assert band_span("2019") == (2019, 2019) and band_span(" 2021–2022 ") == (2021, 2022)
    assert band_span("unknown") is None and band_span(None) is None


def test_the_bands_a_selection_holds_and_cuts_are_of_its_country_and_role():
    """One reading of which bands of years a selection holds and cuts (its repr, its notebooks' sentences, its
    routes' years, why its yearly table is empty): the repr named the bands of the whole table, so Thailand's
    victims of 2015-2019 were said to leave out records of 2014-2018 that were all of Cambodia."""
    frame = conform(
        pl.DataFrame(
            {
                "year": [2019, None, None],
                "year_band": ["2019", "2014-2018", "2014-2018"],
                "origin_iso3": ["MMR", "VNM", "VNM"],
                "destination_iso3": ["THA", "KHM", "KHM"],
            },
            schema_overrides={"year": pl.Int16},
        )
    )
    thailand = Selection(frame, country="THA", years=(2015, 2019))
    assert thailand.bands() == Bands((), ())
    assert "band" not in repr(thailand), repr(thailand)
    cambodia = Selection(frame, country="KHM", years=(2015, 2019))
    assert cambodia.bands() == Bands((), ("2014-2018",)) and "(2014-2018) are left out" in repr(cambodia)


def test_a_selection_of_every_year_holds_every_band_and_cuts_none():
    frame = _banded()
    assert Selection(frame).bands() == Bands(("2005-2013", "2014-2018", "2021-2022"), ())
    assert Selection(frame, years=(2005, 2022)).bands() == Bands(("2005-2013", "2014-2018", "2021-2022"), ())
    assert Selection(frame, years=(2010, 2016)).bands() == Bands((), ("2005-2013", "2014-2018"))
    assert Selection(frame, years=(1990, 2000)).bands() == Bands((), ())  # a band wholly outside: neither
    # one year: a single-year band is a year, never a band; the repr names the year once
    assert Selection(frame, years=2019).bands() == Bands((), ())
    shown = repr(Selection(frame, years=2015))
    assert "reaching beyond 2015 (2014-2018)" in shown, shown


@given(
    st.lists(
        st.tuples(
            st.integers(2005, 2022), st.integers(0, 8), st.sampled_from(["{}-{}", "{}–{}", "c. {}-{} (est.)"])
        ),
        min_size=1,
        max_size=12,
    ),
    st.tuples(st.integers(2003, 2024), st.integers(0, 10)).map(lambda y: (y[0], y[0] + y[1])),
)
@settings(max_examples=60, deadline=None)
def test_the_bands_a_selection_holds_are_those_of_its_records(written, years):
    """However a band is written (a frame built by hand), the bands a selection holds are those of the records it
    selects: the records' filter read "c. 2014-2018" as no band and the notebooks' sentence as 2014-2018, so the
    sentence said the selection held records it did not."""
    bands = [form.format(a, a + n) for a, n, form in written]
    frame = conform(
        pl.DataFrame(
            {"year": [None] * len(bands), "year_band": bands, "destination_iso3": ["THA"] * len(bands)},
            schema_overrides={"year": pl.Int16, "year_band": pl.String},
        )
    )
    selection = Selection(frame, country="THA", role="destination", years=years)
    held, cut = selection.bands()
    assert set(held) == set(selection.records()["year_band"])
    assert not set(held) & set(cut)
    for band in cut:  # cut: some of its years within the selection's, not all
        first, last = band_span(band)  # type: ignore[misc]
        assert first <= years[1] and last >= years[0] and not (years[0] <= first and last <= years[1])
    assert [band_span(b) for b in held] == sorted(band_span(b) for b in held)  # type: ignore[type-var]


@given(st.lists(st.sampled_from(["THA", "KHM", "Cambodia", "LAO", "MMR", "Thailand"]), max_size=8))
def test_distinct_peers_are_each_given_once_without_the_country_in_their_order(peers):
    """The one rule of peers (the CLI's --peers, a run's peers): names and codes read alike, each kept once in
    the order first given, the country never its own peer, and what was dropped said."""
    from evidence.analyses.selection import distinct_peers

    kept, itself, repeated = distinct_peers(peers, "THA")
    codes = [{"Cambodia": "KHM", "Thailand": "THA"}.get(p, p) for p in peers]
    assert kept == [c for i, c in enumerate(codes) if c != "THA" and c not in codes[:i]]
    assert itself == ("THA" in codes)
    assert repeated == [c for c in kept if codes.count(c) > 1]


def test_what_is_read_again_stays_kept_while_what_is_not_goes_first(monkeypatch):
    """The frames built once are kept least recently used first: a table's record keys, which every brief of a
    batch reads, are not pushed out by the hundreds of selections built once each."""
    from evidence.analyses import selection as module

    monkeypatch.setattr(module, "_BUILT", {})
    monkeypatch.setattr(module, "_BUILT_MAX", 4)
    df = pl.DataFrame({"year": [2019]})
    made: list[str] = []
    kept_once(df, ("test", "read by all"), lambda: made.append("all") or 1)
    for n in range(8):  # other values, each built once, the first one read between them
        kept_once(df, ("test", n), lambda n=n: made.append(str(n)) or n)
        assert kept_once(df, ("test", "read by all"), lambda: made.append("all") or 1) == 1
    assert made == ["all", *(str(n) for n in range(8))]
    assert len(module._BUILT) == 4


def test_a_value_kept_once_of_several_frames_is_made_again_for_other_frames():
    import gc

    from evidence.analyses.selection import kept_once_of

    a, b = pl.DataFrame({"year": [2019]}), pl.DataFrame({"year": [2020]})
    made: list[int] = []

    def make() -> tuple[int, ...]:
        made.append(1)
        return (1,)

    first = kept_once_of([a, b], ("test", "years"), make)
    assert kept_once_of([a, b], ("test", "years"), make) is first and made == [1]
    kept_once_of([b, a], ("test", "years"), make)  # in another order: other frames
    kept_once_of([a, b], ("test", "other"), make)  # another key
    kept_once_of([a, b.clone()], ("test", "years"), make)  # an equal frame that is another object
    assert made == [1, 1, 1, 1]

    def refused() -> tuple[int, ...]:
        made.append(1)
        raise ParameterError("no")

    for _ in range(2):  # an error is raised each time, never kept
        with pytest.raises(ParameterError):
            kept_once_of([a], ("test", "refused"), refused)
    assert len(made) == 6
    del b
    gc.collect()  # a frame gone: a new one (perhaps at the same address) is made for again
    assert (
        kept_once_of([a, pl.DataFrame({"year": [2021]})], ("test", "years"), lambda: made.append(1) or ())
        == ()
    )
    assert len(made) == 7
