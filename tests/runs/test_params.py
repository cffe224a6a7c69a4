from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidence.core.errors import ParameterError
from evidence.notebooks.catalog import NotebookSpec, ParamType, parse_parameters
from evidence.runs.params import (
    _Mismatch,
    anchor_data_paths,
    coerce,
    parameters_hash,
    parse_cli_pairs,
    resolve_parameters,
    run_id,
    slug_text,
)

SOURCE = """
country: str = "THA"  # ISO3 code
role: str = "both"  # one of: origin|destination|both
year_from: int = 2012
years: tuple[int, int] = (2012, 2023)
all_years: list[int] = []
share: float = 0.5
verbose: bool = False
data: list[str] = []  # data files
note: Optional[str] = None
"""


def spec(source: str = SOURCE) -> NotebookSpec:
    return NotebookSpec("brief", __file__, "0" * 64, parse_parameters(source), "python3")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kind, text, expected",
    [
        (ParamType("int"), "2015", 2015),
        (ParamType("int"), " -3 ", -3),
        (ParamType("float"), "2.5", 2.5),
        (ParamType("float"), 2, 2.0),
        (ParamType("bool"), "true", True),
        (ParamType("bool"), "No", False),
        (ParamType("bool"), 1, True),
        (ParamType("str"), "THA", "THA"),
        (ParamType("tuple", (ParamType("int"), ParamType("int"))), "2015-2022", [2015, 2022]),
        (ParamType("tuple", (ParamType("int"), ParamType("int"))), "2015,2022", [2015, 2022]),
        (ParamType("tuple", (ParamType("int"), ParamType("int"))), (2015, 2022), [2015, 2022]),
        (ParamType("list", (ParamType("int"),)), "2015-2017", [2015, 2016, 2017]),
        (ParamType("list", (ParamType("int"),)), "[1, 2]", [1, 2]),
        (ParamType("list", (ParamType("str"),)), "a.csv,b.csv", ["a.csv", "b.csv"]),
        (ParamType("list", (ParamType("str"),)), "a.csv", ["a.csv"]),
        (ParamType("list", (ParamType("str"),)), "", []),
        (ParamType("int", nullable=True), "none", None),
    ],
)
def test_coerce(kind, text, expected):
    assert coerce(kind, text) == expected


@pytest.mark.parametrize(
    "kind, value",
    [
        (ParamType("int"), "2015.5"),
        (ParamType("int"), True),
        (ParamType("int"), "abc"),
        (ParamType("float"), "x"),
        (ParamType("bool"), "maybe"),
        (ParamType("str"), 5),
        (ParamType("str"), None),
        (ParamType("tuple", (ParamType("int"), ParamType("int"))), "2015"),
        (ParamType("list", (ParamType("int"),)), "2020-2015"),
    ],
)
def test_coerce_refuses(kind, value):
    with pytest.raises(_Mismatch):
        coerce(kind, value)


@given(st.integers(-(10**9), 10**9))
def test_integers_survive_the_command_line(n):
    assert coerce(ParamType("int"), str(n)) == n


@given(st.integers(1900, 2100), st.integers(0, 30))
def test_year_ranges_expand_for_lists_and_pair_for_tuples(start, length):
    text = f"{start}-{start + length}"
    assert coerce(ParamType("list", (ParamType("int"),)), text) == list(range(start, start + length + 1))
    assert coerce(ParamType("tuple", (ParamType("int"), ParamType("int"))), text) == [start, start + length]


def test_resolve_fills_defaults_and_normalises_countries():
    resolved = resolve_parameters(spec(), {"country": "Cambodia", "year_from": "2015", "years": "2016-2020"})
    assert resolved == {
        "country": "KHM",
        "role": "both",
        "year_from": 2015,
        "years": [2016, 2020],
        "all_years": [],
        "share": 0.5,
        "verbose": False,
        "data": [],
        "note": None,
    }


def test_every_problem_is_reported_at_once():
    with pytest.raises(ParameterError) as info:
        resolve_parameters(
            spec(), {"contry": "THA", "year_from": "20x5", "role": "orign", "country": "Atlantis"}
        )
    text = str(info.value)
    assert "unknown parameter 'contry'" in text and "did you mean 'country'" in text
    assert "its parameters: country, role, year_from" in text
    assert "parameter 'year_from' expects int, got '20x5'" in text
    assert "must be one of origin|destination|both, got 'orign'" in text and "did you mean 'origin'" in text
    assert "unknown country 'Atlantis'" in text


