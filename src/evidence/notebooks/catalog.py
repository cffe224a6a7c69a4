"""Locating notebooks and reading the parameters they declare, without starting a kernel.

A notebook declares its parameters in the code cell tagged ``parameters`` (Papermill's convention), one
assignment per parameter, read by Papermill's own inspection (what ``papermill --help-notebook`` shows). The
type is the annotation, else the default's type; values are checked and converted by pydantic. A trailing
comment documents the parameter and may carry markers::

    country: str = "THA"  # ISO3 code of the country (a country name is accepted too)
    role: str = "both"  # one of: origin|destination|both
    year_from: int = 2012
    years: tuple[int, int] = (2012, 2023)
    data: list[str] = []  # data files; empty means the configured data, else the synthetic demo data
    lists_path: Optional[str] = None  # (with ``from typing import Optional`` in the cell)
    # check: 1990 <= year_from <= year_to <= 2100

Types: ``str``, ``int``, ``float``, ``bool``, ``list[X]``, ``tuple[X, Y]`` and ``Optional[X]`` (what Papermill
can read: not ``X | None`` nor ``Literal[...]``; an assignment it cannot read is an error, never a silently
missing parameter). Markers in the comment: ``one of: a|b|c`` restricts the value to those choices; the word
``ISO3`` makes the value a country, checked and normalised by :func:`evidence.sources.countries.to_iso3`; the
words ``data files`` make the value a list of data files, checked to exist and made absolute before a kernel
starts (a run's kernel works in the run's own folder); the words ``a number or auto`` make an ``int`` (or ``str``)
parameter a whole number or the word ``auto``, spelled so whatever the case it is given in (the toolkit's one
spelling of "let the toolkit choose": ``bootstrap_runs: str = "auto"``, as ``evidence estimate --bootstrap-runs
auto``). ``# check:`` lines are not applied to ``auto``.

``# check:`` lines declare constraints, on one parameter or between several (comparisons of parameters and
numbers, chained as in Python): every run, brief and batch checks them before a kernel starts.

A ``# selection:`` line says which parameters select victims in the data (a country, its role, the years and
the data files)::

    # selection: country=country, role=role, years=year_from:year_to, data=data

Every run, brief and batch then reads the data before a kernel starts: years left empty (``None``) become the
span the data hold for the country and role, and a selection with no victims is refused, naming the years the
data do hold (:mod:`evidence.runs.selection_check`).
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import json
import re
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, overload

from evidence.core.errors import InputError, ParameterError
from evidence.core.text import did_you_mean

#: One parse of Python source at a time in this process: CPython 3.11 (before 3.11.9, gh-106905) keeps the depth
#: of the AST objects it is building in one place for all threads, so two parses at once (a run's thread and a
#: notebook's check, or a traceback's anchors, which 3.11 finds by parsing) can fail with "AST constructor
#: recursion depth mismatch".
_PARSING = threading.Lock()


@overload
def parse_python(source: str, mode: Literal["exec"] = "exec") -> ast.Module: ...
@overload
def parse_python(source: str, mode: Literal["eval"]) -> ast.Expression: ...
def parse_python(source: str, mode: str = "exec") -> ast.AST:
    """``ast.parse``, safe beside other threads: one parse of ours at a time, and once again when a parse
    outside our lock (a traceback's, in another thread) met ours (CPython 3.11's gh-106905)."""
    with _PARSING:
        try:
            return ast.parse(source, mode=mode)
        except SystemError as exc:
            if "recursion depth mismatch" not in str(exc):
                raise
            return ast.parse(source, mode=mode)


#: The notebooks shipped with the toolkit, by name.
PACKAGED_NOTEBOOKS = (
    "country_brief",
    "routes",
    "trends",
    "data_quality",
    "hidden_population",
    "causes_consequences",
)

_SCALARS = {"str": str, "int": int, "float": float, "bool": bool}
_CHOICE = re.compile(r"one of:\s*([^;#]+)", re.IGNORECASE)
_MARKERS = {
    "iso3": re.compile(r"\bISO3\b", re.IGNORECASE),
    "data_files": re.compile(r"\bdata files?\b", re.IGNORECASE),
}
#: The comment's marker of a whole number that may also be the word ``auto`` (:attr:`ParamType.auto`).
_AUTO = re.compile(r"\ba number or auto\b", re.IGNORECASE)
#: The one spelling of "let the toolkit choose" in every parameter that takes it.
AUTO = "auto"


@dataclasses.dataclass(frozen=True)
class ParamType:
    """A declared parameter type: a scalar (``str``, ``int``, ``float``, ``bool``, ``any``), a ``list`` of one
    item type, or a ``tuple`` of fixed item types; ``nullable`` for ``Optional[...]``."""

    kind: str  # "str" | "int" | "float" | "bool" | "any" | "list" | "tuple"
    items: tuple[ParamType, ...] = ()
    nullable: bool = False
    auto: bool = False  # an int that may also be the word "auto" (the comment's "a number or auto")

    def __str__(self) -> str:
        if self.kind == "list":
            text = f"list[{self.items[0]}]"
        elif self.kind == "tuple":
            text = f"tuple[{', '.join(map(str, self.items))}]"
        else:
            text = self.kind
        if self.auto:
            text += " | auto"
        return f"{text} | None" if self.nullable else text

    @property
    def is_sequence(self) -> bool:
        return self.kind in ("list", "tuple")

    def item_type(self, index: int = 0) -> ParamType:
        """The type of a sequence's item at ``index``."""
        if self.kind == "tuple":
            return self.items[index]
        return self.items[0]

    def python_type(self) -> Any:
        """The Python type (for pydantic): ``list[int]``, ``tuple[int, int]``, ``Optional[str]``, ..."""
        from typing import Any as AnyType
        from typing import Optional

        base: Any
        if self.kind == "list":
            base = list[self.items[0].python_type()]  # type: ignore[misc]
        elif self.kind == "tuple":
            base = tuple.__class_getitem__(tuple(i.python_type() for i in self.items))
        elif self.kind == "any":
            base = AnyType
        else:
            base = _SCALARS[self.kind]
        return Optional[base] if self.nullable and base is not AnyType else base  # noqa: UP045


