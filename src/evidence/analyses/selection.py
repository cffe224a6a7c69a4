"""What an analysis is about: one table, a country in a role, a span of years (and, for UNODC's country data, an
indicator) — the :class:`Selection` that routes, trends and profiles take, checked once where it is made.

**Which table.** The case table (one row per victim) or the indicator table (UNODC's country data), told by the
loaded table's kind or, for a bare frame, by its columns (:func:`resolve_table`).

**Which victims.** ``role="origin"`` selects victims who are citizens of ``country``, ``"destination"`` those
exploited or detected in it, ``"both"`` either (case data, where origin and destination need a country: without
one the role would select every victim; in the indicator table a selection without a country reads every
reporting country, its citizenship breakdowns with ``"origin"``). ``years`` is inclusive; a year outside the
table's span is missing, never 0 (the selection's repr says so, as it says of a country the table holds nothing
of). A record dated by a band of years only (CTDC's Victim–Perpetrator file: ``2014-2018``) is of any years that
hold its whole band, and of no others (its victims may all be of the band's other years): the repr names a band
that the years cut, whose records are left out; the table's span is that of its bands too. Which bands a selection
holds and cuts is :meth:`Selection.bands` (a selection of every year holds every band and cuts none).

**Record keys.** Victim-level records of real people are protected by the cell key method when published
(:attr:`~evidence.sources.loaded.LoadedTable.protection`): each record carries a fixed random key
(:data:`RECORD_CELL_KEY`, a whole number in ``[0, 2**32)``), and every count of records carries, beside it, the sum of
its records' keys (:data:`CELL_KEY`). The sum of disjoint cells' keys is the key of their union, so totals and
merged categories get their keys the way they get their counts. Disclosure control
(:mod:`evidence.presentation.disclosure`) turns a cell's key into its perturbation: the same records give the
same published number in every output. The keys are an HMAC, under a secret key kept outside the data
(:mod:`evidence.core.secret_key`, so that nobody holding the same public file can compute them), of a stable
record id (the pseudonymous id a source keeps in :data:`STABLE_ID`, such as the register's) or, without one, of
the record's content (:func:`record_keys`): never of the file's bytes or the record's row, so that a copy of the
file saved otherwise (other line endings, columns moved, a column added or dropped, rows reordered) gives every
record the same key and every output the same numbers — outputs of two copies cannot be averaged.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import operator
import re
import weakref
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Final, Literal, NamedTuple, TypeVar, cast

import polars as pl

from evidence.core.errors import ParameterError
from evidence.sources.loaded import LoadedTable

TableKind = Literal["case", "indicator"]
Role = Literal["origin", "destination", "both"]
ROLES: tuple[str, ...] = ("origin", "destination", "both")

DEFAULT_INDICATOR = "Detected trafficking victims"

#: Column of a case frame holding each record's key (only on the frames of tables protected by cell key).
RECORD_CELL_KEY = "record_cell_key"
#: Column in which a source keeps a stable pseudonymous id per record (the register, case records with a case
#: id): a record's key is then derived from it, so that it stays the same from one export to the next.
STABLE_ID = "record_key"
#: Column of a count table holding, per cell, the sum of its records' keys (beside the count it belongs to).
CELL_KEY = "cell_key"
#: Record keys are whole numbers below this bound; a cell key is taken modulo it.
KEY_MODULUS = 2**32
#: Environment variable that gives the secret of record keys (else a key file in the user's configuration folder).
CELL_KEY_SECRET_ENV = "EVIDENCE_CELL_KEY_SECRET"

_CASE_MARKERS = {"origin_iso3", "destination_iso3", "exploitation_forced_labour"}
_INDICATOR_MARKERS = {"iso3", "indicator", "dimension", "category", "value_low", "value_high"}

#: Said when the victim records asked about are none (an empty selection), whatever is asked of them.
NO_RECORDS = "no victim records here (an empty selection): choose another country, role or years"

#: Loaded tables of countries, not victims (their ``kind``) -> what they are, for a message.
_COUNTRY_LEVEL = {
    "tier": "a table of US TIP Report tiers",
    "gsi": "a table of the Walk Free Global Slavery Index",
}

#: Citizenship categories that mean the reporting country's own citizens (a domestic flow).
NATIONALS = ("citizens of own country", "national", "nationals", "own nationals")


# ------------------------------------------------------------------------------------------- the checks


def resolve_table(table: LoadedTable | pl.DataFrame) -> tuple[pl.DataFrame, TableKind]:
    """The canonical frame and which canonical table it is (case or indicator)."""
    df = table.data if isinstance(table, LoadedTable) else table
    if not isinstance(df, pl.DataFrame):
        hint = (
            ": load the file first, evidence.sources.load(path)"
            if isinstance(table, str) or hasattr(table, "__fspath__")
            else ""
        )
        raise ParameterError(
            f"expected a LoadedTable or a polars DataFrame, got {type(table).__name__}{hint}"
        )
    kind = table.kind if isinstance(table, LoadedTable) else None
    if kind in ("case", "indicator"):
        return df, kind  # type: ignore[return-value]
    columns = set(df.columns)
    if _CASE_MARKERS <= columns:
        return df, "case"
    if _INDICATOR_MARKERS <= columns:
        return df, "indicator"
    if kind in _COUNTRY_LEVEL:
        raise ParameterError(
            f"this is {_COUNTRY_LEVEL[kind]}, not victim records or UNODC's country data: routes, trends and "
            "profiles read those; it goes into the cross-country panel "
            "(evidence.analyses.society.country_panel([unodc, gsi, tiers]))"
        )
    raise ParameterError(
        "the table is neither a case table nor an indicator table "
        f"(it has columns {sorted(columns)[:12]}{'…' if len(columns) > 12 else ''})"
    )


def check_country(country: str | None) -> str | None:
    """A country given by a user (an ISO3 code, or a name or variant the country reference knows) → ISO3."""
    if country is None:
        return None
    iso3 = _iso3_of(str(country).strip()) if str(country).strip() else None
    if not iso3:
        hint = ""
        if isinstance(country, str) and country.strip():
            from evidence.sources.countries import name_of, region_named, suggest_country

            region = region_named(country)
            close = suggest_country(country)
            if region is not None:  # a selection is of one country; a region's victims are its countries'
                hint = f"{country.strip()!r} names a region ({region}), not a country; "
            elif close is not None:
                hint = f"did you mean {close.iso3} ({name_of(close.iso3) or close.spelling})? "
        raise ParameterError(
            f"unknown country {country!r}: {hint}give an ISO 3166-1 alpha-3 code such as THA, "
            "or a country's name (Thailand)"
        )
    return iso3


def country_role_text(country: str, role: str) -> str:
    """A country in its role as messages and overviews name it: "THA (Thailand) as destination", "... as
    origin or destination" (role both)."""
    from evidence.sources.countries import name_of

    name = name_of(country)
    return f"{country}{f' ({name})' if name else ''} as {'origin or destination' if role == 'both' else role}"


