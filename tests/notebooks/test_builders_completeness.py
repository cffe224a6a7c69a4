"""The completeness tables of the data_quality notebook (evidence.notebooks.builders.completeness_tables): the
table of fields and the tables by year protected as one system."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from evidence.notebooks.builders import completeness_tables
from evidence.presentation.disclosure import COMPLEMENT_LABEL, SHARE_SUPPRESSED_LABEL, DisclosureRule

RULE = DisclosureRule(5)


def _tables(records: list[int], known: dict[str, list[int]], *, unknown_year: bool):
    """A file's field completeness and its completeness by year, as the analyses give them: ``records`` per year
    (the last one the records of no year when ``unknown_year``), ``known`` per field and year."""
    years = [2015 + i for i in range(len(records))]
    if unknown_year:
        years[-1] = None
    total = sum(records)
    fields = [("year", total - (records[-1] if unknown_year else 0))]
    fields += [(f, sum(ks)) for f, ks in known.items()]
    field_frame = pl.DataFrame(
        {
            "field": [f for f, _ in fields],
            "known": [k for _, k in fields],
            "records": [total] * len(fields),
            "share_known": [k / total for _, k in fields],
            "collected": [True] * len(fields),
        }
    )
    by_year = pl.DataFrame(
        {
            "year": pl.Series(years, dtype=pl.Int64),
            "records": records,
            **{f"known_{f}": [k / n for k, n in zip(ks, records, strict=True)] for f, ks in known.items()},
            **{f"n_known_{f}": ks for f, ks in known.items()},
        }
    )
    return field_frame, by_year


def _count(cell: str) -> tuple[int, float]:
    """What a reader knows of a published count cell: its value, or the bounds its label gives."""
    if cell == RULE.label:
        return 1, RULE.threshold - 1
    if cell == COMPLEMENT_LABEL:
        return RULE.threshold, float("inf")
    value = int(cell.replace(",", ""))
    return value, value


def _range(
    published_fields: pl.DataFrame,
    by_year: pl.DataFrame,
    fields: list[str],
    target: tuple[int, str],
    *,
    unknown_year: bool,
):
    """The least and greatest whole number of records known of ``target`` (a row and a field of the table by
    year) over every table of whole counts that gives what both tables publish: an integer programme, the
    strongest reader (who knows how a label bounds a count, and that a whole percentage is rounded)."""
    import highspy
    import numpy as np

    rows = by_year.height - 1  # the last row is the total
    names = [("n", i) for i in range(rows)] + [("k", i, f) for i in range(rows) for f in fields]
    index = {name: j for j, name in enumerate(names)}
    lower, upper = [0.0] * len(names), [float(10**6)] * len(names)
    constraints: list[tuple[dict[int, float], float, float]] = []
    records = by_year["Records"].to_list()
    for i in range(rows):
        lower[index[("n", i)]], upper[index[("n", i)]] = _count(records[i])
        for f in fields:
            k = index[("k", i, f)]
            constraints.append(({k: 1.0, index[("n", i)]: -1.0}, -highspy.kHighsInf, 0.0))  # k <= n
            share = by_year[f.replace("_", " ")][i]
            if share != SHARE_SUPPRESSED_LABEL:
                s = int(share.removesuffix("%")) / 100
                constraints.append(({k: 1.0, index[("n", i)]: -(s - 0.005)}, 0.0, highspy.kHighsInf))
                constraints.append(({k: 1.0, index[("n", i)]: -(s + 0.005)}, -highspy.kHighsInf, 0.0))
    every = {index[("n", i)]: 1.0 for i in range(rows)}
    low, high = _count(records[-1])
    constraints.append((every, low, high))
    for row in published_fields.iter_rows(named=True):
        field = row["Field"].split(" ")[0]
        known, unknown, total = (_count(row[c]) for c in ("Known", "Not known", "Records"))
        if field == "year":  # the records of a year; the records of no year are the last row's, if any
            no_year = index[("n", rows - 1)] if unknown_year else None
            if no_year is not None:
                constraints.append(({no_year: 1.0}, *unknown))
            constraints.append(({j: 1.0 for j in every if j != no_year}, *known))
            continue
        column = {index[("k", i, field)]: 1.0 for i in range(rows)}
        constraints.append((column, *known))
        # not known: all records less those known
        constraints.append(({**every, **{j: -1.0 for j in column}}, *unknown))
        constraints.append((every, *total))
    bounds = []
    for sign in (1.0, -1.0):
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(names), len(constraints)
        cost = np.zeros(len(names))
        cost[index[("k", *target)]] = sign
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, np.array(lower), np.array(upper)
        lp.row_lower_ = np.array([lo for _, lo, _ in constraints])
        lp.row_upper_ = np.array([hi for _, _, hi in constraints])
        lp.integrality_ = [highspy.HighsVarType.kInteger] * len(names)
        matrix = lp.a_matrix_
        matrix.format_ = highspy.MatrixFormat.kRowwise
        starts, cols, values = [0], [], []
        for combination, _, _ in constraints:
            cols += list(combination)
            values += list(combination.values())
            starts.append(len(cols))
        matrix.start_, matrix.index_, matrix.value_ = (
            np.array(starts),
            np.array(cols, dtype=np.int32),
            np.array(values),
        )
        h.passModel(lp)
        h.run()
        assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal, (
            "the true tables fit what is published"
        )
        bounds.append(sign * h.getInfo().objective_function_value)
    return bounds[0], bounds[1]


@st.composite
def _small_files(draw):
    years = draw(st.integers(2, 4))
    records = draw(st.lists(st.integers(1, 30), min_size=years, max_size=years))
    fields = ["gender", "exploitation"][: draw(st.integers(1, 2))]
    known = {f: [draw(st.integers(0, n)) for n in records] for f in fields}
    return records, known, draw(st.booleans())


@given(_small_files())
def test_a_share_the_table_by_year_withholds_cannot_be_recovered_from_both_tables(file):
    """Every share the table by year withholds stays unrecoverable given everything both tables publish (the
    table of fields' records known and not known of each field, the records of each year and their total, the
    shares shown, each to a whole percent): its records known take at least two whole values (a 0 aside, which
    the rule holds safe), and so do its records not known when they are a small count."""
    records, known, unknown_year = file
    fields_frame, by_year = _tables(records, known, unknown_year=unknown_year)
    tables = completeness_tables(fields_frame, {"year": by_year}, RULE)
    if tables.fields is None or tables.by["year"] is None:
        return  # too few to protect: nothing published
    shown = tables.by["year"]
    for field, counts in known.items():
        for i, (k, n) in enumerate(zip(counts, records, strict=True)):
            if shown[field.replace("_", " ")][i] != SHARE_SUPPRESSED_LABEL:
                continue
            low, high = _range(tables.fields, shown, list(known), (i, field), unknown_year=unknown_year)
            assert low <= k <= high
            if k:
                assert high - low >= 1, f"{field} of row {i}: {k} known of {n}, recovered"
            if RULE.is_small(n - k):
                # the records not known: n - k, with n read as the reader can (its range widens it)
                assert high - low >= 1 or _count(shown["Records"][i])[0] != _count(shown["Records"][i])[1]


def test_a_share_of_perturbed_records_is_read_from_the_published_counts_in_both_tables():
    """Records of real people (cell keys): the table of fields gave the share known of the published, perturbed
    counts (28 of 42), the table by year that of the true ones (30 of 40): one file of a single year, the same
    quantity, published as 67% and as 75%. Both now read the published counts."""
    from evidence.notebooks.builders import completeness_table, field_table
    from evidence.presentation.disclosure import DEFAULT_NOISE

    known_key, records_key = 134217728, 3959422976  # keys the noise moves (by -2 and +2)
    moves = DEFAULT_NOISE.perturbations([known_key, records_key])
    assert 0 not in moves
    fields = pl.DataFrame(
        {
            "field": ["gender"],
            "known": [30],
            "records": [40],
            "share_known": [0.75],
            "collected": [True],
            "known_key": [known_key],
            "records_key": [records_key],
        }
    )
    by_year = pl.DataFrame(
        {
            "year": [2020],
            "records": [40],
            "known_gender": [0.75],
            "n_known_gender": [30],
            "cell_key": [records_key],
            "n_known_gender_key": [known_key],
        }
    )
    published = f"{(30 + moves[0]) / (40 + moves[1]):.0%}"
    assert published != "75%"
    (row,) = field_table(fields, RULE, keyed=True).iter_rows(named=True)
    assert row["Share known"] == published and row["Records"] == str(40 + moves[1])
    shown = completeness_table(by_year, "year", RULE)
    assert shown["gender"].to_list() == [published, ""]
    assert shown["Records"].to_list() == [str(40 + moves[1])] * 2


def test_a_region_is_shown_only_where_it_is_known_for_other_records_than_its_country():
    """The table of fields repeated each country's numbers in the rows of its region and sub-region. A region
    known for exactly the country's records is folded (named in a note); one known for other records too (a
    split state such as Yugoslavia: a region, no country) is shown, and where it differs from the country by a
    small count (2 records with a region and no country), that count is not given back by the difference."""
    from evidence.analyses.quality import field_completeness
    from evidence.sources.case_schema import conform

    def fields_of(regions: list[str | None]):
        records = conform(
            pl.DataFrame(
                {
                    "year": [2020] * 40,
                    "origin_iso3": ["THA"] * 30 + [None] * 10,
                    "origin_region": regions,
                    "destination_iso3": ["THA"] * 40,
                    "destination_region": ["Asia"] * 40,
                }
            )
        )
        return field_completeness(records)

    same = completeness_tables(fields_of(["Asia"] * 30 + [None] * 10), {}, RULE)
    assert same.folded == {"origin_region": "origin_iso3", "destination_region": "destination_iso3"}
    assert set(same.fields["Field"]) == {"year (a single year)", "origin_iso3", "destination_iso3"}

    other = completeness_tables(fields_of(["Asia"] * 30 + ["Europe"] * 5 + [None] * 5), {}, RULE)
    assert other.folded == {"destination_region": "destination_iso3"}
    rows = {r["Field"]: r for r in other.fields.iter_rows(named=True)}
    assert (rows["origin_iso3"]["Known"], rows["origin_region"]["Known"]) == ("30", "35")

    few = completeness_tables(fields_of(["Asia"] * 30 + ["Europe"] * 2 + [None] * 8), {}, RULE)
    rows = {r["Field"]: r for r in few.fields.iter_rows(named=True)}
    # 32 - 30 would be the 2 records of Yugoslavia: one of the two rows is withheld, known and not known
    pairs = [(rows[f]["Known"], rows[f]["Not known"]) for f in ("origin_iso3", "origin_region")]
    assert (COMPLEMENT_LABEL, COMPLEMENT_LABEL) in pairs


def test_perturbed_records_known_above_the_records_show_no_share():
    """Shares of perturbed records are of the published counts: 35 known of 40, the known moved up by 3 and the
    records down by 3, would read 38 of 37, "103%" (and 5 not known read as none). Withheld, as a share whose
    records not known read off the published counts are small."""
    from evidence.notebooks.builders import completeness_table
    from evidence.presentation.disclosure import DEFAULT_NOISE

    known_key, records_key = 4227858432, 67108864
    assert DEFAULT_NOISE.perturbations([known_key, records_key]) == [3, -3]
    by_year = pl.DataFrame(
        {
            "year": [2020, 2021],
            "records": [40, 60],
            "known_gender": [35 / 40, 0.5],
            "n_known_gender": [35, 30],
            "cell_key": [records_key, 2**31],
            "n_known_gender_key": [known_key, 2**31],
        }
    )
    shown = completeness_table(by_year, "year", RULE)
    assert shown["Records"].to_list()[0] == "37"
    assert shown["gender"].to_list()[0] == SHARE_SUPPRESSED_LABEL


def _differences(shares: dict[str, str], records: tuple[int, int], first: str, second: str) -> set[int]:
    """Every number of records ``first`` is known for beyond ``second`` that fits their published shares (each
    a whole percent of the same records) for some number of records in ``records`` (the range the table of
    files gives): the strongest reader, by whole numbers."""
    found = set()
    for n in range(records[0], records[1] + 1):
        fits = [
            [k for k in range(n + 1) if round(k / n * 100) == int(shares[f].removesuffix("%"))]
            for f in (first, second)
        ]
        found |= {a - b for a in fits[0] for b in fits[1] if a >= b}
    return found


def test_a_region_beside_its_country_gives_no_small_count_back_with_the_records_the_files_table_bounds():
    """Shares only (the table of files withholds the records kept): a file of 11 records (16 rows read, 5
    rejected) beside one of 20 (3 rejected), its origin country known for 5 records and its origin region for 6
    (1 with a region and no country). The table of fields showed both shares (45%, 55%) and took the records as
    unknown; but the table of files shows the file's rows kept and rejected withheld (``x``, each at least 5)
    beside its 16 rows read: 5 to 11 records, and only 11 fits both shares, so 1 record with a region and no
    country."""
    from evidence.analyses.quality import field_completeness
    from evidence.notebooks.builders import sources_view
    from evidence.sources.case_schema import conform
    from evidence.sources.loaded import LoadedTable, issues_frame
    from evidence.sources.provenance import Provenance

    def loaded(kept: int, rejected: int, path: str) -> LoadedTable:
        provenance = Provenance(
            source="ctdc", layout="global_synthetic", release="2024", path=path, sha256="a" * 64, url="",
            licence="", citation="CTDC", synthetic=False, demo=False,
        )  # fmt: skip
        rejects = issues_frame(
            [{"row": r, "column": "year", "value": "x", "reason": "bad"} for r in range(1, rejected + 1)]
        )
        return LoadedTable(
            pl.DataFrame({"x": range(kept)}), provenance, rows_in=kept + rejected, rejects=rejects
        )

    files = sources_view([loaded(11, 5, "/d/a.csv"), loaded(20, 3, "/d/b.csv")], RULE).display().row(0)
    kept, rejected, read = files[2:5]
    assert (kept, rejected) == (COMPLEMENT_LABEL, COMPLEMENT_LABEL) and read == "16"  # shares only
    bounds = (RULE.threshold, int(read) - RULE.threshold)

    records = conform(
        pl.DataFrame(
            {
                "year": [2020] * 11,
                "origin_iso3": ["THA"] * 5 + [None] * 6,
                "origin_region": ["Asia"] * 5 + ["Europe"] + [None] * 5,
                "destination_iso3": ["THA"] * 11,
                "destination_region": ["Asia"] * 11,
            }
        )
    )
    tables = completeness_tables(field_completeness(records), {}, RULE, shares_only=True)
    shown = dict(zip(tables.fields["Field"], tables.fields["Share known"], strict=True))
    assert shown["destination_iso3"] == "100%"  # a share shown where nothing small follows
    if shown["origin_iso3"] and shown["origin_region"]:
        differences = _differences(shown, bounds, "origin_region", "origin_iso3")
        assert 1 in differences
        assert len(differences) > 1, "the records with a region and no country follow from the two shares"


def _with_split_state(folder, split: int, no_region: int, blank: int, others: int = 45):
    """A Global Synthetic file: ``split`` victims of Yugoslavia's old code (a region, no country: flagged),
    ``no_region`` of Antarctica (a country, no M49 region), ``blank`` of no citizenship, ``others`` of Asia."""
    import csv

    from evidence.sources.ctdc import SYNTHETIC_COLUMNS
    from evidence.sources.registry import load

    citizenships = ["YU"] * split + ["ATA"] * no_region + [""] * blank
    citizenships += [["THA", "KHM", "MMR"][i % 3] for i in range(others)]
    header = list(SYNTHETIC_COLUMNS)
    path = folder / "ctdc_split_state.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for i, citizenship in enumerate(citizenships):
            writer.writerow(
                dict.fromkeys(header, "")
                | {
                    "yearOfRegistration": str(2015 + i % 5),
                    "gender": "Woman",
                    "citizenship": citizenship,
                    "CountryOfExploitation": "THA",
                    "isForcedLabour": "1",
                }
            )
    return load(path)


def test_a_split_states_flagged_rows_and_the_table_of_fields_give_no_country_without_a_region_back(tmp_path):
    """7 victims of Yugoslavia's old code (a region, no country), 2 of Antarctica (a country, no region): the table
    of flagged rows publishes the 7 (its reason names the split state), and the table of fields published the
    origin country known for 47 and the region for 52. 52 - 47 = 7 - 2: the 2 with a country and no region. The
    audit took the 7 as shown nowhere; it now knows the flagged rows show them."""
    from evidence.analyses.quality import field_completeness
    from evidence.analyses.selection import Selection
    from evidence.notebooks.builders import reasons_table

    loaded = _with_split_state(tmp_path, split=7, no_region=2, blank=6)
    flagged = reasons_table(loaded.summary()["flag_reasons"], RULE, total_label="All flagged rows").display()
    (reason,) = [r for r in flagged["reason"] if "Yugoslavia" in r]
    assert dict(flagged.rows())[reason] == "7"
    fields = field_completeness(Selection(loaded))

    def country_without_region(shown: pl.DataFrame) -> set[int]:
        """Every number of records with a country and no region that fits the two rows and the flagged 7."""
        rows = {r["Field"]: r for r in shown.iter_rows(named=True)}
        region, country = rows["origin_region"], rows["origin_iso3"]
        records = int(region["Records"])
        fits = []
        for row in (region, country):
            low, high = _count(row["Known"])
            low_unknown, high_unknown = _count(row["Not known"])
            fits.append(
                range(int(max(low, records - high_unknown)), int(min(high, records - low_unknown)) + 1)
            )
        return {7 - (r - c) for r in fits[0] for c in fits[1] if 0 <= 7 - (r - c) <= c}

    # a caller that says nothing else shows them: the table of fields as it was, the 2 given back
    assert country_without_region(completeness_tables(fields, {}, RULE, fixed={}).fields) == {2}
    protected = completeness_tables(fields, {}, RULE).fields
    assert len(country_without_region(protected)) > 1
    # the same, told: the region's and the sub-region's records without a country are the flagged rows
    told = {"origin_region": (7, None), "origin_subregion": (7, None)}
    assert completeness_tables(fields, {}, RULE, fixed=told).fields.equals(protected)


def test_the_all_records_row_gives_each_fields_share_as_the_table_of_fields_does():
    """world30: the data-quality briefs' tables by year and by source type ended in a row "All records | 1,479"
    whose share cells were empty, unexplained, where the table of fields above gives each field's share of all
    records: the row gives the same share (empty where that table shows none)."""
    fields_frame, by_year = _tables([40, 60], {"sex": [30, 50], "gender_x": [40, 60]}, unknown_year=False)
    tables = completeness_tables(fields_frame, {"year": by_year}, RULE)
    assert tables.fields is not None and tables.by["year"] is not None
    share = dict(zip(tables.fields["Field"], tables.fields["Share known"], strict=True))
    assert share["sex"] == "80%"
    last = tables.by["year"].row(-1, named=True)
    assert last["Year"] == "All records" and last["Records"] == "100"
    assert (last["sex"], last["gender x"]) == ("80%", share["gender_x"])