ANY = ParamType("any")


@dataclasses.dataclass(frozen=True)
class Parameter:
    """One declared parameter of a notebook."""

    name: str
    type: ParamType
    default: Any  # the literal default; for a default that is not a literal, its source text
    default_is_literal: bool = True
    choices: tuple[Any, ...] = ()
    validator: str | None = None  # "iso3" | "data_files" | None
    help: str = ""

    def describe(self) -> str:
        """One line for listings: name, type, default, choices."""
        text = f"{self.name}: {self.type} = {self.default!r}"
        if self.choices:
            text += "  (one of: " + "|".join(map(str, self.choices)) + ")"
        return text


@dataclasses.dataclass(frozen=True)
class NotebookSpec:
    """A notebook file and what it declares."""

    name: str
    path: Path
    sha256: str
    parameters: dict[str, Parameter]
    kernel_name: str | None
    text: str = dataclasses.field(default="", repr=False)  # the file's content, as hashed
    checks: tuple[Check, ...] = ()
    selection: SelectionDeclaration | None = None

    @property
    def data_parameter(self) -> str | None:
        """The parameter that takes the notebook's data files (what ``--data`` gives), if it declares one."""
        return next((n for n, p in self.parameters.items() if p.validator == "data_files"), None)


def notebooks_dir() -> Path:
    """Where the packaged notebooks live: inside an installed wheel, else the source tree's ``notebooks/``."""
    here = Path(__file__).resolve()
    installed = here.parents[1] / "_notebooks"
    if installed.is_dir():
        return installed
    return here.parents[3] / "notebooks"


def packaged_notebooks() -> dict[str, Path]:
    """Every packaged notebook present on disk, by name."""
    folder = notebooks_dir()
    return {p.stem: p for p in sorted(folder.glob("*.ipynb"))} if folder.is_dir() else {}