@functools.lru_cache(maxsize=1024)
def _iso3_of(text: str) -> str | None:
    """The ISO3 of a country text (the reference is fixed in a process: each selection of a brief names the
    same few countries, looked up once)."""
    from evidence.sources.countries import to_iso3

    return to_iso3(text)


def selection_text(selection: Selection) -> str:
    """What a selection selects, for a message: "THA (Thailand) as destination, 2015–2020", "any country,
    every year"."""
    what = (
        "any country" if selection.country is None else country_role_text(selection.country, selection.role)
    )
    return what + (", every year" if selection.years is None else f", {span_text(selection.years)}")


def distinct_peers(peers: Sequence[str], country: str) -> tuple[list[str], bool, list[str]]:
    """The peers of ``country`` (ISO3) as ISO3 codes (each checked), in order, each once and without the country
    itself: the peers kept, whether the country was among them, and those given more than once (as kept).
    One rule for the CLI's ``--peers`` and a run's ``peers`` parameter."""
    codes = [code for code in (check_country(p) for p in peers) if code]  # a blank entry names no country
    kept = [code for code in dict.fromkeys(codes) if code != country]
    return kept, country in codes, [code for code in kept if codes.count(code) > 1]


def span_text(years: tuple[int, int]) -> str:
    """A selection's years in words: ``2015–2020``, or ``2019`` for one year."""
    first, last = years
    return f"{first}" if first == last else f"{first}–{last}"


def check_role(role: str) -> Role:
    """``role`` if it is origin, destination or both; else a clear error."""
    if isinstance(role, str) and role.strip().lower() in ROLES:
        return role.strip().lower()  # type: ignore[return-value]
    close = [
        r for r in ROLES if isinstance(role, str) and role.strip() and r.startswith(role.strip().lower())
    ]
    hint = f" (did you mean {close[0]!r}?)" if len(close) == 1 else ""
    raise ParameterError(
        f"role must be one of {', '.join(ROLES)}, not {role!r}{hint}: origin selects the country's citizens, "
        "destination the victims exploited or detected in it, both either"
    )


