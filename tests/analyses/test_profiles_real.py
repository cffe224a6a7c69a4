"""Profiles on the real CTDC files and the demo: shares, cross-tabulations and odds ratios checked against
counts made here with polars straight from the raw CSV (not through the loader), Wilson intervals from
statsmodels' ``proportion_confint`` and odds ratios from statsmodels' own binomial GLM."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from evidence.analyses import profiles
from evidence.analyses.selection import Selection
from evidence.sources.cache import load_cached

#: The countries of the k-anonymised sample (ISO 3166-1 alpha-2 there).
ISO2 = {
    "UA": "UKR",
    "KH": "KHM",
    "MD": "MDA",
    "LA": "LAO",
    "US": "USA",
    "MM": "MMR",
    "VN": "VNM",
    "CO": "COL",
}
ISO2 |= {"RU": "RUS", "TH": "THA"}

#: k-anonymised flags (2017 dictionary) behind each category the profiles name, by flag group.
K_ANON = {
    "form": {
        "Forced labour": ["isForcedLabour", "isSexAndLabour"],
        "Sexual exploitation": ["isSexualExploit", "isSexAndLabour"],
        "Other forms of exploitation": ["isOtherExploit"],
        "Forced marriage": ["isForcedMarriage"],
        "Forced military service": ["isForcedMilitary"],
        "Organ removal": ["isOrganRemoval"],
        "Slavery and similar practices": ["isSlaveryAndPractices"],
    },
    "means_of_control": {
        "Debt bondage or earnings taken": ["meansOfControlDebtBondage", "meansOfControlTakesEarnings"],
        "Threats": ["meansOfControlThreats"],
        "Abuse": [f"meansOfControl{k}Abuse" for k in ("Psychological", "Physical", "Sexual")],
        "False promises": ["meansOfControlFalsePromises"],
        "Drugs or alcohol given": ["meansOfControlPsychoactiveSubstances"],
        "Basic needs withheld": ["meansOfControlWithholdsNecessities"],
        "Excessive working hours": ["meansOfControlExcessiveWorkingHours"],
        "Documents withheld": ["meansOfControlWithholdsDocuments"],
        "Movement restricted": ["meansOfControlRestrictsMovement"],
        "Access to money restricted": ["meansOfControlRestrictsFinancialAccess"],
        "Medical care restricted": ["meansOfControlRestrictsMedicalCare"],
        "Uses the victim's children": ["meansOfControlUsesChildren"],
        "Threat of law enforcement": ["meansOfControlThreatOfLawEnforcement"],
        "Other means of control": ["meansOfControlOther"],
    },
    "labour_sector": {
        label: [f"typeOfLabour{name}"]
        for label, name in [
            ("Agriculture", "Agriculture"),
            ("Construction", "Construction"),
            ("Domestic work", "DomesticWork"),
            ("Hospitality", "Hospitality"),
            ("Aquafarming", "Aquafarming"),
            ("Begging", "Begging"),
            ("Illicit activities", "IllicitActivities"),
            ("Manufacturing", "Manufacturing"),
            ("Mining or drilling", "MiningOrDrilling"),
            ("Peddling", "Peddling"),
            ("Transportation", "Transportation"),
            ("Other sector", "Other"),
        ]
    },
    "recruiter_relation": {
        "Intimate partner": ["recruiterRelationIntimatePartner"],
        "Friend": ["recruiterRelationFriend"],
        "Family": ["recruiterRelationFamily"],
        "Other relation": ["recruiterRelationOther"],
    },
}
#: The text twin of each group, and the labels it writes -> the category (where the flags are all empty).
K_ANON_TEXT = {
    "form": ("typeOfExploitConcatenated", {}),
    "means_of_control": (
        "meansOfControlConcatenated",
        {
            "Restricts movement": "Movement restricted",
            "Psychological abuse": "Abuse",
            "Physical abuse": "Abuse",
            "Sexual abuse": "Abuse",
            "Takes earnings": "Debt bondage or earnings taken",
            "Debt bondage": "Debt bondage or earnings taken",
            "Threats": "Threats",
            "Excessive working hours": "Excessive working hours",
            "False promises": "False promises",
            "Withholds documents": "Documents withheld",
            "Withholds necessities": "Basic needs withheld",
            "Psychoactive substances": "Drugs or alcohol given",
            "Threat of law enforcement": "Threat of law enforcement",
            "Restricts medical care": "Medical care restricted",
            "Other": "Other means of control",
        },
    ),
    "labour_sector": ("typeOfLabourConcatenated", {}),
    "recruiter_relation": ("RecruiterRelationship", {}),
}
V2024 = {
    "form": {
        "Forced labour": "isForcedLabour",
        "Sexual exploitation": "isSexualExploit",
        "Other forms of exploitation": "isOtherExploit",
    },
    "means_of_control": {
        "Debt bondage or earnings taken": "meansDebtBondageEarnings",
        "Threats": "meansThreats",
        "Abuse": "meansAbusePsyPhySex",
        "False promises": "meansFalsePromises",
        "Drugs or alcohol given": "meansDrugsAlcohol",
        "Basic needs withheld": "meansDenyBasicNeeds",
        "Excessive working hours": "meansExcessiveWorkHours",
        "Documents withheld": "meansWithholdDocs",
    },
    "labour_sector": {
        "Agriculture": "typeOfLabourAgriculture",
        "Construction": "typeOfLabourConstruction",
        "Domestic work": "typeOfLabourDomesticWork",
        "Hospitality": "typeOfLabourHospitality",
    },
    "sexual_exploitation_type": {
        "Prostitution": "typeOfSexProstitution",
        "Pornography": "typeOfSexPornography",
    },
    "recruiter_relation": {
        "Intimate partner": "recruiterRelationIntimatePartner",
        "Friend": "recruiterRelationFriend",
        "Family": "recruiterRelationFamily",
        "Other relation": "recruiterRelationOther",
    },
}


def band(column: str) -> pl.Expr:
    """An age band as the case table writes it: ``9--17``, ``09--17``, ``0—8`` → ``9-17``, ``0-8``."""
    return pl.col(column).str.replace_all("—", "-").str.replace_all("--", "-").str.replace(r"^0(\d)", "$1")


def majority(column: str) -> pl.Expr:
    young = band(column).is_in(["0-8", "9-17"])
    return pl.when(young).then(pl.lit("Minor")).when(band(column).is_not_null()).then(pl.lit("Adult"))


def k_anon_raw(path) -> pl.DataFrame:
    """The raw k-anonymised file as one row per victim: its fields, and ``group|category`` booleans under the
    codebook's rule (a flag 1; a group's flags all empty with its text twin naming the category)."""
    raw = pl.read_csv(path, separator=";", infer_schema=False)
    flags = []
    for group, categories in K_ANON.items():
        text, labels = K_ANON_TEXT[group]
        every = sorted({f for names in categories.values() for f in names})
        all_empty = pl.all_horizontal([pl.col(f).is_null() for f in every])
        parts = pl.col(text).fill_null("").str.split(";").list.eval(pl.element().str.strip_chars())
        flags += [
            (
                pl.any_horizontal([pl.col(f) == "1" for f in names]).fill_null(False)
                | (all_empty & parts.list.eval(pl.element().replace(labels) == label).list.any())
            ).alias(f"{group}|{label}")
            for label, names in categories.items()
        ]
    return raw.select(
        "gender",
        band("ageBroad").alias("age_band"),
        pl.coalesce("majorityStatus", majority("ageBroad")).alias("majority_status"),
        pl.col("citizenship").replace(ISO2).alias("origin"),
        pl.col("CountryOfExploitation").replace(ISO2).alias("destination"),
        *flags,
    )


def v2024_raw(path) -> pl.DataFrame:
    raw = pl.read_csv(path, infer_schema=False)
    genders = {"Man": "Male", "Woman": "Female", "Trans/Transgender/NonConforming": "Trans/non-conforming"}
    return raw.select(
        pl.col("gender").replace(genders),
        band("ageBroad").alias("age_band"),
        majority("ageBroad").alias("majority_status"),
        pl.col("citizenship").alias("origin"),
        pl.col("CountryOfExploitation").alias("destination"),
        *[
            (pl.col(source) == "1").fill_null(False).alias(f"{group}|{label}")
            for group, flags in V2024.items()
            for label, source in flags.items()
        ],
    )


def vp_raw(path) -> pl.DataFrame:
    raw = pl.read_csv(path, infer_schema=False)
    return raw.select(
        "gender",
        pl.col("majorityStatus").alias("majority_status"),
        pl.col("UN_COO_Region").alias("origin_region"),
        (pl.col("isForcedLabour") == "1").fill_null(False).alias("form|Forced labour"),
        (pl.col("isSexualExploit") == "1").fill_null(False).alias("form|Sexual exploitation"),
    )


def of(raw: pl.DataFrame, country: str | None, role: str) -> pl.DataFrame:
    if country is None:
        return raw
    at_origin = (pl.col("origin") == country).fill_null(False)
    at_destination = (pl.col("destination") == country).fill_null(False)
    return raw.filter(
        {"origin": at_origin, "destination": at_destination, "both": at_origin | at_destination}[role]
    )


def flag_columns(raw: pl.DataFrame, group: str) -> list[str]:
    return [c for c in raw.columns if c.startswith(group + "|")]


def expected(raw: pl.DataFrame, group: str) -> tuple[dict[str, int], int]:
    """Counts by category, and the records where the group is known."""
    if group in raw.columns:
        counts = raw.filter(pl.col(group).is_not_null()).group_by(group).len()
        return dict(counts.iter_rows()), int(counts["len"].sum())
    flags = flag_columns(raw, group)
    known = int(raw.select(pl.any_horizontal(flags).sum()).item())
    return {c.split("|", 1)[1]: int(raw[c].sum()) for c in flags}, known


def check_shares(table, raw: pl.DataFrame, group: str, level: float = 0.95) -> None:
    shares = profiles.group_shares(table, group, level=level)
    counts, known = expected(raw, group)
    got = dict(zip(shares["category"], shares["count"], strict=True))
    # every category with a victim is there with its count; the others are 0 where the layout records them
    assert {k: v for k, v in got.items() if v} == {k: v for k, v in counts.items() if v}, group
    assert set(got) <= set(counts), group
    if not known:
        assert shares.height == 0, group  # the group recorded for none: an empty table, no share of nothing
        assert profiles.why_empty(table, group) is not None
        return
    assert set(shares["n_known"]) == {known} and set(shares["n_unknown"]) == {raw.height - known}, group
    from statsmodels.stats.proportion import proportion_confint  # here: see check_odds_ratios

    low, high = proportion_confint(shares["count"].to_numpy(), known, alpha=1 - level, method="wilson")
    np.testing.assert_allclose(shares["ci_low"].to_numpy(), low, atol=1e-9)
    np.testing.assert_allclose(shares["ci_high"].to_numpy(), high, atol=1e-9)
    np.testing.assert_allclose(shares["share"].to_numpy(), shares["count"].to_numpy() / known)
    assert profiles.why_empty(table, group) is None


def check_crosstab(table, raw: pl.DataFrame, row: str, column: str) -> None:
    got = profiles.crosstab(table, row, column)
    flags = flag_columns(raw, column)
    known = raw.filter(pl.col(row).is_not_null() & pl.any_horizontal(flags))
    want = known.group_by(row).agg(pl.col(flags).sum()).rename({c: c.split("|", 1)[1] for c in flags})
    assert set(got[row]) == set(want[row])
    for values in got.iter_rows(named=True):
        mine = want.filter(pl.col(row) == values[row]).row(0, named=True)
        assert {k: v for k, v in values.items() if k != row} == {
            k: v for k, v in mine.items() if k != row and k in values
        }
        assert all(mine[k] == 0 for k in mine if k not in values)  # a category left out has no victim


def merged_sample(raw: pl.DataFrame, predictors: list[str], min_n: int = profiles.MIN_CATEGORY_N):
    """Forced labour against sexual exploitation (not both), complete cases, with sparse or one-outcome
    categories merged into Other (or dropped), as the docstring of ``odds_ratios`` promises."""
    fl, sx = pl.col("form|Forced labour"), pl.col("form|Sexual exploitation")
    sample = raw.filter(fl ^ sx).select(fl.cast(pl.Int8).alias("y"), *predictors).drop_nulls()
    for p in predictors:
        stats = sample.group_by(p).agg(pl.len().alias("n"), pl.col("y").mean().alias("rate"))
        sparse = stats.filter((pl.col("n") < min_n) | pl.col("rate").is_in([0.0, 1.0]))[p].to_list()
        sample = sample.with_columns(
            pl.when(pl.col(p).is_in(sparse)).then(pl.lit("Other")).otherwise(pl.col(p)).alias(p)
        )
        other = sample.filter(pl.col(p) == "Other")
        if other.height and (other.height < min_n or other["y"].n_unique() < 2):
            sample = sample.filter(pl.col(p) != "Other")
    return sample


def check_odds_ratios(table, raw: pl.DataFrame, predictors: list[str]) -> None:
    # statsmodels is imported where it is used, not with the module: a second of every collection of the suite
    # (each xdist worker of both lanes collects every test file), for the few tests that call it
    import statsmodels.api as sm

    result = profiles.odds_ratios(table, predictors=predictors)
    sample = merged_sample(raw, predictors)
    assert (result.n_used, result.n_outcome) == (sample.height, int(sample["y"].sum()))
    assert result.n_excluded == raw.height - sample.height
    names, columns = [], [np.ones(sample.height)]
    for p in result.predictors:
        for category in sorted(set(sample[p]) - {result.references[p]}):
            names.append((p, category))
            columns.append((sample[p] == category).cast(pl.Float64).to_numpy())
    fit = sm.GLM(sample["y"].to_numpy(), np.column_stack(columns), family=sm.families.Binomial()).fit()
    limits = fit.conf_int(alpha=0.05)
    assert [(t.predictor, t.category) for t in result.terms] == names
    for i, term in enumerate(result.terms, start=1):
        assert term.odds_ratio == pytest.approx(math.exp(fit.params[i]), rel=1e-6)
        assert term.ci_low == pytest.approx(math.exp(limits[i, 0]), rel=1e-5)
        assert term.ci_high == pytest.approx(math.exp(limits[i, 1]), rel=1e-5)
        assert term.p_value == pytest.approx(fit.pvalues[i], rel=1e-4, abs=1e-12)
        assert term.n == int((sample[term.predictor] == term.category).sum())
    # several terms, several tests: each p-value with Holm's adjustment over the model's terms beside it
    from statsmodels.stats.multitest import multipletests

    holm = multipletests(fit.pvalues[1:], method="holm")[1]
    assert [t.p_holm for t in result.terms] == pytest.approx(list(holm), rel=1e-4, abs=1e-12)
    assert result.to_dict()["odds_ratios"][0]["p_holm"] == pytest.approx(holm[0], rel=1e-4, abs=1e-8)
    for p in result.predictors:  # the reference: the most frequent category left
        assert result.references[p] == sample[p].value_counts(sort=True)[p][0]


K_ANON_SELECTIONS = [(None, "both"), ("UKR", "origin"), ("RUS", "destination"), ("THA", "destination")]
K_ANON_SELECTIONS += [("KHM", "origin"), ("USA", "destination"), ("LAO", "origin")]


@pytest.fixture(scope="module")
def k_anon(shared_data) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The k-anonymised sample as loaded and as read raw (:func:`k_anon_raw`): read once for the module's eight
    tests that compare them (no test changes either: polars frames are immutable)."""
    path = shared_data / "ctdc" / "k_anon_sample.csv"
    return load_cached(path), k_anon_raw(path)