def find_notebook(name_or_path: str | Path) -> Path:
    """The notebook file for a packaged notebook's name or a path; a clear error when it is neither."""
    candidate = Path(name_or_path).expanduser()
    if candidate.suffix == ".ipynb" or candidate.exists():
        if candidate.is_dir():
            raise InputError("a folder, not a notebook", path=candidate, hint="name the .ipynb file in it")
        if not candidate.is_file():
            raise InputError("no such notebook", path=candidate)
        return candidate.resolve()
    known = packaged_notebooks()
    if str(name_or_path) in known:
        return known[str(name_or_path)]
    raise ParameterError(
        f"unknown notebook {str(name_or_path)!r}; packaged notebooks: {', '.join(known) or 'none'}"
        + did_you_mean(str(name_or_path), known)
    )


def read_notebook(name_or_path: str | Path) -> NotebookSpec:
    """Read a notebook's declared parameters (from its ``parameters`` cell) and fingerprint."""
    path = find_notebook(name_or_path)
    raw = path.read_bytes()
    try:
        nb = json.loads(raw)
    except ValueError as exc:
        raise InputError(f"not a notebook (invalid JSON: {exc})", path=path) from exc
    cells = nb.get("cells", [])
    tagged = [c for c in cells if "parameters" in (c.get("metadata", {}).get("tags") or [])]
    if len(tagged) > 1:
        raise InputError("more than one cell is tagged 'parameters'", path=path)
    source = _cell_source(tagged[0]) if tagged else ""
    kernel = (nb.get("metadata", {}).get("kernelspec") or {}).get("name")
    parameters = parse_parameters(source, path=path)
    return NotebookSpec(
        name=path.stem,
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
        parameters=parameters,
        kernel_name=kernel,
        text=raw.decode("utf-8"),
        checks=parse_checks(source, parameters, path=path),
        selection=parse_selection(source, parameters, path=path),
    )


def _cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


#: Optional modules Papermill probes at import for remote notebook stores (HDFS, through pyarrow), which the
#: toolkit never reads from or writes to: hidden while Papermill is imported, pyarrow (with numpy) costs a
#: third of a second of every run's start.
_REMOTE_STORE_MODULES = ("pyarrow.fs",)


