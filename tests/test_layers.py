"""The package's layers import one way only: a module imports from its own layer or earlier ones."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "evidence"
LAYERS = ["core", "sources", "analyses", "presentation", "notebooks", "runs", "briefs", "cli"]


def _layer_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "evidence" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in LAYERS else None


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", None) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).parts[0] in LAYERS)


def test_every_module_belongs_to_a_layer() -> None:
    strays = [p for p in PACKAGE.rglob("*.py") if p.parent == PACKAGE and p.name != "__init__.py"]
    assert not strays, f"modules outside the layer folders: {strays}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_one_way(path: Path) -> None:
    own = LAYERS.index(path.relative_to(PACKAGE).parts[0])
    backwards = [
        f"line {line}: {module}"
        for line, module in _imports(path)
        if (layer := _layer_of(module)) is not None and LAYERS.index(layer) > own
    ]
    assert not backwards, f"{path.relative_to(PACKAGE)} imports from later layers: {backwards}"