def check_years(years: tuple[int, int] | str | int | None) -> tuple[int, int] | None:
    """``(first, last)`` inclusive, from a tuple or a text such as ``"2015-2020"`` (also ``2015–2020``,
    ``2015..2020``, ``2015:2020``) or a single year, ``"2019"`` or ``2019``."""
    if years is None:
        return None
    if hasattr(type(years), "__index__") and not isinstance(years, bool):  # one year (2019, a numpy integer)
        year = operator.index(cast(int, years))
        return year, year
    if isinstance(years, str):
        match = re.fullmatch(r"\s*(\d{4})\s*(?:(?:-|–|\.\.|:)\s*(\d{4})\s*)?", years)
        if not match:
            raise ParameterError(f"years must look like 2015-2020 (or one year), not {years!r}")
        first, last = int(match[1]), int(match[2] or match[1])
    else:
        try:
            first, last = (int(y) for y in cast(tuple[int, int], years))
        except (TypeError, ValueError) as exc:
            raise ParameterError(
                f"years must be a pair (first, last), one year or a text such as 2015-2020, not {years!r}"
            ) from exc
    if first > last:
        raise ParameterError(f"years {first}-{last}: the first year is after the last")
    return first, last


#: A year in a band of years as a record's ``year_band`` writes it: a band's first and last year are its first
#: and last (:func:`band_span`, and the expressions below, read it alike).
_BAND_YEAR = r"\d{4}"
_BAND_YEARS = pl.col("year_band").cast(pl.String).str.extract_all(_BAND_YEAR)
#: A record's band of years (``year_band``: ``2014-2018``, or the single year ``2019``): its first and last year.
_BAND_FIRST = _BAND_YEARS.list.first().cast(pl.Int64)
_BAND_LAST = _BAND_YEARS.list.last().cast(pl.Int64)


def _year_ends(df: pl.DataFrame) -> tuple[int | None, int | None]:
    """The first and last year a case or indicator frame holds: of its single years and, where records are dated
    by a band of years only (CTDC's Victim–Perpetrator file: 2005-2013, 2014-2018, 2021-2022 beside 2019 and
    2020), of their bands too. (None, None) when it holds no year."""
    if "year" not in df.columns:
        return None, None
    ends = [pl.col("year").min().alias("low"), pl.col("year").max().alias("high")]
    if "year_band" not in df.columns:
        low, high = df.select(ends).row(0)
    else:
        low, high, band_low, band_high = df.select(
            *ends, _BAND_FIRST.min().alias("band_low"), _BAND_LAST.max().alias("band_high")
        ).row(0)
        low = min((v for v in (low, band_low) if v is not None), default=None)
        high = max((v for v in (high, band_high) if v is not None), default=None)
    return (int(low) if low is not None else None, int(high) if high is not None else None)


def band_span(band: object) -> tuple[int, int] | None:
    """The first and last year of a band of years as a record's ``year_band`` writes it (``2014-2018`` → (2014,
    2018), ``2019`` → (2019, 2019), as :func:`band_filter` reads it); None when it names no year."""
    ends = re.findall(_BAND_YEAR, str(band))
    return (int(ends[0]), int(ends[-1])) if ends else None


def band_filter(years: tuple[int, int]) -> pl.Expr:
    """Records without a single year whose band of years (``year_band``) lies wholly within ``years``: a record
    of 2014-2018 is of years 2010-2020, but not of 2015-2020 (its victims may all be of 2014)."""
    return (pl.col("year").is_null() & _band_within(years)).fill_null(False)


def _band_within(years: tuple[int, int]) -> pl.Expr:
    """Whether a band of years (``year_band``) lies wholly within ``years`` (null when it names no year): the
    one test of a band a selection holds (:func:`band_filter`, :meth:`Selection.bands`)."""
    return (_BAND_FIRST >= years[0]) & (_BAND_LAST <= years[1])


def _open_ends_closed(years: object, df: pl.DataFrame) -> object:
    """A pair with an open end (``(2015, None)``: from 2015 on; ``(None, 2018)``: up to 2018) closed at the first
    or last year the table holds; anything else as it is (for :func:`check_years`)."""
    if (
        not isinstance(years, tuple | list)
        or len(years) != 2
        or (years[0] is not None and years[1] is not None)
    ):
        return years
    low, high = _year_ends(df)
    if low is None or high is None:
        raise ParameterError(f"years {years!r}: an open end needs the table's years, and it holds none")
    return (int(low) if years[0] is None else years[0], int(high) if years[1] is None else years[1])


def covered_years(df: pl.DataFrame, years: tuple[int, int] | None) -> tuple[int, int] | None:
    """``years`` clipped to the years the table has records for, or None (no range given, or none left).

    Outside a release's years nothing was observed: a year there is missing, never a count of 0.
    """
    if years is None:
        return None
    low, high = _year_ends(df)
    if low is None or high is None:
        return None
    first, last = max(years[0], int(low)), min(years[1], int(high))
    return (first, last) if first <= last else None


