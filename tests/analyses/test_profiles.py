"""Profiles: the CTDC denominator rule on a hand-made case table, cross-tabulations, odds ratios by hand."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.analyses import profiles
from evidence.core.errors import ParameterError
from evidence.sources.case_schema import conform

Z95 = 1.959963984540054


def cases(records: list[dict]) -> pl.DataFrame:
    return conform(pl.DataFrame(records, infer_schema_length=None))


def form(fl, sx, other, **extra) -> dict:
    return dict(exploitation_forced_labour=fl, exploitation_sexual=sx, exploitation_other=other, **extra)


@pytest.fixture
def five_records() -> pl.DataFrame:
    return cases(
        [
            form(True, None, None, gender="Male"),  # nulls beside a true flag are false
            form(True, True, False, gender="Female"),  # two forms: counted in both
            form(False, True, None, gender="Female"),
            form(None, None, None, gender=None),  # unknown for the whole group
            form(False, False, True, gender="Male"),
        ]
    )


def test_denominator_rule_shares(five_records):
    shares = profiles.group_shares(five_records, "form")
    got = {r["category"]: r for r in shares.iter_rows(named=True)}
    assert set(got) == {
        "Forced labour",
        "Sexual exploitation",
        "Other forms of exploitation",
    }  # unrecorded flags left out
    assert {r["n_known"] for r in got.values()} == {4}
    assert {r["n_unknown"] for r in got.values()} == {1}
    assert got["Forced labour"]["count"] == 2 and got["Forced labour"]["share"] == pytest.approx(0.5)
    assert got["Sexual exploitation"]["share"] == pytest.approx(0.5)
    assert got["Other forms of exploitation"]["share"] == pytest.approx(0.25)
    assert shares["share"].sum() == pytest.approx(1.25)  # multi-valued: more than 100%
    assert all(r["ci_low"] <= r["share"] <= r["ci_high"] for r in got.values())


def test_column_shares_leave_unknowns_out(five_records):
    shares = profiles.group_shares(five_records, "gender")
    assert dict(zip(shares["category"], shares["count"])) == {"Male": 2, "Female": 2}
    assert shares["n_unknown"][0] == 1 and shares["share"].sum() == pytest.approx(1.0)
    with pytest.raises(ParameterError):
        profiles.group_shares(five_records, "shoe_size")


def test_crosstab_counts_records_under_each_true_flag(five_records):
    table = profiles.crosstab(five_records, "gender", "form")
    rows = {r["gender"]: r for r in table.iter_rows(named=True)}
    assert rows["Female"]["Forced labour"] == 1 and rows["Female"]["Sexual exploitation"] == 2
    assert rows["Male"]["Forced labour"] == 1 and rows["Male"]["Other forms of exploitation"] == 1
    assert rows["Male"]["Sexual exploitation"] == 0
    with_unknown = profiles.crosstab(five_records, "gender", "form", include_unknown=True)
    assert with_unknown.filter(pl.col("gender") == "Unknown")["Unknown"].item() == 1


def two_by_two(a: int, b: int, c: int, d: int) -> pl.DataFrame:
    """Men: a forced labour, b sexual exploitation; women: c forced labour, d sexual exploitation."""
    return cases(
        [form(True, False, False, gender="Male", majority_status="Adult")] * a
        + [form(False, True, False, gender="Male", majority_status="Adult")] * b
        + [form(True, False, False, gender="Female", majority_status="Adult")] * c
        + [form(False, True, False, gender="Female", majority_status="Adult")] * d
        + [form(True, True, False, gender="Male", majority_status="Adult")]
        * 7  # both: outside the comparison
        + [form(True, False, False, gender=None, majority_status="Adult")] * 3  # predictor unknown
    )


def test_single_predictor_odds_ratio_is_the_cross_product_with_woolfs_interval():
    a, b, c, d = 80, 20, 30, 70
    result = profiles.odds_ratios(
        two_by_two(a, b, c, d), predictors=["gender"], references={"gender": "Female"}
    )
    (term,) = result.terms
    expected = (a * d) / (b * c)
    se = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    assert (term.predictor, term.category, term.reference) == ("gender", "Male", "Female")
    assert term.odds_ratio == pytest.approx(expected, rel=1e-6)
    assert term.ci_low == pytest.approx(expected * math.exp(-Z95 * se), rel=1e-5)
    assert term.ci_high == pytest.approx(expected * math.exp(Z95 * se), rel=1e-5)
    assert result.n_used == a + b + c + d
    assert result.n_excluded == 7 + 3
    assert result.n_outcome == a + c
    assert result.to_dict()["references"] == {"gender": "Female"}


def test_reference_defaults_to_the_most_frequent_category():
    result = profiles.odds_ratios(two_by_two(10, 10, 60, 60), predictors=["gender"])
    assert result.references == {"gender": "Female"}
    assert result.terms[0].odds_ratio == pytest.approx(1.0)


def test_sparse_and_separated_categories_are_merged_or_dropped():
    rng = np.random.default_rng(2)
    n = 400
    fl = rng.random(n) < 0.5
    records = [
        form(bool(f), not bool(f), False, gender=g, origin_region=r)
        for f, g, r in zip(fl, rng.choice(["Male", "Female"], n), rng.choice(["Asia", "Europe"], n))
    ]
    records += [
        form(True, False, False, gender="Male", origin_region="Oceania")
    ] * 4  # tiny and all one outcome
    records += [form(True, False, False, gender="Male", origin_region="Africa")] * 30  # large but separated
    result = profiles.odds_ratios(cases(records), predictors=["gender", "origin_region"])
    assert result.dropped == {"origin_region": ("Africa", "Oceania")}
    region_terms = [t for t in result.terms if t.predictor == "origin_region"]
    assert len(region_terms) == 1 and {region_terms[0].category, region_terms[0].reference} == {
        "Asia",
        "Europe",
    }
    assert not result.separation_suspected
    assert result.n_used == n


def test_odds_ratio_parameter_errors(five_records):
    with pytest.raises(ParameterError):
        profiles.odds_ratios(five_records, outcome="not_a_flag")
    with pytest.raises(ParameterError):
        profiles.odds_ratios(five_records, predictors=["exploitation_sexual"])
    with pytest.raises(ParameterError):
        profiles.odds_ratios(
            two_by_two(10, 10, 10, 10), predictors=["gender"], references={"gender": "Robot"}
        )
    with pytest.raises(ParameterError, match="not recorded"):  # a flag the layout lacks: null on every record
        profiles.odds_ratios(five_records, outcome="exploitation_forced_marriage", predictors=["gender"])


def test_a_dimension_is_read_by_the_names_trends_take(five_records):
    """``sex``, ``age``, ``citizenship``: the names ``trends.yearly_counts`` takes are read here too (they were
    refused as unknown), and the table keeps the name given; a wrong name says which ones there are."""
    table = profiles.crosstab(five_records, "sex", "form")
    assert table.columns[0] == "sex"
    assert table.drop("sex").equals(profiles.crosstab(five_records, "gender", "form").drop("gender"))
    assert profiles.group_shares(five_records, "sex").equals(profiles.group_shares(five_records, "gender"))
    with pytest.raises(ParameterError, match=r"unknown dimension 'colour'.*gender.*also sex"):
        profiles.crosstab(five_records, "colour", "form")
    with pytest.raises(ParameterError, match=r"unknown group 'forms'.*flag group \(form"):
        profiles.group_shares(five_records, "forms")


def test_odds_ratios_read_a_predictor_by_its_other_name():
    records = two_by_two(30, 20, 25, 40)
    by_sex = profiles.odds_ratios(records, predictors=["sex"], references={"sex": "Female"})
    by_gender = profiles.odds_ratios(records, predictors=["gender"], references={"gender": "Female"})
    assert by_sex.to_dict() == by_gender.to_dict()  # named by its column: gender
    with pytest.raises(ParameterError, match="is a flag group"):
        profiles.odds_ratios(records, predictors=["form"])
    with pytest.raises(ParameterError, match="such as exploitation_forced_labour"):
        profiles.odds_ratios(records, outcome="sexual")


def test_crosstab_keeps_the_order_of_ordered_categories():
    """Age bands young to old (not 0-8, 18-20, 9-17 as text sorts them), Unknown last."""
    records = cases(
        [form(True, None, None, gender=g, age_band=a) for g, a in [("Male", "9-17"), ("Female", "18-20")]]
        + [form(None, True, None, gender="Female", age_band=a) for a in ("0-8", "48+", None)]
    )
    table = profiles.crosstab(records, "form", "age_band", include_unknown=True)
    assert table.columns == ["form", "0-8", "9-17", "18-20", "48+", "Unknown"]
    assert table["form"].to_list() == ["Forced labour", "Sexual exploitation"]
    by_age = profiles.crosstab(records, "age", "sex", include_unknown=True)
    assert by_age["age"].to_list() == ["0-8", "9-17", "18-20", "48+", "Unknown"]


# ------------------------------------------------------------------------------------- empty and unrecorded


def two_countries() -> pl.DataFrame:
    """Thai victims with forced labour recorded and gender; Lao victims with no form recorded; sexual
    exploitation recorded (true) only for a Cambodian victim. Built by hand: the denominator rule not applied."""
    return cases(
        [
            form(True, None, None, gender="Male", origin_iso3="THA"),
            form(True, None, None, gender=None, origin_iso3="THA"),
            form(None, None, None, gender="Female", origin_iso3="LAO"),
            form(None, True, None, gender="Female", origin_iso3="KHM"),
        ]
    )


def test_an_empty_selection_gives_an_empty_table_for_a_flag_group_as_for_a_column():
    """The trends convention: no records, no rows (a flag group raised "no victim records here" while a
    column gave an empty table); the table keeps its columns and types, and why_empty says why."""
    from evidence.analyses.selection import Selection

    table = two_countries()
    empty = Selection(table, country="PHL", role="origin")
    full = profiles.group_shares(table, "form")
    for group in ("form", "gender"):
        shares = profiles.group_shares(empty, group)
        assert shares.height == 0 and shares.schema == full.schema
        assert profiles.why_empty(empty, group) == (
            "no victim records of PHL (Philippines) as origin, every year: PHL is in none of the table's records"
        )
    assert profiles.why_empty(table, "form") is None
    assert profiles.crosstab(empty, "gender", "form").columns == ["gender"]  # raised before
    assert profiles.crosstab(empty, "gender", "form").height == 0


def test_a_selection_whose_victims_have_the_group_not_recorded_gives_an_empty_table():
    """Lao victims, form recorded for none: "the table records no flags of the group" before, though it does
    (for the Thai victims). Not recorded is not 0: no row, and why_empty says so."""
    from evidence.analyses.selection import Selection

    lao = Selection(two_countries(), country="LAO", role="origin")
    shares = profiles.group_shares(lao, "form")
    assert shares.height == 0
    why = profiles.why_empty(lao, "form")
    assert why is not None and why.startswith(
        "form of exploitation is not recorded for any victim record of LAO"
    )
    assert "which is not 0" in why
    gender = Selection(two_countries(), country="THA", role="origin")
    assert profiles.group_shares(gender, "gender")["n_unknown"].to_list() == [1]
    table = profiles.crosstab(lao, "gender", "form", include_unknown=True)
    assert table.rows() == [("Female", 1)] and table.columns == ["gender", "Unknown"]


def test_a_flag_the_layout_records_is_a_zero_for_a_selection_without_it():
    """Thai victims: sexual exploitation is recorded in the table (a Cambodian victim has it) and the Thai
    victims' form is known, so it is a true 0 of 2, not a category left out (the selection's own nulls were
    read as "not recorded in the layout")."""
    from evidence.analyses.selection import Selection

    thai = Selection(two_countries(), country="THA", role="origin")
    shares = profiles.group_shares(thai, "form")
    assert dict(zip(shares["category"], shares["count"], strict=True)) == {
        "Forced labour": 2,
        "Sexual exploitation": 0,
    }
    assert shares["n_known"].to_list() == [2, 2] and shares["ci_low"][1] == 0.0
    table = profiles.crosstab(thai, "gender", "form")
    assert table.columns == ["gender", "Forced labour"]  # a crosstab's columns are the categories it counts


def test_a_group_the_layout_does_not_record_is_refused_by_its_name():
    records = cases([{"gender": "Male", "exploitation_forced_labour": True}])
    with pytest.raises(ParameterError, match="means of control is not recorded in these data"):
        profiles.group_shares(records, "means_of_control")
    with pytest.raises(ParameterError, match="form of exploitation is not recorded in these data"):
        profiles.group_shares(cases([{"gender": "Male"}]), "form")
    assert profiles.group_shares(records, "age").height == 0  # a column: empty, and why_empty says why
    assert profiles.why_empty(records, "age") == (
        "age is not recorded in these data (empty on every record of the table)"
    )


def test_an_empty_keyed_selection_keeps_the_key_columns(own_records):
    from evidence.analyses.selection import Selection

    empty = profiles.group_shares(Selection(own_records, country="PHL", role="origin"), "form")
    full = profiles.group_shares(own_records, "form")
    assert empty.height == 0 and empty.schema == full.schema and "n_known_key" in empty.columns


def test_recorded_in_layout_reads_the_other_names(five_records):
    """``sex`` (as column_of reads it) was "not recorded in these data" for a table that records it."""
    assert profiles.recorded_in_layout(five_records, "sex")
    assert profiles.recorded_in_layout(five_records, "gender")
    assert not profiles.recorded_in_layout(five_records, "age")


def test_a_crosstab_of_one_dimension_by_its_two_names_is_refused(five_records):
    for row, column in (("sex", "gender"), ("form", "exploitation")):
        with pytest.raises(ParameterError, match="different dimensions"):
            profiles.crosstab(five_records, row, column)


def test_odds_ratio_outcome_and_versus_are_checked_against_the_layout_and_each_other():
    from evidence.analyses.selection import Selection

    records = two_by_two(30, 20, 25, 40)
    with pytest.raises(ParameterError, match="not of the outcome's flag group"):
        profiles.odds_ratios(records, versus="means_threats", predictors=["gender"])
    lao = Selection(two_countries(), country="LAO", role="origin")
    with pytest.raises(ParameterError, match="not recorded for any victim record of LAO"):  # not "the layout"
        profiles.odds_ratios(lao, predictors=["gender"])


def test_odds_ratios_read_as_facts_and_their_html_shows_no_counts():
    """The dataclass's repr was one line of every field. The text says what was estimated and that its counts
    are exact; the HTML (which goes into briefs) leaves the counts out and escapes a category from a file."""
    hostile = '<script>alert("x")</script>'
    records = cases(
        [
            form(fl, not fl, False, gender=g, origin_region=r, majority_status="Adult")
            for g, r, fl, n in [
                ("Male", hostile, True, 30),
                ("Male", hostile, False, 10),
                ("Male", "Asia", True, 25),
                ("Male", "Asia", False, 15),
                ("Female", hostile, True, 12),
                ("Female", hostile, False, 28),
                ("Female", "Asia", True, 14),
                ("Female", "Asia", False, 31),
            ]
            for _ in range(n)
        ]
    )
    result = profiles.odds_ratios(records, predictors=["origin_region", "gender", "majority_status"])
    text = repr(result)
    assert text.startswith("<OddsRatios: odds of forced labour against sexual exploitation")
    assert "OddsRatios(outcome=" not in text and "EXACT COUNTS, NOT DISCLOSURE-CONTROLLED" in text
    for term in result.terms:
        assert (
            f"{term.category} vs {term.reference}: {term.odds_ratio:.3g} (95% CI {term.ci_low:.3g}–" in text
        )
    assert f"{result.n_used:,} victims, {result.n_outcome:,} with the outcome" in text
    assert "not estimated: majority status: one category left" in text  # every victim an adult
    html = result._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "victims," not in html and f"{result.n_used:,}" not in html
    assert "print(result) shows them" in html


def test_sparse_categories_do_not_merge_into_a_category_called_other():
    """An organisation's referral sources hold an "Other" of their own: the sparse ones merged into it, and
    when that "Other" was then too uniform the real one was dropped with them, the result naming only the
    sparse ones as dropped."""
    rng = np.random.default_rng(5)
    sources = ["Police"] * 120 + ["Other"] * 60 + ["Embassy"] * 3
    outcome = [bool(rng.random() < 0.5) for _ in sources[:180]] + [True] * 3  # the embassy's: one outcome
    records = cases([form(fl, not fl, False, gender="Female") for fl in outcome]).with_columns(
        referral_source=pl.Series(sources)
    )
    result = profiles.odds_ratios(records, predictors=["referral_source"])
    assert result.dropped == {"referral_source": ("Embassy",)}
    assert result.n_used == 180  # the real "Other" kept
    (term,) = result.terms
    assert {term.category, term.reference} == {"Other", "Police"} and term.n in (60, 120)


def test_a_predictor_outcome_or_reference_given_twice_is_refused_in_words():
    """``["sex", "gender"]`` stopped on polars' DuplicateError; outcome = versus said "no variation"; a
    reference for ``sex`` and another for ``gender`` kept one of them silently."""
    records = two_by_two(30, 20, 25, 40)
    for predictors in (["sex", "gender"], ["gender", "gender"]):
        with pytest.raises(ParameterError, match="gender is given twice"):
            profiles.odds_ratios(records, predictors=predictors)
    with pytest.raises(ParameterError, match="outcome and versus are the same flag"):
        profiles.odds_ratios(records, versus="exploitation_forced_labour", predictors=["gender"])
    with pytest.raises(ParameterError, match="two references for gender"):
        profiles.odds_ratios(records, predictors=["gender"], references={"sex": "Male", "gender": "Female"})


def test_a_flag_column_written_as_one_or_empty_has_no_share_of_itself(shared_data):
    """The victim-perpetrator layout's perpetrator roles are 1 or empty, outside any flag group: its
    exploiter role was "100% of the records where it is known" (every non-empty cell is a 1), as CTDC's own
    frequency table prints it. An empty cell there is "no" or "not recorded", so no share is given."""
    from evidence.sources.cache import load_cached

    vp = load_cached(shared_data / "ctdc" / "vp_synthetic_condensed.csv")
    assert vp.data["perpetrator_exploiter"].drop_nulls().all()  # the premise: never false
    with pytest.raises(ParameterError, match=r"perpetrator_exploiter is a flag written as 1 or empty"):
        profiles.group_shares(vp, "perpetrator_exploiter")
    # a flag with its "no" recorded (an organisation's own, ruled with its group) keeps its shares
    records = cases([form(True, None, None), form(None, True, None), form(None, None, None)]).with_columns(
        exploitation_forced_criminality=pl.Series([True, False, None])
    )
    shares = profiles.group_shares(records, "exploitation_forced_criminality")
    assert dict(zip(shares["category"], shares["count"], strict=True)) == {"true": 1, "false": 1}


def test_a_flag_true_for_every_known_record_is_data_not_an_error():
    """An organisation's flag with its "no" recordable (an extra column of its records, 12 known records all
    "recruiter" = 1, the rest not recorded) was refused as "written as 1 or empty": whether a flag is written
    that way is the layout's property (the victim-perpetrator layout's roles), not something a flag that
    happens to be true for every known record shows. Its share is 12 of 12 known."""
    records = cases([form(True, None, None)] * 15).with_columns(recruiter=pl.Series([True] * 12 + [None] * 3))
    shares = profiles.group_shares(records, "recruiter")
    assert shares.select("category", "count", "n_known", "n_unknown", "share").rows() == [
        ("true", 12, 12, 3, 1.0)
    ]
    # and an organisation's own flag of a group, when every record that answers it says yes
    records = records.with_columns(exploitation_forced_criminality=pl.Series([True] * 4 + [None] * 11))
    shares = profiles.group_shares(records, "exploitation_forced_criminality")
    assert shares.select("category", "count", "n_known").rows() == [("true", 4, 4)]


def test_a_flag_true_for_every_known_record_of_loaded_case_records(case_records):
    """The same through the loader: an organisation's mapped records (their "no" written N) whose forced
    criminality is Y for every record that answers it keep their share; the layout, not the data, says a flag
    is written 1 or empty."""
    import dataclasses

    data = case_records.data
    known = data["exploitation_forced_criminality"].is_not_null()
    only_yes = dataclasses.replace(
        case_records,
        data=data.with_columns(
            exploitation_forced_criminality=pl.when(known).then(True).otherwise(None).cast(pl.Boolean)
        ),
    )
    shares = profiles.group_shares(only_yes, "exploitation_forced_criminality")
    assert shares["category"].to_list() == ["true"]
    assert shares["count"][0] == shares["n_known"][0] == int(known.sum()) > 0


# --- columns holding several values, and the organisation's own flag groups --------------------------------------

CASE_RECORDS = "case_records/assisted_victims.csv"


@pytest.fixture(scope="module")
def case_records(fixtures):
    from evidence.sources.case_records import load_case_records

    return load_case_records(fixtures / CASE_RECORDS)


def raw_case_records(fixtures) -> list[dict]:
    """The fixture's rows as the csv module reads them (not through the loader)."""
    import csv

    with (fixtures / CASE_RECORDS).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_transit_countries_are_counted_each_not_as_one_category(case_records, fixtures):
    """A transit cell "LAO;THA" was one transit country: each value counts, a victim once per value, shares overlapping, of the
    victims with at least one transit country recorded."""
    from evidence.sources.countries import to_iso3

    raw = raw_case_records(fixtures)
    per_row = [{to_iso3(p.strip()) for p in r["Transit countries"].split(";") if p.strip()} for r in raw]
    expected = {c: sum(c in s for s in per_row) for c in set().union(*per_row)}
    shares = profiles.group_shares(case_records, "transit_iso3")
    assert dict(zip(shares["category"], shares["count"], strict=True)) == expected == {"THA": 4, "LAO": 1}
    assert "LAO;THA" not in shares["category"].to_list()
    with_one = sum(bool(s) for s in per_row)
    assert set(shares["n_known"]) == {with_one} and set(shares["n_unknown"]) == {len(raw) - with_one}
    assert shares["count"].sum() > with_one  # overlapping: one victim under two values
    assert shares.filter(pl.col("category") == "THA")["share"].item() == pytest.approx(4 / with_one)
    assert profiles.multi_valued(case_records, "transit_iso3")
    assert not profiles.multi_valued(case_records, "gender")