def import_papermill() -> ModuleType:
    """Papermill, imported (once) without its probe of the remote stores the toolkit does not use
    (:data:`_REMOTE_STORE_MODULES`): each is hidden for the import (Papermill skips a store whose module
    does not import, as when it is not installed) and importable again afterwards. A module already imported
    is used as it is."""
    if "papermill" in sys.modules:
        return sys.modules["papermill"]
    hidden = [name for name in _REMOTE_STORE_MODULES if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # "import name" raises ImportError
    try:
        import papermill
    finally:
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
    return papermill


def parse_parameters(source: str, *, path: str | Path | None = None) -> dict[str, Parameter]:
    """The parameters a ``parameters`` cell declares, in order, as Papermill's inspection reads them.

    An assignment Papermill cannot read (an annotation such as ``int | None``) is an error naming it: a
    parameter must never go missing silently.
    """
    import_papermill()
    from papermill.translators import PythonTranslator

    try:
        tree = parse_python(source)
    except SyntaxError as exc:
        raise InputError(
            f"the parameters cell is not valid Python: {exc.msg}", path=path, row=exc.lineno
        ) from exc
    found = {p.name: p for p in PythonTranslator.inspect({"source": source})}
    params: dict[str, Parameter] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name = node.target.id
        elif (
            isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        ):
            name = node.targets[0].id
        else:
            continue  # imports, helper statements: not parameters
        if name not in found:
            raise InputError(
                f"parameter {name!r}: Papermill cannot read its declaration; write the "
                "type as str, int, float, bool, list[...], tuple[...] or Optional[...] and one assignment "
                "per line",
                path=path,
                row=node.lineno,
            )
        params[name] = _parameter(found[name], path)
    return params


def _parameter(found: Any, path: Any) -> Parameter:
    name, comment = found.name, found.help
    default: Any = None
    literal = True
    try:
        default = ast.literal_eval(found.default)
    except (ValueError, SyntaxError):
        default, literal = found.default, False
    if found.inferred_type_name == "None":
        ptype = _type_of_value(default) if literal else ANY
    else:
        ptype = _annotation_type(found.inferred_type_name, name, path)
    if _AUTO.search(comment):
        if ptype.kind not in ("int", "str"):
            raise InputError(
                f"parameter {name!r}: 'a number or auto' needs an int or str parameter, not {ptype}",
                path=path,
            )
        ptype = ParamType("int", nullable=ptype.nullable, auto=True)
    choices: tuple[Any, ...] = ()
    if match := _CHOICE.search(comment):
        texts = [c.strip() for c in match.group(1).split("|") if c.strip()]
        choices = tuple(_coerce_choice(text, ptype) for text in texts)
    validator = next((key for key, pattern in _MARKERS.items() if pattern.search(comment)), None)
    help_text = _CHOICE.sub("", comment).strip(" ;,:")  # "what it is: one of: a|b" reads "what it is"
    return Parameter(name, ptype, default, literal, choices, validator, help_text)


def _coerce_choice(text: str, ptype: ParamType) -> Any:
    base = ptype.item_type() if ptype.is_sequence else ptype
    if base.kind in ("int", "float"):
        try:
            return _SCALARS[base.kind](text)
        except ValueError:
            pass
    return text


def _annotation_type(annotation: str, name: str, path: Any) -> ParamType:
    """A ParamType from the annotation Papermill read (``list[str]``, ``Optional[int]``, ...)."""

    def fail() -> InputError:
        return InputError(
            f"parameter {name!r}: unsupported type annotation {annotation!r} "
            "(use str, int, float, bool, list[...], tuple[...] or Optional[...])",
            path=path,
        )

    def convert(n: ast.expr) -> ParamType:
        if isinstance(n, ast.Name):
            if n.id in _SCALARS:
                return ParamType(n.id)
            if n.id in ("Any", "object"):
                return ANY
            if n.id in ("list", "List"):
                return ParamType("list", (ANY,))
            raise fail()
        if isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name):
            head = n.value.id
            args = list(n.slice.elts) if isinstance(n.slice, ast.Tuple) else [n.slice]
            if head == "Optional" and len(args) == 1:
                return dataclasses.replace(convert(args[0]), nullable=True)
            if head in ("list", "List", "Sequence") and len(args) == 1:
                return ParamType("list", (convert(args[0]),))
            if head in ("tuple", "Tuple"):
                return ParamType("tuple", tuple(convert(a) for a in args))
        raise fail()

    try:
        return convert(parse_python(annotation, mode="eval").body)
    except SyntaxError:
        raise fail() from None


def _type_of_value(value: Any) -> ParamType:
    """The type an unannotated parameter takes from its default."""
    if value is None:
        return ParamType("any", nullable=True)
    if isinstance(value, bool | int | float | str):
        return ParamType(type(value).__name__)
    if isinstance(value, list | tuple):
        kinds = {type(v).__name__ for v in value}
        item = ParamType(kinds.pop()) if len(kinds) == 1 and next(iter(kinds)) in _SCALARS else ANY
        if isinstance(value, tuple):
            return ParamType(
                "tuple", tuple(_type_of_value(v) if isinstance(v, str | int | float) else ANY for v in value)
            )
        return ParamType("list", (item,))
    return ANY


# ------------------------------------------------------------------------------------------------- checks

_CHECK_LINE = re.compile(r"^\s*#\s*check:\s*(?P<expr>.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_COMPARISONS: dict[type, Any] = {
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
}


@dataclasses.dataclass(frozen=True)
class Check:
    """A constraint a notebook declares on its parameters (``# check: year_from <= year_to``)."""

    text: str
    names: tuple[str, ...]
    terms: tuple[Any, ...]  # ("name", x) or ("value", 3), one more than ops
    ops: tuple[Any, ...]

    def violation(self, values: dict[str, Any]) -> str | None:
        """Why ``values`` break this check, or None (a check on a parameter that is None, or ``auto``, is not
        applied)."""
        resolved = [values.get(v) if kind == "name" else v for kind, v in self.terms]
        if any(v is None or v == AUTO for v in resolved):
            return None
        for op, left, right in zip(self.ops, resolved, resolved[1:], strict=False):
            try:
                holds = _COMPARISONS[op](left, right)
            except TypeError:
                holds = False
            if not holds:
                given = ", ".join(f"{n}={values.get(n)!r}" for n in self.names)
                return f"the notebook requires {self.text} (given {given})"
        return None