def country_filter(country: str, role: Role) -> pl.Expr:
    """Records whose origin (``role="origin"``), destination, or either (``"both"``) is ``country``."""
    at_origin, at_destination = pl.col("origin_iso3") == country, pl.col("destination_iso3") == country
    selected = {"origin": at_origin, "destination": at_destination, "both": at_origin | at_destination}[role]
    return selected.fill_null(False)


def year_filter(years: tuple[int, int] | None) -> pl.Expr:
    """Rows whose year lies in ``years`` (inclusive); every row when ``years`` is None."""
    if years is None:
        return pl.lit(True)
    return pl.col("year").is_between(years[0], years[1])


def citizenship_origin_expr() -> pl.Expr:
    """The origin of an indicator table's by-citizenship row: ``category_iso3``, or the reporting country for
    ``Nationals`` (also where a table built by hand left its ``category_iso3`` empty)."""
    is_nationals = pl.col("category").str.strip_chars().str.to_lowercase().is_in(NATIONALS)
    return pl.when(is_nationals).then(pl.col("iso3")).otherwise(pl.col("category_iso3"))


def recorded_flags(df: pl.DataFrame, group: str) -> list[str]:
    """The flags of a flag group that the table's layout records.

    The canonical case table has every flag column, so a layout that lacks a flag (the synthetic releases have
    3 forms of exploitation, the k-anonymised Global Dataset 7) has it null on every row: such a column is
    *not recorded*, not "false for everyone", and takes no part in shares or the denominator rule.
    """
    from evidence.sources.case_schema import FLAG_GROUPS

    # a column's null count is kept with it: no query (a brief asks this of its tables a few hundred times)
    return [c for c in FLAG_GROUPS[group] if c in df.columns and df.get_column(c).null_count() < df.height]


# ------------------------------------------------------------------------------------------- built once


#: The engine the analyses' own queries (``LazyFrame.collect``) run on: polars' in-memory engine, which a
#: frame's eager methods use too. The default ("auto") chooses the streaming engine, whose start-up cost is most
#: of a small query's: a brief's counts of a UNODC selection (a few dozen rows) took twice the CPU time on it.
#: The same results (the queries' outputs are sorted, or grouped and read by key).
IN_MEMORY: Final = "in-memory"

#: Frames built from a whole table's frame and asked for again with the same arguments within a process (a
#: brief asks for the same UNODC yearly counts from its coverage, key figures and sections, ~60 times for ~20
#: different ones), by frame (held weakly: a frame no longer used frees its entries) and what was built.
_BUILT: dict[tuple[Hashable, ...], tuple[weakref.ref[pl.DataFrame], Any]] = {}
_BUILT_MAX = 256


def built_once(
    df: pl.DataFrame, key: tuple[Hashable, ...], build: Callable[[], pl.DataFrame]
) -> pl.DataFrame:
    """``build()``, a pure function of ``df`` and ``key``, built once per frame and key: a copy of the kept
    frame (a clone costs nothing, its columns are shared, and keeps the kept one intact whatever a caller does
    to its own). What ``build`` raises is raised each time, never kept."""
    return kept_once(df, key, build).clone()


_Kept = TypeVar("_Kept")

#: How many values :func:`kept_once` has built, and every how many builds it lets go of what was kept of
#: frames no longer used (a stale entry is never read: its frame is gone).
_BUILDS = 0
_SWEEP_EVERY = 8

#: How many frames with values kept in :data:`_BUILT` have gone since the last sweep (told by their weak
#: references): a sweep that would find none stale is skipped (the kept values are as after it).
_GONE = 0


def _frame_gone(_ref: weakref.ref[pl.DataFrame]) -> None:
    global _GONE
    _GONE += 1


#: The records of the latest selections (:meth:`Selection.records`), by their table's frame and selection.
_RECORDS: dict[tuple[Hashable, ...], tuple[weakref.ref[pl.DataFrame], pl.DataFrame]] = {}
_RECORDS_KEPT = 32


