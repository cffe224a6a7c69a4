"""Checking and coercing run parameters against a notebook's declared parameters, before any kernel starts.

Values come as strings from the command line (``-p year_from 2015``) or typed from YAML; both go through
:func:`coerce` (pydantic, with the notebook's declared types), so ``"2015"`` becomes 2015 for an ``int``, ``"2015-2022"`` becomes ``[2015, 2022]`` for a
``tuple[int, int]`` (and every year for a ``list[int]``), and ``"yes"`` becomes True for a ``bool``. Sequences
are always passed to the notebook as lists (what Papermill can inject and JSON can record).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from evidence.core.errors import ParameterError
from evidence.notebooks.catalog import AUTO, NotebookSpec, Parameter, ParamType, did_you_mean

_INT = re.compile(r"[+-]?\d+")
_RANGE = re.compile(r"\s*([+-]?\d+)\s*(?:-|–|\.\.|:)\s*([+-]?\d+)\s*")
_TRUE = {"true", "yes", "y", "on", "1"}
_FALSE = {"false", "no", "n", "off", "0"}
_NONE = {"none", "null", "~", ""}

#: Values renamed, by parameter and old value: the old spelling still works (run plans, scheduled jobs and the
#: records of earlier runs give it) with a warning on standard error. The hidden_population notebook spelled
#: "as many bootstrap runs as needed" 0; it is ``auto`` now, as ``evidence estimate --bootstrap-runs auto``.
RENAMED_VALUES: dict[str, dict[str, str]] = {"bootstrap_runs": {"0": AUTO}}


class _Mismatch(Exception):
    """A value that does not fit a type (turned into a ParameterError naming the parameter)."""


def resolve_parameters(
    spec: NotebookSpec, given: Mapping[str, Any], *, base_dir: str | Path | None = None
) -> dict[str, Any]:
    """Every declared parameter with its value: the given ones coerced and checked, the others' defaults.

    Raises one :class:`ParameterError` listing every problem (unknown names, wrong types, unknown countries,
    values outside the choices, missing data files), then the notebook's ``# check:`` constraints that the
    values break (``year_from <= year_to``, a threshold of at least 2, ...). ``base_dir`` anchors relative data-file paths (a plan
    file's folder); the working directory by default.
    """
    problems = [unknown_parameter(spec, name) for name in given if name not in spec.parameters]
    given = {name: renamed_value(spec, name, value) for name, value in given.items()}
    resolved: dict[str, Any] = {}
    for name, param in spec.parameters.items():
        if name not in given and not param.default_is_literal:
            continue  # the notebook computes this default itself; nothing to inject or record
        value = given.get(name, param.default)
        try:
            resolved[name] = check_value(param, value, base_dir=base_dir)
        except ParameterError as exc:
            origin = "" if name in given else " (its declared default)"
            problems.append(f"{exc}{origin}")
    if not problems:  # the checks between parameters, once every value is known to be of its type
        problems = [v for check in spec.checks if (v := check.violation(resolved)) is not None]
    if problems:
        raise ParameterError("; ".join(problems) if len(problems) == 1 else "\n  " + "\n  ".join(problems))
    return resolved


def renamed_value(spec: NotebookSpec, name: str, value: Any) -> Any:
    """``value`` of parameter ``name``, its old spelling (:data:`RENAMED_VALUES`) written as the new one with a
    one-line warning on standard error; any other value as it is."""
    import sys

    param = spec.parameters.get(name)
    renamed = RENAMED_VALUES.get(name, {})
    if param is None or not param.type.auto or isinstance(value, bool) or value is None:
        return value
    new = renamed.get(str(value).strip())
    if new is None:
        return value
    sys.stderr.write(
        f"warning: {name} {str(value).strip()} is the old spelling of {name} {new} in notebook {spec.name}, "
        f"which it still means; write {new} in new plans and commands\n"
    )
    return new


def check_value(param: Parameter, value: Any, *, base_dir: str | Path | None = None) -> Any:
    """One parameter's value coerced to its declared type, checked against its choices and validator."""
    try:
        coerced = coerce(param.type, value)
    except _Mismatch as exc:
        raise ParameterError(
            f"parameter {param.name!r} expects {param.type}, got {value!r}{_detail(exc)}"
        ) from None
    if coerced is None:
        return None
    items = coerced if param.type.is_sequence else [coerced]
    if param.choices:
        for item in items:
            if item not in param.choices:
                raise ParameterError(
                    f"parameter {param.name!r} must be one of {'|'.join(map(str, param.choices))}, "
                    f"got {item!r}" + _choice_meant(str(item), [str(c) for c in param.choices])
                )
    if param.validator == "iso3":
        checked = [_iso3(param.name, item) for item in items]
        return checked if param.type.is_sequence else checked[0]
    if param.validator == "data_files":
        checked = [_data_file(param.name, item, base_dir) for item in items]
        return checked if param.type.is_sequence else checked[0]
    return coerced


def _detail(exc: _Mismatch) -> str:
    return f" ({exc})" if str(exc) else ""


def coerce(ptype: ParamType, value: Any) -> Any:
    """``value`` as ``ptype``, checked and converted by pydantic (lax mode: ``"2015"`` is an int, ``"yes"`` a
    bool); text for a sequence is split first (``a,b``, ``[a, b]``, a range ``2015-2022``). Sequences come back
    as lists. Raises ``_Mismatch``."""
    from pydantic import ValidationError

    if ptype.auto and isinstance(value, str) and value.strip().lower() == AUTO:
        return AUTO
    if value is None or (isinstance(value, str) and ptype.nullable and value.strip().lower() in _NONE):
        if ptype.nullable or ptype.kind == "any":
            return None
        raise _Mismatch("no value")
    if ptype.is_sequence:
        if isinstance(value, str):
            value = _split_text(ptype, value)
        elif not isinstance(value, list | tuple):
            value = [value]  # one scalar where a list is expected: a list of one
        if ptype.kind == "tuple" and len(value) != len(ptype.items):
            raise _Mismatch(f"{len(value)} values where {len(ptype.items)} are expected")
    if isinstance(value, bool) and ptype.kind in ("int", "float"):
        raise _Mismatch("true/false is not a number")  # pydantic would take it as 1/0
    if isinstance(value, str) and ptype.kind == "bool":
        value = value.strip()
    try:
        checked = _adapter(ptype).validate_python(value)
    except ValidationError as exc:
        raise _Mismatch(_pydantic_reason(exc)) from None
    if _not_finite(checked):  # nan, inf: no value a notebook means, and null in run.json (JSON has no NaN)
        raise _Mismatch("not a finite number")
    return _as_lists(checked)


def _not_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    return isinstance(value, list | tuple) and any(_not_finite(v) for v in value)


@functools.cache
def _adapter(ptype: ParamType) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(ptype.python_type())


def _pydantic_reason(exc: Any) -> str:
    error = exc.errors()[0]
    where = " ".join(f"item {i + 1}" for i in error.get("loc", ()) if isinstance(i, int))
    return f"{where}: {error['msg']}" if where else str(error["msg"])


def _as_lists(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_as_lists(v) for v in value]
    return value


def _split_text(ptype: ParamType, text: str) -> list[Any]:
    """A sequence written on the command line: ``[a, b]`` (YAML), ``a,b``, or a range ``2015-2022``."""
    stripped = text.strip()
    if not stripped:
        return []
    if stripped.startswith("["):
        try:
            parsed = yaml.safe_load(stripped)
        except yaml.YAMLError as exc:
            raise _Mismatch(f"cannot read {stripped!r} as a list") from exc
        return list(parsed)
    item = ptype.item_type()
    if item.kind == "int" and (m := _RANGE.fullmatch(stripped)):
        low, high = int(m.group(1)), int(m.group(2))
        if low > high:
            raise _Mismatch(f"the range {stripped!r} runs backwards")
        if ptype.kind == "tuple" and len(ptype.items) == 2:
            return [low, high]  # a (from, to) pair
        return list(range(low, high + 1))
    return [part.strip() for part in stripped.split(",")]


def _iso3(name: str, value: Any) -> str:
    """A country parameter's ISO3, refused in the words every command uses for an unknown country (with the
    country it may be a misspelling of)."""
    from evidence.analyses.selection import check_country

    if not isinstance(value, str) or not value.strip():
        raise ParameterError(f"parameter {name!r}: a country is a text (an ISO3 code such as THA, or a name)")
    try:
        code = check_country(value)
    except ParameterError as exc:
        raise ParameterError(f"parameter {name!r}: {exc}") from None
    assert code is not None
    return code


def _data_file(name: str, value: Any, base_dir: str | Path | None) -> str:
    path = Path(str(value)).expanduser()
    if not path.is_absolute():
        path = Path(base_dir or Path.cwd()) / path
    if path.is_dir():  # as every command says it (it said "no such data file")
        raise ParameterError(f"parameter {name!r}: {str(value)!r} is a directory, not a data file")
    if not path.is_file():
        raise ParameterError(f"parameter {name!r}: no such data file {str(value)!r} (looked at {path})")
    return str(path.resolve())


def parse_cli_pairs(spec: NotebookSpec, pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """``-p NAME VALUE`` pairs as a mapping; a list parameter given several times collects every value."""
    given: dict[str, Any] = {}
    for name, value in pairs:
        param = spec.parameters.get(name)
        is_list = param is not None and param.type.kind == "list"
        if name in given:
            if not is_list:
                raise ParameterError(f"parameter {name!r} is given twice ({given[name]!r} and {value!r})")
            given[name].append(value)
        else:
            given[name] = [value] if is_list else value
    return {k: _flatten_list_texts(spec, k, v) for k, v in given.items()}


def _flatten_list_texts(spec: NotebookSpec, name: str, value: Any) -> Any:
    # ["a,b", "c"] from repeated -p: split each text the way a single one would be split
    param = spec.parameters.get(name)
    if param is None or not isinstance(value, list):
        return value
    out: list[Any] = []
    for item in value:
        out.extend(_split_text(param.type, item) if isinstance(item, str) else [item])
    return out


def read_yaml(path: str | Path, what: str) -> Any:
    """The content of a YAML (or JSON) file a user wrote; ``what`` names it in errors ("the plan")."""
    from evidence.core.errors import InputError

    path = Path(path)
    try:
        raw = path.read_bytes()
        return yaml.load(raw.decode("utf-8"), Loader=_UniqueKeyLoader)  # a SafeLoader
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror}", path=path) from exc
    except UnicodeDecodeError as exc:  # a file saved in Latin-1 or UTF-16: was a traceback
        raise InputError(
            f"{what} is not UTF-8 text (byte {exc.object[exc.start]:#04x})",
            path=path,
            row=raw.count(b"\n", 0, exc.start) + 1,
            hint="save it as UTF-8",
        ) from exc
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {_yaml_problem(exc)}", path=path) from exc


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key written twice in one mapping: PyYAML keeps the last one silently, so a
    plan with two ``parameters:`` blocks (or a country given twice) would drop the first without a word."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *defaults`: keys after it may override
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
            except TypeError:  # an unhashable key: the constructor reports it
                break
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """A YAML error on one line, where it is in the file (line and column, 1-based) and what is wrong: PyYAML's
    own text spans several lines and names the file "<unicode string>"."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if mark is None or not problem:
        return " ".join(str(exc).split())
    context = getattr(exc, "context", None)
    text = f"{problem} ({context})" if context else problem
    return f"line {mark.line + 1}, column {mark.column + 1}: {text}"


def unknown_parameter(spec: NotebookSpec, name: str) -> str:
    """Why ``name`` is refused: no parameter of the notebook, with the closest one and all of them."""
    known = ", ".join(spec.parameters) or "none"
    return (
        f"unknown parameter {name!r} for notebook {spec.name}{did_you_mean(name, spec.parameters)} "
        f"(its parameters: {known})"
    )


def read_parameters_file(path: str | Path, spec: NotebookSpec | None = None) -> dict[str, Any]:
    """A YAML (or JSON) file of ``name: value`` pairs; with ``spec``, a name the notebook does not declare is
    refused naming the file (the same refusal for a name typed with ``-p`` did not say where it was written)."""
    from evidence.core.errors import InputError

    path = Path(path)
    data = read_yaml(path, "the parameters file")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError("a parameters file must be a mapping of name: value", path=path)
    given = {str(k): v for k, v in data.items()}
    unknown = [name for name in given if spec is not None and name not in spec.parameters]
    if spec is not None and unknown:
        raise InputError(unknown_parameter(spec, unknown[0]), path=path)
    return given


def anchor_data_paths(spec: NotebookSpec, given: Mapping[str, Any], base_dir: str | Path) -> dict[str, Any]:
    """``given`` with relative paths of data-file parameters made absolute against ``base_dir`` (the folder of
    the parameters or plan file they were written in, so a file means the same wherever it is run from)."""
    out = dict(given)
    for name, value in given.items():
        param = spec.parameters.get(name)
        if param is None or param.validator != "data_files" or value is None:
            continue
        items = value if isinstance(value, list) else [value]
        anchored = [
            str(Path(base_dir) / p)
            if isinstance(p, str) and p and not Path(p).expanduser().is_absolute()
            else p
            for p in items
        ]
        out[name] = anchored if isinstance(value, list) else anchored[0]
    return out


def canonical_json(value: Any) -> str:
    """Canonical text of parameters (what hashes are taken of): sorted keys, no spaces, tuples as lists."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def parameters_hash(notebook: str, parameters: Mapping[str, Any], length: int = 6) -> str:
    """Short hash of a notebook's name and canonical parameters (it tells apart runs with similar slugs)."""
    text = canonical_json({"notebook": notebook, "parameters": dict(parameters)})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


_SLUG_UNSAFE = re.compile(r"[^A-Za-z0-9._]+")
#: At most this many characters of a run id's readable part name its data files.
_DATA_SLUG_LENGTH = 40


def run_id(spec: NotebookSpec, parameters: Mapping[str, Any], max_length: int = 80) -> str:
    """A run folder's name: the notebook, its data files' names, its short scalar values in declaration order,
    and a hash of all.

    ``country_brief-THA-both-2012-2023-5-3f9a1c``, ``hidden_population-NewOrl_5_185cases-stepwise-…-4b2e1d``:
    readable at a glance, and unique because the hash covers every parameter (lists and long values are left
    out of the readable part). Only ASCII letters, digits, ``.``, ``_`` and ``-``.

    The cut is predictable: every other segment (the notebook, the country, the role, the years, the threshold)
    is always kept whole; the data files' part gets what is left of ``max_length`` characters (at most
    :data:`_DATA_SLUG_LENGTH`), shared evenly among the files (:func:`data_slug`), so that every file is named
    by the start of its stem; the trailing hash tells apart runs whose readable parts agree. The readable part
    is at most ``max_length`` characters unless its fixed segments alone are longer.
    """
    # the notebook's name is its file's stem, any text: made safe as the values are (a space, brackets a summary
    # read as a style; a leading "." made a hidden folder that lists of runs leave out)
    segments: list[tuple[bool, Any]] = [
        (False, slug_text(spec.name) or "notebook")
    ]  # (names data files?, text)
    for name in spec.parameters:
        value = parameters.get(name)
        if spec.parameters[name].validator == "data_files":
            segments.append((True, value))
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int | str) and 0 < len(str(value)) <= 16:
            segments.append((False, slug_text(str(value))))
        elif isinstance(value, list) and 0 < len(value) <= 2 and all(isinstance(v, int) for v in value):
            segments.append((False, "-".join(str(v) for v in value)))
    fixed = [text for is_data, text in segments if not is_data and text]
    n_data = sum(1 for is_data, _ in segments if is_data)
    left = max_length - len("-".join(fixed)) - n_data  # a separator before each data part
    budget = max(0, min(_DATA_SLUG_LENGTH, left // n_data)) if n_data else 0
    parts = [data_slug(text, budget) if is_data else text for is_data, text in segments]
    slug = "-".join(p for p in parts if p)
    return f"{slug}-{parameters_hash(spec.name, parameters)}"


def slug_text(text: str) -> str:
    """``text`` in a run id: accents dropped (``données`` → ``donnees``), every other run of characters
    outside ASCII letters, digits, ``.`` and ``_`` one ``_``, no leading or trailing ``_`` or ``.``."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _SLUG_UNSAFE.sub("_", plain).strip("_.")


def data_slug(value: Any, max_length: int = _DATA_SLUG_LENGTH) -> str:
    """The data files of a run as its id names them: each file's stem (``NewOrl_5_185cases_SparseMSE``) through
    :func:`slug_text`, joined by ``_``, at most ``max_length`` characters shared evenly: a stem shorter than its
    share is kept whole and leaves the rest to the others, a longer one is cut to its share (four files in 38
    characters: ``k_anon_sa_data_glot_gsi_2023_tip_tiers``), so that every file is named. Empty when the run
    names no file (the notebook's default data) or when there is no room."""
    files = value if isinstance(value, list) else [value]
    stems = [slug_text(Path(str(f)).stem) for f in files if isinstance(f, str | Path) and str(f)]
    stems = [s for s in stems if s]
    if not stems or max_length <= 0:
        return ""
    room = max_length - (len(stems) - 1)  # the "_" between stems
    if room < len(stems):  # not even a character each: as many whole-ish names as fit
        return "_".join(stems)[:max_length].rstrip("_.")
    shares = [0] * len(stems)
    order = sorted(range(len(stems)), key=lambda i: len(stems[i]))
    for position, i in enumerate(order):  # water-filling: the shortest first, each the even share of the rest
        share = room // (len(stems) - position)
        shares[i] = min(len(stems[i]), share)
        room -= shares[i]
    cut = [stem[:share].rstrip("_.") or stem[:share] for stem, share in zip(stems, shares, strict=True)]
    return "_".join(c for c in cut if c.strip("_.")).strip("_.")


def _choice_meant(word: str, choices: list[str]) -> str:
    """``"; did you mean 'x'?"`` for the choice ``word`` misspells, or the one choice it begins (``dest``:
    ``destination``, as ``evidence flows --role`` suggests), or an empty string."""
    typed = word.strip().lower()
    begun = [c for c in choices if typed and c.lower().startswith(typed)]
    if len(begun) == 1:
        return f"; did you mean {begun[0]!r}?"
    return did_you_mean(word, choices)
