"""A case records mapping file's shape, declared as pydantic models, and its reading (YAML with line numbers):
:func:`evidence.sources.case_mapping.read_mapping` reads a mapping through it. Kept apart from
:mod:`evidence.sources.case_mapping` so that only a process that reads a mapping imports pydantic.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    create_model,
)

from evidence.core.errors import InputError
from evidence.sources.case_mapping import (
    CODED_FIELDS,
    COUNTRY_CODINGS,
    DEFAULT_MISSING,
    DEFAULT_NO,
    DEFAULT_YES,
    EXTRA_FLAGS,
    FIELDS,
    FIXABLE_FIELDS,
    PROVENANCE_KEYS,
    UNMAPPED_COUNTRY_ACTIONS,
    CaseRecordsMapping,
    canonical_label,
    fold,
)
from evidence.sources.case_schema import FLAG_COLUMNS
from evidence.sources.dates import iso_date

# --- the file's shape, declared ------------------------------------------------------------------------------


def _text(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) or str(value).strip() == "":
        raise ValueError(f"expected a column name or text, found {value!r}")
    return str(value).strip()


def _choice(*allowed: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
        return value

    return check


def _snake_case(kind: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", kind):
        raise ValueError("name assistance kinds in snake_case")
    return kind


def _positive_line(value: Any) -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or int(text) < 1:
        raise ValueError(f"expected the header's line (1 or more), found {text!r}")
    return int(text)


def _one_character(value: Any) -> str:
    if not isinstance(value, str) or len(value) != 1:
        raise ValueError(f"expected one character, found {value!r}")
    return value


def _separator(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a separator such as ';', found {value!r}")
    return value


Text = Annotated[str, BeforeValidator(_text)]


def _release(value: str) -> str:
    """The release as written, unless it is a date that reads two ways (``06/07/2025``) or none (``31/02/2025``):
    the organisation's own wording (``June 2025``, ``v2``) is its label, but an ambiguous date is never guessed."""
    iso_date(value)  # ValueError naming both readings and the forms accepted
    return value


Release = Annotated[str, BeforeValidator(_text), AfterValidator(_release)]
Code = Annotated[str, BeforeValidator(lambda v: "" if v is None else str(v))]
AssistanceKind = Annotated[str, AfterValidator(_snake_case)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_Flags: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "Flags", __base__=_Model, **{flag: (Text | None, None) for flag in [*FLAG_COLUMNS, *EXTRA_FLAGS]}
)
_Fixed: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "Fixed", __base__=_Model, **{field: (Text | None, None) for field in FIXABLE_FIELDS}
)
_Columns: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "Columns",
    __base__=_Model,
    **{field: (Text | None, None) for field in FIELDS},
    flags=(_Flags, Field(default_factory=_Flags)),
    assistance=(dict[AssistanceKind, Text], Field(default_factory=dict)),
)
_Values: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "Values",
    __base__=_Model,
    **{field: (dict[Code, Text | None], Field(default_factory=dict)) for field in CODED_FIELDS},
    countries=(dict[Code, Text | None], Field(default_factory=dict)),
    yes_no=(dict[Code, StrictBool | None], Field(default_factory=dict)),
)


class MappingFile(_Model):
    """The keys of a mapping file (``docs/case-records.md``)."""

    title: Text | None = None
    release: Release | None = None
    url: Text | None = None
    licence: Text | None = None
    citation: Text | None = None
    synthetic: StrictBool | None = None
    columns: _Columns = Field(default_factory=_Columns)  # type: ignore[valid-type]
    fixed: _Fixed = Field(default_factory=_Fixed)  # type: ignore[valid-type]
    values: _Values = Field(default_factory=_Values)  # type: ignore[valid-type]
    missing: list[Code | None] = Field(default_factory=list)
    identifying: list[Text] = Field(default_factory=list)
    countries: Annotated[str, AfterValidator(_choice(*COUNTRY_CODINGS))] = "names"
    reporting_country: Text | None = None
    unmapped_countries: Annotated[str, AfterValidator(_choice(*UNMAPPED_COUNTRY_ACTIONS))] = "reject"
    list_separator: Annotated[str, BeforeValidator(_separator)] = ";"
    sheet: Text | None = None
    delimiter: Annotated[str, BeforeValidator(_one_character)] | None = None
    encoding: Text = "utf-8-sig"
    header_row: Annotated[int, BeforeValidator(_positive_line)] = 1


# --- YAML with line numbers ----------------------------------------------------------------------------------