def kept_once(df: pl.DataFrame, key: tuple[Hashable, ...], build: Callable[[], _Kept]) -> _Kept:
    """``build()``, a pure function of ``df`` and ``key``, made once per frame and key and returned itself each
    time: for values nobody changes (a tuple, a number, a frozen dataclass; a frame: :func:`built_once`). What
    ``build`` raises is raised each time, never kept."""
    full = (id(df), *key)
    kept = _BUILT.get(full)
    if kept is not None and kept[0]() is df:
        # the least recently used go first: what every brief reads (a table's record keys) stays
        _BUILT[full] = _BUILT.pop(full)
        return cast(_Kept, kept[1])
    built = build()
    global _BUILDS
    _BUILDS += 1
    global _GONE
    if _GONE and (_BUILDS % _SWEEP_EVERY == 0 or len(_BUILT) >= _BUILT_MAX):
        # what was kept of frames no longer used goes every few builds (a sweep reads every entry: at each
        # build, a brief's ~30 builds read its 256 entries each time), and before anything read is pushed out;
        # only when a frame has gone since the last sweep (a full cache of live frames swept at every build
        # read 256 entries for nothing)
        _GONE = 0
        for stale in [k for k, (frame, _) in _BUILT.items() if frame() is None]:
            _BUILT.pop(stale, None)
    while len(_BUILT) >= _BUILT_MAX:
        del _BUILT[next(iter(_BUILT))]
    _BUILT[full] = (weakref.ref(df, _frame_gone), built)
    return built


#: Values built from several tables' frames (a country panel of the UNODC, GSI and tier tables), as :data:`_BUILT`.
_BUILT_OF: dict[tuple[Hashable, ...], tuple[tuple[weakref.ref[pl.DataFrame], ...], Any]] = {}
_BUILT_OF_MAX = 32


def kept_once_of(
    frames: Sequence[pl.DataFrame], key: tuple[Hashable, ...], build: Callable[[], _Kept]
) -> _Kept:
    """:func:`kept_once` of several frames: ``build()``, a pure function of ``frames`` (in order) and ``key``,
    made once per frames and key and returned itself each time (so for values nobody changes). What ``build``
    raises is raised each time, never kept."""
    full = (tuple(id(f) for f in frames), *key)
    kept = _BUILT_OF.get(full)
    if kept is not None and all(ref() is f for ref, f in zip(kept[0], frames, strict=True)):
        return cast(_Kept, kept[1])
    built = build()
    for stale in [k for k, (refs, _) in _BUILT_OF.items() if any(ref() is None for ref in refs)]:
        del _BUILT_OF[stale]
    while len(_BUILT_OF) >= _BUILT_OF_MAX:
        del _BUILT_OF[next(iter(_BUILT_OF))]
    _BUILT_OF[full] = (tuple(weakref.ref(f) for f in frames), built)
    return built


# ------------------------------------------------------------------------------------------- record keys


def record_keys(table: LoadedTable) -> pl.Series:
    """Each record's key (Int64 in ``[0, 2**32)``), in the order of ``table.data`` (see the module docstring).

    A record with a stable id (:data:`STABLE_ID`) is keyed by it; any other by its content on the canonical
    table: its column name and value pairs, sorted by name, nulls left out (so neither the order of the
    columns nor a column added to the schema later changes a key). The row, the file's bytes and name take no
    part. Identical records share a key, as the cell key method allows: a cell's key is still the sum of its
    records' keys, a function of which records it counts.
    """
    from evidence.core.secret_key import secret_key

    data = table.data
    content = sorted(c for c in data.columns if c not in ("source_row", STABLE_ID, RECORD_CELL_KEY))
    # "name=value" per field; a null field's pair is null, and concat_str leaves it out
    pairs = [pl.lit(f"{c}=") + pl.col(c).cast(pl.String) + pl.lit("\x1f") for c in content]
    text = pl.lit("content\x00") + (pl.concat_str(pairs, ignore_nulls=True) if pairs else pl.lit(""))
    if STABLE_ID in data.columns:  # a stable id: the same record keeps its key from one export to the next
        stable = pl.col(STABLE_ID).cast(pl.String)
        text = pl.when(stable.is_not_null()).then(pl.lit("id\x00") + stable).otherwise(text)
    names = data.select(text.alias("name"))["name"]
    if (
        not names.len()
    ):  # no records: whole-number keys all the same (a mapping of nothing keeps the text type)
        return pl.Series(RECORD_CELL_KEY, [], dtype=pl.Int64)
    unique = names.unique(maintain_order=True)  # identical records: one HMAC
    secret = secret_key("cell_key", CELL_KEY_SECRET_ENV)
    keys = pl.Series(_hashed_keys(secret, tuple(unique.to_list())), dtype=pl.Int64)
    return names.replace_strict(unique, keys, return_dtype=pl.Int64).alias(RECORD_CELL_KEY)


@functools.lru_cache(maxsize=8)
def _hashed_keys(secret: bytes, names: tuple[str, ...]) -> list[int]:
    return [
        int.from_bytes(hmac.new(secret, name.encode("utf-8"), hashlib.sha256).digest()[:4], "big")
        for name in names
    ]


