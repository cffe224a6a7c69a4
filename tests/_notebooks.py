"""Small notebooks written for tests: a parameters cell, then code cells."""

from __future__ import annotations

import json
from pathlib import Path

#: The kernel spec a notebook names for the kernel-lane tests: the environment's own Python kernel.
PYTHON3 = {"name": "python3", "display_name": "Python 3", "language": "python"}


def write_notebook(path: Path, parameters: str, *code: str, kernelspec: dict | None = None) -> Path:
    """Write a notebook at ``path``: a cell tagged ``parameters`` holding ``parameters``, then a code cell for
    each of ``code`` (naming ``kernelspec`` in its metadata when given); return ``path``."""
    sources = [parameters, *code]
    cells = [
        {
            "cell_type": "code",
            "id": f"c{i}",
            "metadata": {"tags": ["parameters"]} if i == 0 else {},
            "outputs": [],
            "execution_count": None,
            "source": source,
        }
        for i, source in enumerate(sources)
    ]
    metadata = {} if kernelspec is None else {"kernelspec": kernelspec}
    path.write_text(json.dumps({"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}))
    return path


def notebook_outputs(path: Path) -> tuple[str, list[str]]:
    """All text a run's executed notebook shows (prose and outputs), and the errors it raised."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    texts, errors = [], []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            texts.append("".join(cell["source"]))
        for out in cell.get("outputs", []):
            if out["output_type"] == "error":
                errors.append(f"{out['ename']}: {out['evalue']}")
            elif out["output_type"] == "stream":
                texts.append("".join(out["text"]))
            else:
                for value in out.get("data", {}).values():
                    texts.append("".join(value) if isinstance(value, list) else str(value))
    return "\n".join(texts), errors
