"""The person: profiles under the denominator rule, missing values, association models, perpetrators."""

from __future__ import annotations

import math
import warnings

import polars as pl
import pytest
from _polars import count_queries
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence.analyses import causes
from evidence.analyses.selection import RECORD_CELL_KEY
from evidence.core.errors import ParameterError
from evidence.sources.cache import load_cached
from evidence.sources.case_schema import conform


def _cases() -> pl.DataFrame:
    """Six victims: means of control recorded for four (one has none true: unknown), sex unknown for one."""
    return conform(
        pl.DataFrame(
            {
                "gender": ["Female", "Female", "Male", "Male", None, "Female"],
                "means_threats": [True, None, True, None, None, None],
                "means_abuse": [True, True, None, None, True, None],
                "exploitation_sexual": [True, True, None, False, None, None],
                "exploitation_forced_labour": [None, None, True, True, None, None],
                "trafficking_duration": ["0-12 months", "25+ months", None, "0-12 months", None, None],
                "origin_iso3": ["MMR", "THA", "KHM", None, "MMR", "THA"],
                "origin_region": ["Asia", "Asia", "Asia", None, "Asia", "Asia"],
                "destination_iso3": ["THA", "THA", "THA", "THA", "DEU", None],
                "destination_region": ["Asia", "Asia", "Asia", "Asia", "Europe", None],
            }
        )
    )


def test_profile_counts_under_the_denominator_rule():
    out = causes.profile(_cases(), "means_of_control", "sex")
    female = {r["category"]: r for r in out.filter(pl.col("group") == "Female").iter_rows(named=True)}
    # Female: victims 1 (threats, abuse), 2 (abuse), 6 (nothing recorded: unknown, not "no")
    assert female["Threats"]["count"] == 1 and female["Abuse"]["count"] == 2
    assert (
        female["Abuse"]["n_group"] == 3
        and female["Abuse"]["n_known"] == 2
        and female["Abuse"]["n_unknown"] == 1
    )
    assert female["Threats"]["share"] == pytest.approx(0.5)
    # the victim without a recorded sex is its own group, never dropped
    assert out.filter(pl.col("group") == "Unknown")["n_group"][0] == 1
    assert out.group_by("group").agg(pl.col("n_group").first())["n_group"].sum() == 6


def test_duration_and_route_class():
    out = causes.profile(_cases(), "trafficking_duration", "route_class")
    intraregional = out.filter(pl.col("group") == "Intraregional")
    assert dict(zip(intraregional["category"], intraregional["count"], strict=True)) == {
        "0-12 months": 1,
        "13-24 months": 0,
        "25+ months": 0,
    }
    assert out.filter(pl.col("group") == "Transregional")["n_group"][0] == 1  # MMR -> DEU
    assert out.filter(pl.col("group") == "Domestic")["n_known"][0] == 1  # THA -> THA, 25+ months


def test_route_class_from_regions_only():
    only_regions = pl.DataFrame(
        {
            "origin_iso3": [None, None, None],
            "destination_iso3": [None, None, None],
            "origin_region": ["Asia", "Asia", None],
            "destination_region": ["Asia", "Europe", "Asia"],
        },
        schema={
            c: pl.String for c in ("origin_iso3", "destination_iso3", "origin_region", "destination_region")
        },
    )
    classes = only_regions.select(causes.route_class_expr().alias("class"))["class"].to_list()
    # capitalised as the route tables write their classes ("Domestic", "Intraregional", "Transregional")
    assert classes == ["Domestic or intraregional", "Transregional", None]


def test_cross_profile_denominators():
    out = causes.cross_profile(_cases(), "form", "means_of_control")
    sexual = out.filter(pl.col("row") == "Sexual exploitation")
    # victims 1 and 2 are in sexual exploitation, both with means recorded: abuse 2 of 2, threats 1 of 2
    assert dict(zip(sexual["column"], sexual["count"], strict=True)) == {"Threats": 1, "Abuse": 2}
    assert set(sexual["n_known"].to_list()) == {2}


def test_case_profiles_compute_each_profile_once_and_as_a_fresh_table_does():
    """A section's profiles share one :class:`~evidence.analyses.causes.CaseProfiles`: each asked for again is
    the frame computed the first time, and one among many (topics and characteristics sharing their pairs
    and groups) is the same as computed alone."""
    df = _cases().with_columns(pl.Series(RECORD_CELL_KEY, [3, 5, 7, 11, 13, 17], pl.Int64))
    profiled = causes.CaseProfiles(df)
    asked = [
        ("means_of_control", "sex"),
        ("means_of_control", None),
        ("form", "sex"),
        ("trafficking_duration", "route_class"),
        ("trafficking_duration", None),
    ]
    first = {key: causes.profile(profiled, *key) for key in asked}
    for key in asked:
        assert causes.profile(profiled, *key) is first[key]
        assert first[key].equals(causes.profile(causes.CaseProfiles(df), *key))
    assert not causes.profile(profiled, "form", "sex", level=0.5).equals(first["form", "sex"])
    cross = causes.cross_profile(profiled)
    assert causes.cross_profile(profiled) is cross and cross.equals(causes.cross_profile(df))
    assert causes.missing_values(profiled) is causes.missing_values(profiled)
    assert causes.missing_values(profiled, ["sex"]).equals(causes.missing_values(df, ["sex"]))
    with pytest.raises(ParameterError, match="not recorded"):  # raised each time, nothing kept
        causes.profile(profiled, "perpetrator_relation")
    with pytest.raises(ParameterError, match="two different"):
        causes.cross_profile(profiled, "form", "form")
    assert profiled.cases is df


