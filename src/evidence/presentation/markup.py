"""Text from data, parameters and sidecars, made safe for Markdown and HTML; numbers that say what they count.

Every string that did not come from the toolkit's own code is untrusted: a category in a data file, a release
or URL in a provenance sidecar, a parameter of a run. Whatever reaches Markdown goes through
:func:`escape_markdown` (or :func:`markdown_code` inside a code span), whatever reaches HTML through
:func:`html.escape`, and a link is made only of an ``http(s)`` URL (:func:`safe_url`) that the toolkit itself
gives (a brief links only the addresses of its source metadata): a web address in untrusted text (a
sidecar's citation) is escaped as text too, so that no reader makes it a live link. The brief renderer
defends in depth behind this (raw markup it did not write is shown as text, links and images are checked),
but escaping where a text enters is what makes it read as the reader's text and nothing else.

Numbers in prose carry their kind with :func:`number` (``<span data-kind="lists">4</span>``), so that the
disclosure scanner checks counts of people only (see :mod:`evidence.presentation.disclosure`). A name taken
from the data and written into prose (a category, "Q6.1_10s_2019") goes through :func:`data_label`: escaped,
and marked as a label, so that its digits are not read as counts; the counts beside it are still scanned.

Invisible format characters that change how text is shown (:data:`UNSAFE_FORMAT`: the bidirectional controls
U+202A-U+202E, U+2066-U+2069, U+200E, U+200F and U+061C, and every other Unicode format character, category
Cf, but the joiners U+200C and U+200D that some scripts need) are dropped from untrusted text by every escape
here (:func:`escape_markdown`, :func:`markdown_code`, :func:`escape_html`): a right-to-left override in a
category ("Lao\u202eRDP") would otherwise show the counts after it reversed. Markdown reaches the PDF's
Typst markup through pandoc, so what :func:`escape_markdown` drops never reaches Typst either. A value is one
line: every line break Markdown or Typst knows (Typst's include U+0085, which Markdown does not) becomes a
space, so that no text from data starts a line of the PDF's markup.
"""

from __future__ import annotations

import functools
import html
import math
import re
from urllib.parse import urlsplit

from evidence.core.text import UNSAFE_FORMAT, escape_html, strip_unsafe_format
from evidence.presentation.disclosure import COMPLEMENT_LABEL, KIND_ATTRIBUTE, LABEL, check_kind

__all__ = [
    "UNSAFE_FORMAT",
    "count_in_words",
    "data_label",
    "escape_html",
    "escape_markdown",
    "markdown_code",
    "markdown_link",
    "marked",
    "number",
    "p_value_text",
    "safe_url",
    "strip_unsafe_format",
]

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}<>#|$@^~&\"'])")
# a ":" with text after it, as in "https://…" or "mailto:…": "https\://…" is no bare address to a reader that
# links them (pandoc's autolink_bare_uris, which ignores escapes inside an address; Typst's own links pandoc
# breaks: "https:/\/"); "Source: UNODC" is left as it is
_SCHEME_COLON = re.compile(r":(?=\S)")
_REPEATED_PUNCTUATION = re.compile(r"([-.])(?=\1)")
# what opens a block at the start of a line: a list ("- x", "+ x", "1. x", "2) x"), a definition or a fenced
# div (":"), a title block ("%"), a setext heading underline ("=")
_LIST_MARKER = re.compile(r"^(\s*)([%=:])|^(\s*\d*)([-+.)])(?=\s|$)")
# every character that breaks a line to a reader of the brief's source: Markdown's, and Typst's too (its syntax
# also breaks lines at U+0085, NEL, which Markdown keeps inside a line: "Forced labour<NEL>= Heading" opened a
# heading in the PDF, and "<NEL>/ x" a term list without its colon, which stopped it)
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")
# C0 and C1 control characters (U+0080-U+009F: shown as nothing, or as a box, by any reader)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
# what Quarto runs or expands in a brief's source, whatever Markdown holds it (knitr and Quarto find them in the
# text, a code span's too): inline code, its engine right after a backtick (`r x`, `{python} x`), and shortcodes
_QUARTO_INLINE = re.compile(r"\{\w+\}|r[ #]")
_QUARTO_INSIDE = re.compile(r"`(?:\{\w+\}|r[ #])|\{\{[<%]")
_KNITR_INLINE = re.compile(r"\\`(?=r[ #])")


