from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from evidence.notebooks.views import interval_counts_view, shares_view, withheld_share
from evidence.presentation.disclosure import DisclosureRule

RULE = DisclosureRule(5)


def test_shares_of_small_counts_are_withheld():
    shares = pl.DataFrame(
        {
            "category": ["Forced labour", "Sexual exploitation"],
            "count": [120, 3],
            "n_known": [123, 123],
            "share": [120 / 123, 3 / 123],
            "ci_low": [0.9, 0.01],
            "ci_high": [0.99, 0.07],
        }
    )
    view = shares_view(shares, RULE, label="form")
    assert view["count"].to_list() == ["120", "<5"]
    assert view["share"].to_list() == ["97.6%", ""]
    assert view["95% interval"].to_list()[1] == ""


def test_interval_counts_show_ranges_and_disclose_each_bound():
    frame = pl.DataFrame({"k": ["a", "b", "c"], "victims_low": [10, 1, 3], "victims_high": [10, 4, 12]})
    assert interval_counts_view(frame, ["k"], RULE)["victims"].to_list() == ["10", "<5", "<5–12"]


@given(st.lists(st.tuples(st.integers(0, 40), st.floats(0, 1)), min_size=1, max_size=20))
def test_no_share_is_shown_for_a_withheld_count(rows):
    counts = pl.Series([c for c, _ in rows])
    shares = pl.Series([s for _, s in rows])
    hidden = counts.to_frame("c").select(RULE.small_expr("c"))["c"]
    shown = withheld_share(shares, hidden)
    for count, text in zip(counts.to_list(), shown.to_list(), strict=True):
        if RULE.is_small(count):
            assert text == ""
        else:
            assert text.endswith("%")


def test_show_table_offers_html_and_markdown(monkeypatch):
    import IPython.display

    from evidence.notebooks import views

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    frame = pl.DataFrame({"flow_class": ["domestic", "a|b"], "victims": ["1,234", "<5"]})
    views.show_table(frame, caption="Routes", note="Counts below 5 are shown as <5.")
    (bundle,) = shown
    assert bundle["text/markdown"].splitlines()[:4] == [
        "**Routes**",
        "",
        "| flow class | victims |",
        "|:---|---:|",
    ]
    assert (
        "a\\|b" in bundle["text/markdown"] and "*Counts below 5 are shown as <5.*" in bundle["text/markdown"]
    )
    assert "<caption" in bundle["text/html"] and "&lt;5" in bundle["text/html"]
    assert 'style="text-align:right">1,234</td>' in bundle["text/html"]
