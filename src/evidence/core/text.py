"""Small text helpers every layer may use (nothing here reads data or imports from the rest of the package)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl


def column_title(name: str) -> str:
    """A column's (or field's) name as a reader's title: leading underscores dropped, underscores as spaces, the
    first letter capital and the rest lower case (``prevalence_per_1000`` → ``Prevalence per 1000``,
    ``_share`` → ``Share``)."""
    return name.lstrip("_").replace("_", " ").capitalize()


def level_text(level: float) -> str:
    """An interval's level as a percentage with the decimals it has: "95%", "97.5%", "99.9%" (not "98%" or
    "100%", as a rounding to whole percents would show 0.975 and 0.999; ``:g`` alone keeps six digits and
    showed 0.9999995 as "100%")."""
    return f"{round(level * 100, 6):.12g}%"


def list_separator(items: Iterable[str]) -> str:
    """What separates the items of a list: ", ", or "; " where an item holds a comma of its own outside
    brackets (UN names: "China, Hong Kong SAR; China, Macao SAR; Japan" are three places, which commas made
    five, China twice); "Malaysia (2011–2012, 2019)" holds none that could be read as a separator."""
    for item in items:
        depth = 0
        for character in item:
            depth += {"(": 1, ")": -1}.get(character, 0)
            if character == "," and depth <= 0:
                return "; "
    return ", "


def word_list(items: Sequence[str], last: str = "and") -> str:
    """Items as a sentence lists them: "Malaysia", "Malaysia and Thailand", "Viet Nam, Ukraine, Costa Rica and
    Slovakia" (``last``: the word before the last item, "and" or "or"; no serial comma; :func:`list_separator`
    between items holding commas of their own); empty for none."""
    if len(items) < 2:
        return "".join(items)
    return f"{list_separator(items).join(items[:-1])} {last} {items[-1]}"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and its noun, singular for one: "1 row", "2 rows", "1,234 records", "2 failures" (``plural`` where
    adding "s" is not it: ``counted(n, "entry", "entries")``)."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


_UNITS = (
    *(
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
    ),
    *("thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"),
)
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def number_in_words(n: int) -> str:
    """A whole number below 100 in words ("nine", "twenty-one"), others in figures ("1,250"): how prose says
    how many of something other than people (countries, rows), which a brief's disclosure scan would read as a
    small count of people were it in figures below its threshold."""
    if not 0 <= n < 100:
        return f"{n:,}"
    if n < len(_UNITS):
        return _UNITS[n]
    tens, units = divmod(n, 10)
    return _TENS[tens - 2] + (f"-{_UNITS[units]}" if units else "")


# An age band as the toolkit's data write it: CTDC's "9-17" and "48+" (and the analyses' groups "0-17"), UNODC's
# "0 to 17 years" and "18 years or over", and as :func:`age_band_text` writes them ("9–17 years", "17 years").
_AGE_RANGE = re.compile(r"(\d+)\s*(?:[-\u2013]|\bto\b)\s*(\d+)(?:\s+years)?")
_AGE_OPEN = re.compile(r"(\d+)\s*(?:\+|\s+years?\s+or\s+over)")
_AGE_ONE = re.compile(r"(\d+)\s+years?")


def age_band_text(band: str) -> str | None:
    """An age band as a brief writes it, whichever source named it: "9–17 years" (CTDC's ``9-17``, UNODC's
    ``9 to 17 years``), "48 years or over" (``48+``, UNODC's ``48 years or over``), "17 years" for one age; None
    for a label that is no age band ("Unknown", "Total", "17-9").

    UNODC's words (the unit, "or over"), so that a brief's tables of both sources read alike, with the dash the
    brief writes every span with ("2017–2021"): the disclosure scan reads a number touching a dash as part of a
    range, never a count, and a range followed by "years" as ages, in tables and in prose; "9 to 17 years" in a
    table's cell is read number by number, its 9 a count of people below CTDC's threshold of 10 or 11."""
    text = band.strip()
    if found := _AGE_RANGE.fullmatch(text):
        low, high = int(found.group(1)), int(found.group(2))
        if low > high:
            return None
        return f"{low}\u2013{high} years" if low < high else f"{low} {'year' if low == 1 else 'years'}"
    if found := _AGE_OPEN.fullmatch(text):
        low = int(found.group(1))
        return f"{low} {'year' if low == 1 else 'years'} or over"
    if found := _AGE_ONE.fullmatch(text):
        age = int(found.group(1))
        return f"{age} {'year' if age == 1 else 'years'}"
    return None


def closest_choice(word: str, choices: Iterable[str]) -> str | None:
    """The one of ``choices`` a misspelt ``word`` meant, letter case and surrounding spaces aside: the one
    choice it begins (``dest`` for ``destination``), else the closest (difflib's ratio 0.6 at least); None
    when none is. The one rule of every "did you mean" (:func:`did_you_mean`, the CLI's ``meant``)."""
    options = [str(choice) for choice in choices]
    typed = word.strip().lower()
    begun = [option for option in options if typed and option.lower().startswith(typed)]
    if len(begun) == 1:  # a choice cut short (`sub` for subregion)
        return begun[0]
    lowered = {option.lower(): option for option in options}
    close = difflib.get_close_matches(typed, list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the choice ``word`` misspells (:func:`closest_choice`), or an empty
    string: the end of a message refusing a name (a notebook, a parameter, a release, a dimension)."""
    meant = closest_choice(word, choices)
    return f"; did you mean {meant!r}?" if meant is not None else ""


#: Every Unicode format character (category Cf, Unicode 15) but the joiners U+200C and U+200D that some
#: scripts need (Persian, the Indic scripts, emoji sequences): the bidirectional embeddings, overrides and
#: isolates (U+202A-U+202E, U+2066-U+2069), the marks (U+200E, U+200F, U+061C), zero-width and invisible
#: characters, tags. Dropped from untrusted text (a pattern of ranges: listing them by ``unicodedata`` at
#: import would cost a scan of every code point; ``tests/core/test_text.py`` checks the ranges).
UNSAFE_FORMAT = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b\u200e\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f]"
)


def strip_unsafe_format(text: object) -> str:
    """``text`` without the invisible format characters of :data:`UNSAFE_FORMAT` (bidi controls and the like)."""
    return UNSAFE_FORMAT.sub("", str(text))


def escape_html(text: object, *, quote: bool = True) -> str:
    """Untrusted ``text`` as HTML text (or an attribute value) that reads as itself: :func:`html.escape`, after
    dropping the format characters that could reorder what follows (:func:`strip_unsafe_format`). The one
    escape for HTML (:mod:`evidence.presentation.markup` gives it to the layers above)."""
    import html

    return html.escape(strip_unsafe_format(text), quote=quote)


#: A month's number by its English name or abbreviation, lower case (``"may"``: 5, ``"sept"``: 9): how the
#: loaders read a date written in words (``3 May 2019``, ``May 3, 2019``).
MONTH_NUMBERS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}


#: What a spreadsheet program reads as the start of a formula in a cell of a CSV file it opens (OWASP, CSV
#: injection): ``=``, ``+``, ``-``, ``@``, and a tab or carriage return before any of them.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_PATTERN = r"^[=+\-@\t\r]"  # FORMULA_START, for polars
#: A number as a CSV cell writes it ("-3", "+1.5", "-1,234.5", "2e-3"): read as a number, never a formula.
_NUMBER = re.compile(r"[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def spreadsheet_text(value: str) -> str:
    """``value`` as a CSV cell that a spreadsheet program (Excel, LibreOffice, Google Sheets) shows as the text
    it is and never evaluates: a text starting with :data:`FORMULA_START` (``=HYPERLINK(...)``, ``@SUM(A1)``,
    ``-cmd|...``) gets a leading apostrophe, as OWASP advises; a number (``-3``, ``+1.5e3``) and any other text
    are left as they are. For every text cell taken from data, a mapping or a parameter."""
    if value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def spreadsheet_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` ready to be written as CSV for a spreadsheet user: its column names and every text value
    (String, Categorical and Enum columns, as text) through :func:`spreadsheet_text`; numbers, dates and flags
    unchanged. A frame with nothing to neutralise comes back as it is (its CSV unchanged, byte for byte)."""
    import polars as pl

    texts = [n for n, t in frame.schema.items() if t == pl.String or isinstance(t, pl.Categorical | pl.Enum)]

    def safe(name: str) -> pl.Expr:
        text = pl.col(name).cast(pl.String)
        risky = text.str.contains(_FORMULA_PATTERN) & ~text.str.contains(f"^(?:{_NUMBER.pattern})$")
        return pl.when(risky).then(pl.lit("'") + text).otherwise(text).alias(name)

    risky = [n for n in texts if frame.get_column(n).cast(pl.String).str.contains(_FORMULA_PATTERN).any()]
    if risky:
        frame = frame.with_columns(safe(n) for n in risky)
    renamed = {n: spreadsheet_text(n) for n in frame.columns if spreadsheet_text(n) != n}
    return frame.rename(renamed) if renamed else frame


def overview_text(name: str, title: str, lines: Sequence[tuple[str, Sequence[str]]]) -> str:
    """The text a notebook shows of a result object left as a cell's value: ``<Name: title`` and a line per
    label with its texts, ``>`` (as :class:`~evidence.sources.loaded.LoadedTable` writes its own)."""
    joined = [(label, "; ".join(texts)) for label, texts in lines]
    # a text of lines of its own (a table) starts on the line below its label
    body = "".join(f"\n  {label}:{'' if text.startswith(chr(10)) else ' '}{text}" for label, text in joined)
    return f"<{name}: {title}{body}>"


def overview_html(name: str, title: str, lines: Sequence[tuple[str, Sequence[str]]], after: str = "") -> str:
    """:func:`overview_text` as a small HTML table for JupyterLab: the title as its caption, a row per label,
    each text on a line of its own, every text escaped (:func:`escape_html`: no bidi control reorders it);
    ``after``, HTML already escaped (a table of published values), follows the table."""
    rows = "".join(
        f'<tr><th style="text-align:left;vertical-align:top">{escape_html(label)}</th>'
        f'<td style="text-align:left">{"<br>".join(escape_html(text) for text in texts)}</td></tr>'
        for label, texts in lines
    )
    caption = f'<caption style="text-align:left"><b>{escape_html(name)}</b>: {escape_html(title)}</caption>'
    return f"<table>{caption}{rows}</table>{after}"