@pytest.mark.parametrize(
    ("given", "meant"), [("dest", "destination"), ("Dest", "destination"), ("orig", "origin")]
)
def test_a_choice_cut_short_is_told_the_choice_meant(given, meant):
    """QA27: `evidence flows --role dest` said "did you mean 'destination'?", `evidence run -p role dest` and
    `evidence brief --role dest` did not (a prefix is too short for the similarity cut-off)."""
    with pytest.raises(ParameterError) as info:
        resolve_parameters(spec(), {"role": given})
    assert f"got {given!r}; did you mean {meant!r}?" in str(info.value), info.value
    with pytest.raises(ParameterError) as info:  # "o" starts no single choice: none is named
        resolve_parameters(spec(), {"role": "x"})
    assert "did you mean" not in str(info.value)


def test_data_files_must_exist_and_become_absolute(tmp_path):
    present = tmp_path / "cases.csv"
    present.write_text("x")
    assert resolve_parameters(spec(), {"data": ["cases.csv"]}, base_dir=tmp_path)["data"] == [str(present)]
    with pytest.raises(ParameterError, match="no such data file 'nope.csv'"):
        resolve_parameters(spec(), {"data": "nope.csv"}, base_dir=tmp_path)


def test_a_folder_given_as_a_data_file_is_called_a_folder(tmp_path):
    """`--data reports/` said "no such data file 'reports/'", though it is there (a folder)."""
    (tmp_path / "exports").mkdir()
    with pytest.raises(ParameterError, match="parameter 'data': 'exports' is a directory, not a data file"):
        resolve_parameters(spec(), {"data": "exports"}, base_dir=tmp_path)


def test_anchor_data_paths_only_touches_relative_data_files(tmp_path):
    given = {"data": ["a.csv", "/abs/b.csv"], "country": "THA"}
    assert anchor_data_paths(spec(), given, tmp_path) == {
        "data": [str(tmp_path / "a.csv"), "/abs/b.csv"],
        "country": "THA",
    }


def test_cli_pairs_collect_repeated_list_values_and_refuse_repeated_scalars():
    pairs = [("data", "a.csv"), ("data", "b.csv,c.csv"), ("country", "THA")]
    assert parse_cli_pairs(spec(), pairs) == {"data": ["a.csv", "b.csv", "c.csv"], "country": "THA"}
    with pytest.raises(ParameterError, match="given twice"):
        parse_cli_pairs(spec(), [("country", "THA"), ("country", "KHM")])


def test_run_id_is_readable_and_changes_with_any_parameter():
    resolved = resolve_parameters(spec(), {"country": "THA", "years": [2012, 2023]})
    name = run_id(spec(), resolved)
    assert name.startswith("brief-THA-both-2012-2012-2023-")
    other = run_id(spec(), {**resolved, "share": 0.6})
    assert other != name and other.rsplit("-", 1)[0] == name.rsplit("-", 1)[0]


@given(st.dictionaries(st.text(min_size=1, max_size=5), st.integers(), min_size=1, max_size=6))
def test_parameters_hash_ignores_key_order(params):
    assert parameters_hash("nb", params) == parameters_hash("nb", dict(reversed(list(params.items()))))


def test_run_id_names_the_data_files_by_their_stem():
    """Runs of one notebook on different data are told apart at a glance (hidden_population on New Orleans,
    UK and Netherlands lists); the folder a file sits in changes the hash only, never the readable part."""
    base = resolve_parameters(spec(), {"country": "THA"})
    assert "-data" not in run_id(spec(), base)  # no data files named: as before
    ned = run_id(spec(), {**base, "data": ["/a/Ned.csv"]})
    elsewhere = run_id(spec(), {**base, "data": ["/b/Ned.csv"]})
    assert ned.startswith("brief-THA-both-2012-2012-2023-Ned-")
    assert ned.rsplit("-", 1)[0] == elsewhere.rsplit("-", 1)[0] and ned != elsewhere
    uk = run_id(spec(), {**base, "data": ["/a/UKdat_5.csv", "/a/données été.xlsx"]})
    assert "-UKdat_5_donnees_ete-" in uk