@pytest.mark.parametrize(("country", "role"), K_ANON_SELECTIONS)
def test_k_anonymised_profiles_match_the_raw_file(k_anon, country, role):
    table, whole = k_anon
    raw = of(whole, country, role)
    selection = Selection(table, country=country, role=role) if country else table
    for group in ("gender", "age_band", "majority_status", *K_ANON):
        check_shares(selection, raw, group, level=0.9)
    check_crosstab(selection, raw, "gender", "form")
    check_crosstab(selection, raw, "majority_status", "means_of_control")
    check_crosstab(selection, raw, "gender", "recruiter_relation")


def test_k_anonymised_odds_ratios_match_statsmodels(k_anon):
    table, raw = k_anon
    check_odds_ratios(table, raw, ["gender", "majority_status"])
    # the US hotline's men all have one outcome: dropped, and women alone leave nothing to compare
    with pytest.raises(profiles.ParameterError, match="no predictor has more than one category"):
        profiles.odds_ratios(Selection(table, country="USA", role="destination"), predictors=["gender"])


def test_victim_perpetrator_profiles_match_the_raw_file(shared_data):
    path = shared_data / "ctdc" / "vp_synthetic_condensed.csv"
    table, raw = load_cached(path), vp_raw(path)
    for group in ("gender", "majority_status", "origin_region", "form"):
        check_shares(table, raw, group)
    check_crosstab(table, raw, "gender", "form")
    check_crosstab(table, raw, "origin_region", "form")
    check_odds_ratios(table, raw, ["gender", "majority_status"])
    check_odds_ratios(table, raw, ["gender", "majority_status", "origin_region"])  # men dropped: one outcome
    with pytest.raises(profiles.ParameterError, match="means of control is not recorded in these data"):
        profiles.group_shares(table, "means_of_control")  # no such field in this layout: not a 0
    assert profiles.group_shares(table, "age").height == 0  # ages are not in this layout either
    assert (
        profiles.why_empty(table, "age")
        == "age is not recorded in these data (empty on every record of the table)"
    )


