"""The disclosure scan reads an age band as a brief writes it (:func:`~evidence.core.text.age_band_text`:
"9–17 years", "48 years or over") as ages, wherever it stands (a header, a row's label, a data cell, a sentence,
under any threshold), and still finds a small count of people beside it."""

from __future__ import annotations

import html

from hypothesis import given
from hypothesis import strategies as st

from evidence.core.text import age_band_text
from evidence.presentation.disclosure import DisclosureRule, find_small_counts

#: Thresholds of the brief's sources: UNODC's 5, CTDC's 10 and 11, and one above every age of a band.
RULES = st.sampled_from([DisclosureRule(5), DisclosureRule(11), DisclosureRule(140)])
#: Bands as the data name them: CTDC's codes ("9-17", "48+"), UNODC's words ("0 to 17 years").
BANDS = st.one_of(
    st.tuples(st.integers(0, 120), st.integers(0, 120)).map(lambda t: f"{min(t)}-{max(t)}"),
    st.tuples(st.integers(0, 120), st.integers(0, 120)).map(lambda t: f"{min(t)} to {max(t)} years"),
    st.integers(0, 120).map(lambda n: f"{n}+"),
    st.integers(0, 120).map(lambda n: f"{n} years or over"),
)


def _html(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines) + "\n"


def _outputs(header: list[str], rows: list[list[str]]) -> list[str]:
    return [_html(header, rows), _markdown(header, rows)]


@given(band=BANDS, other=BANDS, rule=RULES)
def test_an_age_band_as_a_brief_writes_it_is_never_read_as_a_count(band: str, other: str, rule) -> None:
    age, reference = age_band_text(band), age_band_text(other)
    assert age is not None and reference is not None
    for text in (
        *_outputs(
            ["Form of exploitation", age, reference, "All victims"],
            [["Forced labour", "1,200", "1,400", "2,600"]],
        ),
        *_outputs(["Age", "Victims"], [[age, "1,200"], [reference, "1,400"]]),  # rows named by the band
        # a data cell naming bands (the odds ratios' "0–17 years (vs 18–29 years)")
        *_outputs(
            ["Characteristic", "Category", "Odds ratio"], [["Age group", f"{age} (vs {reference})", "1.91"]]
        ),
        f"Every victim here is aged {age}, so the table has one column.",
        f"Age groups merge the recorded age bands: {age} holds {age} and {reference}.",
    ):
        assert find_small_counts(text, rule) == [], text


@given(band=BANDS, count=st.integers(1, 4))
def test_a_small_count_beside_an_age_band_is_still_found(band: str, count: int) -> None:
    age = age_band_text(band)
    assert age is not None
    rule = DisclosureRule(5)
    for text in (
        *_outputs(["Age", "Victims"], [[age, str(count)], ["All victims", "120"]]),
        *_outputs(["Form of exploitation", age, "All victims"], [["Forced labour", str(count), "120"]]),
        f"{count} victims aged {age} were identified.",
        f"Of the victims aged {age}, {count} were identified in 2019.",
    ):
        assert count in [hit.value for hit in find_small_counts(text, rule)], text


def test_the_codes_a_brief_no_longer_shows_would_be_read_as_counts() -> None:
    """Why the bands say their unit with a dash: a bare code in a data cell ("9-17") or UNODC's "to" in a table
    ("9 to 17 years") is read as a count of people, 9, below CTDC's threshold of 11."""
    rule = DisclosureRule(11)
    assert find_small_counts(_markdown(["Characteristic", "Category"], [["Age group", "9-17"]]), rule)
    assert find_small_counts(_markdown(["Age", "Victims"], [["9 to 17 years", "120"]]), rule)
    assert not find_small_counts(_markdown(["Age", "Victims"], [[str(age_band_text("9-17")), "120"]]), rule)