def test_missing_values_count_every_victim():
    out = causes.missing_values(_cases(), ["means_of_control", "sex", "recruiter_relation"])
    rows = {r["variable"]: r for r in out.iter_rows(named=True)}
    assert rows["means_of_control"]["n_recorded"] == 4 and rows["means_of_control"]["n_not_recorded"] == 2
    assert rows["sex"]["n_recorded"] == 5
    assert rows["recruiter_relation"]["in_layout"] is False
    assert (out["n_recorded"] + out["n_not_recorded"] == out["n"]).all()


def _recorded_by_pairs(df: pl.DataFrame) -> dict[str, tuple[bool, int, int]]:
    """What each topic's pairs (:func:`causes._topic_pairs`) say: (in the layout, victims recorded, the sum of
    their keys): the definition the one-pass counts of recorded_topics and missing_values must keep."""
    df = df.with_row_index("_id")
    # each victim's key by its _id (the row index: _id i is row i), read once: the distinct _ids of a topic's
    # pairs and the sum of their keys are the inner join of the pairs' unique _ids to (_id, key) that this was,
    # without a join of its own for every topic (an _id of no row would raise here, not be dropped)
    keys = df[RECORD_CELL_KEY].to_list()
    out = {}
    for topic in causes.TOPICS:
        try:
            pairs, _ = causes._topic_pairs(df, topic)
        except ParameterError:
            out[topic] = (False, 0, 0)
            continue
        ids = set(pairs["_id"].to_list())
        out[topic] = (True, len(ids), sum(keys[i] for i in ids))
    return out


_TEXTS = st.sampled_from([None, "", ";", " ; ", "FamilyIntimatePartner", "A; B", " ;Europe", "Asia", "x;;"])
_FLAGS = st.sampled_from([None, None, True, False])


def _drawn_cases(data: st.DataObject, n: int, flags: list[str]) -> pl.DataFrame:
    """``n`` case records drawn: the flag columns ``flags``, the perpetrator texts and the origin region, the
    duration of exploitation and the gender (drawn in this order)."""
    texts = [*causes.PERPETRATOR_VALUES, "origin_region"]
    columns = {c: data.draw(st.lists(_FLAGS, min_size=n, max_size=n)) for c in flags}
    columns |= {c: data.draw(st.lists(_TEXTS, min_size=n, max_size=n)) for c in texts}
    columns["trafficking_duration"] = data.draw(
        st.lists(st.sampled_from([None, "0-12 months", "25+ months"]), min_size=n, max_size=n)
    )
    columns["gender"] = data.draw(st.lists(st.sampled_from([None, "Female", "Male"]), min_size=n, max_size=n))
    return conform(pl.DataFrame(columns, schema_overrides={c: pl.Boolean for c in flags}))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=st.integers(0, 6))
def test_recorded_topics_and_missing_values_count_what_the_topic_pairs_hold(data, n):
    flags = [c for group in causes.FLAG_GROUPS.values() for c in group][::3] + list(causes.PERPETRATOR_ROLES)
    df = _drawn_cases(data, n, flags).with_columns(
        pl.Series(
            RECORD_CELL_KEY, data.draw(st.lists(st.integers(0, 2**32 - 1), min_size=n, max_size=n)), pl.Int64
        )
    )
    expected = _recorded_by_pairs(df)
    assert causes.recorded_topics(df) == [t for t, (_, n_ids, _) in expected.items() if n_ids]
    out = causes.missing_values(df)
    for row in out.filter(pl.col("kind") == "topic").iter_rows(named=True):
        in_layout, recorded, key = expected[row["variable"]]
        assert (row["in_layout"], row["n_recorded"], row["n_recorded_key"]) == (in_layout, recorded, key)
        assert row["n_not_recorded_key"] == int(df[RECORD_CELL_KEY].sum()) - key
    sex = out.filter(pl.col("variable") == "sex").row(0, named=True)
    assert sex["n_recorded"] == df["gender"].is_not_null().sum()
    assert sex["n_recorded_key"] == int(df.filter(pl.col("gender").is_not_null())[RECORD_CELL_KEY].sum())


def _flag_pairs_by_query(df: pl.DataFrame, topic: str) -> pl.DataFrame | None:
    """A flag topic's pairs as the query that made them before they were read from the columns: the flags
    under the denominator rule, unpivoted, the true ones kept, each named by its label (None: no flag
    recorded)."""
    from evidence.analyses.selection import recorded_flags
    from evidence.sources.case_schema import apply_denominator_rule

    if topic == "perpetrator_role":
        flags = [c for c in causes.PERPETRATOR_ROLES if c in df.columns and df[c].is_not_null().any()]
        labels = {c: causes.PERPETRATOR_ROLES[c] for c in flags}
    else:
        flags = recorded_flags(df, causes.FLAG_DIMENSIONS[topic])
        labels = {c: causes.flag_label(c) for c in flags}
    if not flags:
        return None
    return (
        apply_denominator_rule(df.select("_id", *flags), {topic: flags})
        .unpivot(index="_id", on=flags, variable_name="category", value_name="_flag")
        .filter(pl.col("_flag").fill_null(False))
        .select("_id", pl.col("category").replace_strict(labels, return_dtype=pl.String))
    )


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=st.integers(1, 6))
def test_a_flag_topics_pairs_are_its_flags_unpivoted_under_the_denominator_rule(data, n):
    """A flag topic's pairs, read from its columns in one query (which flags are recorded): each victim with a
    flag true, flag after flag, the frame the query that unpivoted the flags made (the rule fills only nulls)."""
    from polars.testing import assert_frame_equal

    flags = [c for group in causes.FLAG_GROUPS.values() for c in group][::2] + list(causes.PERPETRATOR_ROLES)
    df = _drawn_cases(data, n, flags).with_row_index("_id")
    for topic in [t for t in causes.TOPICS if t in causes.FLAG_DIMENSIONS or t == "perpetrator_role"]:
        expected = _flag_pairs_by_query(df, topic)
        if expected is None:
            with pytest.raises(ParameterError, match="not recorded"):
                causes._topic_pairs(df, topic)
            continue
        assert_frame_equal(causes._topic_pairs(df, topic)[0], expected)