@pytest.fixture(scope="module")
def demo():
    from evidence.sources.demo import demo_file

    path = demo_file()
    return load_cached(path), v2024_raw(path)


@pytest.mark.parametrize(
    ("country", "role"),
    [(None, "both"), ("THA", "destination"), ("MMR", "origin"), ("KHM", "both"), ("PHL", "origin")],
)
def test_demo_profiles_match_the_raw_file(demo, country, role):
    table, raw = demo
    raw = of(raw, country, role)
    selection = Selection(table, country=country, role=role) if country else table
    for group in ("gender", "age_band", "majority_status", *V2024):
        check_shares(selection, raw, group)
    check_crosstab(selection, raw, "gender", "form")
    check_crosstab(selection, raw, "age_band", "labour_sector")
    check_odds_ratios(selection, raw, ["gender", "majority_status"])  # few trans victims: merged or dropped


def _tabstat(path) -> dict[str, dict[str, int]]:
    """CTDC's published frequency tables of the Victim-Perpetrator file (its dictionary's TabStat sheet): variable
    -> category -> victims (``Missing`` for those not recorded), read from the workbook."""
    sheet = pl.read_excel(path, sheet_name="TabStat", has_header=False)
    rows = [tuple(r[:4]) for r in sheet.iter_rows()]
    tables: dict[str, dict[str, int]] = {}
    variable = None
    for first, label, freq, _ in rows:
        if first not in (None, "Valid", "Missing", "Total") and freq is None:
            variable = str(first)
            tables[variable] = {}
        elif variable and freq not in (None, "Freq.") and label != "Total" and first != "Total":
            tables[variable]["Missing" if first == "Missing" else str(label)] = int(str(freq))
    return tables


