"""A brief's subtitle and At a glance box say the run's parameters in words: "Role: both", "Routes classed by:
region", "Broken down by: form" were the notebooks' code words; the role now goes with the country, as the country
brief's own box says it ("Thailand as country of origin or destination")."""

from __future__ import annotations

from evidence.briefs.document import describe_parameters, glance_box, reader_parameters


def test_the_role_is_said_with_the_country_in_words() -> None:
    for role, words in (
        ("both", "country of origin or destination"),
        ("origin", "country of origin"),
        ("destination", "country of destination"),
    ):
        parameters = {"country": "THA", "role": role, "year_from": 2012, "year_to": 2023}
        assert dict(reader_parameters(parameters)) == {
            "Country": f"Thailand as {words}",
            "Years": "2012–2023",
        }
        assert describe_parameters(parameters) == f"Thailand as {words} · 2012–2023"
    box = glance_box({"country": "KHM", "role": "both", "top_n": 10}, [])
    assert "**Country:** Cambodia as country of origin or destination" in box and "Role" not in box
    # without a country (no packaged notebook runs so): the role alone, in words
    assert dict(reader_parameters({"role": "origin"})) == {"Role": "country of origin"}


def test_code_word_values_are_said_in_words() -> None:
    shown = dict(
        reader_parameters(
            {
                "regional_level": "subregion",
                "by": "form",
                "person_scope": "all",
                "peers": ["KHM", "LAO"],
                "p_enter": 0.02,
                "max_order": 2,
                "downhill_start": "full",
                "bootstrap_replicates": 1000,
            }
        )
    )
    assert shown["Routes classed by"] == "UN M49 subregions"
    assert shown["Broken down by"] == "form of exploitation"
    assert shown["Victims described"] == "every record of the case data, of every country"
    assert shown["Compared with"].startswith("Cambodia, Lao")
    assert shown["Stepwise entry threshold"] == "p < 0.02"
    assert shown["Highest order of interactions"] == "2 (pairs of lists)"
    assert shown["Downhill search from"] == "every interaction up to the highest order"
    assert shown["Bootstrap replicates"] == "1,000"
    assert dict(reader_parameters({"by": "none"}))["Broken down by"] == "nothing (totals only)"
    assert (
        dict(reader_parameters({"regional_level": "region"}))["Routes classed by"]
        == "UN M49 regions (continents)"
    )
    # a value the run already resolved in words (the hidden-population notebook's) is shown as it is
    resolved = {
        "max_order": "3 (the highest 3 lists allow)",
        "bootstrap_replicates": "none (log-normal interval)",
    }
    assert dict(reader_parameters(resolved)) == {
        "Highest order of interactions": "3 (the highest 3 lists allow)",
        "Bootstrap replicates": "none (log-normal interval)",
    }
