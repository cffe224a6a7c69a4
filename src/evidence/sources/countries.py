"""Country reference: ISO 3166 codes, names, variants and demonyms -> ISO3, and ISO3 -> UN M49 region.

Facts ship with the package as CSV files in ``evidence/sources/reference/`` (their README says where each fact
comes from); nothing is looked up online and no country package is needed at run time.

Regions follow UN M49 at its two upper levels, one choice everywhere:

* ``region``: Africa, Americas, Asia, Europe, Oceania;
* ``subregion``: M49's sub-region, so Latin America and the Caribbean is ONE sub-region (and Sub-Saharan
  Africa another); M49's finer intermediate regions (Caribbean, Central America, South America, Eastern/
  Middle/Southern/Western Africa, Channel Islands) are in the extra column ``intermediate_region`` of
  :func:`country_table`, never mixed into ``subregion``.

Places outside ISO 3166 or M49: Kosovo is ``XKX`` (the code UNODC and the World Bank use), placed in Europe /
Southern Europe; Taiwan (``TWN``) is listed by M49 under China and is placed, like China, in Asia / Eastern Asia.
Neither has an M49 code (``m49`` is null). Antarctica has no M49 region.

Mapping text to ISO3 never guesses: an input maps only if its normalised form (case, accents, punctuation,
whitespace, a footnote marker after it (``Thailand¹``, ``Thailand [a]``, ``Thailand (1)``), a leading "the", the abbreviations St/Rep/Dem, and UTF-8 text mis-decoded as Windows-1252 are
normalised) equals a code, a name in ``countries.csv`` or an alias in ``country_aliases.csv``; or is an
inflection of a reviewed demonym there (plural "Cambodians", "Tailandeses"; Spanish, Portuguese, Italian or
French feminine "Guatemalteca", "Tailandesa", "Alemã", "Ukrainienne") that names one country only; or holds
damaged characters (U+FFFD, or "?" inside a word: "C\ufffdTE D'IVOIRE") and, reading each damaged character as
any one or two characters or none, matches the names and aliases of exactly one country. Anything else, such
as "Unknown", regions or unlisted misspellings, is returned as unmapped; :func:`suggest_country` proposes the
closest known spelling for a person to review, and nothing applies it. Names of dissolved states (Serbia and
Montenegro, Yugoslavia, USSR, Czechoslovakia, Netherlands Antilles) are deliberately unmapped; renamed states (Burma,
Zaire, Swaziland, Macedonia, Czech Republic) and states merged into one current state (German Democratic Republic)
map to their successor. "Nationals" and its variants map to the reporting country when one is given.

Codes ISO withdrew (:data:`FORMER_CODES`: ``BU``/``BUR`` Burma, ``ZR`` Zaire, ``YU`` Yugoslavia, ``SU``, ``CS``,
``AN``...) are read in code columns only, by :func:`former_code` and :func:`current_code`: a code with one successor
as that country; a code whose country split names no one country, only the region its successors share.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import polars as pl

from evidence.core.errors import ParameterError
from evidence.sources.workbook import FOOTNOTE_MARKER

__all__ = [
    "FORMER_CODES",
    "WITHDRAWN_CODES",
    "CountryMapping",
    "FormerCode",
    "Suggestion",
    "country_aliases",
    "country_table",
    "current_code",
    "former_code",
    "map_to_iso3",
    "name_of",
    "normalise_country_text",
    "region_named",
    "region_of",
    "subregion_of",
    "suggest_country",
    "to_iso3",
    "with_regions",
]

_COUNTRY_SCHEMA = {
    "iso2": pl.String,
    "iso3": pl.String,
    "m49": pl.Int16,
    "name": pl.String,
    "official_name": pl.String,
    "region": pl.String,
    "subregion": pl.String,
    "intermediate_region": pl.String,
}
_ALIAS_SCHEMA = {
    "alias": pl.String,
    "iso3": pl.String,
    "kind": pl.String,
    "source": pl.String,
    "note": pl.String,
}
REPORTING_COUNTRY_KIND = "reporting_country"

# Sentinel for "the reporting country" in the lookup index (a real ISO3 is never empty).
_REPORTING = ""

_APOSTROPHES = re.compile(r"['\u2018\u2019`\u00b4]")
_SEPARATORS = re.compile(r"[^\w\ufffd]|_")
_ABBREVIATIONS = {"st": "saint", "rep": "republic", "dem": "democratic"}
# Characters that betray UTF-8 bytes decoded as Windows-1252 ("CÃ´te d'Ivoire", "TÃ¼rkiye").
_MOJIBAKE = re.compile("[\u00c2\u00c3][\u0080-\u00bf\u2018-\u203a\u0152\u0153\u0160\u0161\u0178\u017d\u017e]")


def _read_reference(filename: str, schema: Mapping[str, Any]) -> pl.DataFrame:
    source = resources.files("evidence.sources") / "reference" / filename
    # null_values=None keeps Namibia's "NA" a string; only empty fields are null.
    return pl.read_csv(source.read_bytes(), schema=schema, null_values=None)


@cache
def reference_digest() -> str:
    """A digest of the shipped country reference (both files' bytes): what every loader's country codes,
    names and regions are read by, so a cached table read with another reference is not this one."""
    digest = hashlib.sha256()
    for filename in ("countries.csv", "country_aliases.csv"):
        digest.update((resources.files("evidence.sources") / "reference" / filename).read_bytes())
    return digest.hexdigest()


@cache
def country_table() -> pl.DataFrame:
    """One row per country or territory: iso2, iso3, m49, name, official_name, region, subregion.

    Also ``intermediate_region`` (M49's finer level, where it has one). Loaded once from the shipped CSV.
    """
    return _read_reference("countries.csv", _COUNTRY_SCHEMA)


@cache
def country_aliases() -> pl.DataFrame:
    """The reviewed and generated aliases (variants, demonyms, translations, historic names) with their ISO3.

    Rows of kind ``reporting_country`` ("Nationals", "Own country", ...) have a null iso3: they name whichever
    country reports the figure.
    """
    return _read_reference("country_aliases.csv", _ALIAS_SCHEMA)


def normalise_country_text(text: str) -> str:
    """The comparison key of a country string: what differs only in spelling noise compares equal."""
    if _MOJIBAKE.search(text):
        try:
            text = text.encode("cp1252").decode("utf-8")
        except UnicodeError:
            pass
    # footnote markers first: NFKD would make "Thailand¹" "Thailand1", a name no longer followed by a marker
    text = _strip_footnotes(text)
    # apostrophes before NFKD, which writes an acute accent typed for one ("d´Ivoire") as a space and a combining
    # accent: "d ivoire"
    text = _APOSTROPHES.sub("", text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = _APOSTROPHES.sub("", text.replace("&", " and "))
    words = _SEPARATORS.sub(" ", text).split()
    if words and words[0] == "the" and len(words) > 1:
        words = words[1:]
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


#: A footnote marker after a name: the loaders' shared marker (``*``, ``†``, ``#``, superscript digits, ``[a]``)
#: or a bracketed number or letter, ``Thailand (1)``, ``Thailand (a)`` (no country's name ends so).
_FOOTNOTE = re.compile(rf"(?:{FOOTNOTE_MARKER})|(?:\s*\((?:[0-9]{{1,2}}|[A-Za-z])\))+$")


def _strip_footnotes(text: str) -> str:
    """``text`` without the footnote markers after it (``Thailand¹``, ``Thailand [a]``, ``Thailand (1)*``)."""
    while True:
        stripped = _FOOTNOTE.sub("", text)
        if stripped == text or not stripped.strip():
            return text
        text = stripped


@cache
def _index() -> dict[str, str]:
    """Normalised key -> ISO3 (or the reporting-country sentinel). Refuses keys that would name two countries."""
    index: dict[str, str] = {}
    origin: dict[str, str] = {}

    def add(text: str, iso3: str, where: str) -> None:
        key = normalise_country_text(text)
        if not key:
            return
        if index.get(key, iso3) != iso3:
            # A data error in the shipped reference, caught by the tests; never resolved by picking one.
            raise ValueError(
                f"country reference: {text!r} ({where}) and {origin[key]} normalise to {key!r} "
                f"but name different countries ({index[key]!r} and {iso3!r})"
            )
        index[key] = iso3
        origin[key] = f"{text!r} ({where})"

    for row in country_table().iter_rows(named=True):
        for column in ("iso2", "iso3", "name", "official_name"):
            if row[column]:
                add(row[column], row["iso3"], f"countries.csv {column}")
    for row in country_aliases().iter_rows(named=True):
        if row["kind"] == REPORTING_COUNTRY_KIND:
            add(row["alias"], _REPORTING, "country_aliases.csv")
        else:
            add(row["alias"], row["iso3"], "country_aliases.csv")
    return index


@cache
def _valid_iso3() -> frozenset[str]:
    return frozenset(country_table()["iso3"].to_list())


#: Per language, plural endings and gender endings (feminine -> masculine) of demonyms, on normalised text
#: (accents removed): "tailandesas" -> "tailandes", "alema" (alemã) -> "alemao", "ivoiriennes" -> "ivoirien".
#: A demonym's language is named in its note in ``country_aliases.csv``; without one it is English.
_INFLECTIONS: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...]]] = {
    "english": (("s",), ()),
    "spanish": (
        ("es", "s"),
        (
            ("a", "o"),
            ("esa", "es"),
            ("ana", "an"),
            ("ina", "in"),
            ("ona", "on"),
            ("isa", "is"),
            ("ola", "ol"),
        ),
    ),
    "portuguese": (("es", "s"), (("a", "o"), ("esa", "es"), ("a", "ao"))),
    "italian": (("i", "e", "s"), (("a", "o"),)),
    "french": (("s",), (("enne", "en"), ("e", ""))),
}
# A damaged character (U+FFFD; "?" between letters, as an encoder writes what it cannot) stands for the
# character(s) lost.
_DAMAGED_QUESTION_MARK = re.compile(r"(?<=\w)\?(?=\w)")
_DAMAGED_RUN = re.compile("\ufffd+")
#: Damaged text must keep this many intact letters before its pattern is tried (a lone "\ufffd" names nothing).
_MIN_INTACT = 4


def _inflections(key: str, language: str) -> set[str]:
    """The masculine singular forms ``key`` could be an inflection of in ``language`` (``key`` excluded)."""
    plurals, genders = _INFLECTIONS[language]
    singulars = {key} | {key[: -len(p)] for p in plurals if key.endswith(p) and len(key) > len(p) + 2}
    forms = set(singulars)
    for singular in singulars:
        forms |= {
            singular[: -len(feminine)] + masculine
            for feminine, masculine in genders
            if singular.endswith(feminine) and len(singular) > len(feminine) + 2
        }
    return forms - {key}


@cache
def _demonym_languages() -> dict[str, frozenset[str]]:
    """Normalised reviewed demonym -> the languages it belongs to (from its note; English when none is named)."""
    languages: dict[str, set[str]] = {}
    for alias, note in (
        country_aliases().filter(pl.col("kind") == "demonym").select("alias", "note").iter_rows()
    ):
        named = set(re.findall(r"[a-z]+", (note or "").casefold())) & set(_INFLECTIONS)
        languages.setdefault(normalise_country_text(alias), set()).update(named or {"english"})
    return {key: frozenset(value) for key, value in languages.items()}


def _by_inflection(key: str) -> str | None:
    """The country of the reviewed demonym ``key`` inflects (in that demonym's language), when the candidate
    demonyms name one country only."""
    demonyms = _demonym_languages()
    found = {
        _index()[form]
        for language in _INFLECTIONS
        for form in _inflections(key, language)
        if language in demonyms.get(form, ())
    }
    return found.pop() if len(found) == 1 else None


def _by_damaged_characters(key: str) -> str | None:
    """The one country whose names or aliases match ``key`` with each damaged run read as 0-2 characters per
    damaged character; None when none or several match."""
    if "\ufffd" not in key or len(_DAMAGED_RUN.sub("", key).replace(" ", "")) < _MIN_INTACT:
        return None
    parts = _DAMAGED_RUN.split(key)
    runs = [len(run) for run in _DAMAGED_RUN.findall(key)]
    # Only keys the pattern can match are tried: of a length of its parts and 0-2 characters per damaged one,
    # starting with its first part and ending with its last (the pattern's own ends; "" where damage ends it).
    # Most damaged texts leave none of them: the pattern is then not even compiled.
    first, last = parts[0], parts[-1]
    shortest = sum(len(part) for part in parts)
    by_length = _index_by_length()
    candidates = [
        (known, iso3)
        for length in range(shortest, shortest + 2 * sum(runs) + 1)
        for known, iso3 in by_length.get(length, ())
        if known.startswith(first) and known.endswith(last)
    ]
    if not candidates:
        return None
    pattern = re.compile(
        "".join(
            re.escape(part) + (f".{{0,{2 * runs[i]}}}" if i < len(runs) else "")
            for i, part in enumerate(parts)
        )
    )
    found = {iso3 for known, iso3 in candidates if pattern.fullmatch(known)}
    return found.pop() if len(found) == 1 else None


@cache
def _index_by_length() -> dict[int, tuple[tuple[str, str], ...]]:
    """The entries of :func:`_index` by the length of their key (the damaged-text pattern tries those of the
    lengths it can match: a tenth of the ~4,000 keys, each tried once per damaged text)."""
    by_length: dict[int, list[tuple[str, str]]] = {}
    for known, iso3 in _index().items():
        by_length.setdefault(len(known), []).append((known, iso3))
    return {length: tuple(entries) for length, entries in by_length.items()}


@lru_cache(maxsize=16_384)
def _lookup(value: str) -> str | None:
    # (kept per text: the reference it reads is made once per process and never changes; a release's few
    # hundred distinct names are looked up again by every load and every map of its tables)
    if value in _valid_iso3():
        # a code of the reference names its own country: the index maps its key to it, and refuses a key that
        # would name two countries. Answered without making the index, which a run that names its countries by
        # their codes (a brief's country and its peers) never needs: a few hundredths of a CPU-second of the
        # start of every cold run, in the runner and in its kernel
        return value
    key = normalise_country_text(_DAMAGED_QUESTION_MARK.sub("\ufffd", value))
    found = _index().get(key)
    if found is None:
        found = _by_inflection(key) if "\ufffd" not in key else _by_damaged_characters(key)
    if found is None:
        found = _by_rearranging(value)
    return found


#: A name with a part after a comma or in brackets (one of them): ``Korea (the Republic of)``, ``Congo,
#: Democratic Republic of the``, ``Türkiye (Turkey)``.
_INVERTED = re.compile(r"^\s*([^(),]+?)\s*(?:\(([^()]*)\)|,([^(),]*))\s*$")


def _by_rearranging(value: str) -> str | None:
    """The country of a name written as ISO 3166's short names and index tables write it, the article or the form
    of state after the name: in brackets (``Netherlands (the)``, ``Korea (the Republic of)``) or after a comma
    (``Congo, Democratic Republic of the``), read in order (``Republic of Korea``); or of a name with another of
    its names in brackets (``Burma (Myanmar)``: both must name the same country). None when no reading names a
    country of the reference, or two readings name different ones."""
    found = _INVERTED.match(value)
    if found is None:
        return None
    head, tail = found.group(1), found.group(2) if found.group(2) is not None else found.group(3)
    index = _index()
    tail_words = [word for word in normalise_country_text(tail).split() if word != "the"]
    if not tail_words:  # "Netherlands (the)"
        named = {index.get(normalise_country_text(head))}
    else:
        in_order = normalise_country_text(f"{tail} {head}")
        named = {
            index.get(in_order),
            index.get(" ".join(word for word in in_order.split() if word != "the")),
        }
        both = {index.get(normalise_country_text(head)), index.get(normalise_country_text(tail))}
        if len(both) == 1:  # "Türkiye (Turkey)": two names of one country
            named |= both
    named.discard(None)
    return named.pop() if len(named) == 1 else None


@dataclass(frozen=True)
class Suggestion:
    """The closest known spelling of an unmapped string: a hint for a person, never applied to data."""

    text: str
    iso3: str
    spelling: str  # the normalised name or alias it is closest to
    similarity: float  # difflib's ratio, 0-1


#: Below this similarity nothing is suggested ("Thialand" -> Thailand at 0.875; "Korean" -> "Komoren" at 0.77 not).
SUGGESTION_CUTOFF = 0.8
#: Nothing is suggested when another country's spelling is within this of the closest: the text is ambiguous
#: ("Congolese" is 0.824 like "Togolese", 0.818 like "Congolese (DRC)"; "Dominican": Dominica, Dominicano).
SUGGESTION_MARGIN = 0.05


#: Words that make a part of a continent of its name ("Central Africa", "South East Asia", "West Africa"): with
#: one of M49's regions after them, the text names a region, not a country (when it maps to none: "South
#: Africa", "Central African Republic" do).
_REGION_QUALIFIERS = (
    "north",
    "south",
    "east",
    "west",
    "central",
    "middle",
    "northern",
    "southern",
    "eastern",
    "western",
    "north east",
    "northeast",
    "north eastern",
    "south east",
    "southeast",
    "south eastern",
    "north west",
    "northwest",
    "north western",
    "south west",
    "southwest",
    "south western",
    "sub saharan",
)


@cache
def _region_names() -> dict[str, str]:
    """The normalised spellings of a region -> the UN M49 region (or sub-region, intermediate region) it names
    or lies in: M49's names at every level ("Western Asia", "Sub-Saharan Africa", "Americas", "Caribbean"), and a
    qualifier before a region's name ("Central Africa" -> Africa, "South East Asia" -> Asia)."""
    table = country_table()
    names: dict[str, str] = {}
    regions = sorted(set(table["region"].drop_nulls().to_list()))
    for region in regions:
        bases = {region, region.removesuffix("s")}  # "Central America" of the Americas
        for base in bases:
            for qualifier in _REGION_QUALIFIERS:
                names[normalise_country_text(f"{qualifier} {base}")] = region
    for column in ("region", "subregion", "intermediate_region"):
        for name in table[column].drop_nulls().unique().to_list():
            names[normalise_country_text(name)] = name  # M49's own name first: "Central Asia", not Asia
    # a country's name is no region's ("South Africa", "East Timor"), however it is made
    return {key: region for key, region in names.items() if key not in _index()}


def region_named(text: str | None) -> str | None:
    """The UN M49 region (or sub-region) ``text`` names or lies in, when it names no country: "Central Africa"
    -> "Africa", "Western Asia" -> "Western Asia", "the Americas" -> "Americas"; None for text that maps to a
    country ("South Africa") or names no region. Such text is unmapped, as every region is, and
    :func:`suggest_country` suggests no country for it: a reviewer is told it names a region instead."""
    if not text or _lookup(text) is not None:
        return None
    words = normalise_country_text(text).replace("\ufffd", "").split()
    # GLOTIP's "M49 Region: Africa", "Africa others", "Other Asia": a region's name with a word of the publisher's
    if words[:2] == ["m49", "region"]:
        words = words[2:]
    if words[-1:] in (["others"], ["other"]):
        words = words[:-1]
    elif words[:1] in (["other"], ["others"]):
        words = words[1:]
    return _region_names().get(" ".join(words))


# kept per text for the process, as _lookup: the reference never changes, and difflib's comparison of a text with
# every spelling is the dearest step of reviewing a workbook's unmapped names
@lru_cache(maxsize=4_096)
def suggest_country(text: str | None, *, cutoff: float = SUGGESTION_CUTOFF) -> Suggestion | None:
    """The country whose name or alias is spelled most like ``text`` (for review; :func:`to_iso3` never uses it).

    None for text that maps already, names a region (:func:`region_named`: "Central Africa" is not the Central
    African Republic, at 0.97), names no country closely enough, is about as close to the spellings of two
    countries (:data:`SUGGESTION_MARGIN`), or is closest to "Nationals"."""
    if text is None or _lookup(text) is not None or region_named(text) is not None:
        return None
    import difflib

    key = normalise_country_text(text).replace("\ufffd", "")
    if len(key) < 3:
        return None
    candidates = [k for k, iso3 in _index().items() if iso3 != _REPORTING and len(k) > 3]
    close = difflib.get_close_matches(key, candidates, n=10, cutoff=max(0.0, cutoff - SUGGESTION_MARGIN))
    if not close:
        return None
    ratios = [(difflib.SequenceMatcher(None, key, k).ratio(), k) for k in close]
    best, spelling = ratios[0]
    if best < cutoff:
        return None
    # closer to a region's name: a misspelt region ("Central Afrika" is closer to Central Africa than to the
    # Central African Republic's "Central African") is no country's
    if any(difflib.SequenceMatcher(None, key, k).ratio() >= best for k in _region_names()):
        return None
    # as close to another country's spelling: the text names neither ("Congolese": Togolese, Congolese (DRC))
    if any(_index()[k] != _index()[spelling] and best - ratio < SUGGESTION_MARGIN for ratio, k in ratios[1:]):
        return None
    return Suggestion(text=text, iso3=_index()[spelling], spelling=spelling, similarity=round(best, 3))


def _checked_reporting(reporting_iso3: str | None) -> str | None:
    if reporting_iso3 is None:
        return None
    code = reporting_iso3.strip().upper()
    if code not in _valid_iso3():
        raise ParameterError(
            f"reporting_iso3 {reporting_iso3!r} is not an ISO3 code of the country reference"
        )
    return code


@dataclass(frozen=True)
class FormerCode:
    """A country code ISO 3166 withdrew (ISO 3166-3, and the alpha-3 codes changed in place: ``ROM``, ``TMP``,
    ``ZAR``): the country it named and the current ISO3 codes of the countries that cover its territory."""

    code: str
    name: str
    successors: tuple[str, ...]
    how: str  # "renamed", "merged", "code changed", "dissolved" ...

    @property
    def iso3(self) -> str | None:
        """The one current country the code is read as; None when its territory is now several countries."""
        return self.successors[0] if len(self.successors) == 1 else None

    @property
    def area(self) -> tuple[str | None, str | None]:
        """(region, subregion) of UN M49 that every successor lies in (None where they differ): what is known
        of a place under a code that split (``YU``: Europe, Southern Europe; ``SU``: neither)."""
        regions = {region_of(code) for code in self.successors}
        subregions = {subregion_of(code) for code in self.successors}
        region = regions.pop() if len(regions) == 1 else None
        return region, (subregions.pop() if region is not None and len(subregions) == 1 else None)

    def reason(self) -> str:
        """Why the code is read as it is, for a note or a flag."""
        if self.iso3 is not None:
            return f"withdrawn ISO 3166 code {self.code} ({self.name}, {self.how}) read as {self.iso3}"
        region, subregion = self.area
        where = (
            f"; its region ({', '.join(a for a in (region, subregion) if a)}) kept"
            if region is not None
            else ""
        )
        return (
            f"withdrawn ISO 3166 code {self.code} ({self.name}, {self.how}) names no one current country "
            f"({', '.join(self.successors)}): not guessed{where}"
        )


def _former(codes: str, name: str, successors: str, how: str) -> dict[str, FormerCode]:
    return {code: FormerCode(code, name, tuple(successors.split()), how) for code in codes.split()}


#: ISO 3166-1 codes ISO withdrew (alpha-2 and alpha-3, from ISO 3166-3) -> the country each named and its
#: successors. Codes only: ``ROM``, ``ZAR`` or ``MI`` as text elsewhere name no country (a Roma person, the rand,
#: Michigan). A code ISO has since given to another country (``AI`` Anguilla, ``BQ`` Bonaire, ``GE`` Georgia,
#: ``SK`` Slovakia, ``ATF``) means that country and is not here. A state renamed, or merged into one current
#: state (``DD``: its whole territory is Germany's), has one successor and is read as it; a state that split
#: (``YU``, ``CS``, ``SU``, ``AN``, ...) has several and is never guessed into one of them.
FORMER_CODES: dict[str, FormerCode] = {
    **_former("BU BUR", "Burma", "MMR", "renamed Myanmar 1989"),
    **_former("TP TMP", "East Timor", "TLS", "renamed Timor-Leste 2002"),
    **_former("ZR ZAR", "Zaire", "COD", "renamed 1997"),
    **_former("ROM", "Romania", "ROU", "alpha-3 code changed 2002"),
    **_former("DY DHY", "Dahomey", "BEN", "renamed Benin 1975"),
    **_former("HV HVO", "Upper Volta", "BFA", "renamed Burkina Faso 1984"),
    **_former("NH NHB", "New Hebrides", "VUT", "renamed Vanuatu 1980"),
    **_former("RH RHO", "Southern Rhodesia", "ZWE", "renamed Zimbabwe 1980"),
    **_former("BYS", "Byelorussian SSR", "BLR", "renamed Belarus 1992"),
    **_former("AFI", "French Afars and Issas", "DJI", "renamed Djibouti 1977"),
    **_former("DD DDR", "German Democratic Republic", "DEU", "merged into Germany 1990"),
    **_former("YD YMD", "Democratic Yemen", "YEM", "merged into Yemen 1990"),
    **_former("VD VDR", "Democratic Republic of Viet-Nam", "VNM", "merged into Viet Nam 1976"),
    **_former("FX FXX", "France, Metropolitan", "FRA", "part of France"),
    **_former("PZ PCZ", "Panama Canal Zone", "PAN", "merged into Panama 1979"),
    **_former("SKM", "Sikkim", "IND", "merged into India 1975"),
    **_former("CT CTE", "Canton and Enderbury Islands", "KIR", "merged into Kiribati 1979"),
    **_former("JT JTN", "Johnston Island", "UMI", "merged into US Minor Outlying Islands 1986"),
    **_former("MI MID", "Midway Islands", "UMI", "merged into US Minor Outlying Islands 1986"),
    **_former(
        "PU PUS", "US Miscellaneous Pacific Islands", "UMI", "merged into US Minor Outlying Islands 1986"
    ),
    **_former("WK WAK", "Wake Island", "UMI", "merged into US Minor Outlying Islands 1986"),
    **_former("NQ ATN", "Dronning Maud Land", "ATA", "merged into Antarctica 1983"),
    **_former("ATB", "British Antarctic Territory", "ATA", "merged into Antarctica 1979"),
    **_former("YU YUG", "Yugoslavia", "BIH HRV MKD MNE SRB SVN XKX", "dissolved 1992-2006"),
    **_former("CSK", "Czechoslovakia", "CZE SVK", "dissolved 1993"),
    **_former("SCG", "Serbia and Montenegro", "MNE SRB XKX", "dissolved 2006"),
    # CS was Czechoslovakia's code until 1993, then Serbia and Montenegro's (2003-2006): it names neither alone
    **_former(
        "CS", "Czechoslovakia or Serbia and Montenegro", "CZE SVK MNE SRB XKX", "dissolved 1993 and 2006"
    ),
    **_former(
        "SU SUN",
        "USSR",
        "ARM AZE BLR EST GEO KAZ KGZ LTU LVA MDA RUS TJK TKM UKR UZB",
        "dissolved 1991",
    ),
    **_former("AN ANT", "Netherlands Antilles", "BES CUW SXM", "dissolved 2010"),
    **_former("FQ", "French Southern and Antarctic Territories", "ATA ATF", "divided 1979"),
    **_former("NT NTZ", "Neutral Zone", "IRQ SAU", "divided 1991"),
    **_former("PC PCI", "Pacific Islands (Trust Territory)", "FSM MHL MNP PLW", "divided 1986-1994"),
    **_former("GEL", "Gilbert and Ellice Islands", "KIR TUV", "divided 1976"),
}
#: The withdrawn codes whose country lives on under one current code (:data:`FORMER_CODES` with one successor).
WITHDRAWN_CODES: dict[str, str] = {
    code: former.iso3 for code, former in FORMER_CODES.items() if former.iso3 is not None
}


def former_code(code: str | None) -> FormerCode | None:
    """What a code ISO withdrew named (:data:`FORMER_CODES`), whatever its case and surrounding blanks; None for
    any other text, and for a code the reference knows as a current one."""
    if code is None:
        return None
    key = code.strip().upper()
    return FORMER_CODES.get(key) if key not in _valid_iso3() and _lookup(key) is None else None


def current_code(code: str | None) -> str | None:
    """The reference's ISO3 for a country code (alpha-3 or alpha-2): itself when the reference knows it, its one
    successor when ISO withdrew it (:data:`WITHDRAWN_CODES`: ``BUR`` and ``BU`` are ``MMR``), the code the
    reference knows it under (Kelley's ``KOS`` for Kosovo, ``XKX``); None for a code the reference does not know
    or one that split into several countries (``YUG``, ``SU``: :func:`former_code` says which)."""
    if code is None:
        return None
    code = code.strip().upper()
    if code in _valid_iso3():
        return code
    if code in WITHDRAWN_CODES:
        return WITHDRAWN_CODES[code]
    found = to_iso3(code)
    return found if found in _valid_iso3() else None


def to_iso3(value: str | None, *, reporting_iso3: str | None = None) -> str | None:
    """ISO3 of a code, name, variant or demonym; ``reporting_iso3`` for "Nationals"; None if not mappable."""
    reporting = _checked_reporting(reporting_iso3)
    if value is None:
        return None
    found = _lookup(value)
    if found == _REPORTING:
        return reporting
    return found


@dataclass(frozen=True)
class CountryMapping:
    """Result of :func:`map_to_iso3`: ``iso3`` aligned with the input, and the distinct inputs left unmapped."""

    iso3: pl.Series
    unmapped: list[str]


def map_to_iso3(
    values: pl.Series | Sequence[str | None],
    *,
    reporting_iso3: str | pl.Series | None = None,
) -> CountryMapping:
    """Map a column of country strings to ISO3, looking up each distinct string once.

    ``reporting_iso3`` is the country that "Nationals" refers to: one code, or a Series aligned with ``values``
    (per-row reporting countries; values that are not ISO3 codes of the reference leave those rows unmapped).
    """
    series = values if isinstance(values, pl.Series) else pl.Series("value", list(values), dtype=pl.String)
    series = series.cast(pl.String)
    if isinstance(reporting_iso3, pl.Series):
        if reporting_iso3.len() != series.len():
            raise ParameterError(
                f"reporting_iso3 has {reporting_iso3.len()} rows but values have {series.len()}"
            )
        codes = reporting_iso3.cast(pl.String).str.strip_chars().str.to_uppercase()
        reporting = pl.select(pl.when(codes.is_in(list(_valid_iso3()))).then(codes)).to_series()
    else:
        reporting = pl.repeat(_checked_reporting(reporting_iso3), series.len(), dtype=pl.String, eager=True)

    found = {value: _lookup(value) for value in series.drop_nulls().unique().to_list()}
    direct = {value: iso3 for value, iso3 in found.items() if iso3 is not None and iso3 != _REPORTING}
    reporting_values = [value for value, iso3 in found.items() if iso3 == _REPORTING]
    mapped = series.replace_strict(list(direct), list(direct.values()), default=None, return_dtype=pl.String)
    if reporting_values:
        mapped = pl.select(
            pl.when(series.is_in(reporting_values)).then(reporting).otherwise(mapped)
        ).to_series()
    mapped = mapped.rename("iso3")
    # Unmapped: strings with no match, and "Nationals" on rows without a valid reporting country.
    unmapped = series.filter(mapped.is_null()).drop_nulls().unique().to_list()
    return CountryMapping(iso3=mapped, unmapped=sorted(unmapped))


@cache
def _attribute(column: str) -> dict[str, str | None]:
    table = country_table()
    return dict(zip(table["iso3"].to_list(), table[column].to_list(), strict=True))


def name_of(iso3: str | None) -> str | None:
    """Short English name of an ISO3 code ("THA" -> "Thailand"); None if unknown."""
    return _attribute("name").get(iso3.upper()) if iso3 else None


#: Countries and territories whose short English name takes "the" in a sentence ("in the Netherlands", "the
#: United States"): plural names, names of a union, kingdom, federation or republic, and groups of islands.
_NAMES_WITH_THE = frozenset(
    {
        "ARE", "BHS", "CAF", "CCK", "COD", "COG", "COK", "COM", "CYM", "DOM", "FLK", "FRO", "GBR", "GMB",
        "HMD", "MDV", "MHL", "MNP", "NLD", "PHL", "RUS", "SGS", "SLB", "TCA", "UMI", "USA", "VAT", "VGB",
        "VIR", "ALA", "ATF", "KOR", "PRK", "MDA", "PSE", "SYR", "TZA",
    }
)  # fmt: skip


def name_in_text(iso3: str | None, *, start: bool = False) -> str | None:
    """The country's name as a sentence says it: with "the" where English puts one ("the Netherlands", "the
    Philippines", "the United States", "the Russian Federation"), else :func:`name_of`; ``start``: at the
    start of a sentence ("The Netherlands"). None if the code is unknown."""
    name = name_of(iso3)
    if name is None or iso3 is None:
        return name
    if iso3.upper() in _NAMES_WITH_THE:
        return f"{'The' if start else 'the'} {name}"
    return name


def region_of(iso3: str | None) -> str | None:
    """UN M49 region of an ISO3 code ("THA" -> "Asia"); None if unknown or outside every region."""
    return _attribute("region").get(iso3.upper()) if iso3 else None


def subregion_of(iso3: str | None) -> str | None:
    """UN M49 sub-region of an ISO3 code ("THA" -> "South-eastern Asia"); None if unknown."""
    return _attribute("subregion").get(iso3.upper()) if iso3 else None


def with_regions(df: pl.DataFrame, iso3_column: str, prefix: str) -> pl.DataFrame:
    """``df`` with ``{prefix}_region`` and ``{prefix}_subregion`` of the ISO3 codes in ``iso3_column``.

    Same rows in the same order; codes not in the reference get nulls.
    """
    if iso3_column not in df.columns:
        raise ParameterError(f"with_regions: no column {iso3_column!r} (columns: {', '.join(df.columns)})")
    region, subregion = f"{prefix}_region", f"{prefix}_subregion"
    clashes = [name for name in (region, subregion) if name in df.columns]
    if clashes:
        raise ParameterError(f"with_regions: column(s) {', '.join(clashes)} already exist")
    codes = pl.col(iso3_column).cast(pl.String)
    table = country_table()
    return df.with_columns(
        codes.replace_strict(table["iso3"], table["region"], default=None).alias(region),
        codes.replace_strict(table["iso3"], table["subregion"], default=None).alias(subregion),
    )