def test_a_flag_topics_pairs_take_no_query(monkeypatch):
    """Which flags the records hold is read from the columns' null counts, the pairs themselves from the
    columns (a brief makes the pairs of every flag topic of its records: three queries each were a sixth of its
    profiles' time, and the one asking which flags are recorded another 2 % of its causes section)."""
    df = _cases().with_row_index("_id")
    queries = count_queries(monkeypatch)
    pairs, _ = causes._topic_pairs(df, "means_of_control")
    assert pairs.height and not queries


def _profile_by_joins(
    df: pl.DataFrame, reference: causes.CaseProfiles, topic: str, by: str | None, level: float
) -> pl.DataFrame:
    """:func:`causes.profile` as the polars query it was before its counts were made with numpy: each
    victim's categories with its group, counted by group-bys and joined to the grid of every group and
    category (zeros kept), the denominators, and the sums of the records' keys (to the bit: a share divided in
    the query as it was). ``reference``: the topic pairs and groups of ``df`` (a CaseProfiles of its own, not
    the one under test: each topic's pairs and each characteristic's groups, pure functions of the records,
    made once for all the profiles of an example rather than once for each)."""
    from evidence.analyses.intervals import wilson_interval

    pairs, categories = reference._topic_pairs(topic)
    groups, n_group, order = reference._grouped(by)
    keyed = RECORD_CELL_KEY in df.columns

    def counted(name: str) -> list[pl.Expr]:
        return [pl.len().cast(pl.Int64).alias(name)] + (
            [pl.col(RECORD_CELL_KEY).sum().cast(pl.Int64).alias(f"{name}_key")] if keyed else []
        )

    of_victim = groups.drop("_id")
    known = of_victim[pairs.get_column("_id").unique()].lazy().group_by("group").agg(counted("n_known"))
    counts = (
        pl.concat([pairs, of_victim[pairs.get_column("_id")]], how="horizontal")
        .lazy()
        .group_by("group", "category")
        .agg(counted("count"))
    )
    grid = pl.DataFrame(
        {"group": [g for g in order for _ in categories], "category": [c for _ in order for c in categories]},
        schema={"group": pl.String, "category": pl.String},
    )
    lazy = (
        grid.lazy()
        .join(counts, on=["group", "category"], how="left", maintain_order="left")
        .join(n_group.lazy(), on="group", how="left", maintain_order="left")
        .join(known, on="group", how="left", maintain_order="left")
        .with_columns(pl.col("count", "n_known").fill_null(0))
        .with_columns(n_unknown=pl.col("n_group") - pl.col("n_known"))
    )
    if keyed:
        lazy = lazy.with_columns(pl.col("count_key", "n_known_key").fill_null(0)).with_columns(
            n_unknown_key=pl.col("n_group_key") - pl.col("n_known_key")
        )
    out = lazy.collect()
    low, high = wilson_interval(out["count"].to_numpy(), out["n_known"].to_numpy(), 1 - level)
    keys = ["count_key", "n_known_key", "n_unknown_key"] if keyed else []
    return (
        out.lazy()
        .with_columns(
            share=pl.when(pl.col("n_known") > 0).then(pl.col("count") / pl.col("n_known")),
            ci_low=pl.Series(low).fill_nan(None),
            ci_high=pl.Series(high).fill_nan(None),
        )
        .select(
            "group",
            "category",
            "count",
            "n_group",
            "n_known",
            "n_unknown",
            "share",
            "ci_low",
            "ci_high",
            *keys,
        )
        .collect()
    )


# 20 examples, each ~33 profiles (every recorded topic by no, sex and region characteristic) against a reference
# of ~18 polars queries each: 4 s; its author compared 800 examples offline
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=st.integers(1, 24), keyed=st.booleans(), level=st.sampled_from([0.95, 0.5]))
def test_a_profile_counts_as_joins_and_group_bys_would(data, n, keyed, level):
    """A profile's counts are made with numpy (a polars query per profile cost more than the counting, a
    dozen a brief): every column is what the joins and group-bys of its definition give, to the bit, for
    flag, text and duration topics, with and without a characteristic and cell keys."""
    df = _drawn_cases(data, n, [c for group in causes.FLAG_GROUPS.values() for c in group][::3])
    if keyed:
        df = df.with_columns(
            pl.Series(
                RECORD_CELL_KEY,
                data.draw(st.lists(st.integers(0, 2**32 - 1), min_size=n, max_size=n)),
                pl.Int64,
            )
        )
    profiled = causes.CaseProfiles(df)
    reference = causes.CaseProfiles(df)  # the reference's own (never the profiles under test)
    for topic in causes.recorded_topics(df):
        for by in (None, "sex", "origin_region"):
            got = causes.profile(profiled, topic, by, level=level)
            expected = _profile_by_joins(df, reference, topic, by, level)
            assert got.schema == expected.schema
            assert got.equals(expected), (topic, by)