def count_exprs(keyed: bool, name: str = "count") -> list[pl.Expr]:
    """The aggregations that count the records of a group: the count and, for keyed records, its cell key."""
    exprs = [pl.len().cast(pl.Int64).alias(name)]
    if keyed:
        exprs.append(pl.col(RECORD_CELL_KEY).sum().cast(pl.Int64).alias(CELL_KEY))
    return exprs


# ------------------------------------------------------------------------------------------- the selection


class Bands(NamedTuple):
    """The bands of years (``year_band``: ``2014-2018``) that date a selection's records without a single year
    (:meth:`Selection.bands`), each in order of its first year."""

    #: Those the selection holds: its years hold the whole band (every band when it has no years); its records
    #: are the selection's (its totals, routes and profiles count them; no single year, so no yearly table can).
    held: tuple[str, ...]
    #: Those its years cut (they hold some of the band's years, not all): the records are left out, their
    #: victims may all be of the band's other years.
    cut: tuple[str, ...]


@dataclasses.dataclass(frozen=True, eq=False)
class Selection:
    """One table and which of its victims an analysis is about, checked once.

        ``Selection(table, country="THA", role="destination", years="2015-2020")``: ``country`` is an ISO3 code or
        a name the country reference knows (stored as ISO3); ``role`` origin, destination or both (origin and destination
    need a country on case records); ``years`` a pair,
        a text such as ``"2015-2020"`` or one year (``2019``; stored as a pair), a pair's open end (``(2015, None)``)
        closed at the table's first or last year; ``indicator`` the UNODC indicator read from an
        indicator table. Invalid values raise :class:`~evidence.core.errors.ParameterError` here, before any work.
    """

    table: LoadedTable | pl.DataFrame
    country: str | None = None
    role: Role = "both"
    years: tuple[int, int] | None = None
    indicator: str = DEFAULT_INDICATOR

    def __post_init__(self) -> None:
        df, kind = resolve_table(self.table)
        if kind == "indicator":
            # the default too: a table of other indicators holds none of it (a table of no rows holds none at all)
            _check_indicator(df, self.indicator, none_held=self.indicator == DEFAULT_INDICATOR)
        if kind == "case" and self.indicator != DEFAULT_INDICATOR:
            raise ParameterError(
                f"indicator {self.indicator!r}: an indicator is read from UNODC's country data (an indicator "
                "table); this is a case table of victim records, which has none"
            )
        object.__setattr__(self, "country", check_country(self.country))
        object.__setattr__(self, "role", check_role(self.role))
        if kind == "case" and self.country is None and self.role != "both":
            # a role says which victims of a country: without one, every victim was selected, the role ignored
            raise ParameterError(
                f"role {self.role!r} needs a country: it selects "
                + (
                    "the country's citizens"
                    if self.role == "origin"
                    else "the victims exploited or detected in it"
                )
                + "; give a country (an ISO3 code such as THA, or its name), or role both for every victim of "
                "the table"
            )
        object.__setattr__(self, "years", check_years(_open_ends_closed(self.years, df)))  # type: ignore[arg-type]
        object.__setattr__(self, "_kind", kind)

    @property
    def kind(self) -> TableKind:
        """Which canonical table: ``case`` (victim records) or ``indicator`` (UNODC's country data)."""
        return self._kind  # type: ignore[attr-defined]

    @property
    def loaded(self) -> LoadedTable | None:
        """The loaded table (with provenance and row accounting), or None for a bare frame."""
        return self.table if isinstance(self.table, LoadedTable) else None

    @property
    def protection(self) -> str:
        """How the selection's counts are protected when published (see the module docstring)."""
        return self.table.protection if isinstance(self.table, LoadedTable) else "suppression"

    @property
    def keyed(self) -> bool:
        """Whether the counts of this selection carry cell keys (the table is protected by cell key)."""
        return self.kind == "case" and self.protection == "cell_key"

    @property
    def cache_key(self) -> tuple[Hashable, ...]:
        """What the selection's counts are a function of, beside its table's frame (:attr:`frame`, the key of
        :func:`kept_once`): which table, whether keyed, and its parameters."""
        return (self.kind, self.keyed, self.country, self.role, self.years, self.indicator)

    @functools.cached_property
    def frame(self) -> pl.DataFrame:
        """The whole canonical frame, with each record's key (:data:`RECORD_CELL_KEY`) when :attr:`keyed`."""
        df, _ = resolve_table(self.table)
        if self.keyed and isinstance(self.table, LoadedTable) and RECORD_CELL_KEY not in df.columns:
            from evidence.core.secret_key import secret_key

            # every selection of the table reads the same keys: hashed once per table (and secret)
            table = self.table
            secret = secret_key("cell_key", CELL_KEY_SECRET_ENV)
            df = built_once(df, ("record_keys", secret), lambda: df.with_columns(record_keys(table)))
            object.__setattr__(self, "_record_key_secret", secret)  # what the keys are a function of, too
        return df

    @property
    def record_key_secret(self) -> object:
        """The secret the records' keys of :attr:`frame` were hashed with (None when the frame made none: no
        keys, or the table's own): what they are a function of, so part of the key of anything kept of them."""
        self.frame  # noqa: B018 - the keys, and the secret they are made with, come with the frame
        return self.__dict__.get("_record_key_secret")

    def where(self) -> pl.Expr:
        """The case records of the selection: its country in its role (when given) and its years (a record
        dated by a band of years only, ``2014-2018``, when the band lies wholly within them: :func:`band_filter`)."""
        selected = year_filter(self.years) if self.years else pl.lit(True)
        if self.years and "year_band" in resolve_table(self.table)[0].columns:
            selected = selected.fill_null(False) | band_filter(self.years)
        if self.country is not None:
            selected = selected & country_filter(self.country, self.role)
        return selected

    def bands(self) -> Bands:
        """Which bands of years date the case records of the selection's country and role that have no single
        year (CTDC's Victim–Perpetrator file: 2005-2013, 2014-2018, 2021-2022), and which of them the selection
        holds or cuts (:class:`Bands`). A selection without years is of every year: it holds every band and cuts
        none. With years, a band they hold whole is held (:func:`band_filter`: :meth:`records` holds its
        records), one they partly hold is cut, one wholly outside them is neither (its records are outside the
        years, as a record of a single year outside them is). Read from the table's frame, never the keyed one
        (what a selection shows hashes no record keys); none for UNODC's country data."""
        df, kind = resolve_table(self.table)
        if kind != "case":
            return Bands((), ())
        bands = _undated_bands(df, self.country, self.role)
        if self.years is None:
            return Bands(tuple(bands["year_band"]), ())
        first, last = self.years
        within = _band_within(self.years)
        overlaps = (pl.col("first") <= last) & (pl.col("last") >= first)
        return Bands(
            tuple(bands.filter(within)["year_band"]), tuple(bands.filter(overlaps & ~within)["year_band"])
        )

    def records(self) -> pl.DataFrame:
        """The case records of the selection (records without a year are out when years are given): filtered
        once per frame and selection (a brief asks for them a dozen times), each caller given its own copy."""
        if self.kind != "case":
            raise ParameterError(
                "victim records are needed here (a case table), not country-level indicators"
            )
        frame = self.frame
        table, _ = resolve_table(self.table)
        # kept by the table's own frame (every selection of it has that one; a keyed frame is a copy per
        # selection): the records are a function of it, the records' keys (of the table and the secret, as
        # :attr:`frame` makes them) and where() (of the country, role and years alone)
        keys = () if frame is table else ("record keys", self.record_key_secret)
        full = (id(table), *keys, self.country, self.role, self.years)
        kept = _RECORDS.get(full)
        if kept is not None and kept[0]() is table:
            return kept[1].clone()
        records = frame.filter(self.where())
        # kept apart from the frames built once per table (a record's keys, hashed once): a batch of countries
        # selects hundreds of times, which must not push those out
        for stale in [k for k, (held, _) in _RECORDS.items() if held() is None]:
            del _RECORDS[stale]
        while len(_RECORDS) >= _RECORDS_KEPT:
            del _RECORDS[next(iter(_RECORDS))]
        _RECORDS[full] = (weakref.ref(table), records)
        return records.clone()

    def _overview(self) -> tuple[str, str]:
        """What is selected, and from which table: the parameters and the table's name, never its records."""
        df, _ = resolve_table(self.table)  # not self.frame: showing a selection hashes no record keys
        if self.country is None and self.kind == "indicator":
            # without a country a role still says which rows of UNODC's country data are read
            what = (
                "every country's citizens, as the reporting countries' citizenship breakdowns count them"
                if self.role == "origin"
                else "every reporting country's own detected victims"
            )
        elif self.country is None:
            what = "every country"
        else:
            what = country_role_text(self.country, self.role)
            role = "origin or destination" if self.role == "both" else self.role
            if not _holds(df, self.kind, self.country, self.role):
                what += (
                    f" (the table holds no victim of {self.country} as {role}: an empty selection)"
                    if self.kind == "case"
                    else f" (the table holds no row of {self.country}: an empty selection)"
                )
        span = year_span(df) if "year" in df.columns else None
        if self.years is None:
            what += f", every year{f' ({span[0]}–{span[1]})' if span else ''}"
        else:
            what += f", {span_text(self.years)}"
            if span and (self.years[1] < span[0] or self.years[0] > span[1]):
                what += f" (outside the table's years, {span[0]}–{span[1]}: every count will be missing)"
            elif span and (self.years[0] < span[0] or self.years[1] > span[1]):
                what += f" (the table holds {span[0]}–{span[1]}: the years beyond are missing, not 0)"
            if cut := self.bands().cut:
                what += (
                    f" (records dated only by a band of years reaching beyond {span_text(self.years)} "
                    f"({', '.join(cut)}) are left out: their victims may all be of other years of their band)"
                )
        if self.kind == "indicator":
            what += f", indicator {self.indicator!r}"
        loaded = self.loaded
        source = (
            f"the {loaded.kind} table from {loaded.provenance.label}"
            if loaded
            else f"a bare {self.kind} frame"
        )
        return what, source

    def __repr__(self) -> str:
        """What a notebook shows of a selection left as a cell's value: its parameters and its table's name
        (the dataclass's repr printed the whole table's)."""
        what, source = self._overview()
        return f"<Selection: {what}; of {source}>"

    def _repr_html_(self) -> str:
        """The same as :meth:`__repr__`, for JupyterLab."""
        from evidence.core.text import escape_html

        what, source = self._overview()
        return f"<p><b>Selection</b>: {escape_html(what)}<br><small>of {escape_html(source)}</small></p>"

    def replace(self, **changes: Any) -> Selection:
        """The same selection with some parts changed (checked again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The selection's parameters, for JSON output and run records."""
        return {
            "country": self.country,
            "role": self.role,
            "years": list(self.years) if self.years else None,
            **({"indicator": self.indicator} if self.kind == "indicator" else {}),
        }