def test_a_crosstab_counts_each_value_of_a_column_holding_several(case_records):
    table = profiles.crosstab(case_records, "transit_iso3", "gender")
    rows = {r["transit_iso3"]: (r.get("Female", 0), r.get("Male", 0)) for r in table.iter_rows(named=True)}
    assert rows == {"LAO": (1, 0), "THA": (2, 2)}  # MSS-0017 (F) under both LAO and THA
    with_unknown = profiles.crosstab(case_records, "transit_iso3", "gender", include_unknown=True)
    assert "Unknown" in with_unknown["transit_iso3"].to_list()


def test_perpetrators_sex_counts_each_sex_against_the_raw_file(shared_data):
    """CTDC's Victim-Perpetrator file writes "Female;Male" for perpetrators of both sexes: counted under each."""
    import csv

    from evidence.sources.registry import load

    path = shared_data / "ctdc" / "vp_synthetic_condensed.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        cells = [r["IP_Gender"] for r in csv.DictReader(fh)]
    per_row = [{p.strip() for p in c.split(";") if p.strip()} for c in cells]
    expected = {v: sum(v in s for s in per_row) for v in set().union(*per_row)}
    shares = profiles.group_shares(load(path), "perpetrator_gender")
    assert dict(zip(shares["category"], shares["count"], strict=True)) == expected
    assert "Female;Male" not in shares["category"].to_list()
    assert set(shares["n_known"]) == {sum(bool(s) for s in per_row)}