def test_a_profile_of_a_topic_with_no_category_is_empty():
    """A text topic whose values are only separators has pairs of no category: its profile has no row (the
    grid of its groups by no category), as a frame of the profile's columns, not a failed query."""
    df = conform(
        pl.DataFrame(
            {
                "gender": ["Female", "Male"],
                "perpetrator_relation": [" ; ", ";"],
                "origin_iso3": ["THA", "MMR"],
            }
        )
    )
    out = causes.profile(df, "perpetrator_relation", "sex")
    assert out.height == 0
    assert out.columns[:6] == ["group", "category", "count", "n_group", "n_known", "n_unknown"]
    assert out.schema["group"] == pl.String and out.schema["count"] == pl.Int64


def test_profiles_after_the_first_of_a_topic_and_characteristic_run_no_polars_query(monkeypatch):
    """Each profile of a section counts the topic's pairs and the characteristic's groups, made once, with
    numpy: the dozen profiles of a brief add no polars query of their own."""
    df = _cases().with_columns(pl.Series(RECORD_CELL_KEY, [3, 5, 7, 11, 13, 17], pl.Int64))
    profiled = causes.CaseProfiles(df)
    profiled._victim_keys()  # what is made once for the records, each topic and each characteristic
    for topic in ("means_of_control", "form", "trafficking_duration"):
        for by in (None, "sex", "route_class"):
            profiled._pair_codes(topic)
            profiled._victim_groups(by)
    queries = count_queries(monkeypatch)
    for topic in ("means_of_control", "form", "trafficking_duration"):
        for by in (None, "sex", "route_class"):
            assert causes.profile(profiled, topic, by).height
    assert queries == []


def test_a_topic_not_in_the_layout_is_a_clear_error(shared_data):
    vp = load_cached(shared_data / "ctdc" / "vp_synthetic_condensed.csv")
    with pytest.raises(ParameterError, match="duration of exploitation is not recorded in these data"):
        causes.profile(vp, "trafficking_duration")
    with pytest.raises(ParameterError, match="Victim–Perpetrator"):
        causes.profile(_cases(), "perpetrator_relation")


@pytest.fixture(scope="module")
def demo():
    from evidence.sources.demo import demo_path

    return load_cached(demo_path()).data


def test_one_binary_predictor_gives_the_cross_product_ratio(demo):
    """Known answer: a logistic regression on one binary predictor estimates the 2×2 table's odds ratio."""
    model = causes.association_model(
        demo, "exploitation_sexual", ["sex"], missing="complete_case", min_category_n=1
    )
    sample = demo.filter(pl.col("gender").is_in(["Female", "Male"]))
    flags = ["exploitation_forced_labour", "exploitation_sexual", "exploitation_other"]
    known = sample.filter(pl.any_horizontal([pl.col(f).fill_null(False) for f in flags]))
    table = known.group_by("gender", pl.col("exploitation_sexual").fill_null(False)).len()
    n = {(r["gender"], r["exploitation_sexual"]): r["len"] for r in table.iter_rows(named=True)}
    expected = (n[("Male", True)] * n[("Female", False)]) / (n[("Male", False)] * n[("Female", True)])
    male = model.terms.filter(pl.col("category") == "Male").row(0, named=True)
    assert male["reference"] == "Female"
    assert male["odds_ratio"] == pytest.approx(expected, rel=1e-6)
    se = math.sqrt(sum(1 / n[k] for k in n if k[0] in ("Female", "Male")))
    assert male["ci_low"] == pytest.approx(math.exp(math.log(expected) - 1.959964 * se), rel=1e-4)


def test_complete_case_and_all_case_account_for_every_record(demo):
    table, complete, everyone = causes.compare_missing(demo, "exploitation_sexual")
    for model in (complete, everyone):
        assert model.n_used + sum(model.excluded.values()) == model.n_records == demo.height
    assert complete.n_used < everyone.n_used
    assert any("complete-case" in reason for reason in complete.excluded)
    unknown = table.filter(pl.col("category") == "Unknown")
    assert unknown.height and unknown["odds_ratio_complete"].is_null().all()
    assert unknown["odds_ratio_all"].is_not_null().all()


def test_association_grid_covers_every_recorded_means(demo):
    grid, failures = causes.association_grid(demo, "means_of_control")
    recorded = causes.recorded_flags_of(demo, "means_of_control")
    assert set(grid["outcome"].unique().to_list()) | set(failures) == {
        causes.label_of(f) for f in recorded
    } | set(failures)
    assert len(grid["outcome"].unique()) + len(failures) == len(recorded) == 8
    assert (grid["ci_low"] <= grid["odds_ratio"]).all() and (grid["odds_ratio"] <= grid["ci_high"]).all()


