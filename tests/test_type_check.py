"""The type check's configuration (pyproject.toml, [tool.mypy]): the libraries mypy does not follow are none the
toolkit imports."""

from __future__ import annotations

import ast
import fnmatch
import tomllib
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


def _imported(path: Path) -> list[tuple[int, str]]:
    """Each module ``path`` imports (absolute imports, and each name of ``from X import name`` as ``X.name``: it
    may be a module)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
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
    offending = [
        f"{path.relative_to(ROOT)}:{line}: {module} (not followed: {pattern})"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line, module in _imported(path)
        for pattern in patterns
        if _matches(module, pattern)
    ]
    assert not offending, "\n".join(offending)


def test_a_module_is_matched_as_mypy_matches_it():
    assert _matches("dask.array", "dask.array") and _matches("dask.array.core", "dask.array.*")
    assert _matches("dask.array", "dask.array.*")  # "pkg.*" matches the package itself too
    assert not _matches("dask.arrays", "dask.array.*") and not _matches("dask", "dask.array.*")
    assert not _matches("dask.array.core", "dask.array")