def test_assistance_is_a_flag_group_of_the_organisations_records(case_records, fixtures):
    """The kinds of assistance were plain columns ("assistance" an unknown group); the group is the data quality
    notebook's, and a victim given none of them ("N" to each) is in its denominator."""
    from evidence.analyses.quality import completeness_groups

    raw = raw_case_records(fixtures)
    kinds = {
        "Shelter": "Shelter",
        "Medical care": "Medical",
        "Return and reintegration": "Return and reintegration",
    }
    answered = [r for r in raw if any(r[k] for k in kinds)]
    shares = profiles.group_shares(case_records, "assistance")
    expected = {label: sum(r[k] == "Y" for r in answered) for k, label in kinds.items()}
    assert dict(zip(shares["category"], shares["count"], strict=True)) == expected
    assert set(shares["n_known"]) == {len(answered)} == {21}  # two victims given none: in the denominator
    assert set(completeness_groups(case_records.data.columns)["assistance"]) == {
        f"assistance_{k}" for k in ("shelter", "medical", "return_reintegration")
    }
    form = profiles.group_shares(case_records, "form")
    # the extra flag in its group (the data quality notebook's groups)
    assert "Forced criminality" in form["category"].to_list()
    table = profiles.crosstab(case_records, "assistance", "gender")
    assert table.filter(pl.col("assistance") == "Shelter")["Female"].item() == sum(
        r["Shelter"] == "Y" and r["Sex"] == "F" for r in raw
    )