def year_span(df: pl.DataFrame) -> tuple[int, int] | None:
    """The first and last year a case or indicator frame holds, of its single years and its records' bands of
    years (:func:`band_span`), or None (no years); found once per frame."""
    low, high = kept_once(df, ("year_span",), lambda: _year_ends(df))
    return (int(low), int(high)) if low is not None and high is not None else None


def _undated_bands(df: pl.DataFrame, country: str | None, role: Role) -> pl.DataFrame:
    """The bands of years (``year_band``) of a case frame's records of ``country`` in ``role`` (every record
    without one) that have no single year, with their first and last year (``first``, ``last``), in order; a
    band that names no year is left out (no years hold it). Found once per frame, country and role."""
    if "year_band" not in df.columns or "year" not in df.columns:
        return pl.DataFrame(schema={"year_band": pl.String, "first": pl.Int64, "last": pl.Int64})
    where = pl.col("year").is_null() & pl.col("year_band").is_not_null()
    if country is not None:
        where = where & country_filter(country, role)
    return built_once(
        df,
        ("undated bands", country, role),
        lambda: (
            df.filter(where)
            .select(pl.col("year_band").cast(pl.String))
            .unique()
            .with_columns(first=_BAND_FIRST, last=_BAND_LAST)
            .drop_nulls()
            .sort("first", "last", "year_band")
        ),
    )