def test_victim_perpetrator_shares_match_ctdcs_published_frequency_tables(shared_data):
    """The shares' counts and denominators against CTDC's own published tables, not against a reading of ours:
    a single-valued field partitions the recorded victims; a cell of several values (``Female;Male``) counts
    the victim under each, its denominator the victims with one at least."""
    table = load_cached(shared_data / "ctdc" / "vp_synthetic_condensed.csv")
    published = _tabstat(shared_data / "ctdc" / "vp_synthetic_dictionary_2022-12-01.xlsx")
    for column, variable in (
        ("gender", "gender"),
        ("majority_status", "majorityStatus"),
        ("origin_region", "UN_COO_Region"),
    ):
        shares = profiles.group_shares(table, column)
        freq = published[variable]
        assert dict(zip(shares["category"], shares["count"], strict=True)) == {
            k: v for k, v in freq.items() if k != "Missing"
        }
        assert shares["n_unknown"][0] == freq["Missing"] and shares["share"].sum() == pytest.approx(1.0)
    for column, variable in (("perpetrator_gender", "IP_Gender"), ("perpetrator_relation", "IP_Relation")):
        shares = profiles.group_shares(table, column)
        freq = published[variable]
        by_value: dict[str, int] = {}
        for cell, n in freq.items():
            if cell != "Missing":
                for value in cell.split(";"):
                    by_value[value] = by_value.get(value, 0) + n
        assert dict(zip(shares["category"], shares["count"], strict=True)) == by_value
        assert shares["n_known"][0] == sum(n for c, n in freq.items() if c != "Missing")
        assert shares["n_unknown"][0] == freq["Missing"] and shares["share"].sum() > 1


def test_odds_ratios_of_the_victims_left_say_whose_they_are(shared_data):
    """The statistician's review: in the Victim-Perpetrator file every man with forced labour or sexual
    exploitation recorded has one of them, so men are dropped and the odds ratios by region are of women only;
    the overview said gender had "one category left" without saying the other odds ratios are of it alone."""
    table = load_cached(shared_data / "ctdc" / "vp_synthetic_condensed.csv")
    result = profiles.odds_ratios(table, predictors=["gender", "majority_status", "origin_region"])
    assert result.dropped == {"gender": ("Male",)} and "gender" not in result.predictors
    assert result.only == {"gender": "Female"}
    text = repr(result)
    assert "gender: one category left in the sample (Female): the odds ratios are of its victims only" in text
    assert "Female" in result._repr_html_()