@given(st.lists(st.text(max_size=60), max_size=4), st.text(max_size=20))
def test_run_ids_are_short_safe_ascii_whatever_the_file_names(names, country):
    parameters = {"country": country, "data": [f"/some/where/{n}.csv" for n in names]}
    name = run_id(spec(), parameters)
    slug, digest = name.rsplit("-", 1)
    assert re.fullmatch(r"[A-Za-z0-9._-]+", name) and name.isascii()
    assert len(slug) <= 80 and len(digest) == 6
    assert not slug.endswith((".", "-")) and ".." not in name.split("-")
    assert run_id(spec(), parameters) == name  # stable


@pytest.mark.parametrize("stem", ["weekly report [draft]", "notes[/]", "brief ünïcode", "..", "§"])
def test_run_ids_are_safe_ascii_whatever_the_notebooks_file_name(stem):
    """The notebook's name (its file's stem, any text a user gave it) went into the run id as it was: a space,
    brackets a summary table read as a style, characters outside ASCII in a folder name."""
    named = NotebookSpec(stem, __file__, "0" * 64, parse_parameters(SOURCE), "python3")  # type: ignore[arg-type]
    name = run_id(named, {"country": "THA"})
    assert re.fullmatch(r"[A-Za-z0-9._-]+", name) and not name.startswith((".", "-")), name


BRIEF = """
country: str = "THA"  # ISO3 code
role: str = "both"  # one of: origin|destination|both
year_from: Optional[int] = None
year_to: Optional[int] = None
data: list[str] = []  # data files
peers: list[str] = []
disclosure_threshold: int = 5
"""

FOUR_FILES = [
    "/d/ctdc/k_anon_sample.csv",
    "/d/unodc/data_glotip_2023-05-30.xlsx",
    "/d/walkfree/gsi_2023.xlsx",
    "/d/tip/tip_tiers_1999_2015.csv",
]


def test_run_ids_keep_every_fixed_segment_and_name_every_file():
    # country_brief on four files: THA destination lost its threshold, the TIP file was never named and
    # gsi_2023 became gsi (a fixed cut at 80 characters); now the data part shares what is left evenly
    brief = spec(BRIEF)
    base = {
        "country": "THA",
        "year_from": 2007,
        "year_to": 2021,
        "data": FOUR_FILES,
        "disclosure_threshold": 5,
    }
    destination = run_id(brief, {**base, "role": "destination"})
    origin = run_id(brief, {**base, "role": "origin"})
    assert destination.startswith("brief-THA-destination-2007-2021-k_anon_sa")
    assert destination.rsplit("-", 1)[0].endswith("-5") and origin.rsplit("-", 1)[0].endswith("-5")
    for name in (destination, origin):
        data = name.split("-")[5]
        assert "gsi_2023" in data and "tip_tier" in data and "data_glot" in data and len(name) <= 80 + 7
    assert run_id(brief, {**base, "role": "origin", "data": FOUR_FILES[:1]}).startswith(
        "brief-THA-origin-2007-2021-k_anon_sample-5-"
    )


@given(
    st.lists(st.text(max_size=60), max_size=6),
    st.text(max_size=16),
    st.sampled_from(["origin", "destination", "both"]),
    st.integers(2, 99),
    st.integers(20, 120),
)
def test_run_ids_are_ascii_bounded_and_keep_every_non_data_segment(
    names, country, role, threshold, max_length
):
    brief = spec(BRIEF)
    parameters = {
        "country": country,
        "role": role,
        "year_from": 2010,
        "year_to": 2020,
        "data": [f"/some/where/{n}.csv" for n in names],
        "disclosure_threshold": threshold,
    }
    name = run_id(brief, parameters, max_length=max_length)
    slug, digest = name.rsplit("-", 1)
    assert name.isascii() and re.fullmatch(r"[A-Za-z0-9._-]+", name) and len(digest) == 6
    fixed = [s for s in ("brief", slug_text(country), role, "2010", "2020", str(threshold)) if s]
    assert len(slug) <= max(max_length, len("-".join(fixed)))
    padded = f"-{slug}-"
    assert all(f"-{s}-" in padded for s in fixed)
    assert [s for s in slug.split("-") if s in fixed or s.startswith("brief")][:1] == ["brief"]
    assert "" not in slug.split("-") and not slug.endswith((".", "_"))
    assert run_id(brief, parameters, max_length=max_length) == name  # stable