class _MappingLoader(yaml.SafeLoader):
    """YAML where only true, false and null are typed: codes such as ``No``, ``ON``, ``01`` or ``1.0`` stay text,
    as they are in the data (YAML 1.1 would read them as booleans and numbers)."""


_MappingLoader.yaml_implicit_resolvers = {}
_MappingLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_MappingLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)


def _line_of(node: Any, keys: tuple[str, ...]) -> int | None:
    """The 1-based line of the deepest key of ``keys`` found in a composed YAML document."""
    line = None
    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            break
        for key_node, value_node in node.value:
            if str(key_node.value) == key:
                line, node = key_node.start_mark.line + 1, value_node
                break
        else:
            break
    return line


class _Errors:
    """Makes the one error a mapping gets: the file, the key's line, the dotted key, the problem."""

    def __init__(self, path: Path | None, node: yaml.Node | None) -> None:
        self.path = path
        self.node = node  # the file's composed document (:func:`_parsed`), None for a mapping given as data

    def line(self, keys: tuple[str, ...]) -> int | None:
        return _line_of(self.node, keys)

    def __call__(self, keys: tuple[str, ...], message: str, hint: str | None = None) -> InputError:
        line = self.line(keys)
        where = f"line {line}: " if line else ""
        key = ".".join(keys)
        return InputError(f"{where}{key}: {message}" if key else where + message, path=self.path, hint=hint)

    def from_pydantic(self, exc: ValidationError) -> InputError:
        first = exc.errors(include_url=False)[0]
        keys = tuple(str(k) for k in first["loc"] if k != "[key]")
        kind, value = first["type"], first.get("input")
        if kind == "extra_forbidden":
            allowed = _fields_at(keys[:-1])
            close = difflib.get_close_matches(keys[-1], allowed, n=1)
            what = "key" if len(keys) == 1 else "field"
            suggestion = f" (did you mean {close[0]!r}?)" if close else ""
            return self(keys, f"unknown {what}{suggestion}", hint="known: " + ", ".join(allowed))
        if kind in ("dict_type", "model_type", "model_attributes_type"):
            return self(keys, f"expected a mapping of key: value, found {type(value).__name__}")
        if kind.startswith("bool"):
            choices = "true, false or null" if keys[:1] == ("values",) else "true or false"
            return self(keys, f"expected {choices}, found {value!r}")
        if kind == "list_type":
            return self(keys, f"expected a list, found {value!r}")
        return self(keys, str(first["msg"]).removeprefix("Value error, "))


def _fields_at(keys: tuple[str, ...]) -> list[str]:
    """The keys allowed at a place of the mapping (for suggestions)."""
    model: Any = MappingFile
    for key in keys:
        annotation = model.model_fields[key].annotation
        model = annotation
    return list(model.model_fields)


# --- from the declared shape to a mapping ready to decode ------------------------------------------------------