def _holds(df: pl.DataFrame, kind: TableKind, country: str, role: Role) -> bool:
    """Whether the table names ``country``: a case record of it in ``role``, or (UNODC's country data) a row
    reported by it or of its citizens."""
    if kind == "case":
        where = country_filter(country, role)
    else:
        where = pl.col("iso3") == country
        if "category_iso3" in df.columns:
            where = where | (pl.col("category_iso3") == country)
        where = where.fill_null(False)
    return kept_once(df, ("holds", kind, country, role), lambda: bool(df.select(where.any()).item()))


def _check_indicator(df: pl.DataFrame, indicator: str, *, none_held: bool = False) -> None:
    """A clear error for an indicator the table does not hold (a selection of it would be empty, silently);
    ``none_held``: a table that holds no indicator at all (no rows) is let through."""
    held: tuple[str, ...] = kept_once(
        df, ("indicators",), lambda: tuple(sorted(df["indicator"].drop_nulls().unique().to_list()))
    )
    if indicator not in held and not (none_held and not held):
        raise ParameterError(
            f"the table holds no indicator {indicator!r}; it holds {', '.join(repr(i) for i in held) or 'none'}"
        )


def as_selection(selection: Selection | LoadedTable | pl.DataFrame) -> Selection:
    """``selection`` itself, or the whole of a table (every country, every year)."""
    return selection if isinstance(selection, Selection) else Selection(selection)