def test_assistance_is_refused_where_the_records_have_none(five_records):
    with pytest.raises(ParameterError, match="assistance"):
        profiles.group_shares(five_records, "assistance")


def test_a_predictor_holding_several_values_is_refused(case_records):
    """A transit cell "LAO;THA" was a category of its own in the regression; a column of single values stays a predictor."""
    with pytest.raises(ParameterError, match="several values"):
        profiles.odds_ratios(case_records, outcome="exploitation_forced_labour", predictors=["transit_iso3"])


# ------------------------------------------------------------------------------------ rules that always hold

_FLAG = st.sampled_from([True, False, None])
_FORMS = ("exploitation_forced_labour", "exploitation_sexual", "exploitation_other")
_RECORD = st.fixed_dictionaries(
    {
        "exploitation_forced_labour": _FLAG,
        "exploitation_sexual": _FLAG,
        "exploitation_other": _FLAG,
        "gender": st.sampled_from(["Female", "Male", None]),
        "perpetrator_gender": st.sampled_from(["Female", "Male", "Female;Male", "Male;Female", "", None]),
        "year": st.sampled_from([2019, 2020, None]),
    }
)


@given(st.lists(_RECORD, min_size=1, max_size=30), st.sampled_from(["form", "gender", "perpetrator_gender"]))
@settings(max_examples=80, deadline=None)
def test_shares_and_their_intervals_keep_their_rules_on_any_records(records, group):
    """Shares lie in [0, 1], each interval holds its share, the known and unknown records are every record of
    the selection, and the counts are those made by hand: a victim once per category it has (a flag true, a
    value of a cell holding several), the denominator the victims with at least one."""
    frame = cases(records)
    if group == "form" and all(r[f] is None for r in records for f in _FORMS):
        with pytest.raises(
            ParameterError, match="not recorded in these data"
        ):  # the layout has no such field
            profiles.group_shares(frame, group)
        return
    shares = profiles.group_shares(frame, group)
    if group == "form":
        has = [
            {
                label
                for label, flag in (
                    ("Forced labour", "exploitation_forced_labour"),
                    ("Sexual exploitation", "exploitation_sexual"),
                    ("Other forms of exploitation", "exploitation_other"),
                )
                if r[flag]
            }
            for r in records
        ]
    elif group == "gender":
        has = [{r["gender"]} - {None} for r in records]
    else:
        has = [{v for v in (r["perpetrator_gender"] or "").split(";") if v} for r in records]
    known = sum(1 for h in has if h)
    if not known:
        assert shares.height == 0
        return
    assert set(shares["n_known"]) == {known}
    assert set(shares["n_unknown"]) == {len(records) - known}
    expected = {c: sum(c in h for h in has) for h in has for c in h}
    got = dict(zip(shares["category"], shares["count"], strict=True))
    assert {c: n for c, n in got.items() if n} == expected
    for row in shares.iter_rows(named=True):
        assert 0 <= row["ci_low"] <= row["share"] <= row["ci_high"] <= 1
        assert row["share"] == pytest.approx(row["count"] / known)
    if group == "gender":  # one value each: the shares partition the known records
        assert shares["share"].sum() == pytest.approx(1.0)
    else:  # several each: at least 100%
        assert shares["share"].sum() >= 1 - 1e-12


@given(st.lists(_RECORD, min_size=1, max_size=30))
@settings(max_examples=60, deadline=None)
def test_a_crosstab_with_its_unknowns_counts_every_record(records):
    """n in = n out: with unknowns, a table of two single-valued columns counts each record once; by a flag
    group each record at least once (once per true flag, once as Unknown with none), as its row says."""
    frame = cases(records)
    by_year = profiles.crosstab(frame, "gender", "year", include_unknown=True)
    cells = by_year.drop("gender").to_numpy()
    assert cells.sum() == len(records)
    rows = dict(zip(by_year["gender"], cells.sum(axis=1), strict=True))
    assert rows == {
        g: sum((r["gender"] or "Unknown") == g for r in records)
        for g in {r["gender"] or "Unknown" for r in records}
    }
    if all(r[f] is None for r in records for f in _FORMS):
        with pytest.raises(ParameterError, match="not recorded in these data"):
            profiles.crosstab(frame, "gender", "form", include_unknown=True)
        return
    by_form = profiles.crosstab(frame, "gender", "form", include_unknown=True)
    expected = sum(max(1, sum(bool(r[f]) for f in _FORMS)) for r in records)
    assert by_form.drop("gender").to_numpy().sum() == expected