def test_what_the_victim_perpetrator_dataset_adds(shared_data):
    path = shared_data / "ctdc" / "vp_synthetic_condensed.csv"
    vp = load_cached(path)
    raw = pl.read_csv(path, infer_schema=False)
    relation = causes.profile(vp, "perpetrator_relation")
    counts = dict(zip(relation["category"], relation["count"], strict=True))
    # independently from the raw file: a victim counts under each relation in a multi-valued cell
    expected = raw["IP_Relation"].drop_nulls().str.contains("StrangerUnknownOther").sum()
    assert counts["Stranger, unknown or other"] == expected
    assert relation["n_known"][0] == raw["IP_Relation"].drop_nulls().len()
    roles = causes.profile(vp, "perpetrator_role", "sex")
    assert set(roles["category"]) == set(causes.PERPETRATOR_ROLES.values())
    own = causes.profile(vp, causes.PERPETRATOR_ORIGIN)
    assert own["count"].sum() == own["n_known"][0]  # single-valued: the three answers partition the known
    model = causes.association_model(vp, "exploitation_sexual", ["sex", "majority_status", "origin_region"])
    assert model.n_used > 10_000 and "sex" in model.predictors


def _merge_rare_by_frame(data: pl.DataFrame, predictor: str, min_n: int):
    """The merge of rare categories as one polars operation after another (its earlier definition)."""
    stats = data.group_by(predictor).agg(pl.len().alias("n"), pl.col("_y").mean().alias("rate"))
    rare = stats.filter((pl.col("n") < min_n) | (pl.col("rate") == 0) | (pl.col("rate") == 1))[
        predictor
    ].to_list()
    if not rare:
        return data, (), 0
    had_other = (data[predictor] == "Other").any()
    data = data.with_columns(
        pl.when(pl.col(predictor).is_in(rare))
        .then(pl.lit("Other"))
        .otherwise(pl.col(predictor))
        .alias(predictor)
    )
    other = data.filter(pl.col(predictor) == "Other")
    rate = other["_y"].mean() if other.height else None
    if other.height < min_n or rate in (0, 1, None):
        # left out: named as the data name them (the rare categories, and an "Other" of the data's own)
        left_out = tuple(sorted({*rare, *(["Other"] if had_other else [])}))
        return data.filter(pl.col(predictor) != "Other"), left_out, other.height
    return data, tuple(sorted(rare)), 0


def _reference_by_frame(data: pl.DataFrame, predictor: str) -> str:
    counts = (
        data.filter(~pl.col(predictor).is_in(["Unknown", "Other"]))
        .group_by(predictor)
        .len()
        .sort(["len", predictor], descending=[True, False])
    )
    if not counts.height:
        counts = data.group_by(predictor).len().sort(["len", predictor], descending=[True, False])
    return str(counts[predictor][0])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=st.integers(1, 60), min_n=st.integers(1, 8))
def test_a_models_sample_is_merged_and_referenced_as_one_frame_operation_after_another(data, n, min_n):
    import numpy as np

    names = ["a", "b", "Ünknown", "Unknown", "Other", "z", "B"]
    frame = pl.DataFrame(
        {
            "_y": data.draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)),
            "p": data.draw(st.lists(st.sampled_from(names[:4]), min_size=n, max_size=n)),
            "q": data.draw(st.lists(st.sampled_from(names[2:]), min_size=n, max_size=n)),
        },
        schema={"_y": pl.Int8, "p": pl.String, "q": pl.String},
    )
    y = frame["_y"].to_numpy()
    sample = {
        p: causes._Coded(
            frame.select((pl.col(p).rank("dense") - 1).cast(pl.Int64))[p].to_numpy(),
            frame[p].unique().sort().to_list(),
        )
        for p in ("p", "q")
    }
    expected = frame
    for p in ("p", "q"):
        expected, merged, dropped = _merge_rare_by_frame(expected, p, min_n)
        keep, merged_coded, dropped_coded = causes._merge_rare(y, sample, p, min_n)
        if keep is not None:
            y = y[keep]
            sample = {q: causes._Coded(v.codes[keep], v.names) for q, v in sample.items()}
        assert (merged_coded, dropped_coded) == (merged, dropped)
    assert y.tolist() == expected["_y"].to_list()
    for p in ("p", "q"):
        values = [sample[p].names[c] for c in sample[p].codes.tolist()]
        assert values == expected[p].to_list()
        counts = sample[p].counts()
        assert counts == dict(expected.group_by(p).len().sort(p).iter_rows())
        if counts:
            assert causes._reference(counts) == _reference_by_frame(expected, p)
            for category in counts:
                assert np.array_equal(
                    sample[p].indicator(category), (expected[p] == category).cast(pl.Float64).to_numpy()
                )


def test_a_category_left_out_is_named_as_the_tables_name_it():
    """A rare category merged into Other and then left out is named ("Trans/non-conforming"), not "Other"; the reason
    follows its count in the model's sentence ("Left out: 36 sex: too few victims, or no variation, in Male" read as
    36 sexes): the count is of victims, the characteristic and its categories named after it."""
    n = 40
    frame = conform(
        pl.DataFrame(
            {
                "gender": ["Female"] * n + ["Male"] * n + ["Trans/non-conforming"] * 2,
                "exploitation_sexual": [True, False] * n + [True, True],
                "exploitation_forced_labour": [False, True] * n + [False, False],
            }
        )
    )
    model = causes.association_model(frame, "exploitation_sexual", ["sex"], missing="complete_case")
    left_out = [k for k in model.excluded if "sex:" in k]
    assert left_out == ["of a category with too few victims, or no variation (sex: Trans/non-conforming)"]
    assert model.excluded[left_out[0]] == 2
    assert "sex" not in model.merged


