"""The type check's configuration (pyproject.toml, [tool.mypy]): the libraries mypy does not follow are none the
toolkit imports."""

from __future__ import annotations

import ast
import fnmatch
import re
import tomllib
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "evidence"


def _not_followed() -> list[str]:
    """The module patterns of the overrides that say ``follow_imports = "skip"``."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns: list[str] = []
    for override in config["tool"]["mypy"].get("overrides", []):
        if override.get("follow_imports") == "skip":
            modules = override["module"]
            patterns += [modules] if isinstance(modules, str) else modules
    return patterns


def _imported(path: Path, roots: tuple[str, ...] | None = None) -> list[tuple[int, str]]:
    """Each module ``path`` imports (absolute imports, and each name of ``from X import name`` as ``X.name``: it
    may be a module), or, given ``roots`` (top-level names), none when the file names none of them: an import
    names its module's top-level package as a word of its text (as the parser reads identifiers, NFKC-normalised),
    so a file without any of those words imports nothing under them and is not parsed (most of the toolkit's
    source: parsing it all took a CPU-second)."""
    text = path.read_text(encoding="utf-8")
    if roots is not None:
        words = re.compile(r"\b(?:" + "|".join(map(re.escape, roots)) + r")\b")
        if not words.search(unicodedata.normalize("NFKC", text)):
            return []
    found = []
    for node in ast.walk(ast.parse(text, filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def _matches(module: str, pattern: str) -> bool:
    # mypy's patterns: "pkg" the module itself, "pkg.*" it and everything under it
    if pattern.endswith(".*"):
        return module == pattern[:-2] or fnmatch.fnmatchcase(module, pattern)
    return module == pattern


def test_the_toolkit_imports_no_library_the_type_check_does_not_follow():
    """mypy reads a library it does not follow as Any: a toolkit module importing one would be checked against
    nothing. The list of such libraries is for what other libraries import only (faster checks, same types)."""
    patterns = _not_followed()
    roots: tuple[str, ...] | None = tuple(sorted({pattern.split(".")[0] for pattern in patterns}))
    if roots and any(set("*?[") & set(root) for root in roots):
        roots = None  # a wildcard in a top-level name names no word to look for: every file is parsed
    offending = [
        f"{path.relative_to(ROOT)}:{line}: {module} (not followed: {pattern})"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line, module in _imported(path, roots)
        for pattern in patterns
        if _matches(module, pattern)
    ]
    assert not offending, "\n".join(offending)


def test_a_module_is_matched_as_mypy_matches_it():
    assert _matches("dask.array", "dask.array") and _matches("dask.array.core", "dask.array.*")
    assert _matches("dask.array", "dask.array.*")  # "pkg.*" matches the package itself too
    assert not _matches("dask.arrays", "dask.array.*") and not _matches("dask", "dask.array.*")
    assert not _matches("dask.array.core", "dask.array")
