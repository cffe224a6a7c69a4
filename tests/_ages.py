"""How a brief writes age bands, for the views' tests: the one style of :func:`evidence.core.text.age_band_text`."""

from __future__ import annotations

import re

from evidence.analyses.causes import AGE_GROUP_ORDER
from evidence.sources.case_schema import AGE_BANDS

#: The codes the data name ages by (CTDC's bands, the person section's groups): never shown–a reader.
AGE_CODES = (*AGE_BANDS, *AGE_GROUP_ORDER)
# a code standing alone ("0-17", "48+", "48\+" as Markdown escapes it), not part of a number, date or range
_CODED = re.compile(
    r"(?<![\w.,\u2013-])(?:"
    + "|".join(re.escape(c).replace(r"\+", r"\\?\+") for c in AGE_CODES)
    + r")(?![\w+])"
)
#: CTDC's age bands (``AGE_BANDS``) as a brief writes them, in order: written out, not computed by the function
#: under test.
WRITTEN_BANDS = (
    *(
        "0–8 years",
        "9–17 years",
        "18–20 years",
        "21–23 years",
        "24–26 years",
        "27–29 years",
    ),
    *("30–38 years", "39–47 years", "48 years or over"),
)
#: The person section's age groups (``AGE_GROUP_ORDER``) as a brief writes them, in order.
WRITTEN_GROUPS = ("0–17 years", "18–29 years", "30–47 years", "48 years or over")
#: An age band as the brief writes it: "9–17 years", "48 years or over", "17 years".
ONE_STYLE = re.compile(r"(\d+)–(\d+) years|(\d+) years? or over|(\d+) years?")


def coded_ages(text: str) -> list[str]:
    """The ages ``text`` names by the data's codes ("0-17", "48+") instead of as the brief writes them."""
    return _CODED.findall(text)


def in_one_style(label: str) -> bool:
    """Whether ``label`` is an age band written as the whole brief writes one ("0–17 years")."""
    return ONE_STYLE.fullmatch(label) is not None


def low_end(label: str) -> int:
    """The youngest age of a band written in the brief's style: what orders bands."""
    found = ONE_STYLE.fullmatch(label)
    assert found is not None, label
    return int(next(g for g in found.groups() if g is not None))