def _design(frame: pl.DataFrame, columns: dict[str, pl.Expr]):
    import numpy as np

    x = frame.select(
        pl.lit(1.0).alias("const"),
        *(e.fill_null(False).cast(pl.Float64).alias(k) for k, e in columns.items()),
    )
    return x.to_numpy(), np.asarray(x.columns)


def _collinear_cases() -> pl.DataFrame:
    """200 victims in Thailand; citizenship unknown for 60 (region of origin and class of route both Unknown:
    one indicator); sex unknown for 30, of whom 5 are children (too few: left out), leaving 25 unknown-sex
    adults who all have the outcome (separation)."""
    rows = []
    for i in range(200):
        unknown_sex = i >= 170
        child = unknown_sex and i >= 195
        y = (i % 3 == 0 or (unknown_sex and not child)) and not child
        origin = None if i % 10 < 3 else ("MMR" if i % 2 else "KHM")
        rows.append(
            {
                "gender": None if unknown_sex else ("Female" if i % 4 < 2 else "Male"),
                "age_band": "0-8" if child else "21-23",
                "exploitation_sexual": y,
                "exploitation_forced_labour": not y,
                "origin_iso3": origin,
                "origin_region": None if origin is None else "Asia",
                "destination_iso3": "THA",
                "destination_region": "Asia",
            }
        )
    return conform(pl.DataFrame(rows))


def test_a_predictor_that_repeats_an_earlier_indicator_is_dropped_before_the_fit_and_named():
    """The review (finding 2): region of origin Unknown and class of route Unknown are the same victims
    (citizenship unknown); fitting both split one effect in two (1.28 each instead of 1.64)."""
    import statsmodels.api as sm

    cases = _collinear_cases()
    model = causes.association_model(
        cases, "exploitation_sexual", ["sex", "age_group", "origin_region", "route_class"]
    )
    assert "route_class" not in model.predictors and "route_class" not in model.references
    assert "the same victims as region of origin Unknown" in model.skipped["route_class"]
    assert model.terms.filter(pl.col("predictor") == "route_class").height == 0
    assert model.to_dict()["skipped_predictors"]["route_class"] == model.skipped["route_class"]
    # each category's reason kept too, for a reader's text to name the categories (causes_views)
    assert "; ".join(model.skipped_collinear["route_class"].values()) == model.skipped["route_class"]
    assert set(model.skipped_collinear) == {"route_class"} and "route_class" not in model.collinear
    # separation: the unknown-sex adults all have the outcome once the children are left out
    unknown = model.terms.filter(pl.col("predictor") == "sex", pl.col("category") == "Unknown").row(
        0, named=True
    )
    assert unknown["estimable"] is False and unknown["odds_ratio"] is None and unknown["ci_high"] is None
    assert model.separation_suspected
    # where estimable, the estimates are a plain statsmodels Logit's on the same design (without the duplicate)
    sample = cases.filter(pl.col("age_band") != "0-8")
    x, names = _design(
        sample,
        {
            "Male": pl.col("gender") == "Male",
            "sex Unknown": pl.col("gender").is_null(),
            "origin Unknown": pl.col("origin_region").is_null(),
        },
    )
    assert model.n_used == sample.height
    with warnings.catch_warnings():  # a separated term: statsmodels may warn of it
        warnings.simplefilter("ignore")
        fit = sm.Logit(sample["exploitation_sexual"].cast(pl.Float64).to_numpy(), x).fit(disp=0, maxiter=200)
    ci = fit.conf_int()
    for (predictor, category), column in [(("sex", "Male"), 1), (("origin_region", "Unknown"), 3)]:
        row = model.terms.filter(pl.col("predictor") == predictor, pl.col("category") == category).row(
            0, named=True
        )
        assert row["estimable"] is True, names[column]
        assert row["odds_ratio"] == pytest.approx(math.exp(fit.params[column]), rel=1e-4)
        assert row["ci_low"] == pytest.approx(math.exp(ci[column, 0]), rel=1e-3)
        assert row["ci_high"] == pytest.approx(math.exp(ci[column, 1]), rel=1e-3)


def test_a_category_repeating_another_is_named_and_the_rest_of_its_predictor_kept():
    """Only one category of a predictor duplicates an earlier column: that category goes, the predictor stays."""
    cases = _collinear_cases().with_columns(
        # some victims exploited in another region: a transregional route besides Unknown
        pl.when(pl.arange(0, pl.len()) % 10 == 5).then(pl.lit(value)).otherwise(pl.col(column)).alias(column)
        for column, value in (("destination_iso3", "DEU"), ("destination_region", "Europe"))
    )
    model = causes.association_model(cases, "exploitation_sexual", ["origin_region", "route_class"])
    assert "route_class" in model.predictors
    assert set(model.collinear["route_class"]) == {"Unknown"}
    assert model.terms.filter(pl.col("predictor") == "route_class")["category"].to_list() != []
    assert "Unknown" not in model.terms.filter(pl.col("predictor") == "route_class")["category"].to_list()
    assert model.to_dict()["collinear_categories"] == {"route_class": model.collinear["route_class"]}