def parse_checks(source: str, parameters: dict[str, Parameter], *, path: Any = None) -> tuple[Check, ...]:
    """The ``# check:`` lines of a parameters cell: chained comparisons of parameters and numbers."""
    checks = []
    for match in _CHECK_LINE.finditer(source):
        text = match["expr"]
        row = source[: match.start()].count("\n") + 1

        def fail(why: str, text: str = text, row: int = row) -> InputError:
            return InputError(f"check {text!r}: {why}", path=path, row=row)

        try:
            node = parse_python(text, mode="eval").body
        except SyntaxError:
            raise fail("not a comparison") from None
        if not isinstance(node, ast.Compare) or not all(type(op) in _COMPARISONS for op in node.ops):
            raise fail("write a comparison such as 'year_from <= year_to' or '2 <= threshold'")
        terms: list[tuple[str, Any]] = []
        for operand in [node.left, *node.comparators]:
            if isinstance(operand, ast.Name):
                if operand.id not in parameters:
                    raise fail(f"{operand.id!r} is not a parameter{did_you_mean(operand.id, parameters)}")
                terms.append(("name", operand.id))
                continue
            try:
                value = ast.literal_eval(operand)
            except ValueError:
                raise fail("compare parameters and numbers only") from None
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise fail("compare parameters and numbers only")
            terms.append(("value", value))
        names = tuple(dict.fromkeys(v for kind, v in terms if kind == "name"))
        checks.append(Check(text, names, tuple(terms), tuple(type(op) for op in node.ops)))
    return tuple(checks)


# ---------------------------------------------------------------------------------------------- selection

_SELECTION_LINE = re.compile(r"^\s*#\s*selection:\s*(?P<body>.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_SELECTION_KEYS = ("country", "role", "years", "data")


@dataclasses.dataclass(frozen=True)
class SelectionDeclaration:
    """Which parameters select victims in the data (``# selection: country=country, role=role,
    years=year_from:year_to, data=data``): the country (required), its role, the first and last year, and the
    data files (by default every data-files parameter)."""

    text: str
    country: str
    role: str | None = None
    year_from: str | None = None
    year_to: str | None = None
    data: str | None = None


def parse_selection(
    source: str, parameters: dict[str, Parameter], *, path: Any = None
) -> SelectionDeclaration | None:
    """The ``# selection:`` line of a parameters cell (at most one), checked against the parameters."""
    found = list(_SELECTION_LINE.finditer(source))
    if not found:
        return None
    if len(found) > 1:
        raise InputError("more than one '# selection:' line", path=path)
    match = found[0]
    text = match["body"]
    row = source[: match.start()].count("\n") + 1

    def fail(why: str) -> InputError:
        return InputError(f"selection {text!r}: {why}", path=path, row=row)

    names: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        key, sep, value = (s.strip() for s in part.partition("="))
        if not sep or key not in _SELECTION_KEYS:
            raise fail(f"write key=parameter with keys {', '.join(_SELECTION_KEYS)}, not {part!r}")
        if key in names:
            raise fail(f"{key!r} is given twice")
        names[key] = value
    if "country" not in names:
        raise fail("name the country parameter (country=...)")
    first, _, last = (part.strip() for part in names.pop("years", "").partition(":"))
    if bool(first) != bool(last):
        raise fail("give the years as first:last (two parameters)")
    declared = SelectionDeclaration(
        text=text,
        country=names["country"],
        role=names.get("role") or None,
        year_from=first or None,
        year_to=last or None,
        data=names.get("data") or None,
    )
    for key in ("country", "role", "year_from", "year_to", "data"):
        name = getattr(declared, key)
        if name is not None and name not in parameters:
            raise fail(f"{name!r} ({key}) is not a parameter{did_you_mean(name, parameters)}")
    if declared.data and parameters[declared.data].validator != "data_files":
        raise fail(f"{declared.data!r} is not a data-files parameter")
    return declared
