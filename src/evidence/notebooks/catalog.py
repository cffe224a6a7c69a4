"""Locating notebooks and reading the parameters they declare, without starting a kernel.

A notebook declares its parameters in the code cell tagged ``parameters`` (Papermill's convention), one
assignment per parameter. The type comes from the annotation, else from the default's type; a trailing comment
documents the parameter and may carry markers::

    country: str = "THA"  # ISO3 code of the country (a name is accepted too)
    role: str = "both"  # one of: origin|destination|both
    year_from: int = 2012
    years: tuple[int, int] = (2012, 2023)
    data: list[str] = []  # data files; empty means the configured data, else the synthetic demo data
    kind: Literal["case", "indicator"] = "case"

Markers in the comment: ``one of: a|b|c`` restricts the value to those choices (as ``Literal[...]`` does);
the word ``ISO3`` makes the value a country, checked and normalised by
:func:`evidence.sources.countries.to_iso3`; the words ``data files`` make the value a list of data files,
checked to exist and made absolute before a kernel starts (a run's kernel works in the run's own folder).
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from evidence.core.errors import InputError, ParameterError

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


@dataclasses.dataclass(frozen=True)
class ParamType:
    """A declared parameter type: a scalar (``str``, ``int``, ``float``, ``bool``, ``any``), a ``list`` of
    one item type, or a ``tuple`` of fixed item types (``variadic``: ``tuple[int, ...]``)."""

    kind: str  # "str" | "int" | "float" | "bool" | "any" | "list" | "tuple"
    items: tuple[ParamType, ...] = ()
    nullable: bool = False
    variadic: bool = False

    def __str__(self) -> str:
        if self.kind == "list":
            text = f"list[{self.items[0]}]"
        elif self.kind == "tuple":
            inner = f"{self.items[0]}, ..." if self.variadic else ", ".join(map(str, self.items))
            text = f"tuple[{inner}]"
        else:
            text = self.kind
        return f"{text} | None" if self.nullable else text

    @property
    def is_sequence(self) -> bool:
        return self.kind in ("list", "tuple")

    def item_type(self, index: int = 0) -> ParamType:
        """The type of a sequence's item at ``index``."""
        if self.kind == "tuple" and not self.variadic:
            return self.items[index]
        return self.items[0]


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


def did_you_mean(word: str, candidates: Any) -> str:
    """``"; did you mean 'x'?"`` for the closest candidate, or an empty string."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


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
    return NotebookSpec(
        name=path.stem,
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
        parameters=parse_parameters(source, path=path),
        kernel_name=kernel,
        text=raw.decode("utf-8"),
    )


def _cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def parse_parameters(source: str, *, path: str | Path | None = None) -> dict[str, Parameter]:
    """Parse a ``parameters`` cell's source into declared parameters, in order."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise InputError(
            f"the parameters cell is not valid Python: {exc.msg}", path=path, row=exc.lineno
        ) from exc
    lines = source.splitlines()
    params: dict[str, Parameter] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name, annotation, value = node.target.id, node.annotation, node.value
        elif (
            isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        ):
            name, annotation, value = node.targets[0].id, None, node.value
        else:
            continue  # imports, comments turned expressions, helper statements: not parameters
        comment = _trailing_comment(lines, node)
        params[name] = _parameter(name, annotation, value, comment, source, path)
    return params


def _trailing_comment(lines: list[str], node: ast.stmt) -> str:
    line = lines[(node.end_lineno or node.lineno) - 1]
    tail = line[node.end_col_offset :] if node.end_col_offset is not None else ""
    return tail.split("#", 1)[1].strip() if "#" in tail else ""


def _parameter(
    name: str, annotation: ast.expr | None, value: ast.expr | None, comment: str, source: str, path: Any
) -> Parameter:
    default: Any = None
    literal = True
    if value is not None:
        try:
            default = ast.literal_eval(value)
        except ValueError:
            default, literal = ast.get_source_segment(source, value), False
    choices: tuple[Any, ...] = ()
    if annotation is not None:
        ptype, choices = _annotation_type(annotation, name, path)
    else:
        ptype = _type_of_value(default) if literal else ANY
    if match := _CHOICE.search(comment):
        if choices:
            raise InputError(
                f"parameter {name!r} declares its choices twice (Literal and 'one of:')", path=path
            )
        texts = [c.strip() for c in match.group(1).split("|") if c.strip()]
        choices = tuple(_coerce_choice(text, ptype) for text in texts)
    validator = next((key for key, pattern in _MARKERS.items() if pattern.search(comment)), None)
    help_text = _CHOICE.sub("", comment).strip(" ;,")
    return Parameter(name, ptype, default, literal, choices, validator, help_text)


def _coerce_choice(text: str, ptype: ParamType) -> Any:
    base = ptype.item_type() if ptype.is_sequence else ptype
    if base.kind in ("int", "float"):
        try:
            return _SCALARS[base.kind](text)
        except ValueError:
            pass
    return text


def _annotation_type(node: ast.expr, name: str, path: Any) -> tuple[ParamType, tuple[Any, ...]]:
    """A ParamType (and Literal choices) from an annotation's AST."""

    def fail() -> InputError:
        return InputError(
            f"parameter {name!r}: unsupported type annotation {ast.unparse(node)!r} "
            "(use str, int, float, bool, list[...], tuple[...], Literal[...], or X | None)",
            path=path,
        )

    def convert(n: ast.expr) -> tuple[ParamType, tuple[Any, ...]]:
        if isinstance(n, ast.Constant) and isinstance(n.value, str):  # a quoted annotation
            return convert(ast.parse(n.value, mode="eval").body)
        if isinstance(n, ast.Constant) and n.value is None:
            return ParamType("any", nullable=True), ()
        if isinstance(n, ast.Name | ast.Attribute):
            ident = n.id if isinstance(n, ast.Name) else n.attr
            if ident in _SCALARS:
                return ParamType(ident), ()
            if ident in ("Any", "object"):
                return ANY, ()
            if ident in ("list", "List"):
                return ParamType("list", (ANY,)), ()
            raise fail()
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.BitOr):
            left, right = convert(n.left), convert(n.right)
            parts = [p for p in (left, right) if not (p[0].kind == "any" and p[0].nullable)]
            if len(parts) != 1:
                raise fail()
            return dataclasses.replace(parts[0][0], nullable=True), parts[0][1]
        if isinstance(n, ast.Subscript):
            head = n.value.id if isinstance(n.value, ast.Name) else getattr(n.value, "attr", "")
            args = list(n.slice.elts) if isinstance(n.slice, ast.Tuple) else [n.slice]
            if head == "Optional" and len(args) == 1:
                inner, choices = convert(args[0])
                return dataclasses.replace(inner, nullable=True), choices
            if head == "Literal":
                values = tuple(ast.literal_eval(a) for a in args)
                kinds = {type(v).__name__ for v in values}
                kind = kinds.pop() if len(kinds) == 1 and next(iter(kinds)) in _SCALARS else "any"
                return ParamType(kind), values
            if head in ("list", "List", "Sequence") and len(args) == 1:
                return ParamType("list", (convert(args[0])[0],)), ()
            if head in ("tuple", "Tuple"):
                if len(args) == 2 and isinstance(args[1], ast.Constant) and args[1].value is Ellipsis:
                    return ParamType("tuple", (convert(args[0])[0],), variadic=True), ()
                return ParamType("tuple", tuple(convert(a)[0] for a in args)), ()
        raise fail()

    return convert(node)


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