def test_a_selection_is_profiled_as_its_records_with_their_keys(shared_data):
    """A researcher passes the Selection every other analysis takes (it was refused: "expected a LoadedTable or
    a polars DataFrame"); the records of its country, role and years are profiled, with their cell keys."""
    from evidence.analyses.selection import Selection

    table = load_cached(shared_data / "ctdc" / "k_anon_sample.csv")
    selection = Selection(table, country="Ukraine", role="origin")
    out = causes.profile(selection, "form", by="sex")
    assert out.equals(causes.profile(selection.records(), "form", by="sex"))
    assert "count_key" in out.columns  # a table protected by cell key: its counts carry their keys
    assert out.group_by("group").agg(pl.col("n_group").first())["n_group"].sum() == selection.records().height
    recent = Selection(table, years=(2015, 2019))
    model = causes.association_model(recent, "exploitation_sexual", ["sex"])
    assert model.n_records == recent.records().height < table.data.height
    indicator = load_cached(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    with pytest.raises(ParameterError, match="victim records"):
        causes.profile(Selection(indicator, country="THA"), "form")


def test_a_characteristic_is_read_by_its_other_names():
    """``gender`` (the column, and what ``profiles`` takes), ``age``, ``citizenship``: refused before."""
    assert causes.profile(_cases(), "means_of_control", "gender").equals(
        causes.profile(_cases(), "means_of_control", "sex")
    )
    assert causes.missing_values(_cases(), ["gender"])["variable"].to_list() == ["sex"]
    assert causes.characteristic_name("citizenship") == "origin"
    with pytest.raises(ParameterError, match="unknown characteristic 'colour'; choose from sex"):
        causes.profile(_cases(), "means_of_control", "colour")


def test_an_empty_selection_is_said_to_be_empty_not_unrecorded(shared_data):
    """No Philippine victim in the k-anonymised sample: "form of exploitation is not recorded in these data"
    (and "the table records no flags of the group" in profiles) before, though the table records it. (Profiles'
    group shares of an empty selection are an empty table since, as trends' are: tested with profiles.)"""
    from evidence.analyses import profiles
    from evidence.analyses.selection import Selection

    table = load_cached(shared_data / "ctdc" / "k_anon_sample.csv")
    empty = Selection(table, country="PHL", role="origin")
    assert empty.records().height == 0
    for call in (
        lambda: causes.profile(empty, "form", by="sex"),
        lambda: causes.association_model(empty, "exploitation_sexual"),
        lambda: profiles.odds_ratios(empty),
    ):
        with pytest.raises(ParameterError, match="no victim records here \\(an empty selection\\)"):
            call()
    assert causes.profile(Selection(table, country="UKR", role="origin"), "form").height  # recorded there


def test_a_logistic_fit_that_fails_numerically_is_a_refusal(shared_data, monkeypatch):
    """Leftover ("NaN weights seen once in show_causes_section"): the GLM's ValueError (NaN or infinite weights)
    escaped the section's handling of refusals (it catches the toolkit's errors) and stopped the notebook."""
    from evidence.analyses import glm

    vp = load_cached(shared_data / "ctdc" / "vp_synthetic_condensed.csv")

    def nan_weights(*args, **kwargs):
        raise ValueError("NaN, inf or invalid value detected in weights, estimation infeasible.")

    monkeypatch.setattr(glm, "fit_glm", nan_weights)
    with pytest.raises(ParameterError, match="model of sexual exploitation could not be fitted.*weights"):
        causes.association_model(vp, "exploitation_sexual", ["sex", "majority_status", "origin_region"])
    table, failures = causes.association_grid(vp, "form", ["sex", "majority_status", "origin_region"])
    assert table.is_empty() and all("could not be fitted" in why for why in failures.values())


def test_victims_recorded_for_both_topics_are_counted_once():
    # victims 1, 2 and 3 have a form and a means of control; victim 1 two forms (so in two rows of the heat
    # table), counted once here; victim 4 has a form only, victim 5 a means only
    cases = _cases().with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(True)
        .otherwise(pl.col("exploitation_forced_labour"))
        .alias("exploitation_forced_labour")
    )
    assert causes.recorded_both(cases, "form", "means_of_control") == 3
    assert causes.recorded_both(causes.CaseProfiles(cases), "means_of_control", "form") == 3
    heat = causes.cross_profile(cases, "form", "means_of_control")
    assert heat.select("row", "n_known").unique()["n_known"].sum() == 4


def test_a_keyed_models_counts_carry_the_keys_of_their_victims(own_records):
    """A model of records whose counts are perturbed carries the cell key of each count it reports, the sum of
    its victims' keys as every table takes it: fitted on every victim with form recorded, its sample's key is
    the form table's "Recorded" key, its outcome's the category's, and the victims left out the "Not recorded"
    key; the keys of a category's victims add up to the sample's. Unkeyed records carry none."""
    from evidence.analyses.selection import Selection

    everyone = Selection(own_records, country=None, role="both").records()
    assert RECORD_CELL_KEY in everyone.columns
    model = causes.association_model(everyone, "exploitation_sexual", ["sex"])
    assert set(model.excluded) == {"not recorded for form of exploitation"}
    forms = (
        causes.profile(everyone, "form")
        .filter(pl.col("category") == "Sexual exploitation")
        .row(0, named=True)
    )
    assert model.cell_keys["n_used"] == forms["n_known_key"]
    assert model.cell_keys["n_outcome"] == forms["count_key"]
    assert model.cell_keys[("left out", "not recorded for form of exploitation")] == forms["n_unknown_key"]
    by_sex = causes.profile(everyone, "form", "sex").filter(pl.col("category") == "Sexual exploitation")
    known = dict(zip(by_sex["group"].to_list(), by_sex["n_known_key"].to_list(), strict=True))
    assert not model.merged  # each term is a group of the table by sex
    for category in model.terms["category"].to_list():
        assert model.cell_keys[("term", "sex", category)] == known[category]
    terms = sum(model.cell_keys[("term", "sex", c)] for c in model.terms["category"].to_list())
    assert terms + known[model.references["sex"]] == model.cell_keys["n_used"]
    unkeyed = causes.association_model(everyone.drop(RECORD_CELL_KEY), "exploitation_sexual", ["sex"])
    assert unkeyed.cell_keys == {} and unkeyed.n_used == model.n_used