def escape_markdown(text: object) -> str:
    """``text`` as Markdown that reads back exactly as itself: every character Markdown (pandoc's, Quarto's or
    CommonMark's) could take for markup, an entity, raw HTML or Typst, a link, a list or typography ("--",
    "...", quotes) is backslash-escaped, and so is a ":" with text after it (a web address in the text is
    never a live link, whatever reader autolinks bare addresses), and a backtick before ``r `` is a character
    reference (knitr, under Quarto, runs "`r x`" found anywhere in the text, escaped or not); line breaks become
    spaces (a value is one line) and control characters and invisible format characters (bidi controls:
    :data:`UNSAFE_FORMAT`) are dropped."""
    return _escaped_markdown(str(text))


@functools.lru_cache(maxsize=4096)
def _escaped_markdown(text: str) -> str:
    """:func:`escape_markdown` of a string, a function of the string alone: kept for the latest texts (a brief
    escapes ~1,200 texts, most of them labels and words it escaped before: seven regular expressions each)."""
    flat = _CONTROL.sub("", _LINE_BREAKS.sub(" ", strip_unsafe_format(text)))
    escaped = _REPEATED_PUNCTUATION.sub(r"\\\1", _MARKDOWN_SPECIAL.sub(r"\\\1", flat))
    escaped = _SCHEME_COLON.sub(r"\\:", escaped)
    # knitr takes "`r x`" for inline R whatever escapes it: that backtick as a character reference, read the same
    escaped = _KNITR_INLINE.sub("&#96;", escaped)
    # at the start of a line, "- x" and "1. x" would open a list
    return _LIST_MARKER.sub(lambda m: f"{m[1] or m[3] or ''}\\{m[2] or m[4]}", escaped)


def markdown_code(text: object) -> str:
    """``text`` as a Markdown code span (shown verbatim): its backtick fence is longer than any run of
    backticks inside, so no text can close it early. Nothing in it is what Quarto runs or expands before any
    filter reads the brief, inside a code span too: a text that opens with inline code's engine (``r x``,
    ``{python} x``) is set off by a space (not shown: the reader trims a span's edges), and one holding a
    shortcode (``{{< include FILE >}}``, ``{{% env NAME %}}``) or inline code after a backtick inside is no code
    span at all but escaped text (:func:`escape_markdown`), which reads the same."""
    flat = _CONTROL.sub("", _LINE_BREAKS.sub(" ", strip_unsafe_format(text)))
    if _QUARTO_INSIDE.search(flat):
        return escape_markdown(flat)
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    edge = flat.startswith("`") or flat.endswith("`") or not flat.strip() or _QUARTO_INLINE.match(flat)
    pad = " " if edge else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def safe_url(url: object) -> str | None:
    """``url`` when it is an absolute ``http`` or ``https`` URL with a host (nothing a browser would run or
    read locally: no ``javascript:``, ``data:``, ``file:``), else None."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or any(c.isspace() or ord(c) < 32 or c in "<>\"'`\\" for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def markdown_link(url: object, text: object | None = None) -> str:
    """A Markdown link to ``url`` when it is safe (:func:`safe_url`), shown as ``text`` (default: the URL);
    otherwise ``text`` (or the URL) as plain escaped text, never a link."""
    safe = safe_url(url)
    label = escape_markdown(text if text is not None else url)
    if safe is None:
        return label
    # inside <...> only '>' and spaces end the destination, and safe_url lets neither through
    return f"[{label}](<{safe}>)"


def p_value_text(p: float, *, smallest: float = 0.001) -> str:
    """A p-value as a reader reads it, with its relation: ``= 0.0231``, ``< 0.001`` (never ``= 0``, which a
    p-value is not: one below ``smallest`` is given as below it)."""
    if p < smallest:
        return f"< {smallest:g}"
    return f"= {p:.3g}"


def significant_text(value: float, digits: int = 3) -> str:
    """A number to ``digits`` significant digits as tables and briefs write it: thousands separators, no exponent
    and no trailing zeros (``0.0219``, ``4.14``, ``2.5``, ``0.00012``), a number of ``digits`` whole digits or
    more whole (``401,000``, ``1,234``); 0 as ``0``. The one rounding the presentation layer shows rates by."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def marked(text: str, kind: str) -> str:
    """``text`` (a number already formatted, e.g. ``f"{p:.3g}"``) marked with what it is (``kind``, one of
    :data:`~evidence.presentation.disclosure.NUMBER_KINDS`): ``<span data-kind="statistic">1</span>``. Readers
    see the text; the disclosure scanner skips it unless ``kind`` is ``"people"``."""
    check_kind(kind)
    return f'<span {KIND_ATTRIBUTE}="{html.escape(kind)}">{escape_html(text)}</span>'