def _build(model: Any, error: _Errors) -> CaseRecordsMapping:
    # ``model`` is a MappingFile; its sections are models made at run time, so typed loosely here
    columns = {f: c for f in FIELDS if (c := getattr(model.columns, f)) is not None}
    flags = {f: c for f, c in model.columns.flags.model_dump().items() if c is not None}
    assistance = dict(model.columns.assistance)
    fixed = {f: v for f, v in model.fixed.model_dump().items() if v is not None}
    if "age_years" in columns and "age_band" in columns:
        raise error(("columns", "age_band"), "give the age once: age_years or age_band, not both")
    for field in fixed:
        if field in columns:
            raise error(("fixed", field), "is also under columns: give a field a column or a fixed value")
    if not columns and not flags and not assistance:
        raise error(("columns",), "names no column: say which column holds which field")
    identifying = {fold(c) for c in model.identifying}
    named = {f"columns.{f}": c for f, c in columns.items() if f != "case_id"}
    named.update({f"columns.flags.{f}": c for f, c in flags.items()})
    named.update({f"columns.assistance.{k}": c for k, c in assistance.items()})
    for key, column in named.items():
        if fold(column) in identifying:
            raise error(
                tuple(key.split(".")),
                f"names {column!r}, which the mapping marks as identifying: identifying columns (names, dates "
                "of birth, phone numbers, addresses, free text) are never read into an analysis field",
            )

    coded: dict[str, dict[str, str | None]] = {}
    for field, allowed in CODED_FIELDS.items():
        table = getattr(model.values, field)
        if not table:
            continue
        out: dict[str, str | None] = {}
        for code, label in table.items():
            if label is not None and allowed is not None:
                canonical = canonical_label(label, allowed)
                if canonical is None:
                    raise error(
                        ("values", field, code),
                        f"maps to {label!r}, which is not one of: {', '.join(allowed)}",
                    )
                label = canonical
            _add_code(out, code, label, ("values", field), error)
        coded[field] = out

    from evidence.sources.countries import country_table, to_iso3

    known = set(country_table()["iso3"].to_list())
    country_values: dict[str, str | None] = {}
    for spelling, iso3 in model.values.countries.items():
        code = None if iso3 is None else iso3.upper()
        if code is not None and code not in known:
            raise error(("values", "countries", spelling), f"{iso3!r} is not an ISO3 code")
        _add_code(country_values, spelling, code, ("values", "countries"), error)
    yes_no: dict[str, bool | None] = dict.fromkeys((fold(c) for c in DEFAULT_YES), True)
    yes_no.update(dict.fromkeys((fold(c) for c in DEFAULT_NO), False))
    given: dict[str, bool | None] = {}
    for code, flag in model.values.yes_no.items():
        _add_code(given, code, flag, ("values", "yes_no"), error)

    reporting = None
    if model.reporting_country is not None:
        reporting = to_iso3(model.reporting_country)
        if reporting is None:
            raise error(
                ("reporting_country",), f"{model.reporting_country!r} is not a country the reference knows"
            )
    mapping = CaseRecordsMapping(
        columns=columns,
        flags=flags,
        assistance=assistance,
        values=coded,
        country_values=country_values,
        yes_no=yes_no | given,
        missing=frozenset(fold(m) for m in (*DEFAULT_MISSING, *(m for m in model.missing if m is not None))),
        fixed=fixed,
        identifying=tuple(model.identifying),
        countries=model.countries,
        reporting_country=reporting,
        unmapped_countries=model.unmapped_countries,
        list_separator=model.list_separator,
        sheet=model.sheet,
        delimiter=model.delimiter,
        encoding=model.encoding,
        header_row=model.header_row,
        provenance={k: v for k in PROVENANCE_KEYS if (v := getattr(model, k)) is not None},
    )
    lines = {key: error.line(tuple(key.split("."))) for key in mapping.data_columns()}
    return dataclasses.replace(mapping, key_lines={k: v for k, v in lines.items() if v})


def _add_code(out: dict[str, Any], code: str, target: Any, keys: tuple[str, ...], error: _Errors) -> None:
    key = fold(code)
    if key in out and out[key] != target:
        raise error((*keys, code), "the same code (ignoring case and spaces) is mapped twice, differently")
    out[key] = target


def _validate(raw: Any, error: _Errors) -> CaseRecordsMapping:
    if not isinstance(raw, Mapping):
        raise error((), f"expected a mapping of key: value, found {type(raw).__name__}")
    try:
        model = MappingFile.model_validate({str(k): v for k, v in raw.items()})
    except ValidationError as exc:
        raise error.from_pydantic(exc) from None
    return _build(model, error)


def _parsed(text: str) -> tuple[Any, yaml.Node | None]:
    """The mapping file's data (``yaml.load`` with :class:`_MappingLoader`, a SafeLoader: plain data only) and its
    composed document, whose key nodes give the lines errors name: from one parse of the text (it was parsed
    twice, once for each, on every import of an export). A document with an explicit merge key (``!!merge``) is
    composed again for the lines: building its data flattens the merged mappings into the node in place."""
    loader = _MappingLoader(text)
    try:
        node = loader.get_single_node()  # as yaml.load: composed, one document only
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    if node is not None and "merge" in text:
        node = yaml.compose(text, Loader=_MappingLoader)
    return data, node


def read_mapping_file(mapping: str | Path | Mapping[str, Any]) -> CaseRecordsMapping:
    """Read and validate a mapping file (or an already parsed mapping); errors name the key and its line."""
    if isinstance(mapping, Mapping):
        return _validate(dict(mapping), _Errors(None, None))
    path = Path(mapping)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the mapping file: {exc.strerror}", path=path) from exc
    try:
        text = data.decode("utf-8-sig")
        raw, node = _parsed(text)
    except UnicodeDecodeError as exc:
        raise InputError("the mapping file is not UTF-8 text", path=path) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"{where}not valid YAML: {problem}", path=path) from exc
    if raw is None:
        raise InputError("the mapping file is empty", path=path)
    mapping_ = _validate(raw, _Errors(path, node))
    return dataclasses.replace(mapping_, path=path, sha256=hashlib.sha256(data).hexdigest())