def test_the_rank_checks_of_a_model_run_on_one_blas_thread(monkeypatch):
    """The design's rank checks (an SVD of thousands of rows per column) run with one BLAS thread, as the fit
    does: on a busy machine its threads only spin (most of the person section's time on the demo's Thailand,
    counted in CPU), and the ranks are the same."""
    from threadpoolctl import threadpool_info, threadpool_limits

    threads: list[int] = []
    rank = causes.np.linalg.matrix_rank

    def recording(matrix, *args, **kwargs):
        threads.extend(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")
        return rank(matrix, *args, **kwargs)

    monkeypatch.setattr(causes.np.linalg, "matrix_rank", recording)
    with threadpool_limits(limits=2, user_api="blas"):
        model = causes.association_model(
            _collinear_cases(), "exploitation_sexual", ["sex", "age_group", "origin_region", "route_class"]
        )
    assert "route_class" in model.skipped  # the rank check ran (and found the duplicate)
    assert threads and set(threads) == {1}


def test_a_profile_reads_each_victims_group_by_its_row_and_counts_as_a_join_would(monkeypatch):
    """A profile pairs each victim's categories with its group by the victim's row (``_id`` is the row of the
    groups), not by a join (two joins of thousands of rows per profile, a dozen profiles a brief): the counts
    are those the join gives, for every topic and characteristic."""
    cases = _cases()
    expected = {}
    for topic in ("means_of_control", "form", "trafficking_duration"):
        for by in (None, "sex"):
            profiled = causes.CaseProfiles(cases)
            pairs, _ = profiled._topic_pairs(topic)
            groups, _, _ = profiled._grouped(by)
            joined = pairs.join(groups, on="_id")
            expected[topic, by] = (
                joined.group_by("group", "category").len().sort("group", "category"),
                joined.select("_id", "group").unique().group_by("group").len().sort("group"),
            )
    joins: list[int] = []
    join = pl.DataFrame.join
    monkeypatch.setattr(pl.DataFrame, "join", lambda self, *a, **k: joins.append(1) or join(self, *a, **k))
    for (topic, by), (counts, known) in expected.items():
        before = len(joins)
        out = causes.CaseProfiles(cases).profile(topic, by)
        got = out.filter(pl.col("count") > 0).select(
            "group", "category", pl.col("count").cast(pl.UInt32).alias("len")
        )
        assert got.sort("group", "category").equals(counts)
        got_known = out.filter(pl.col("n_known") > 0).select(
            "group", pl.col("n_known").cast(pl.UInt32).alias("len")
        )
        assert got_known.unique().sort("group").equals(known)
        # the grid's joins only (its counts, sizes and known victims), none by victim
        assert len(joins) - before <= 3


def test_what_the_records_record_is_read_once_per_frame(monkeypatch):
    """The person section asks its records' topics and characteristics four times: read once, each caller given
    its own list."""
    reads: list[str] = []
    topics = causes._recorded_topics

    def counted(df: pl.DataFrame) -> list[str]:
        reads.append("topics")
        return topics(df)

    monkeypatch.setattr(causes, "_recorded_topics", counted)
    cases = _cases()
    first = causes.recorded_topics(cases)
    first.append("spoiled")  # a caller's list is its own
    assert causes.recorded_topics(cases) == topics(cases) and reads == ["topics"]
    assert causes.recorded_characteristics(cases) == causes.recorded_characteristics(cases.clone())
    other = cases.clone()  # an equal frame that is another object: read again
    causes.recorded_topics(other)
    assert reads == ["topics", "topics"]


def test_the_models_of_a_topics_flags_read_its_denominator_rule_and_characteristics_once(demo, monkeypatch):
    """A section fits a model per flag of each topic on the same records and characteristics: the topic's
    denominator rule and the characteristics' values are read once per frame, and each model is the one fitted
    on a frame of its own (a copy: read afresh)."""
    ruled: list[int] = []
    rule = causes.apply_denominator_rule
    monkeypatch.setattr(causes, "apply_denominator_rule", lambda *a, **k: ruled.append(1) or rule(*a, **k))
    cases = demo.head(400)
    keyed = cases.with_columns(pl.Series(RECORD_CELL_KEY, range(cases.height), pl.Int64))
    outcomes = ("exploitation_sexual", "exploitation_forced_labour")
    for outcome in outcomes:
        for frame in (keyed, cases):
            model = causes.association_model(frame, outcome, ["sex", "age_band"])
            fresh = causes.association_model(frame.clone(), outcome, ["sex", "age_band"])
            assert model.terms.equals(fresh.terms)
            assert (model.n_used, model.n_outcome, model.excluded, model.cell_keys) == (
                fresh.n_used,
                fresh.n_outcome,
                fresh.excluded,
                fresh.cell_keys,
            )
    assert len(ruled) == 2 + 2 * len(outcomes)  # each frame's once, and each copy's