def data_label(text: object) -> str:
    """A name taken from the data (a category, a column), for Markdown prose: escaped
    (:func:`escape_markdown`) and marked as a label (``<span data-kind="label">``), so that the disclosure
    scanner does not read its digits ("alert(2)", "Q6.1_10s_2019") as counts, as it does not read a table's
    headers. Only the name is marked: the counts written beside it are scanned as ever."""
    return f'<span {KIND_ATTRIBUTE}="{LABEL}">{escape_markdown(text)}</span>'


def number(value: float, kind: str, *, digits: int = 0, thousands: bool = True) -> str:
    """A number for Markdown or HTML prose, marked with what it counts (``kind``, one of
    :data:`~evidence.presentation.disclosure.NUMBER_KINDS`): ``<span data-kind="lists">4</span>``.

    Readers see only the number (``digits`` decimals; thousands separated unless ``thousands`` is false, as
    for a seed); the disclosure scanner skips it unless ``kind`` is ``"people"``. Counts of people must still
    be suppressed before they are shown."""
    separator = "," if thousands else ""
    text = f"{value:{separator}.{digits}f}" if isinstance(value, float) or digits else f"{value:{separator}}"
    return marked(text, kind)


#: A small count's label as the rule writes it (``<5``, ``<11``: :attr:`DisclosureRule.label`).
_SMALL_LABEL = re.compile(r"<(\d+)")
#: What a sentence says for a cell withheld as a complement (``x``): no number, and not "fewer than".
WITHHELD_NUMBER = "a withheld number"


def count_in_words(text: str, noun: str = "", *, markdown: bool = True) -> str:
    """A count as a table publishes it (``1,234``, ``up to 8``, ``<11``, ``x``) for a sentence, with its ``noun``
    ("victims"): a withheld one in words, since prose has no legend for a table's labels ("on x victims (<11
    with it)"): ``x`` is "a withheld number of victims", ``<11`` "fewer than 11 victims", the threshold marked
    as no count of people (:func:`number`) where ``markdown``; anything else as it is, followed by ``noun``."""
    if text == COMPLEMENT_LABEL:
        return f"{WITHHELD_NUMBER} of {noun}" if noun else WITHHELD_NUMBER
    small = _SMALL_LABEL.fullmatch(text)
    if small:
        threshold = int(small[1])
        text = f"fewer than {number(threshold, 'parameter') if markdown else threshold}"
    return f"{text} {noun}" if noun else text


#: The endings of the country names that are plural in form ("the Philippines", "the Netherlands", "the United
#: States", "Solomon Islands", "the Bahamas", "Comoros", "Maldives", "Seychelles", "the United Arab Emirates"):
#: their possessive takes an apostrophe alone. A singular name ending in s keeps "'s" ("Belarus's").
_PLURAL_NAME_ENDINGS = ("ines", "ands", "ates", "amas", "oros", "ives", "elles")


#: A UN name sorted by its country ("Bolivia (Plurinational State of)"), whose long form takes a possessive.
_SORTED_NAME = re.compile(r"(?P<country>[^()]+) \((?P<form>[^()]+ of)\)")


def possessive(name: str) -> str:
    """A name's possessive as prose writes it: "Thailand's", "the Philippines'" (never "the Philippines's"),
    "the United States'", "Belarus's"; a UN name sorted by its country in its long form, "the Plurinational
    State of Bolivia's" (not "Bolivia (Plurinational State of)'s")."""
    if sorted_name := _SORTED_NAME.fullmatch(name):
        name = f"the {sorted_name['form']} {sorted_name['country']}"
    return f"{name}'" if name.endswith(_PLURAL_NAME_ENDINGS) else f"{name}'s"