@pytest.mark.parametrize(
    "text, message",
    [
        # PyYAML's own text: several lines, naming the file "<unicode string>"
        ("country: [THA\n", "line 2, column 1: expected ',' or ']'"),
        ("notebooks: [routes]\nparameters:\n  country: THA\n   role: origin\n", "line 4, column 8: mapping"),
        # PyYAML keeps the last of two keys silently: a second `parameters:` block dropped the first
        (
            "parameters:\n  country: [THA]\nparameters:\n  role: [origin]\n",
            "line 3, column 1: the key 'parameters'",
        ),
        ("country: THA\nrole: origin\ncountry: KHM\n", "the key 'country' is given twice"),
    ],
)
def test_a_yaml_file_with_a_mistake_is_one_line_naming_the_file_line_and_column(tmp_path, text, message):
    from evidence.core.errors import InputError
    from evidence.runs.params import read_yaml

    path = tmp_path / "plan.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        read_yaml(path, "the plan")
    error = str(info.value)
    assert error.startswith(f"{path}: not valid YAML: ") and message in error, error
    assert "\n" not in error and "<unicode string>" not in error


def test_a_yaml_file_not_in_utf8_is_one_line_naming_the_file_and_line(tmp_path):
    """A plan saved in Latin-1 (``país: Perú`` by an editor of Windows) ended the batch with a
    UnicodeDecodeError traceback and exit 1."""
    from evidence.core.errors import InputError
    from evidence.runs.params import read_yaml

    path = tmp_path / "plan.yaml"
    path.write_bytes("notebooks: [routes]\nparameters:\n  country: [Per\u00fa]\n".encode("latin-1"))
    with pytest.raises(InputError) as info:
        read_yaml(path, "the plan")
    assert info.value.path == str(path) and info.value.row == 3
    assert "not UTF-8" in str(info.value) and "save it as UTF-8" in str(info.value)


def test_yaml_merge_keys_may_still_be_overridden(tmp_path):
    from evidence.runs.params import read_yaml

    path = tmp_path / "params.yaml"
    path.write_text("defaults: &d {country: THA, role: both}\nrun:\n  <<: *d\n  country: KHM\n")
    assert read_yaml(path, "x")["run"] == {"country": "KHM", "role": "both"}


def test_an_unknown_country_parameter_is_refused_in_the_words_of_every_command() -> None:
    """`brief XXX` said "(give an ISO3 code such as THA, or a name)", `flows -c XXX` "give an ISO 3166-1 alpha-3
    code such as THA, or a country's name" and suggested the country a misspelling is close to: one wording."""
    from evidence.analyses.selection import check_country

    with pytest.raises(ParameterError) as caught:
        resolve_parameters(spec(), {"country": "Thialand"})
    with pytest.raises(ParameterError) as direct:
        check_country("Thialand")
    assert str(direct.value) in str(caught.value) and "did you mean THA (Thailand)?" in str(caught.value)


AUTO_SOURCE = 'runs: str = "auto"  # a number or auto\n# check: runs >= 1\n'


@pytest.mark.parametrize(("given", "expected"), [("auto", "auto"), (" AUTO ", "auto"), ("3", 3), (4, 4)])
def test_a_number_or_auto_takes_either(given, expected):
    assert resolve_parameters(spec(AUTO_SOURCE), {"runs": given}) == {"runs": expected}
    assert resolve_parameters(spec(AUTO_SOURCE), {}) == {"runs": "auto"}


@pytest.mark.parametrize("given", ["many", "2.5", True, [3]])
def test_a_number_or_auto_refuses_anything_else(given):
    with pytest.raises(ParameterError, match="runs"):
        resolve_parameters(spec(AUTO_SOURCE), {"runs": given})


@pytest.mark.parametrize("old", [0, "0", " 0 "])
def test_the_old_spelling_of_auto_runs_still_works_and_says_so(old, capsys):
    """hidden_population spelled "as many bootstrap runs as needed" 0 (plans and earlier runs' records say so):
    it means auto, with one line on standard error naming the new spelling."""
    source = 'bootstrap_runs: str = "auto"  # a number or auto\n# check: bootstrap_runs >= 1\n'
    assert resolve_parameters(spec(source), {"bootstrap_runs": old}) == {"bootstrap_runs": "auto"}
    err = capsys.readouterr().err
    assert err.count("warning: bootstrap_runs 0 is the old spelling of bootstrap_runs auto") == 1, err
    assert resolve_parameters(spec(source), {"bootstrap_runs": 2}) == {"bootstrap_runs": 2}
    assert capsys.readouterr().err == ""
